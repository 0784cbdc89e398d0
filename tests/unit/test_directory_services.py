"""The directory services, without HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from overleg.directory import services
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    AuditEntry,
    Contact,
    InviteeRole,
    MeetingStatus,
    Municipality,
    Organisation,
    StandingInvitee,
    Theme,
)
from overleg.models.types import utcnow
from tests import factories

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class Counter:
    count: int = 0


@contextmanager
def count_queries() -> Iterator[Counter]:
    """Count the SQL statements sent to the database inside the block."""
    counter = Counter()

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        counter.count += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


NAME_TAKEN = "Deze naam is al in gebruik."
ORGANISATION_NAME_TAKEN = (
    "Er bestaat al een organisatie met deze naam. Zoek ze op in de lijst of vraag de "
    "coördinator om ze aan je gemeente te koppelen."
)


def _refused(refusal: pytest.ExceptionInfo[Refusal]) -> tuple[str, str | None]:
    """The refusal's message (in Dutch, the default language) and its form field."""
    return str(refusal.value.message), refusal.value.field


def _settings(name: str, **kwargs) -> services.MunicipalitySettings:  # type: ignore[no-untyped-def]
    return services.MunicipalitySettings(name=name, **kwargs)


# --- municipalities -----------------------------------------------------------------------


def test_overview_counts_this_years_meetings_and_finds_next_and_last_held(world):
    held = factories.MeetingFactory(
        municipality=world.north,
        start_at=datetime(2026, 2, 3, 13, 0, tzinfo=UTC),
        end_at=datetime(2026, 2, 3, 15, 0, tzinfo=UTC),
        status=MeetingStatus.HELD,
    )
    factories.MeetingFactory(  # held last year: not this year's count, but an older held one
        municipality=world.north,
        start_at=datetime(2025, 10, 1, 13, 0, tzinfo=UTC),
        end_at=datetime(2025, 10, 1, 15, 0, tzinfo=UTC),
        status=MeetingStatus.HELD,
    )
    factories.MeetingFactory(  # cancelled: counts nowhere
        municipality=world.north,
        start_at=datetime(2026, 3, 20, 13, 0, tzinfo=UTC),
        end_at=datetime(2026, 3, 20, 15, 0, tzinfo=UTC),
        status=MeetingStatus.CANCELLED,
    )
    upcoming = factories.MeetingFactory(
        municipality=world.north,
        start_at=datetime(2026, 4, 21, 12, 0, tzinfo=UTC),
        end_at=datetime(2026, 4, 21, 14, 0, tzinfo=UTC),
    )

    rows = {r.municipality.slug: r for r in services.municipality_overview(world.coordinator, NOW)}

    assert set(rows) == {"noorderdorp", "zuiderdorp"}
    north = rows["noorderdorp"]
    assert north.meetings_this_year == 2
    assert north.next_meeting.id == upcoming.id
    assert north.last_held_meeting.id == held.id
    assert not north.behind_schedule
    south = rows["zuiderdorp"]
    assert (south.meetings_this_year, south.next_meeting, south.last_held_meeting) == (
        0,
        None,
        None,
    )
    assert south.behind_schedule


def test_overview_shows_a_secretary_only_her_municipalities(world):
    rows = services.municipality_overview(world.secretary, NOW)
    assert [r.municipality.slug for r in rows] == ["noorderdorp"]


def test_overview_query_count_does_not_grow_with_the_data(world):
    factories.MeetingFactory(municipality=world.north)
    db.session.expire_all()
    with count_queries() as small:
        services.municipality_overview(world.coordinator, NOW)
    for i in range(10):
        municipality = factories.MunicipalityFactory(platform=world.platform)
        factories.MeetingFactory(municipality=municipality)
        factories.MeetingFactory(
            municipality=municipality,
            start_at=NOW - timedelta(days=30 + i),
            end_at=NOW - timedelta(days=30 + i) + timedelta(hours=2),
            status=MeetingStatus.HELD,
        )
    db.session.expire_all()
    with count_queries() as large:
        rows = services.municipality_overview(world.coordinator, NOW)
    assert len(rows) == 12
    assert large.count == small.count


