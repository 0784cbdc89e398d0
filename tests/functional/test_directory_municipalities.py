"""Municipality pages: list, detail, settings, creation and the standing invitee list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import AuditEntry, InviteeRole, MeetingStatus, Municipality, StandingInvitee
from tests import factories
from tests.conftest import login, post_form

VALID = {
    "name": "Kasterlee",
    "nis_code": "13017",
    "meetings_per_year": "3",
    "preferred_weekdays": ["2", "4"],
    "window_start": "13:00",
    "window_end": "17:30",
    "meeting_duration_minutes": "120",
    "usual_location": "Gemeentehuis Kasterlee",
    "min_spacing_days": "80",
}


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


# --- list and detail ----------------------------------------------------------------------


def test_the_list_shows_the_coordinator_every_municipality_of_the_platform(client, world):
    factories.MeetingFactory(municipality=world.north, title="Voorjaarsoverleg Noorderdorp")
    login(client, world.coordinator)
    response = client.get("/municipalities")
    body = _text(response)
    assert response.status_code == 200
    assert "Noorderdorp" in body and "Zuiderdorp" in body
    assert "Verweg" not in body  # another platform
    assert "Voorjaarsoverleg Noorderdorp" in body  # the next meeting
    assert "Nieuwe gemeente" in body


def test_the_list_shows_a_secretary_only_her_municipalities(client, world):
    login(client, world.secretary)
    body = _text(client.get("/municipalities"))
    assert "Noorderdorp" in body
    assert "Zuiderdorp" not in body
    assert "Nieuwe gemeente" not in body


def test_the_detail_page_shows_actors_standing_invitees_and_history(client, world):
    org = world.north.organisations[0]
    person = org.contacts[0]
    held = factories.MeetingFactory(
        municipality=world.north,
        title="Najaarsoverleg 2025",
        start_at=datetime(2025, 10, 7, 12, 0, tzinfo=UTC),
        end_at=datetime(2025, 10, 7, 14, 0, tzinfo=UTC),
        status=MeetingStatus.HELD,
    )
    login(client, world.reader)
    response = client.get("/municipalities/noorderdorp")
    body = _text(response)
    assert response.status_code == 200
    assert org.name in body
    assert person.full_name in body
    assert "Verplicht uitgenodigd" in body  # the role, in Dutch
    assert "Najaarsoverleg 2025" in body
    assert f"/meetings/{held.id}" in body
    assert "7 okt 2025" in body  # shown in Brussels time, Dutch month
    # A reader sees no edit controls.
    assert "Instellingen wijzigen" not in body
    assert "Toevoegen aan de lijst" not in body


def test_municipalities_that_are_not_yours_are_not_found(client, world):
    login(client, world.secretary)
    assert client.get("/municipalities/zuiderdorp").status_code == 404
    assert client.get("/municipalities/verweg").status_code == 404
    assert client.get("/municipalities/bestaat-niet").status_code == 404
    login(client, world.coordinator)
    assert client.get("/municipalities/verweg").status_code == 404


def test_the_pages_issue_a_constant_number_of_queries(client, world):
    login(client, world.coordinator)

    def measure(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    def grow(times: int) -> None:
        for i in range(times):
            municipality = factories.MunicipalityFactory(platform=world.platform)
            org = factories.organisation_serving(world.north, municipality)
            for _ in range(3):
                contact = factories.ContactFactory(organisation=org)
                factories.StandingInviteeFactory(municipality=world.north, contact=contact)
            start = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(days=40 * i)
            for m in (world.north, municipality):
                factories.MeetingFactory(
                    municipality=m,
                    start_at=start,
                    end_at=start + timedelta(hours=2),
                    status=MeetingStatus.HELD,
                )
                factories.MeetingFactory(municipality=m)

    grow(1)
    small = (measure("/municipalities"), measure("/municipalities/noorderdorp"))
    grow(10)
    large = (measure("/municipalities"), measure("/municipalities/noorderdorp"))
    assert small == large


# --- creating and editing -----------------------------------------------------------------


def test_a_coordinator_creates_a_municipality(client, world):
    login(client, world.coordinator)
    assert client.get("/municipalities/new").status_code == 200
    response = post_form(client, "/municipalities/new", VALID)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/municipalities/kasterlee")
    created = db.session.scalar(sa.select(Municipality).where(Municipality.slug == "kasterlee"))
    assert created.platform_id == world.platform.id
    assert created.preferred_weekdays == "2,4"
    assert created.window_end == time(17, 30)
    assert created.nis_code == "13017"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "municipality.create")
    )
    assert entry.municipality_id == created.id and entry.user_id == world.coordinator.id
    assert "Gemeente Kasterlee aangemaakt." in _text(client.get(response.headers["Location"]))


def test_a_duplicate_name_is_refused_next_to_the_field_keeping_the_input(client, world):
    login(client, world.coordinator)
    response = post_form(
        client, "/municipalities/new", {**VALID, "name": "noorderdorp", "usual_location": "Zaal X"}
    )
    body = _text(response)
    assert response.status_code == 422
    assert "Deze naam is al in gebruik." in body
    assert 'value="noorderdorp"' in body
    assert 'value="Zaal X"' in body
    assert db.session.scalar(sa.select(sa.func.count(Municipality.id))) == 3


def test_bad_settings_get_dutch_messages_and_no_500(client, world):
    login(client, world.coordinator)
    bad = {
        **VALID,
        "name": "x" * 121,
        "nis_code": "12",
        "meetings_per_year": "13",
        "window_start": "18:00",
        "window_end": "09:00",
        "meeting_duration_minutes": "veel",
        "min_spacing_days": "-1",
        "preferred_weekdays": ["9"],
        "usual_location": "y" * 301,
    }
    response = post_form(client, "/municipalities/new", bad)
    body = _text(response)
    assert response.status_code == 422
    for message in (
        "Maximaal 120 tekens.",
        "Een NIS-code bestaat uit vijf cijfers.",
        "Kies een aantal van 1 tot 12.",
        "Het einde moet na het begin liggen.",
        "Kies een aantal van 0 tot 365 dagen.",
        "Geen geldige dag: 9.",
        "Maximaal 300 tekens.",
    ):
        assert message in body, message
    assert 'value="veel"' in body
    assert 'aria-invalid="true"' in body


def test_a_meeting_must_fit_the_time_window(client, world):
    login(client, world.coordinator)
    response = post_form(
        client,
        "/municipalities/new",
        {
            **VALID,
            "window_start": "14:00",
            "window_end": "15:00",
            "meeting_duration_minutes": "120",
        },
    )
    assert response.status_code == 422
    assert "Een vergadering past niet in dit tijdvenster." in _text(response)


def test_at_least_one_weekday(client, world):
    login(client, world.coordinator)
    data = {k: v for k, v in VALID.items() if k != "preferred_weekdays"}
    response = post_form(client, "/municipalities/new", data)
    assert response.status_code == 422
    assert "Kies minstens één dag." in _text(response)


def test_a_secretary_edits_her_own_municipality(client, world):
    login(client, world.secretary)
    form = client.get("/municipalities/noorderdorp/edit")
    assert form.status_code == 200
    assert 'value="Noorderdorp"' in _text(form)
    response = post_form(
        client,
        "/municipalities/noorderdorp/edit",
        {**VALID, "name": "Noorderdorp", "nis_code": "", "version": world.north.version},
    )
    assert response.status_code == 302
    north = db.session.get(Municipality, world.north.id)
    assert north.meetings_per_year == 3
    assert north.slug == "noorderdorp"
    assert north.nis_code is None
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "municipality.update")
    )
    assert entry.user_id == world.secretary.id
    assert entry.details["changes"]["meetings_per_year"] == [2, 3]


def test_who_may_not_edit_or_create(client, world):
    login(client, world.secretary)
    assert client.get("/municipalities/new").status_code == 403
    assert post_form(client, "/municipalities/new", VALID).status_code == 403
    assert client.get("/municipalities/zuiderdorp/edit").status_code == 404
    client.delete_cookie("session")
    login(client, world.reader)
    assert client.get("/municipalities/noorderdorp/edit").status_code == 403
    assert post_form(client, "/municipalities/noorderdorp/edit", VALID).status_code == 403
    assert db.session.get(Municipality, world.north.id).meetings_per_year == 2


# --- the standing invitee list ------------------------------------------------------------


def test_add_change_and_remove_a_standing_invitee(client, world):
    org = world.north.organisations[0]
    person = factories.ContactFactory(organisation=org, first_name="Mieke", last_name="Claes")
    login(client, world.secretary)
    page = _text(client.get("/municipalities/noorderdorp"))
    assert f"Mieke Claes — {org.name}" in page  # offered to add

    added = post_form(
        client, "/municipalities/noorderdorp/invitees", {"contact": person.id, "role": "chair"}
    )
    assert added.status_code == 302
    entry = db.session.scalar(
        sa.select(StandingInvitee).where(StandingInvitee.contact_id == person.id)
    )
    assert entry.role is InviteeRole.CHAIR
    entry_id = entry.id

    changed = post_form(
        client,
        f"/municipalities/noorderdorp/invitees/{entry.id}/role",
        {"role": "optional", "version": entry.version},
    )
    assert changed.status_code == 302
    db.session.refresh(entry)
    assert entry.role is InviteeRole.OPTIONAL
    assert "Facultatief" in _text(client.get("/municipalities/noorderdorp"))

    removed = post_form(client, f"/municipalities/noorderdorp/invitees/{entry_id}/remove")
    assert removed.status_code == 302
    assert db.session.get(StandingInvitee, entry_id) is None
    actions = list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "StandingInvitee")
            .order_by(AuditEntry.id)
        )
    )
    assert actions == [
        "standing_invitee.create",
        "standing_invitee.update",
        "standing_invitee.delete",
    ]


def test_adding_someone_who_does_not_qualify_is_refused_next_to_the_field(client, world):
    foreign = world.south.organisations[0].contacts[0]
    login(client, world.coordinator)
    for contact in (foreign.id, "abc", ""):
        response = post_form(
            client, "/municipalities/noorderdorp/invitees", {"contact": contact, "role": "required"}
        )
        assert response.status_code == 422
        assert "Maak een geldige keuze." in _text(response)
    bad_role = post_form(
        client,
        "/municipalities/noorderdorp/invitees",
        {"contact": world.north.organisations[0].contacts[0].id, "role": "koning"},
    )
    assert bad_role.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(StandingInvitee.id))) == 3


def test_entries_of_another_list_are_not_found(client, world):
    south_entry = world.south.standing_invitees[0]
    login(client, world.coordinator)
    assert (
        post_form(
            client,
            f"/municipalities/noorderdorp/invitees/{south_entry.id}/role",
            {"role": "optional"},
        ).status_code
        == 404
    )
    assert (
        post_form(
            client, f"/municipalities/noorderdorp/invitees/{south_entry.id}/remove"
        ).status_code
        == 404
    )
    assert db.session.get(StandingInvitee, south_entry.id).role is InviteeRole.REQUIRED


def test_an_unknown_role_changes_nothing(client, world):
    entry = world.north.standing_invitees[0]
    login(client, world.coordinator)
    response = post_form(
        client,
        f"/municipalities/noorderdorp/invitees/{entry.id}/role",
        {"role": "keizer"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Kies een geldige rol." in _text(response)
    assert db.session.get(StandingInvitee, entry.id).role is InviteeRole.REQUIRED


def test_a_reader_cannot_change_the_list(client, world):
    entry = world.north.standing_invitees[0]
    login(client, world.reader)
    assert (
        post_form(client, f"/municipalities/noorderdorp/invitees/{entry.id}/remove").status_code
        == 403
    )
    assert db.session.get(StandingInvitee, entry.id) is not None


def test_a_post_without_csrf_token_is_refused(client, world):
    entry = world.north.standing_invitees[0]
    login(client, world.coordinator)
    response = client.post(f"/municipalities/noorderdorp/invitees/{entry.id}/remove")
    assert response.status_code == 400
    assert db.session.get(StandingInvitee, entry.id) is not None


def test_adding_an_organisation_from_the_municipality_page_preselects_it(client, world):
    login(client, world.coordinator)
    page = _text(client.get("/municipalities/zuiderdorp"))
    link = f"/organisations/new?municipality={world.south.id}"
    assert link in page
    form = _text(client.get(link))
    checked = re.search(r'<input checked[^>]*name="municipalities"[^>]*value="(\d+)"', form)
    assert checked and checked.group(1) == str(world.south.id)
