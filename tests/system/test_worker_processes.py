"""Two `flask worker` processes over one database: a job runs in one of them at a time.

The SMTP server holds the first message until the other worker has tried the outbox job and
logged that it skipped it; without the lease that worker would deliver at the same time (the
server counts the deliveries in progress) and never log a skip.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from overleg.extensions import db
from overleg.mail import outbox
from overleg.models import OutboxMessage, OutboxStatus
from tests.smtp_server import free_port
from tests.support.servers import PROJECT_ROOT
from tests.system.conftest import SharedDatabase

SKIPPED = "outbox: overgeslagen, een ander proces voert deze taak uit"


class HoldingHandler:
    """Accepts every message; holds the first in DATA until `release` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.active = 0
        self.most_at_once = 0
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
            first = not self.received
            self.received.append(bytes(envelope.original_content))
        try:
            if first:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, self.release.wait, 60)
        finally:
            with self.lock:
                self.active -= 1
        return "250 OK"


def _queue(count: int) -> None:
    for number in range(count):
        message = EmailMessage()
        message["From"] = "overleg@example.be"
        message["To"] = f"iemand{number}@example.be"
        message["Subject"] = f"Bericht {number}"
        message.set_content("Hallo")
        outbox.enqueue(message, kind="test", to_address=f"iemand{number}@example.be")
    db.session.commit()


def _environment(database_url: str, smtp_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVERLEG_", "TEST_DATABASE"))}
    env.update(
        OVERLEG_ENV="development",
        DATABASE_URL=database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        OUTBOX_INTERVAL_SECONDS="1",
        IMAP_HOST="",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "overleg", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def _wait_for(condition, what: str, logs: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    written = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in logs)
    raise AssertionError(f"timed out waiting for {what}\n{written}")


def test_two_workers_never_run_the_same_job_at_once(shared_db: SharedDatabase, tmp_path):
    _queue(4)
    handler = HoldingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = _environment(shared_db.url, controller.port)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [_start(env, log) for log in logs]
    try:

        def text() -> str:
            return "".join(log.read_text(errors="replace") for log in logs)

        # One worker holds the outbox (its first message is held); the other skips the job.
        _wait_for(lambda: handler.received and SKIPPED in text(), "a skipped outbox run", logs)
        handler.release.set()
        _wait_for(lambda: len(handler.received) == 4, "the four messages", logs)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            assert worker.wait(timeout=60) == 0
    finally:
        handler.release.set()
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        controller.stop()

    assert handler.most_at_once == 1
    written = text()
    assert written.count(" gestopt") == 2  # both stopped cleanly on SIGTERM
    assert "verstuurd: 4, later opnieuw: 0, mislukt: 0" in written
    db.session.expire_all()
    statuses = db.session.scalars(db.select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * 4