def test_create_municipality_makes_a_unique_slug_and_audits(world):
    first = services.create_municipality(world.coordinator, _settings("Geel"))
    # Same name on another platform: the slug is global, so it gets a suffix.
    second = services.create_municipality(world.outsider, _settings("Geel"))
    reserved = services.create_municipality(world.coordinator, _settings("New"))

    assert (first.slug, second.slug) == ("geel", "geel-2")
    assert reserved.slug == "new-2"
    assert first.platform_id == world.platform.id
    assert second.platform_id == world.outsider.platform_id
    entries = _audit("municipality.create")
    assert {e.municipality_id for e in entries} == {first.id, second.id, reserved.id}


def test_create_municipality_refuses_a_name_taken_on_the_platform(world):
    with pytest.raises(Refusal) as refused:
        services.create_municipality(world.coordinator, _settings("noorderDORP"))
    assert _refused(refused) == (NAME_TAKEN, "name")
    assert db.session.scalar(sa.select(sa.func.count(Municipality.id))) == 3


def test_update_municipality_records_what_changed_and_keeps_the_slug(world):
    changes = services.update_municipality(
        world.secretary,
        world.north,
        _settings(
            "Noorderdorp-Heide",
            meetings_per_year=3,
            preferred_weekdays=(4, 2, 2),
            window_start=time(13, 0),
            window_end=time(18, 0),
            meeting_duration_minutes=90,
            min_spacing_days=60,
            usual_location="  OCMW-zaal ",
        ),
    )
    db.session.expire_all()
    north = db.session.get(Municipality, world.north.id)
    assert north.name == "Noorderdorp-Heide"
    assert north.slug == "noorderdorp"
    assert north.preferred_weekdays == "2,4"
    assert north.usual_location == "OCMW-zaal"
    assert changes["meetings_per_year"] == [2, 3]
    (entry,) = _audit("municipality.update")
    assert entry.user_id == world.secretary.id
    assert entry.details["changes"]["name"] == ["Noorderdorp", "Noorderdorp-Heide"]


def test_update_municipality_without_changes_leaves_no_audit_entry(world):
    current = world.north
    same = _settings(
        current.name,
        meetings_per_year=current.meetings_per_year,
        preferred_weekdays=tuple(current.preferred_weekday_list),
        window_start=current.window_start,
        window_end=current.window_end,
        usual_location=current.usual_location,
        min_spacing_days=current.min_spacing_days,
        meeting_duration_minutes=current.meeting_duration_minutes,
    )
    assert services.update_municipality(world.coordinator, current, same) == {}
    assert _audit("municipality.update") == []


def test_update_municipality_refuses_the_name_of_another(world):
    with pytest.raises(Refusal):
        services.update_municipality(world.coordinator, world.north, _settings("Zuiderdorp"))
    db.session.rollback()
    assert db.session.get(Municipality, world.north.id).name == "Noorderdorp"


def test_municipality_detail_lists_actors_invitees_meetings_and_candidates(world):
    serving = factories.organisation_serving(world.north, name="CAW De Kempen")
    candidate = factories.ContactFactory(organisation=serving, last_name="Aerts")
    factories.ContactFactory(organisation=serving, archived_at=utcnow())  # not a candidate
    chair = factories.ContactFactory(organisation=serving, last_name="Zeger")
    factories.StandingInviteeFactory(
        municipality=world.north, contact=chair, role=InviteeRole.CHAIR
    )
    archived_org = factories.organisation_serving(world.north, archived_at=utcnow())
    factories.ContactFactory(organisation=archived_org)
    meeting = factories.MeetingFactory(municipality=world.north)
    factories.MeetingFactory(municipality=world.south)

    detail = services.municipality_detail(world.north)

    assert [o.name for o in detail.organisations] == [
        "CAW De Kempen",
        "Woonmaatschappij Noorderdorp",
    ]
    assert detail.standing_invitees[0].contact_id == chair.id  # the chair comes first
    assert len(detail.standing_invitees) == 2
    assert [m.id for m in detail.meetings] == [meeting.id]
    assert [c.id for c in detail.candidates] == [candidate.id]


