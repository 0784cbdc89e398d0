"""Faults: the mail server goes down, the sender is killed, the database is busy.

What must hold: no mail lost (every queued message is delivered, or visibly marked for a person to
look at), none sent twice, and no half-written minutes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from overleg.extensions import db
from overleg.mail import outbox
from overleg.models import AgendaItemNote, Minutes, OutboxMessage, OutboxStatus, User
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import IsolatedClient, csrf_token, login
from tests.support.pgcluster import free_port
from tests.support.servers import PROJECT_ROOT, production_env
from tests.system.conftest import SharedDatabase

BULK = 30


@dataclass
class FlakyHandler:
    """An SMTP server we can take down: accept, answer 421 (service not available), or hold the
    reply to one message until released (a sender caught in the middle of a send)."""

    accepted: list[str] = field(default_factory=list)  # Message-IDs, in order
    mode: str = "accept"  # accept | unavailable
    accept_before_unavailable: int | None = None
    hold_at: int | None = None  # the n-th message (1-based) waits for `release`
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "unavailable" or (
            self.accept_before_unavailable is not None
            and len(self.accepted) >= self.accept_before_unavailable
        ):
            return "421 4.3.2 Service not available, closing transmission channel"
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.accepted.append(str(parsed["Message-ID"]))
        if self.hold_at is not None and len(self.accepted) == self.hold_at:
            self.holding.set()
            # The message is in; the reply is not sent until the test says so.
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        return "250 OK"


class Smtp:
    def __init__(self, handler: FlakyHandler) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(FlakyHandler())
    server.start()
    yield server
    server.handler.release.set()
    server.stop()


def _queue(count: int) -> list[str]:
    """Queue `count` messages (committed) and return their Message-IDs."""
    ids = []
    for n in range(count):
        message = EmailMessage()
        message["From"] = "overleg@example.be"
        message["To"] = f"actor{n}@example.be"
        message["Subject"] = f"Uitnodiging {n}"
        message.set_content(f"Beste actor {n}")
        row = outbox.enqueue(message, kind="invitation", to_address=f"actor{n}@example.be")
        ids.append(row.message_id)
    db.session.commit()
    return ids


def _settings(smtp: Smtp) -> outbox.SmtpSettings:
    return outbox.SmtpSettings(host="127.0.0.1", port=smtp.port, timeout=10, mail_from="o@x.be")


def _statuses() -> Counter[str]:
    db.session.expire_all()
    return Counter(str(s) for s in db.session.scalars(sa.select(OutboxMessage.status)))


def test_smtp_down_during_a_bulk_send_loses_nothing_and_sends_nothing_twice(
    shared_db: SharedDatabase, smtp: Smtp
):
    queued = _queue(BULK)
    # The server goes down after 10 messages: it answers 421 to the rest.
    smtp.handler.accept_before_unavailable = 10
    report = outbox.deliver_due(_settings(smtp), now=utcnow())
    assert len(report.sent) == 10
    assert _statuses() == Counter({"sent": 10, "queued": 20})

    # Now it is gone altogether (connection refused): everything waits, with the reason.
    smtp.stop()
    later = utcnow() + timedelta(hours=1)
    report = outbox.deliver_due(_settings(smtp), now=later)
    assert report.sent == [] and len(report.retrying) == 20
    assert _statuses() == Counter({"sent": 10, "queued": 20})
    assert all(
        row.last_error
        for row in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.QUEUED)
        )
    )

    # The server is back: the rest goes out, once.
    smtp.handler.accept_before_unavailable = None
    smtp.start()
    report = outbox.deliver_due(_settings(smtp), now=later + timedelta(days=1))
    assert len(report.sent) == 20
    assert _statuses() == Counter({"sent": BULK})
    assert sorted(smtp.handler.accepted) == sorted(queued)  # every message, exactly once


def test_sender_killed_half_way_sends_nothing_twice_and_flags_the_one_in_flight(
    shared_db: SharedDatabase, smtp: Smtp, tmp_path
):
    queued = _queue(BULK)
    smtp.handler.hold_at = 11  # the sender is killed while waiting for the 11th reply
    env = production_env(
        shared_db.url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        SMTP_TIMEOUT_SECONDS="30",
        MAIL_FROM="overleg@example.be",
    )
    with (tmp_path / "sender.log").open("wb") as log:
        sender = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "overleg", "outbox", "send"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert smtp.handler.holding.wait(timeout=120), (tmp_path / "sender.log").read_text()
            os.kill(sender.pid, signal.SIGKILL)
            assert sender.wait(timeout=30) == -signal.SIGKILL
        finally:
            if sender.poll() is None:
                sender.kill()
                sender.wait(timeout=30)
    smtp.handler.release.set()
    # Killed mid-send: 10 confirmed, one in doubt (the server has it, the sender never heard).
    assert _statuses() == Counter({"sent": 10, "sending": 1, "queued": 19})

    # The next run, once the claim has expired: the one in doubt is flagged, not sent again;
    # everything else goes out.
    report = outbox.deliver_due(_settings(smtp), now=utcnow() + outbox.LEASE + timedelta(minutes=1))
    assert len(report.interrupted) == 1 and len(report.sent) == 19
    assert _statuses() == Counter({"sent": 29, "failed": 1})
    in_doubt = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    ).one()
    assert in_doubt.last_error == outbox.INTERRUPTED_REASON  # visible to the coordinator
    accepted = Counter(smtp.handler.accepted)
    assert max(accepted.values()) == 1, "a message was sent twice"
    assert set(accepted) == set(queued), "a message was lost"


def _hold_write_lock(
    shared_db: SharedDatabase, tables: str = "minutes, agenda_item_note, action_point"
) -> tuple[Any, Any]:
    """Another process's writer holds the database; returns (connection, release)."""
    url = sa.make_url(shared_db.url)
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the write lock, held until rollback
        return other, other.rollback
    engine = sa.create_engine(shared_db.url)
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(sa.text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))

    def release() -> None:
        trans.rollback()
        conn.close()
        engine.dispose()

    return conn, release


