"""No lost updates, without HTTP: every service that edits a versioned row checks the version.

One table of the edit services (SERVICES); for each: a change made from the stored version is
saved and raises the version by one; a change made from an older version is refused with
`EditConflict` and changes nothing; a change that lost the race between its load and its flush
(another transaction wrote the row in between) is the same `EditConflict`; no version (a caller
without a form) is not checked. On SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from overleg.auth import user_admin
from overleg.directory import services as directory
from overleg.extensions import db
from overleg.lib.refusal import EditConflict
from overleg.meetings import services as meetings
from overleg.models import InviteeRole, Role
from overleg.models.types import utcnow
from overleg.models.versioning import Versioned
from tests import factories
from tests.conftest import World


@dataclass(frozen=True)
class EditService:
    """An edit service: the row it edits, a call that changes it, and what it changed."""

    build: Callable[[World], Versioned]
    change: Callable[[World, Any, int | None], object]
    read: Callable[[Any], object]


def _meeting(world: World) -> Versioned:
    return factories.MeetingFactory(municipality=world.north)


def _agenda(world: World) -> Any:
    meeting = _meeting(world)
    for position in range(4):
        factories.AgendaItemFactory(meeting=meeting, position=position)
    db.session.commit()
    return _reread(meeting)


def _update_meeting(world: World, meeting: Any, version: int | None) -> object:
    return meetings.update_meeting(
        meeting,
        title="Titel van de tweede",
        start_at=meeting.start_at + timedelta(hours=1),
        end_at=meeting.end_at + timedelta(hours=1),
        location=meeting.location,
        now=utcnow(),
        user=world.secretary,
        expected_version=version,
    )


def _update_item(world: World, item: Any, version: int | None) -> object:
    data = meetings.AgendaItemData(title="Leegstand", duration_minutes=25, presenter="IGS")
    return meetings.update_agenda_item(item, data, user=world.secretary, expected_version=version)


def _change_invitee_role(world: World, invitation: Any, version: int | None) -> object:
    return meetings.change_invitee_role(
        invitation, InviteeRole.CHAIR, user=world.secretary, expected_version=version
    )


def _update_municipality(world: World, municipality: Any, version: int | None) -> object:
    settings = directory.MunicipalitySettings(name=municipality.name, usual_location="Zaal 2")
    return directory.update_municipality(
        world.coordinator, municipality, settings, expected_version=version
    )


def _change_standing_role(world: World, entry: Any, version: int | None) -> object:
    return directory.change_standing_invitee_role(
        world.secretary, entry, InviteeRole.OPTIONAL, expected_version=version
    )


def _serve_south_too(world: World, organisation: Any, version: int | None) -> object:
    """Only the many-to-many links change: the row's version must rise all the same."""
    fields = directory.OrganisationFields(
        name=organisation.name,
        type_id=organisation.type_id,
        email=organisation.email,
        phone=organisation.phone,
        website=organisation.website,
    )
    served = {world.north.id, world.south.id}
    return directory.update_organisation(
        world.coordinator, organisation, fields, served, expected_version=version
    )


def _update_contact(world: World, contact: Any, version: int | None) -> object:
    fields = directory.ContactFields(first_name="An", last_name="Peeters", phone="011 22 33 44")
    return directory.update_contact(world.secretary, contact, fields, expected_version=version)


def _update_theme(world: World, theme: Any, version: int | None) -> object:
    fields = directory.ThemeFields(name=theme.name, description="Nieuwe omschrijving")
    return directory.update_theme(world.coordinator, theme, fields, expected_version=version)


def _make_reader(world: World, user: Any, version: int | None) -> object:
    assignment = user_admin.Assignment(Role.READER, frozenset({world.south.id}))
    return user_admin.change_assignment(
        world.coordinator, user, assignment, expected_version=version
    )