def test_standing_list_add_change_and_remove(world):
    org = world.north.organisations[0]
    contact = factories.ContactFactory(organisation=org)

    entry = services.add_standing_invitee(
        world.secretary, world.north, contact.id, InviteeRole.OPTIONAL
    )
    assert entry.role is InviteeRole.OPTIONAL
    assert services.change_standing_invitee_role(world.secretary, entry, InviteeRole.SECRETARY)
    assert not services.change_standing_invitee_role(world.secretary, entry, InviteeRole.SECRETARY)
    services.remove_standing_invitee(world.secretary, entry)

    assert db.session.get(StandingInvitee, entry.id) is None
    assert db.session.get(Contact, contact.id) is not None
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [
        "standing_invitee.create",
        "standing_invitee.update",
        "standing_invitee.delete",
    ]


@pytest.mark.parametrize("kind", ["other_municipality", "archived", "listed", "missing"])
def test_standing_list_refuses_contacts_that_do_not_qualify(world, kind):
    if kind == "other_municipality":
        contact_id = world.south.organisations[0].contacts[0].id
    elif kind == "archived":
        contact_id = factories.ContactFactory(
            organisation=world.north.organisations[0], archived_at=utcnow()
        ).id
    elif kind == "listed":
        contact_id = world.north.standing_invitees[0].contact_id
    else:
        contact_id = 987654
    with pytest.raises(Refusal) as refused:
        services.add_standing_invitee(
            world.coordinator, world.north, contact_id, InviteeRole.REQUIRED
        )
    expected = (
        "Deze persoon staat al op de vaste uitnodigingslijst."
        if kind == "listed"
        else "Kies een persoon van een organisatie die voor deze gemeente werkt."
    )
    assert _refused(refused) == (expected, "contact")


def test_get_standing_invitee_ignores_entries_of_another_list(world):
    south_entry = world.south.standing_invitees[0]
    assert services.get_standing_invitee(world.north, south_entry.id) is None
    assert services.get_standing_invitee(world.south, south_entry.id).id == south_entry.id


# --- organisations ------------------------------------------------------------------------


def _names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.organisation.name for row in page.items]


def test_search_finds_organisations_by_name_contact_name_and_email(world):
    caw = factories.organisation_serving(world.north, name="CAW Kempen")
    factories.ContactFactory(
        organisation=caw, first_name="Lotte", last_name="Van Hove", email="lotte@caw.example.be"
    )
    user = world.coordinator

    assert _names(services.search_organisations(user, services.OrganisationSearch(q="caw k"))) == [
        "CAW Kempen"
    ]
    by_name = services.search_organisations(user, services.OrganisationSearch(q="lotte van"))
    assert _names(by_name) == ["CAW Kempen"]
    assert [c.first_name for c in by_name.items[0].matching_contacts] == ["Lotte"]
    by_mail = services.search_organisations(user, services.OrganisationSearch(q="@CAW.example"))
    assert _names(by_mail) == ["CAW Kempen"]
    # LIKE wildcards typed by the user are literal characters.
    assert services.search_organisations(user, services.OrganisationSearch(q="%")).total == 0


def test_search_filters_on_type_municipality_and_archived(world):
    ocmw = factories.organisation_serving(
        world.south, name="OCMW Zuiderdorp", type=factories.organisation_type("ocmw")
    )
    factories.organisation_serving(world.south, name="Oude vzw", archived_at=utcnow())
    user = world.coordinator
    search = services.OrganisationSearch

    assert _names(services.search_organisations(user, search(type_code="ocmw"))) == [ocmw.name]
    assert _names(services.search_organisations(user, search(municipality_id=world.south.id))) == [
        "OCMW Zuiderdorp",
        "Woonmaatschappij Zuiderdorp",
    ]
    with_archived = services.search_organisations(
        user, search(municipality_id=world.south.id, include_archived=True)
    )
    assert "Oude vzw" in _names(with_archived)


