"""Accounts without HTTP: creating users, one-time links, passwords, sessions, deactivation."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from overleg.auth import accounts, services
from overleg.auth.accounts import LinkState
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    AccountLink,
    AccountLinkPurpose,
    AuditEntry,
    LoginSession,
    OutboxMessage,
    Role,
    User,
)
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import World
from tests.unit.test_auth_timing import CountingHasher

NEW_PASSWORD = "zes gele kanaries in Geel"
HASHER = services.password_hasher(time_cost=1, memory_cost=1024)


def _create(world: World, **changes):
    values = {
        "email": "nieuw@example.be",
        "name": "Nieuwe Secretaris",
        "role": "secretary",
        "municipalities": [world.north],
    }
    values.update(changes)
    return accounts.create_user(world.platform, **values)


def _refused_field(call) -> str | None:
    with pytest.raises(Refusal) as refused:
        call()
    db.session.rollback()
    return refused.value.field


def test_create_user_makes_an_active_user_without_a_password(app, world):
    user = _create(world, email="  Nieuw@Example.BE ", actor=world.coordinator)
    db.session.commit()
    assert (user.email, user.role, user.active, user.password_hash) == (
        "nieuw@example.be",
        Role.SECRETARY,
        True,
        None,
    )
    assert [m.slug for m in user.municipalities] == ["noorderdorp"]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.user_id == world.coordinator.id and entry.object_id == user.id


def test_a_coordinator_sees_every_municipality_and_stores_none(app, world):
    user = _create(world, role=Role.COORDINATOR, municipalities=[world.north])
    assert user.municipalities == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "geen-adres"}, "email"),
        ({"email": "twee@@example.be"}, "email"),
        ({"email": "a@b.be\nBcc: x@y.be"}, "email"),
        ({"email": "SECRETARIS@example.be"}, "email"),  # in use, whatever the case
        ({"role": "admin"}, "role"),
        ({"name": "  "}, "name"),
        ({"municipalities": []}, "municipalities"),
    ],
)
def test_create_user_refuses_bad_input_and_changes_nothing(app, world, changes, field):
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    assert _refused_field(lambda: _create(world, **changes)) == field
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_municipalities_must_belong_to_the_platform(app, world):
    assert _refused_field(lambda: _create(world, municipalities=[world.elsewhere])) == (
        "municipalities"
    )


def test_a_user_without_a_password_cannot_log_in_at_the_same_cost(app, world):
    user = _create(world)
    db.session.commit()
    hasher = CountingHasher()
    with pytest.raises(services.LoginRefused):
        services.authenticate(user.email, "", "192.0.2.1", hasher, services.LoginPolicy())
    assert hasher.verified == 1


def _session(user: User) -> str:
    token = services.open_session(user, "192.0.2.1", "test", services.LoginPolicy())
    db.session.commit()
    return token


def test_end_sessions_keeps_only_the_named_one(app, world):
    user = world.secretary
    keep, other, third = _session(user), _session(user), _session(user)
    _session(world.coordinator)
    assert accounts.end_sessions(user, keep_token=keep) == 2
    db.session.commit()
    assert services.user_for_session(keep) is not None
    assert services.user_for_session(other) is None and services.user_for_session(third) is None
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == 2


def test_deactivation_ends_every_session_and_refuses_the_old_cookie(app, world):
    token = _session(world.secretary)
    assert services.user_for_session(token) is not None
    accounts.deactivate_user(world.secretary, actor=world.coordinator)
    db.session.commit()
    assert services.user_for_session(token) is None
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == 0
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "user.deactivate"
    )
    accounts.reactivate_user(world.secretary, actor=world.coordinator)
    db.session.commit()
    assert world.secretary.active


def test_an_inactive_users_surviving_session_row_is_refused(app, world):
    """user_for_session checks `active` itself, not only the deletion of the rows."""
    token = _session(world.reader)
    world.reader.active = False
    db.session.commit()
    assert services.user_for_session(token) is None


def test_the_last_active_coordinator_stays(app, world):
    only = world.coordinator
    assert _refused_field(lambda: accounts.deactivate_user(only, actor=only)) is None
    with pytest.raises(Refusal):
        accounts.ensure_coordinator_remains(only, role=Role.SECRETARY)
    accounts.ensure_coordinator_remains(only, role=Role.COORDINATOR)  # no change: fine
    other = factories.UserFactory(platform=world.platform, role=Role.COORDINATOR)
    other.active = False
    db.session.commit()
    with pytest.raises(Refusal):  # an inactive colleague does not count
        accounts.ensure_coordinator_remains(only, active=False)
    other.active = True
    db.session.commit()
    accounts.deactivate_user(only, actor=other)
    db.session.commit()
    assert not only.active
    # The other platform's coordinator never counted for this one.
    with pytest.raises(Refusal):
        accounts.ensure_coordinator_remains(other, active=False)


# --- links -------------------------------------------------------------------------------------


def _token(url: str) -> str:
    assert url.startswith("http://localhost/password/")
    return url.rsplit("/", 1)[1]


def test_a_link_is_stored_hashed_and_works_once(app, world):
    user = _create(world)
    url = accounts.issue_password_link(user, "set_password")
    db.session.commit()
    token = _token(url)
    link = db.session.scalar(sa.select(AccountLink))
    assert token not in (link.token_hash, link.password_fingerprint) and len(token) == 43
    assert link.expires_at - link.created_at == timedelta(days=7)
    session = _session(user)
    assert accounts.find_link(token)[0] is LinkState.VALID
    accounts.set_password_with_link(token, NEW_PASSWORD, hasher=HASHER)
    db.session.commit()
    assert services.verify_password(user, NEW_PASSWORD, HASHER)
    assert services.user_for_session(session) is None, "setting a password ends the sessions"
    assert accounts.find_link(token)[0] is LinkState.USED
    with pytest.raises(Refusal):
        accounts.set_password_with_link(token, "nog een ander wachtwoord", hasher=HASHER)


def test_a_reset_link_lasts_an_hour(app, world):
    now = utcnow()
    token = _token(accounts.issue_password_link(world.secretary, "reset_password", now=now))
    db.session.commit()
    assert accounts.find_link(token, now=now + timedelta(minutes=59))[0] is LinkState.VALID
    assert accounts.find_link(token, now=now + timedelta(minutes=60))[0] is LinkState.EXPIRED
    with pytest.raises(Refusal):
        accounts.set_password_with_link(
            token, NEW_PASSWORD, hasher=HASHER, now=now + timedelta(hours=2)
        )


def test_a_link_dies_when_the_password_changes(app, world):
    user = world.secretary
    first = _token(accounts.issue_password_link(user, "reset_password"))
    second = _token(accounts.issue_password_link(user, "reset_password"))
    db.session.commit()
    accounts.set_password_with_link(second, NEW_PASSWORD, hasher=HASHER)
    db.session.commit()
    assert accounts.find_link(first)[0] is LinkState.USED


def test_a_refused_password_keeps_the_link(app, world):
    token = _token(accounts.issue_password_link(world.secretary, "reset_password"))
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        accounts.set_password_with_link(token, "te kort", hasher=HASHER)
    assert refused.value.field == "password"
    db.session.rollback()
    assert accounts.find_link(token)[0] is LinkState.VALID


@pytest.mark.parametrize("token", ["", "kort", "x" * 43, "../../etc/passwd"])
def test_unknown_and_malformed_tokens(app, world, token):
    assert accounts.find_link(token) == (LinkState.UNKNOWN, None)


def test_a_deactivated_users_link_is_unknown(app, world):
    token = _token(accounts.issue_password_link(world.reader, "reset_password"))
    world.reader.active = False
    db.session.commit()
    assert accounts.find_link(token) == (LinkState.UNKNOWN, None)


@pytest.mark.parametrize(
    ("locale", "purpose", "subject"),
    [
        (None, "set_password", "Je account voor Kempens Testplatform"),
        ("en", "set_password", "Your account for Kempens Testplatform"),
        ("nl", "reset_password", "Een nieuw wachtwoord voor overleg"),
        ("en", "reset_password", "A new password for overleg"),
    ],
)
def test_the_mail_holds_the_link_in_the_users_language(app, world, locale, purpose, subject):
    user = _create(world)
    user.locale = locale
    url = accounts.issue_password_link(user, purpose)
    accounts.queue_password_mail(user, url, purpose)
    db.session.commit()
    row = db.session.scalar(sa.select(OutboxMessage))
    message = message_from_bytes(row.raw, policy=policy.default)
    assert message["Subject"] == subject and row.to_address == "nieuw@example.be"
    body = message.get_body(("plain",)).get_content()
    assert url in body
    assert "minutes" in body or "dagen" in body or "days" in body or "minuten" in body
    assert ("Dear" in body) == (locale == "en")
    assert row.kind == accounts.MAIL_KINDS[AccountLinkPurpose(purpose)]


def test_command_line_changes_to_users_are_in_their_platforms_trail(app, world):
    from overleg.audit.queries import AuditFilters, audit_entries

    user = _create(world)  # no actor: the command line
    accounts.deactivate_user(user, actor=None)
    db.session.commit()
    own = audit_entries(world.platform.id, AuditFilters()).items
    assert [(e.action, e.actor_label) for e in own] == [
        ("user.deactivate", accounts.COMMAND_LINE),
        ("user.create", accounts.COMMAND_LINE),
    ]
    assert audit_entries(world.outsider.platform_id, AuditFilters()).items == []