def _short_lock_wait() -> None:
    """Make this session give up quickly instead of waiting out the production timeout."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA busy_timeout = 200"))
    else:
        db.session.execute(sa.text("SET lock_timeout = '200ms'"))


def test_a_busy_database_leaves_no_half_written_minutes(shared_db: SharedDatabase):
    from overleg.minutes import services as minutes_services

    world = shared_db.world
    meeting = factories.HeldMeetingFactory(municipality=world.north)
    first = factories.AgendaItemFactory(meeting=meeting, title="Verwelkoming")
    second = factories.AgendaItemFactory(meeting=meeting, title="Woonnood")
    minutes = factories.MinutesFactory(meeting=meeting)
    minutes_services.save_minutes(
        minutes,
        notes=[
            minutes_services.NoteData(first.id, "oud 1"),
            minutes_services.NoteData(second.id, "oud 2"),
        ],
        expected_version=minutes.version,
        user=world.secretary,
        now=utcnow(),
    )
    db.session.commit()
    minutes_id, version = minutes.id, minutes.version

    _conn, release = _hold_write_lock(shared_db)
    try:
        _short_lock_wait()
        with pytest.raises(sa.exc.OperationalError):
            minutes_services.save_minutes(
                db.session.get(Minutes, minutes_id),
                notes=[
                    minutes_services.NoteData(first.id, "nieuw 1"),
                    minutes_services.NoteData(second.id, "nieuw 2"),
                ],
                action_points=[minutes_services.ActionPointData(None, "Nieuw actiepunt")],
                expected_version=version,
                user=world.secretary,
                now=utcnow(),
            )
            db.session.commit()
        db.session.rollback()
    finally:
        release()

    db.session.expire_all()
    stored = db.session.get(Minutes, minutes_id)
    assert stored.version == version
    notes = db.session.scalars(
        sa.select(AgendaItemNote.discussion).where(AgendaItemNote.minutes_id == minutes_id)
    ).all()
    assert sorted(notes) == ["oud 1", "oud 2"]  # all of the old, none of the new
    assert minutes_services.action_points_of(meeting) == []


def test_a_busy_database_answers_503_to_try_again_and_keeps_nothing(shared_db: SharedDatabase):
    app = shared_db.app
    user = shared_db.world.coordinator

    @sa.event.listens_for(db.engine, "checkout")
    def short_wait(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 200")
        else:
            cursor.execute("SET lock_timeout = '200ms'")
        cursor.close()

    app.test_client_class = IsolatedClient  # each request its own context, as in production
    client = app.test_client()
    login(client, user)
    token = csrf_token(client, "/")
    db.session.commit()
    _conn, release = _hold_write_lock(shared_db, '"user"')
    try:
        response = client.post("/taal", data={"language": "en", "next": "/", "csrf_token": token})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "De databank is even bezet" in response.get_data(as_text=True)
    finally:
        release()
    db.session.expire_all()
    assert db.session.get(User, user.id).locale != "en"  # nothing of the refused change
    # Once the other writer is done, the same request goes through.
    response = client.post("/taal", data={"language": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