def test_search_shows_a_secretary_only_organisations_of_her_municipalities(world):
    shared = factories.organisation_serving(
        world.north, world.south, name="Woonmaatschappij Kempen"
    )
    page = services.search_organisations(world.secretary, services.OrganisationSearch())
    assert _names(page) == [shared.name, "Woonmaatschappij Noorderdorp"]
    # Filtering on a municipality she may not see yields nothing, not its organisations.
    hidden = services.search_organisations(
        world.secretary, services.OrganisationSearch(municipality_id=world.south.id)
    )
    assert hidden.total == 0


def test_search_rows_name_only_the_municipalities_the_user_sees(world):
    """Issue 11: the list named municipalities the organisation page hides."""
    factories.organisation_serving(world.north, world.south, name="Woonmaatschappij Kempen")
    search = services.OrganisationSearch(q="Kempen")
    [row] = services.search_organisations(world.secretary, search).items
    assert ([m.name for m in row.municipalities], row.hidden_municipalities) == (["Noorderdorp"], 1)
    [row] = services.search_organisations(world.coordinator, search).items
    assert [m.name for m in row.municipalities] == ["Noorderdorp", "Zuiderdorp"]
    assert row.hidden_municipalities == 0


def test_search_pages(world):
    for i in range(7):
        factories.organisation_serving(world.north, name=f"Actor {i:02d}")
    page = services.search_organisations(
        world.coordinator, services.OrganisationSearch(q="actor"), page=2, per_page=3
    )
    assert (page.total, page.pages, page.page) == (7, 3, 2)
    assert _names(page) == ["Actor 03", "Actor 04", "Actor 05"]
    last = services.search_organisations(
        world.coordinator, services.OrganisationSearch(q="actor"), page=99, per_page=3
    )
    assert last.page == 3 and _names(last) == ["Actor 06"]


def _fields(name: str, **kwargs) -> services.OrganisationFields:  # type: ignore[no-untyped-def]
    return services.OrganisationFields(
        name=name, type_id=factories.organisation_type("caw").id, **kwargs
    )


def test_create_organisation_serving_municipalities(world):
    org = services.create_organisation(
        world.coordinator,
        _fields(" CAW Kempen ", email="Info@CAW.example.be"),
        {world.north.id, world.south.id},
    )
    assert org.name == "CAW Kempen"
    assert org.email == "info@caw.example.be"
    assert [m.slug for m in org.municipalities] == ["noorderdorp", "zuiderdorp"]
    (entry,) = _audit("organisation.create")
    assert entry.details["municipalities"] == ["noorderdorp", "zuiderdorp"]


def test_create_organisation_refuses_a_duplicate_name_in_any_case(world):
    with pytest.raises(Refusal) as refused:
        services.create_organisation(
            world.coordinator, _fields("woonmaatschappij NOORDERDORP"), set()
        )
    assert refused.value.field == "name"
    # Another platform may use the name.
    services.create_organisation(world.outsider, _fields("Woonmaatschappij Noorderdorp"), set())


def test_a_secretary_chooses_only_among_her_municipalities(world):
    with pytest.raises(Refusal) as foreign:
        services.create_organisation(world.secretary, _fields("CAW"), {world.south.id})
    assert _refused(foreign) == ("Kies alleen gemeenten die je kunt beheren.", "municipalities")
    with pytest.raises(Refusal) as none:
        services.create_organisation(world.secretary, _fields("CAW"), set())
    assert _refused(none) == ("Kies minstens één van je gemeenten.", "municipalities")
    with pytest.raises(Refusal):
        services.create_organisation(world.coordinator, _fields("CAW"), {world.elsewhere.id})