SERVICES: dict[str, EditService] = {
    "update_meeting": EditService(
        _meeting, _update_meeting, lambda m: (m.title, m.start_at, m.ical_sequence)
    ),
    "update_agenda_item": EditService(
        lambda world: factories.AgendaItemFactory(meeting=_meeting(world)),
        _update_item,
        lambda item: (item.title, item.duration_minutes, item.presenter),
    ),
    "change_invitee_role": EditService(
        lambda world: factories.InvitationFactory(meeting=_meeting(world)),
        _change_invitee_role,
        lambda invitation: invitation.role,
    ),
    "update_municipality": EditService(
        lambda world: world.north, _update_municipality, lambda m: m.usual_location
    ),
    "change_standing_invitee_role": EditService(
        lambda world: world.north.standing_invitees[0],
        _change_standing_role,
        lambda entry: entry.role,
    ),
    "update_organisation": EditService(
        lambda world: factories.organisation_serving(world.north),
        _serve_south_too,
        lambda org: sorted(m.slug for m in org.municipalities),
    ),
    "update_contact": EditService(
        lambda world: factories.ContactFactory(
            organisation=factories.organisation_serving(world.north)
        ),
        _update_contact,
        lambda contact: (contact.first_name, contact.last_name, contact.phone),
    ),
    "update_theme": EditService(
        lambda world: factories.ThemeFactory(platform=world.platform),
        _update_theme,
        lambda theme: theme.description,
    ),
    "change_assignment": EditService(
        lambda world: world.secretary,
        _make_reader,
        lambda user: (user.role, [m.slug for m in user.municipalities]),
    ),
}


def _stored(world: World, case: EditService) -> Any:
    obj = case.build(world)
    db.session.commit()
    return obj


def _reread(obj: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.mark.parametrize("name", SERVICES)
def test_a_change_from_the_stored_version_is_saved_and_raises_it(world, name):
    case = SERVICES[name]
    obj = _stored(world, case)
    before, version = case.read(obj), obj.version
    case.change(world, obj, version)
    db.session.commit()
    obj = _reread(obj)
    assert case.read(obj) != before
    assert obj.version == version + 1


@pytest.mark.parametrize("name", SERVICES)
def test_a_change_from_an_older_version_is_refused_and_changes_nothing(world, name):
    case = SERVICES[name]
    obj = _stored(world, case)
    before, version = case.read(obj), obj.version
    with pytest.raises(EditConflict) as refused:
        case.change(world, obj, version - 1)
    assert refused.value.current_version == version
    db.session.rollback()
    obj = _reread(obj)
    assert (case.read(obj), obj.version) == (before, version)


@pytest.mark.parametrize("name", SERVICES)
def test_a_change_that_lost_the_race_to_its_flush_is_the_same_conflict(world, name):
    """The explicit check passes (the version was right when the row was read), then another
    transaction writes the row before this one flushes: the version counter catches it."""
    case = SERVICES[name]
    obj = _stored(world, case)
    version = obj.version
    table = type(obj).__table__
    # Another writer, behind the ORM's back: the loaded object still says `version`.
    db.session.execute(
        sa.update(table).where(table.c.id == obj.id).values(version=table.c.version + 1)
    )
    with pytest.raises(EditConflict) as refused:
        case.change(world, obj, version)
    assert refused.value.current_version is None
    db.session.rollback()
    assert _reread(obj).version == version


@pytest.mark.parametrize("name", SERVICES)
def test_without_a_version_there_is_no_check(world, name):
    """Callers without a form (the CLI, the demo, other services) pass no version."""
    case = SERVICES[name]
    obj = _stored(world, case)
    version = obj.version
    case.change(world, obj, None)
    db.session.commit()
    assert _reread(obj).version == version + 1


def test_the_conflict_says_who_saved_last_and_when(world):
    contact = _stored(world, SERVICES["update_contact"])
    _update_contact(world, contact, contact.version)  # the secretary saves first
    db.session.commit()
    with pytest.raises(EditConflict) as refused:
        _update_contact(world, contact, 1)
    assert refused.value.saved_by == world.secretary.name
    assert refused.value.saved_at is not None
    assert "intussen gewijzigd" in str(refused.value)


def test_every_edited_model_is_versioned():
    edited = {
        "AgendaItem",
        "Contact",
        "Invitation",
        "Meeting",
        "Municipality",
        "Organisation",
        "Platform",
        "StandingInvitee",
        "Theme",
        "User",
    }
    versioned = {
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Versioned)
    }
    assert versioned == edited
    for mapper in db.Model.registry.mappers:
        if issubclass(mapper.class_, Versioned):
            assert mapper.version_id_col is mapper.local_table.c.version


def test_an_agenda_order_made_on_an_agenda_that_changed_since_is_a_conflict(world):
    """The order of the agenda is the positions of its items: the move buttons carry the
    versions of the items the page showed."""
    meeting = _agenda(world)
    ids = [item.id for item in meeting.agenda_items]
    shown = {item.id: item.version for item in meeting.agenda_items}
    first = list(reversed(ids))
    meetings.reorder_agenda(meeting, first, expected_versions=shown)
    db.session.commit()
    with pytest.raises(EditConflict):
        meetings.reorder_agenda(meeting, ids, expected_versions=shown)  # the stale page
    db.session.rollback()
    assert [item.id for item in _reread(meeting).agenda_items] == first
