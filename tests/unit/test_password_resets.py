""" "Wachtwoord vergeten?" without HTTP: the request does the same work for every address; the
mail sender turns a request for an active account into a link and a mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from overleg.auth import accounts, resets
from overleg.auth.accounts import LinkState
from overleg.extensions import db
from overleg.models import AccountLink, OutboxMessage, PasswordResetRequest
from overleg.models.types import utcnow
from tests import factories

POLICY = resets.ResetPolicy(max_per_account=3, max_per_address=5)


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL the session sends (text only: the parameters hold the address)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(re.sub(r"\s+", " ", statement))

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _ask(email: str, ip: str = "192.0.2.1", now=None) -> bool:
    asked = resets.request_password_reset(email, ip, policy=POLICY, now=now)
    db.session.commit()
    return asked


def test_the_request_sends_the_same_statements_for_every_address(app, world):
    inactive = factories.UserFactory(platform=world.platform, email="weg@example.be")
    inactive.active = False
    without_password = factories.UserFactory(platform=world.platform, email="nog@example.be")
    without_password.password_hash = None
    db.session.commit()
    seen = {}
    addresses = ("secretaris@example.be", "niemand@example.be", "weg@example.be", "nog@example.be")
    for email in addresses:
        with statements() as sent:
            assert _ask(email)
        seen[email] = sent
    first = seen["secretaris@example.be"]
    assert len(first) >= 3  # two counts and the insert
    assert all(sent == first for sent in seen.values()), seen
    assert not any("FROM user" in s or 'FROM "user"' in s for s in first), "no account lookup"


def test_the_sender_mails_an_active_account_only(app, world):
    for email in ("SECRETARIS@example.be", "niemand@example.be"):
        _ask(email)
    world.reader.active = False
    db.session.commit()
    _ask("lezer@example.be")
    assert resets.process_reset_requests() == 1
    db.session.commit()
    mail = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [m.to_address for m in mail] == ["secretaris@example.be"]
    assert mail[0].kind == "password_reset"
    token = re.search(rb"/password/([A-Za-z0-9_-]{43})", mail[0].raw).group(1).decode()
    state, link = accounts.find_link(token)
    assert state is LinkState.VALID and link.user_id == world.secretary.id
    assert link.expires_at - link.created_at == timedelta(hours=1)
    pending = sa.select(sa.func.count()).where(PasswordResetRequest.processed_at.is_(None))
    assert db.session.scalar(pending) == 0
    assert resets.process_reset_requests() == 0, "a request is mailed once"


def test_the_mail_follows_the_language_it_was_asked_in(app, world):
    resets.request_password_reset("secretaris@example.be", "192.0.2.1", policy=POLICY, locale="en")
    db.session.commit()
    resets.process_reset_requests()
    db.session.commit()
    assert db.session.scalar(sa.select(OutboxMessage.subject)) == "A new password for overleg"


def test_limits_per_address_and_per_client(app, world):
    now = utcnow()
    assert all(_ask("secretaris@example.be", now=now) for _ in range(3))
    assert not _ask("SECRETARIS@example.be", ip="198.51.100.7", now=now)
    assert _ask("secretaris@example.be", now=now + timedelta(minutes=16))
    assert all(_ask(f"x{n}@example.be", ip="203.0.113.9", now=now) for n in range(5))
    assert not _ask("y@example.be", ip="203.0.113.9", now=now)
    recorded = db.session.scalar(sa.select(sa.func.count(PasswordResetRequest.id)))
    assert recorded == 9, "a refused request records nothing"


def test_old_requests_are_forgotten(app, world):
    now = utcnow()
    _ask("niemand@example.be", now=now - timedelta(days=3))
    resets.process_reset_requests(now=now - timedelta(days=2))
    resets.process_reset_requests(now=now)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(PasswordResetRequest.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AccountLink.id))) == 0


def test_the_mail_sender_turns_requests_into_mail(app, world, runner):
    _ask("secretaris@example.be")
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutboxMessage.to_address)) == "secretaris@example.be"


def test_every_sender_turns_requests_into_mail_before_it_delivers(app, world, smtp):
    """The worker calls outbox.deliver_due itself: the requests must not wait for
    `outbox send`."""
    from overleg.mail import outbox

    _ask("secretaris@example.be")
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="bounce@example.be"
    )
    report = outbox.deliver_due(settings)
    assert len(report.sent) == 1
    assert [m.rcpt_tos for m in smtp.messages] == [["secretaris@example.be"]]