def test_a_secretary_editing_keeps_links_to_municipalities_she_cannot_see(world):
    shared = factories.organisation_serving(
        world.north, world.south, name="Woonmaatschappij Kempen"
    )
    services.update_organisation(
        world.secretary, shared, _fields("Woonmaatschappij De Kempen"), {world.north.id}
    )
    db.session.expire_all()
    org = db.session.get(Organisation, shared.id)
    assert org.name == "Woonmaatschappij De Kempen"
    assert [m.slug for m in org.municipalities] == ["noorderdorp", "zuiderdorp"]
    (entry,) = _audit("organisation.update")
    assert "municipalities" not in entry.details["changes"]


def test_a_coordinator_can_drop_a_municipality(world):
    shared = factories.organisation_serving(
        world.north, world.south, name="Woonmaatschappij Kempen"
    )
    changes = services.update_organisation(
        world.coordinator, shared, _fields("Woonmaatschappij Kempen"), {world.south.id}
    )
    assert changes["municipalities"] == [["noorderdorp", "zuiderdorp"], ["zuiderdorp"]]


def test_archive_and_unarchive_an_organisation(world):
    org = world.north.organisations[0]
    assert services.set_organisation_archived(world.coordinator, org, True, NOW)
    assert not services.set_organisation_archived(world.coordinator, org, True, NOW)
    assert org.archived_at == NOW
    assert services.set_organisation_archived(world.coordinator, org, False, NOW)
    assert org.archived_at is None
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["organisation.archive", "organisation.unarchive"]


# --- contacts -----------------------------------------------------------------------------


def test_create_and_update_a_contact(world):
    org = world.north.organisations[0]
    contact = services.create_contact(
        world.secretary,
        org,
        services.ContactFields(" Jan ", "Janssens", email="Jan.Janssens@Example.be"),
    )
    assert (contact.full_name, contact.email) == ("Jan Janssens", "jan.janssens@example.be")
    changes = services.update_contact(
        world.secretary, contact, services.ContactFields("Jan", "Janssens", job_title="Schepen")
    )
    assert changes == {"job_title": ["", "Schepen"], "email": ["jan.janssens@example.be", ""]}
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry))] == [
        "contact.create",
        "contact.update",
    ]


def test_a_contact_email_is_unique_within_the_organisation(world):
    org = world.north.organisations[0]
    taken = org.contacts[0].email
    with pytest.raises(Refusal) as refused:
        services.create_contact(
            world.coordinator, org, services.ContactFields("A", "B", email=taken.upper())
        )
    assert refused.value.field == "email"
    # The same address at another organisation is someone else's business.
    other = world.south.organisations[0]
    services.create_contact(world.coordinator, other, services.ContactFields("A", "B", email=taken))


def test_a_contact_who_was_invited_cannot_be_deleted(world):
    contact = world.north.organisations[0].contacts[0]
    factories.InvitationFactory(
        contact=contact, meeting=factories.MeetingFactory(municipality=world.north)
    )
    assert not services.can_delete_contact(contact)
    with pytest.raises(Refusal):
        services.delete_contact(world.coordinator, contact)
    assert db.session.get(Contact, contact.id) is not None


def test_deleting_a_contact_takes_them_off_standing_lists(world):
    contact = world.north.organisations[0].contacts[0]  # on Noorderdorp's standing list
    contact_id = contact.id
    assert services.can_delete_contact(contact)
    services.delete_contact(world.coordinator, contact)
    assert db.session.get(Contact, contact_id) is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(StandingInvitee.contact_id == contact_id)
        )
        == 0
    )
    (entry,) = _audit("contact.delete")
    assert entry.details["standing_lists"] == [world.north.id]


