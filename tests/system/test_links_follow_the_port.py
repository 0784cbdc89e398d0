"""Links in mail lead to the running app, on whatever port `make run` was given.

As `PORT=NNNN make run` does: the development server and the worker get PORT and no BASE_URL.
The worker queues a reminder; every link in it (text, HTML and calendar part) points at that port,
and the answer link opens the invitee's page on the server.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from overleg.extensions import db
from overleg.models import MeetingStatus, OutboxMessage
from overleg.models.types import utcnow
from tests import factories
from tests.support.pgcluster import free_port
from tests.support.servers import PROJECT_ROOT, request
from tests.system.conftest import SharedDatabase

LINK = re.compile(rb"https?://[^\s\"'<>]+")


def _environment(database_url: str, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OVERLEG_", "TEST_DATABASE", "BASE_URL", "SMTP_", "IMAP_"))
    }
    env.update(
        OVERLEG_ENV="development",
        DATABASE_URL=database_url,
        PORT=str(port),
        DAILY_JOBS_HOUR="0",  # the reminders are due at once
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "overleg", *args]


@contextlib.contextmanager
def _development_server(env: dict[str, str], port: int, log: Path):
    with log.open("wb") as handle:
        process = subprocess.Popen(
            _flask("run", "--host", "127.0.0.1", "--port", str(port)),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if request(f"http://127.0.0.1:{port}", "GET", "/healthz")[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {log.read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _unanswered_invitation_in_three_days() -> str:
    meeting = factories.MeetingFactory(
        start_at=utcnow() + timedelta(days=3), status=MeetingStatus.INVITED
    )
    factories.InvitationFactory(meeting=meeting, sent_at=utcnow() - timedelta(days=10))
    db.session.commit()
    return meeting.title


def test_links_in_a_queued_mail_follow_the_port_of_make_run(shared_db: SharedDatabase, tmp_path):
    title = _unanswered_invitation_in_three_days()
    port = free_port()
    while port == 5000:
        port = free_port()
    env = _environment(shared_db.url, port)
    worker = subprocess.run(
        _flask("worker", "--once"), cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr.decode()
    assert b"reminders: 1 herinnering(en) in de wachtrij." in worker.stderr

    db.session.expire_all()
    row = db.session.scalars(db.select(OutboxMessage).filter_by(kind="reminder")).one()
    base = f"http://127.0.0.1:{port}/".encode()
    links = set()
    for part in message_from_bytes(row.raw, policy=policy.default).walk():
        if part.get_content_maintype() == "text":
            # Calendar lines are folded at 75 octets (RFC 5545, 3.1): unfold them first.
            text = re.sub(r"\r?\n[ \t]", "", part.get_content())
            links.update(LINK.findall(text.encode()))
    assert links and all(link.startswith(base) for link in links), links
    answer = next(link.decode() for link in links if b"/rsvp/" in link)

    with _development_server(env, port, tmp_path / "server.log") as server:
        status, _headers, body = request(server, "GET", answer.removeprefix(server))
    assert status == 200
    assert title.encode() in body
