"""The coordinators' accounts page, without HTTP: the list, role and municipalities, the rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from overleg.auth import user_admin
from overleg.auth.user_admin import AccountStatus, Assignment
from overleg.extensions import db
from overleg.lib.refusal import EditConflict, Refusal
from overleg.models import AuditEntry, Role, User
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
    assert outsiders == [world.outsider.email]


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