def test_contact_detail_shows_only_what_the_user_may_see(world):
    contact = factories.ContactFactory(
        organisation=factories.organisation_serving(world.north, world.south)
    )
    factories.StandingInviteeFactory(municipality=world.north, contact=contact)
    factories.StandingInviteeFactory(municipality=world.south, contact=contact)
    north_meeting = factories.MeetingFactory(municipality=world.north)
    factories.InvitationFactory(contact=contact, meeting=north_meeting)
    factories.InvitationFactory(
        contact=contact, meeting=factories.MeetingFactory(municipality=world.south)
    )

    mine = services.contact_detail(world.secretary, contact)
    everything = services.contact_detail(world.coordinator, contact)

    assert [s.municipality.slug for s in mine.standing_lists] == ["noorderdorp"]
    assert [i.meeting_id for i in mine.invitations] == [north_meeting.id]
    assert len(everything.standing_lists) == len(everything.invitations) == 2
    assert everything.references == {"invitations": 2, "action_points": 0}


def test_archive_a_contact(world):
    contact = world.north.organisations[0].contacts[0]
    assert services.set_contact_archived(world.secretary, contact, True, NOW)
    assert contact.archived_at == NOW
    assert services.set_contact_archived(world.secretary, contact, False, NOW)
    assert contact.archived_at is None


# --- themes -------------------------------------------------------------------------------


def _agenda(meeting, theme) -> None:  # type: ignore[no-untyped-def]
    factories.AgendaItemFactory(meeting=meeting, theme_id=theme.id, title=f"Over {theme.name}")


def test_theme_catalogue_counts_visible_not_cancelled_meetings(world):
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "kerncijfers"))
    meetings = [
        factories.MeetingFactory(
            municipality=world.north,
            start_at=NOW - timedelta(days=100 * i),
            end_at=NOW - timedelta(days=100 * i) + timedelta(hours=2),
        )
        for i in range(1, 8)
    ]
    for meeting in meetings:
        _agenda(meeting, theme)
        _agenda(meeting, theme)  # twice on one agenda: still one meeting
    planned = factories.MeetingFactory(
        municipality=world.south,
        start_at=NOW + timedelta(days=20),
        end_at=NOW + timedelta(days=20, hours=2),
    )
    _agenda(planned, theme)
    cancelled = factories.MeetingFactory(
        municipality=world.north,
        start_at=NOW - timedelta(days=3),
        end_at=NOW - timedelta(days=3) + timedelta(hours=2),
        status=MeetingStatus.CANCELLED,
    )
    _agenda(cancelled, theme)

    by_code = {
        u.theme.code: u for u in services.theme_catalogue(world.secretary, NOW, recent_limit=5)
    }

    usage = by_code["kerncijfers"]
    assert usage.meeting_count == 7
    assert usage.last_discussed == meetings[0].start_at
    assert [m.id for m in usage.recent_meetings] == [m.id for m in meetings[:5]]
    assert by_code["woonbeleidsvisie"].meeting_count == 0
    assert by_code["woonbeleidsvisie"].recent_meetings == []
    assert usage.next_planned is None  # Zuiderdorp's planned meeting is not hers
    # The coordinator also sees Zuiderdorp's meeting: planned, so not yet discussed.
    coordinator = {u.theme.code: u for u in services.theme_catalogue(world.coordinator, NOW)}
    assert coordinator["kerncijfers"].meeting_count == 7
    assert coordinator["kerncijfers"].next_planned.id == planned.id


def test_theme_catalogue_query_count_does_not_grow_with_the_data(world):
    themes = list(db.session.scalars(sa.select(Theme)))
    _agenda(factories.MeetingFactory(municipality=world.north), themes[0])  # planned
    _agenda(
        factories.MeetingFactory(
            municipality=world.north,
            start_at=NOW - timedelta(days=40),
            end_at=NOW - timedelta(days=40) + timedelta(hours=2),
        ),
        themes[0],
    )
    db.session.expire_all()
    with count_queries() as small:
        services.theme_catalogue(world.coordinator, NOW)
    for i in range(20):
        meeting = factories.MeetingFactory(
            municipality=world.north if i % 2 else world.south,
            start_at=NOW + timedelta(days=i - 10),
            end_at=NOW + timedelta(days=i - 10, hours=2),
        )
        for theme in themes[: 1 + i % 5]:
            _agenda(meeting, theme)
    db.session.expire_all()
    with count_queries() as large:
        services.theme_catalogue(world.coordinator, NOW)
    assert large.count == small.count


