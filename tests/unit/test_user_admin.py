"""The coordinators' accounts page, without HTTP: the list, role and municipalities, the rules."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from overleg.auth import accounts, user_admin
from overleg.auth.user_admin import AccountStatus, Assignment
from overleg.extensions import db
from overleg.lib.refusal import EditConflict, Refusal
from overleg.models import AuditEntry, OutboxMessage, Role, User
from tests import factories
from tests.conftest import World


def _reread(user: User) -> User:
    db.session.expire_all()
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def _last_audit(action: str) -> AuditEntry:
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None, action
    return entry


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0


# --- the list ---------------------------------------------------------------------------------


def test_the_list_holds_the_users_of_the_own_platform_only(world: World):
    names = [u.email for u in user_admin.platform_accounts(world.coordinator)]
    assert sorted(names) == sorted(
        [world.coordinator.email, world.secretary.email, world.reader.email]
    )
    assert world.outsider.email not in names
    outsiders = [u.email for u in user_admin.platform_accounts(world.outsider)]
    # The test world gives the other platform its own users too: exactly those, none of ours.
    theirs = db.session.scalars(
        sa.select(User.email).where(User.platform_id == world.outsider.platform_id)
    ).all()
    assert world.outsider.email in outsiders
    assert sorted(outsiders) == sorted(theirs)
    assert not set(outsiders) & set(names)


def test_the_list_is_for_coordinators_only(world: World):
    assert user_admin.platform_accounts(world.secretary) == []
    assert user_admin.platform_accounts(world.reader) == []


def test_the_list_costs_the_same_queries_for_more_users(world: World):
    from tests.unit.test_directory_services import count_queries

    assert world.coordinator.platform_id  # the actor is loaded before counting
    with count_queries() as few:
        [u.municipalities for u in user_admin.platform_accounts(world.coordinator)]
    for _ in range(8):
        factories.UserFactory(
            platform=world.platform, role=Role.SECRETARY, municipalities=[world.north, world.south]
        )
    db.session.commit()
    db.session.expire_all()
    assert world.coordinator.platform_id
    with count_queries() as many:
        [u.municipalities for u in user_admin.platform_accounts(world.coordinator)]
    assert many.count == few.count == 2


def test_the_status_says_active_invited_or_deactivated(world: World):
    invited = factories.UserFactory(platform=world.platform, password_hash=None)
    gone = factories.UserFactory(platform=world.platform, active=False)
    assert user_admin.account_status(world.secretary) is AccountStatus.ACTIVE
    assert user_admin.account_status(invited) is AccountStatus.INVITED
    assert user_admin.account_status(gone) is AccountStatus.DEACTIVATED


# --- role and municipalities --------------------------------------------------------------------


def test_a_reader_becomes_secretary_of_two_municipalities(world: World):
    version = world.reader.version
    changed = user_admin.change_assignment(
        world.coordinator,
        world.reader,
        Assignment(Role.SECRETARY, frozenset({world.north.id, world.south.id})),
        expected_version=version,
    )
    db.session.commit()
    reader = _reread(world.reader)
    assert changed
    assert reader.role is Role.SECRETARY
    assert [m.slug for m in reader.municipalities] == ["noorderdorp", "zuiderdorp"]
    assert reader.version == version + 1
    entry = _last_audit("user.update")
    assert (entry.user_id, entry.object_type, entry.object_id) == (
        world.coordinator.id,
        "User",
        reader.id,
    )
    assert entry.summary == reader.name
    assert entry.details["changes"] == {
        "role": ["reader", "secretary"],
        "municipalities": [["Noorderdorp"], ["Noorderdorp", "Zuiderdorp"]],
    }


def test_a_coordinator_keeps_no_municipalities(world: World):
    user_admin.change_assignment(
        world.coordinator,
        world.secretary,
        Assignment(Role.COORDINATOR, frozenset({world.north.id})),
        expected_version=world.secretary.version,
    )
    db.session.commit()
    secretary = _reread(world.secretary)
    assert (secretary.role, secretary.municipalities) == (Role.COORDINATOR, [])


def test_nothing_changed_writes_nothing(world: World):
    before, entries = world.secretary.version, _audit_count()
    changed = user_admin.change_assignment(
        world.coordinator,
        world.secretary,
        Assignment(Role.SECRETARY, frozenset({world.north.id})),
        expected_version=before,
    )
    db.session.commit()
    assert not changed
    assert (_reread(world.secretary).version, _audit_count()) == (before, entries)


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.READER])
def test_a_secretary_or_reader_needs_a_municipality(world: World, role: Role):
    with pytest.raises(Refusal) as refused:
        user_admin.change_assignment(
            world.coordinator,
            world.secretary,
            Assignment(role, frozenset()),
            expected_version=world.secretary.version,
        )
    assert refused.value.field == "municipalities"


def test_a_municipality_of_another_platform_is_refused(world: World):
    with pytest.raises(Refusal) as refused:
        user_admin.change_assignment(
            world.coordinator,
            world.secretary,
            Assignment(Role.SECRETARY, frozenset({world.north.id, world.elsewhere.id})),
            expected_version=world.secretary.version,
        )
    assert refused.value.field == "municipalities"
    db.session.rollback()
    assert [m.slug for m in _reread(world.secretary).municipalities] == ["noorderdorp"]


def test_a_change_from_a_stale_form_is_a_conflict(world: World):
    with pytest.raises(EditConflict):
        user_admin.change_assignment(
            world.coordinator,
            world.secretary,
            Assignment(Role.READER, frozenset({world.north.id})),
            expected_version=world.secretary.version - 1,
        )


# --- the last coordinator -----------------------------------------------------------------------


def _step_down(world: World, role: Role = Role.READER) -> bool:
    """The coordinator makes themselves a secretary or a reader of Noorderdorp."""
    return user_admin.change_assignment(
        world.coordinator,
        world.coordinator,
        Assignment(role, frozenset({world.north.id})),
        expected_version=world.coordinator.version,
    )


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.READER])
def test_the_last_active_coordinator_cannot_be_demoted(world: World, role: Role):
    with pytest.raises(Refusal) as refused:
        _step_down(world, role)
    assert "laatste actieve coördinator" in str(refused.value)
    db.session.rollback()
    assert _reread(world.coordinator).role is Role.COORDINATOR


@pytest.mark.parametrize(
    "other",
    [
        {"active": False},  # a deactivated coordinator does not count
        {"platform": None},  # nor does one of another platform (a new one here)
    ],
)
def test_only_an_active_coordinator_of_the_platform_counts(world: World, other: dict):
    settings = {"platform": world.platform, "role": Role.COORDINATOR, **other}
    if settings["platform"] is None:
        del settings["platform"]  # the factory makes a platform of its own
    factories.UserFactory(**settings)
    db.session.commit()
    with pytest.raises(Refusal):
        _step_down(world)


def test_with_a_second_coordinator_one_may_step_down(world: World):
    factories.UserFactory(platform=world.platform, role=Role.COORDINATOR)
    db.session.commit()
    assert _step_down(world)
    db.session.commit()
    assert _reread(world.coordinator).role is Role.READER


def test_a_login_is_recorded_in_brussels_time_on_the_list(world: World):
    """last_login_at is stored in UTC; the page shows it in Brussels time (the template's
    short_datetime): 23:30 UTC on 31 March is 01:30 the next day in Brussels."""
    from overleg.lib.dates import short_datetime

    world.secretary.last_login_at = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    db.session.commit()
    listed = {u.id: u for u in user_admin.platform_accounts(world.coordinator)}
    assert short_datetime(listed[world.secretary.id].last_login_at) == "1 apr 2026 01:30"


# --- invitations --------------------------------------------------------------------------------


def _queued_links(address: str) -> list[str]:
    """The set-password links of the mails queued for `address`, oldest first."""
    rows = db.session.scalars(
        sa.select(OutboxMessage.raw)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id)
    )
    links = []
    for raw in rows:
        body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
        assert body is not None
        found = re.search(r"/password/([A-Za-z0-9_-]{43})", body.get_content())
        assert found, body.get_content()
        links.append(found.group(1))
    return links


def test_an_invitation_creates_the_user_and_queues_the_link(world: World):
    invitation = user_admin.Invitation(
        name="Sara Peeters",
        email=" Sara.Peeters@Example.be ",
        assignment=Assignment(Role.READER, frozenset({world.south.id})),
    )
    invited = user_admin.invite_user(world.coordinator, invitation)
    db.session.commit()
    invited = _reread(invited)
    assert (invited.email, invited.platform_id, invited.password_hash) == (
        "sara.peeters@example.be",
        world.platform.id,
        None,
    )
    assert user_admin.account_status(invited) is AccountStatus.INVITED
    (token,) = _queued_links(invited.email)
    assert accounts.find_link(token)[0] is accounts.LinkState.VALID
    assert _last_audit("user.create").user_id == world.coordinator.id


def test_an_invitation_is_refused_for_a_taken_address(world: World):
    invitation = user_admin.Invitation(
        name="Nog een secretaris",
        email=world.secretary.email.upper(),
        assignment=Assignment(Role.SECRETARY, frozenset({world.north.id})),
    )
    with pytest.raises(Refusal) as refused:
        user_admin.invite_user(world.coordinator, invitation)
    assert refused.value.field == "email"


def test_sending_the_invitation_again_replaces_the_earlier_link(world: World):
    invited = factories.UserFactory(
        platform=world.platform, role=Role.READER, municipalities=[world.north], password_hash=None
    )
    user_admin.resend_invitation(world.coordinator, invited)
    db.session.commit()
    user_admin.resend_invitation(world.coordinator, invited)
    db.session.commit()
    first, second = _queued_links(invited.email)
    assert accounts.find_link(first)[0] is accounts.LinkState.USED
    assert accounts.find_link(second)[0] is accounts.LinkState.VALID
    entry = _last_audit("user.reinvite")
    assert (entry.user_id, entry.object_id, entry.details) == (
        world.coordinator.id,
        invited.id,
        {"links_revoked": 1},
    )


def test_no_invitation_again_once_a_password_is_set_or_for_a_deactivated_user(world: World):
    gone = factories.UserFactory(platform=world.platform, password_hash=None, active=False)
    for account, words in ((world.secretary, "heeft al een wachtwoord"), (gone, "gedeactiveerd")):
        with pytest.raises(Refusal) as refused:
            user_admin.resend_invitation(world.coordinator, account)
        assert words in str(refused.value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