def test_theme_meetings_pages_through_visible_meetings(world):
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "woonbeleidsvisie"))
    for i in range(3):
        _agenda(
            factories.MeetingFactory(
                municipality=world.north,
                start_at=NOW + timedelta(days=i),
                end_at=NOW + timedelta(days=i, hours=2),
            ),
            theme,
        )
    _agenda(factories.MeetingFactory(municipality=world.south), theme)
    page = services.theme_meetings(world.secretary, theme, page=1, per_page=2)
    assert page.total == 3
    assert [m.start_at for m in page.items] == [NOW + timedelta(days=2), NOW + timedelta(days=1)]


def test_create_update_and_deactivate_a_theme(world):
    theme = services.create_theme(
        world.coordinator, services.ThemeFields("Lokale woonnoden", description="x")
    )
    assert theme.code == "lokale_woonnoden"
    again = services.create_theme(world.coordinator, services.ThemeFields("Lokale woonnoden 2"))
    assert again.code == "lokale_woonnoden_2"
    changes = services.update_theme(
        world.coordinator,
        theme,
        services.ThemeFields("Woonnoden", is_mandatory=True, sort_order=5),
    )
    assert theme.code == "lokale_woonnoden"  # stable for agenda items and compliance rules
    assert changes["is_mandatory"] == [False, True]
    assert services.set_theme_active(world.coordinator, theme, False)
    assert not theme.active
    assert not services.set_theme_active(world.coordinator, theme, False)
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["theme.create", "theme.create", "theme.update", "theme.deactivate"]


def test_theme_names_are_unique(world):
    with pytest.raises(Refusal) as refused:
        services.create_theme(
            world.coordinator, services.ThemeFields("kerncijfers WONEN en premies")
        )
    assert refused.value.field == "name"


def test_a_lost_race_on_a_unique_name_is_a_refusal_not_an_error(world, monkeypatch):
    # Two coordinators submit the same name at once: both pass the check, the database decides.
    monkeypatch.setattr(services, "organisation_name_taken", lambda *args, **kwargs: False)
    monkeypatch.setattr(services, "theme_name_taken", lambda *args, **kwargs: False)
    with pytest.raises(Refusal) as organisation:
        services.create_organisation(
            world.coordinator, _fields("Woonmaatschappij Noorderdorp"), set()
        )
    assert _refused(organisation) == (ORGANISATION_NAME_TAKEN, "name")
    db.session.rollback()  # what a request does with a refusal (overleg.web.refusals)
    with pytest.raises(Refusal) as theme:
        services.create_theme(
            world.coordinator, services.ThemeFields("Kerncijfers wonen en premies")
        )
    assert _refused(theme) == (NAME_TAKEN, "name")
    db.session.rollback()
    # The session is usable again and nothing half-written stayed behind.
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 3
    assert _audit("organisation.create") == [] and _audit("theme.create") == []


def test_the_services_leave_the_commit_to_the_request(world):
    # A service flushes (ids, constraint checks) but never commits: the request's commit point
    # (overleg.web.application) does, so a refusal later in the request undoes everything.
    municipality = services.create_municipality(world.coordinator, _settings("Geel"))
    assert municipality.id is not None
    services.set_theme_active(
        world.coordinator, db.session.scalars(sa.select(Theme)).first(), False
    )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Municipality.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(Theme.id)).where(Theme.active.is_(False))) == 0
    assert _audit("municipality.create") == [] and _audit("theme.deactivate") == []
