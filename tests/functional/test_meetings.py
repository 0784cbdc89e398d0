"""The meeting pages and forms: happy paths, bad input and who may do what."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from bench.pages import queries_for
from overleg.extensions import db
from overleg.lib.calendar_rules import reasons_to_avoid
from overleg.lib.dates import BRUSSELS, brussels_instant
from overleg.meetings import services
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    AuditEntry,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    OutboxMessage,
    Theme,
)
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import csrf_token, login, post_form


def ordinary_day(after_days: int = 40) -> date:
    """A Tuesday in the future that is no holiday of any kind."""
    day = utcnow().astimezone(BRUSSELS).date() + timedelta(days=after_days)
    while day.isoweekday() != 2 or reasons_to_avoid(day):
        day += timedelta(days=1)
    return day


def meeting_of(world, municipality=None, day: date | None = None, hour: int = 14) -> Meeting:
    day = day or ordinary_day()
    meeting = services.create_meeting(
        municipality or world.north,
        start_at=brussels_instant(day, time(hour, 0)),
        end_at=brussels_instant(day, time(hour + 2, 0)),
        now=utcnow(),
    )
    db.session.commit()
    return meeting


def switch_user(client, user) -> None:  # type: ignore[no-untyped-def]
    client.delete_cookie("session")
    login(client, user)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


# --- list -------------------------------------------------------------------------------------


def test_index_lists_only_visible_meetings(client, world):
    own = meeting_of(world)
    other = meeting_of(world, world.south)
    login(client, world.secretary)
    body = text(client.get("/meetings"))
    assert f"/meetings/{own.id}" in body
    assert f"/meetings/{other.id}" not in body
    assert "Nieuwe vergadering" in body


def test_index_filters_by_municipality_year_and_status(client, world):
    north = meeting_of(world)
    south = meeting_of(world, world.south)
    services.cancel_meeting(south, reason="Geen agenda", now=utcnow())
    db.session.commit()
    login(client, world.coordinator)
    body = text(client.get("/meetings?municipality=noorderdorp"))
    assert f"/meetings/{north.id}" in body and f"/meetings/{south.id}" not in body
    body = text(client.get("/meetings?status=cancelled"))
    assert f"/meetings/{south.id}" in body and f"/meetings/{north.id}" not in body
    year = north.start_at.astimezone(BRUSSELS).year
    assert f"/meetings/{north.id}" in text(client.get(f"/meetings?year={year}"))
    assert f"/meetings/{north.id}" not in text(client.get(f"/meetings?year={year - 3}"))


def test_index_bad_filters_are_explained_not_500(client, world):
    meeting_of(world)
    login(client, world.coordinator)
    response = client.get("/meetings?year=abc&status=bogus&municipality=verweg&page=x")
    assert response.status_code == 200
    body = text(response)
    assert "Geef een jaartal, bv. 2026." in body
    assert "Kies een waarde uit de lijst." in body


def test_index_reader_sees_no_create_button(client, world):
    login(client, world.reader)
    assert "Nieuwe vergadering" not in text(client.get("/meetings"))


def test_index_paginates(client, world):
    start = datetime.now(UTC) + timedelta(days=400)
    for n in range(27):
        factories.MeetingFactory(municipality=world.north, start_at=start + timedelta(days=n))
    login(client, world.coordinator)
    first = text(client.get("/meetings"))
    assert "Pagina 1 van 2" in first
    second = text(client.get("/meetings?page=2"))
    assert "Vergadering 26 tot 27 van 27" in second
    assert "Pagina 2 van 2" in text(client.get("/meetings?page=99"))


# --- create -----------------------------------------------------------------------------------


def create_data(day: date, **overrides) -> dict:
    data = {
        "municipality": "noorderdorp",
        "title": "",
        "date": day.isoformat(),
        "start_time": "14:00",
        "end_time": "16:00",
        "location": "",
        "status": "planned",
    }
    data.update(overrides)
    return data


def test_create_form_prefills_the_only_municipality_of_a_secretary(client, world):
    login(client, world.secretary)
    body = text(client.get("/meetings/new"))
    assert '<option selected value="noorderdorp">' in body
    assert "zuiderdorp" not in body


def test_create_meeting_with_defaults(client, world):
    login(client, world.secretary)
    day = ordinary_day()
    response = post_form(client, "/meetings/new", create_data(day, start_time="", end_time=""))
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting))
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    assert meeting.title == "Lokaal woonoverleg Noorderdorp"
    assert meeting.location == world.north.usual_location
    local = meeting.start_at.astimezone(BRUSSELS)
    assert (local.date(), local.time()) == (day, world.north.window_start)
    assert meeting.end_at - meeting.start_at == timedelta(
        minutes=world.north.meeting_duration_minutes
    )
    assert len(meeting.agenda_items) == len(services.STANDARD_AGENDA)
    assert len(meeting.invitations) == 1
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.create")
    ).user_id == (world.secretary.id)


def test_create_stores_brussels_time_as_utc(client, world):
    login(client, world.coordinator)
    day = ordinary_day()
    post_form(client, "/meetings/new", create_data(day, title="Extra overleg"))
    meeting = db.session.scalar(sa.select(Meeting))
    expected = datetime.combine(day, time(14, 0), tzinfo=BRUSSELS).astimezone(UTC)
    assert meeting.start_at == expected
    assert meeting.title == "Extra overleg"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "13:00"}, "Het einde moet na het begin liggen."),
        ({"end_time": "14:00"}, "Het einde moet na het begin liggen."),
        ({"municipality": "verweg"}, "Kies een gemeente uit de lijst."),
        ({"municipality": "zuiderdorp"}, "Kies een gemeente uit de lijst."),
        ({"municipality": ""}, "Kies een gemeente."),
        ({"title": "x" * 201}, "Maximaal 200 tekens."),
        ({"location": "y" * 301}, "Maximaal 300 tekens."),
        ({"date": "31-02-2027"}, "Geef een geldige datum."),
        ({"date": ""}, "Vul een datum in."),
        ({"start_time": "25:99"}, "Geef een geldig uur (uu:mm)."),
        ({"status": "cancelled"}, "Kies een waarde uit de lijst."),
    ],
)
def test_create_bad_input(client, world, overrides, message):
    login(client, world.secretary)
    data = create_data(ordinary_day(), **overrides)
    response = post_form(client, "/meetings/new", data)
    assert response.status_code == 200
    body = text(response)
    assert message in body
    assert 'class="field-error"' in body
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_create_keeps_what_was_typed(client, world):
    login(client, world.coordinator)
    response = post_form(
        client,
        "/meetings/new",
        create_data(ordinary_day(), title="Mijn <titel>", location="Zaal & co", end_time="10:00"),
    )
    body = text(response)
    assert 'value="Mijn &lt;titel&gt;"' in body
    assert 'value="Zaal &amp; co"' in body
    assert 'value="10:00"' in body


def test_create_planned_meeting_in_the_past_is_refused(client, world):
    login(client, world.coordinator)
    past = utcnow().astimezone(BRUSSELS).date() - timedelta(days=7)
    response = post_form(client, "/meetings/new", create_data(past))
    assert "Een geplande vergadering kan niet in het verleden liggen." in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_create_past_meeting_as_held(client, world):
    login(client, world.coordinator)
    past = utcnow().astimezone(BRUSSELS).date() - timedelta(days=7)
    response = post_form(client, "/meetings/new", create_data(past, status="held"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Meeting)).status is MeetingStatus.HELD


def test_create_warns_about_holiday_but_saves(client, world):
    login(client, world.coordinator)
    year = utcnow().year + 1
    response = post_form(
        client, "/meetings/new", create_data(date(year, 7, 11)), follow_redirects=True
    )
    body = text(response)
    assert response.status_code == 200
    assert "Let op" in body
    assert "feestdag van de Vlaamse Gemeenschap" in body
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 1


def test_reader_may_not_create(client, world):
    login(client, world.reader)
    assert client.get("/meetings/new").status_code == 403
    response = post_form(client, "/meetings/new", create_data(ordinary_day()))
    assert response.status_code == 403


def test_post_without_csrf_token_is_refused(client, world):
    login(client, world.coordinator)
    response = client.post("/meetings/new", data=create_data(ordinary_day()))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


# --- detail -----------------------------------------------------------------------------------


def test_detail_shows_meeting_in_brussels_time_agenda_and_invitees(client, world):
    meeting = meeting_of(world, day=date(2099, 3, 17), hour=14)
    contact = meeting.invitations[0].contact
    login(client, world.reader)
    response = client.get(f"/meetings/{meeting.id}")
    body = text(response)
    assert response.status_code == 200
    assert "dinsdag 17 maart 2099 om 14:00" in body
    assert "Gepland" in body
    assert "Goedkeuring verslag vorige vergadering" in body
    assert contact.full_name in body
    assert contact.organisation.name in body
    assert "Nog geen antwoord" in body
    assert "Wijzigen" not in body  # a reader only reads


def test_detail_of_invisible_meeting_is_404(client, world):
    meeting = meeting_of(world, world.south)
    login(client, world.secretary)
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.get("/meetings/999999").status_code == 404


def test_detail_shows_overlap_with_shared_required_invitee(client, world):
    shared = world.north.standing_invitees[0].contact
    day = ordinary_day()
    ours = meeting_of(world, day=day, hour=14)
    theirs = meeting_of(world, world.south, day=day, hour=15)
    theirs.invitations.append(Invitation(contact=shared, role=InviteeRole.CHAIR))
    db.session.commit()
    login(client, world.secretary)
    body = text(client.get(f"/meetings/{ours.id}"))
    assert "Overlapt met een andere vergadering" in body
    assert shared.full_name in body
    assert f"/meetings/{theirs.id}" not in body  # the secretary may not open it
    switch_user(client, world.coordinator)
    body = text(client.get(f"/meetings/{ours.id}"))
    assert f"/meetings/{theirs.id}" in body


def test_overlap_warning_escapes_the_shared_names_once(client, world):
    shared = world.north.standing_invitees[0].contact
    shared.first_name, shared.last_name = "Jan & Piet", "Peeters <jr>"
    other = factories.ContactFactory(
        organisation=shared.organisation, first_name="An", last_name="Aerts"
    )
    day = ordinary_day()
    ours = meeting_of(world, day=day, hour=14)
    ours.invitations.append(Invitation(contact=other, role=InviteeRole.REQUIRED))
    theirs = meeting_of(world, world.south, day=day, hour=15)
    theirs.invitations.append(Invitation(contact=shared, role=InviteeRole.CHAIR))
    theirs.invitations.append(Invitation(contact=other, role=InviteeRole.REQUIRED))
    db.session.commit()
    names = "An Aerts, Jan &amp; Piet Peeters &lt;jr&gt;"  # by last name, escaped once
    for user in (world.secretary, world.coordinator):  # without and with the link
        switch_user(client, user)
        body = text(client.get(f"/meetings/{ours.id}"))
        assert f"waar ook verplicht uitgenodigd is: {names}." in body


# --- edit and cancel --------------------------------------------------------------------------


def edit_data(meeting: Meeting, **overrides) -> dict:
    local_start = meeting.start_at.astimezone(BRUSSELS)
    data = {
        "title": meeting.title,
        "date": local_start.date().isoformat(),
        "start_time": local_start.strftime("%H:%M"),
        "end_time": meeting.end_at.astimezone(BRUSSELS).strftime("%H:%M"),
        "location": meeting.location,
        "version": meeting.version,  # the form carries the version it was filled from
    }
    data.update(overrides)
    return data


def test_edit_form_shows_current_values_in_brussels_time(client, world):
    meeting = meeting_of(world, hour=9)
    login(client, world.secretary)
    body = text(client.get(f"/meetings/{meeting.id}/edit"))
    assert 'value="09:00"' in body and 'value="11:00"' in body


def test_edit_time_raises_sequence(client, world):
    meeting = meeting_of(world)
    login(client, world.secretary)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        edit_data(meeting, start_time="15:00", end_time="17:00"),
    )
    assert response.status_code == 302
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.start_at.astimezone(BRUSSELS).hour == 15
    assert meeting.ical_sequence == 1


def test_edit_title_only_raises_sequence_but_keeps_the_answers(client, world):
    meeting = meeting_of(world)
    login(client, world.secretary)
    post_form(client, f"/meetings/{meeting.id}/edit", edit_data(meeting, title="Andere titel"))
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.title == "Andere titel"
    assert (meeting.ical_sequence, meeting.significant_sequence) == (1, 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "10:00"}, "Het einde moet na het begin liggen."),
        ({"title": ""}, "Vul een titel in."),
        ({"title": "t" * 201}, "Maximaal 200 tekens."),
        ({"start_time": ""}, "Vul een beginuur in."),
        ({"date": "gisteren"}, "Geef een geldige datum."),
    ],
)
def test_edit_bad_input(client, world, overrides, message):
    meeting = meeting_of(world)
    login(client, world.secretary)
    response = post_form(client, f"/meetings/{meeting.id}/edit", edit_data(meeting, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.get(Meeting, meeting.id).ical_sequence == 0


def test_edit_other_municipality_is_404_and_reader_403(client, world):
    other = meeting_of(world, world.south)
    own = meeting_of(world)
    login(client, world.secretary)
    assert post_form(client, f"/meetings/{other.id}/edit", edit_data(other)).status_code == 404
    switch_user(client, world.reader)
    assert client.get(f"/meetings/{own.id}/edit").status_code == 403


def test_cancel_with_reason_then_no_more_edits(client, world):
    meeting = meeting_of(world)
    login(client, world.secretary)
    response = post_form(client, f"/meetings/{meeting.id}/cancel", {"reason": "Te weinig punten"})
    assert response.status_code == 302
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status is MeetingStatus.CANCELLED
    assert meeting.ical_sequence == 1
    body = text(client.get(f"/meetings/{meeting.id}"))
    assert "Geannuleerd" in body and "Te weinig punten" in body
    response = post_form(client, f"/meetings/{meeting.id}/edit", edit_data(meeting, title="Nee"))
    assert response.status_code == 302
    assert db.session.get(Meeting, meeting.id).title != "Nee"
    assert client.get(f"/meetings/{meeting.id}/agenda").status_code == 302


def test_cancel_needs_reason(client, world):
    meeting = meeting_of(world)
    login(client, world.secretary)
    response = post_form(client, f"/meetings/{meeting.id}/cancel", {"reason": ""})
    assert response.status_code == 200
    assert "Geef een reden voor de annulering." in text(response)
    assert db.session.get(Meeting, meeting.id).status is MeetingStatus.PLANNED


# --- agenda -----------------------------------------------------------------------------------


def test_agenda_add_item_with_theme(client, world):
    meeting = meeting_of(world)
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "woonnood_wachtlijsten"))
    login(client, world.secretary)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/agenda",
        {
            "title": "Wachtlijsten 2026",
            "theme": str(theme.id),
            "presenter": "Woonmaatschappij",
            "duration_minutes": "20",
            "notes": "Cijfers volgen",
        },
    )
    assert response.status_code == 302
    items = db.session.get(Meeting, meeting.id).agenda_items
    added = next(item for item in items if item.title == "Wachtlijsten 2026")
    assert added.theme_id == theme.id
    assert added.kind is AgendaItemKind.THEME
    assert items[-2].kind is AgendaItemKind.VARIA  # added before varia
    assert "Wachtlijsten 2026" in text(client.get(f"/meetings/{meeting.id}"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Vul een titel in."),
        ({"title": "a" * 201}, "Maximaal 200 tekens."),
        ({"duration_minutes": "veel"}, "Geef een geheel aantal minuten."),
        ({"duration_minutes": "-5"}, "De duur ligt tussen 0 en 600 minuten."),
        ({"theme": "999999"}, "Kies een waarde uit de lijst."),
        ({"notes": "n" * 5001}, "Maximaal 5000 tekens."),
    ],
)
def test_agenda_add_bad_input(client, world, overrides, message):
    meeting = meeting_of(world)
    login(client, world.secretary)
    data = {"title": "Punt", "theme": "", "presenter": "", "duration_minutes": "10", "notes": ""}
    data.update(overrides)
    response = post_form(client, f"/meetings/{meeting.id}/agenda", data)
    assert response.status_code == 200
    assert message in text(response)
    assert len(db.session.get(Meeting, meeting.id).agenda_items) == len(services.STANDARD_AGENDA)


def test_agenda_move_buttons_reorder_without_javascript(client, world):
    meeting = meeting_of(world)
    ids = [item.id for item in meeting.agenda_items]
    login(client, world.secretary)
    body = text(client.get(f"/meetings/{meeting.id}/agenda"))
    moved = services.moved_order(meeting.agenda_items, ids[1], -1)
    assert f'value="{",".join(map(str, moved))}"' in body
    versions = ",".join(f"{i.id}:{i.version}" for i in meeting.agenda_items)
    assert f'name="versions" value="{versions}"' in body
    response = post_form(
        client,
        f"/meetings/{meeting.id}/agenda/reorder",
        {"order": ",".join(map(str, moved)), "versions": versions},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.id for i in db.session.get(Meeting, meeting.id).agenda_items] == moved


def test_agenda_reorder_with_items_of_another_meeting_is_refused(client, world):
    meeting = meeting_of(world)
    other = meeting_of(world, world.south)
    ids = [item.id for item in meeting.agenda_items]
    foreign = [*ids[:-1], other.agenda_items[0].id]
    login(client, world.coordinator)
    response = post_form(
        client, f"/meetings/{meeting.id}/agenda/reorder", {"order": ",".join(map(str, foreign))}
    )
    assert response.status_code == 422
    assert "niet bij deze vergadering horen" in text(response)
    db.session.expire_all()
    assert [i.id for i in db.session.get(Meeting, meeting.id).agenda_items] == ids


@pytest.mark.parametrize("order", ["1,a,3", "", "9999999"])
def test_agenda_reorder_garbage_is_refused_without_500(client, world, order):
    meeting = meeting_of(world)
    login(client, world.secretary)
    response = post_form(client, f"/meetings/{meeting.id}/agenda/reorder", {"order": order})
    assert response.status_code == 422
    assert 'class="form-errors"' in text(response)


def test_agenda_item_edit_and_delete(client, world):
    meeting = meeting_of(world)
    item = meeting.agenda_items[3]
    login(client, world.secretary)
    assert "Thema" in text(client.get(f"/meetings/{meeting.id}/agenda/{item.id}/edit"))
    response = post_form(
        client,
        f"/meetings/{meeting.id}/agenda/{item.id}/edit",
        {
            "title": "Thema: leegstand",
            "theme": "",
            "duration_minutes": "30",
            "presenter": "IGS",
            "version": item.version,
        },
    )
    assert response.status_code == 302
    item = db.session.get(AgendaItem, item.id)
    assert (item.title, item.duration_minutes, item.presenter) == ("Thema: leegstand", 30, "IGS")
    item_id = item.id
    response = post_form(client, f"/meetings/{meeting.id}/agenda/{item_id}/delete")
    assert response.status_code == 302
    assert db.session.get(AgendaItem, item_id) is None
    positions = [i.position for i in db.session.get(Meeting, meeting.id).agenda_items]
    assert positions == list(range(len(services.STANDARD_AGENDA) - 1))


def test_agenda_item_of_another_meeting_in_url_is_404(client, world):
    meeting = meeting_of(world)
    other = meeting_of(world)
    login(client, world.secretary)
    foreign = other.agenda_items[0].id
    assert client.get(f"/meetings/{meeting.id}/agenda/{foreign}/edit").status_code == 404
    response = post_form(client, f"/meetings/{meeting.id}/agenda/{foreign}/delete")
    assert response.status_code == 404
    assert db.session.get(AgendaItem, foreign) is not None


# --- invitees ---------------------------------------------------------------------------------


def test_invitees_page_suggests_contacts_of_serving_organisations(client, world):
    meeting = meeting_of(world)
    organisation = world.north.organisations[0]
    newcomer = factories.ContactFactory(organisation=organisation, last_name="Nieuwkomer")
    login(client, world.secretary)
    body = text(client.get(f"/meetings/{meeting.id}/invitees"))
    assert "Nieuwkomer" in body
    response = post_form(
        client,
        f"/meetings/{meeting.id}/invitees",
        {"contact_id": str(newcomer.id), "role": "optional"},
    )
    assert response.status_code == 302
    invitation = db.session.scalar(
        sa.select(Invitation).where(
            Invitation.meeting_id == meeting.id, Invitation.contact_id == newcomer.id
        )
    )
    assert invitation.role is InviteeRole.OPTIONAL


def test_invitees_search_covers_visible_contacts_only(client, world):
    meeting = meeting_of(world)
    south_contact = world.south.standing_invitees[0].contact
    login(client, world.secretary)
    body = text(client.get(f"/meetings/{meeting.id}/invitees?q={south_contact.last_name}"))
    assert "Geen contactpersonen gevonden" in body
    response = post_form(
        client,
        f"/meetings/{meeting.id}/invitees",
        {"contact_id": str(south_contact.id), "role": "required"},
    )
    assert response.status_code == 200
    assert "bestaat niet of is niet zichtbaar" in text(response)
    switch_user(client, world.coordinator)
    body = text(client.get(f"/meetings/{meeting.id}/invitees?q={south_contact.last_name}"))
    assert f'name="contact_id" value="{south_contact.id}"' in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contact_id": "abc", "role": "required"}, "Kies een contactpersoon uit de lijst."),
        ({"contact_id": "", "role": "required"}, "Kies een contactpersoon."),
        ({"contact_id": "1", "role": "boss"}, "Kies een waarde uit de lijst."),
    ],
)
def test_invitees_add_bad_input(client, world, data, message):
    meeting = meeting_of(world)
    login(client, world.secretary)
    response = post_form(client, f"/meetings/{meeting.id}/invitees", data)
    assert response.status_code == 200
    assert message in text(response)


def test_invitee_already_invited_is_refused(client, world):
    meeting = meeting_of(world)
    contact_id = meeting.invitations[0].contact_id
    login(client, world.secretary)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/invitees",
        {"contact_id": str(contact_id), "role": "required"},
    )
    assert "is al uitgenodigd" in text(response)


def test_invitee_role_change_and_removal(client, world):
    meeting = meeting_of(world)
    invitation = meeting.invitations[0]
    login(client, world.secretary)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/invitees/{invitation.id}/role",
        {"role": "chair", "version": invitation.version},
    )
    assert response.status_code == 302
    assert db.session.get(Invitation, invitation.id).role is InviteeRole.CHAIR
    response = post_form(
        client, f"/meetings/{meeting.id}/invitees/{invitation.id}/role", {"role": "x"}
    )
    assert response.status_code == 302
    assert db.session.get(Invitation, invitation.id).role is InviteeRole.CHAIR
    invitation_id = invitation.id
    response = post_form(client, f"/meetings/{meeting.id}/invitees/{invitation_id}/delete")
    assert response.status_code == 302
    assert db.session.get(Invitation, invitation_id) is None
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"invitation.update", "invitation.delete"} <= actions


def test_invitation_of_another_meeting_in_url_is_404(client, world):
    meeting = meeting_of(world)
    other = meeting_of(world)
    login(client, world.secretary)
    foreign = other.invitations[0].id
    response = client.post(
        f"/meetings/{meeting.id}/invitees/{foreign}/delete",
        data={"csrf_token": csrf_token(client)},
    )
    assert response.status_code == 404
    assert db.session.get(Invitation, foreign) is not None


# --- query budget of the editor pages ---------------------------------------------------------


def _grow(world, meeting: Meeting, size: int) -> None:
    """Give the meeting `size` extra agenda items, invitees, suggestions and overlapping peers."""
    organisation = world.north.organisations[0]
    for n in range(size):
        factories.AgendaItemFactory(meeting=meeting, position=10 + n)
        contact = factories.ContactFactory(organisation=organisation)
        meeting.invitations.append(Invitation(contact=contact, role=InviteeRole.REQUIRED))
        factories.ContactFactory(organisation=organisation)  # a suggestion
        peer = factories.MeetingFactory(
            municipality=world.south, start_at=meeting.start_at, end_at=meeting.end_at
        )
        peer.invitations.append(Invitation(contact=contact, role=InviteeRole.CHAIR))
    db.session.commit()


@pytest.mark.parametrize("suffix", ["", "/agenda", "/invitees", "/invitees?q=Peeters"])
def test_editor_pages_issue_a_constant_number_of_queries(client, world, suffix):
    small = meeting_of(world, day=ordinary_day(40))
    large = meeting_of(world, day=ordinary_day(80))
    _grow(world, small, 1)
    _grow(world, large, 10)
    login(client, world.coordinator)
    status_small, small_queries = queries_for(client, db.engine, f"/meetings/{small.id}{suffix}")
    status_large, large_queries = queries_for(client, db.engine, f"/meetings/{large.id}{suffix}")
    assert (status_small, status_large) == (200, 200)
    assert len(small_queries) == len(large_queries), large_queries


def test_ids_beyond_the_integer_range_are_404_not_500(client, world):
    meeting = meeting_of(world)
    huge = "99999999999999999999"
    login(client, world.coordinator)
    assert client.get(f"/meetings/{huge}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/agenda/{huge}/edit").status_code == 404
    response = post_form(client, f"/meetings/{meeting.id}/invitees/{huge}/delete")
    assert response.status_code == 404
    response = post_form(
        client, f"/meetings/{meeting.id}/invitees", {"contact_id": huge, "role": "required"}
    )
    assert response.status_code == 200
    assert "Kies een contactpersoon uit de lijst." in text(response)


def test_mark_a_past_meeting_as_held(client, world):
    past = factories.MeetingFactory(
        municipality=world.north,
        start_at=utcnow() - timedelta(days=2),
        end_at=utcnow() - timedelta(days=2) + timedelta(hours=2),
    )
    future = meeting_of(world)
    login(client, world.secretary)
    assert "Registreren als gehouden" in text(client.get(f"/meetings/{past.id}"))
    assert "Registreren als gehouden" not in text(client.get(f"/meetings/{future.id}"))
    assert post_form(client, f"/meetings/{past.id}/held").status_code == 302
    assert db.session.get(Meeting, past.id).status is MeetingStatus.HELD
    body = text(
        client.post(
            f"/meetings/{future.id}/held",
            data={"csrf_token": csrf_token(client)},
            follow_redirects=True,
        )
    )
    assert "pas als gehouden geregistreerd worden als ze begonnen is" in body
    assert db.session.get(Meeting, future.id).status is MeetingStatus.PLANNED


def test_index_valid_filters_apply_when_another_is_invalid(client, world):
    north = meeting_of(world)
    south = meeting_of(world, world.south)
    login(client, world.coordinator)
    body = text(client.get("/meetings?municipality=noorderdorp&year=abc"))
    assert "Geef een jaartal, bv. 2026." in body
    assert f"/meetings/{north.id}" in body and f"/meetings/{south.id}" not in body


def test_index_pagination_links_carry_only_known_filters(client, world):
    start = datetime.now(UTC) + timedelta(days=400)
    for n in range(26):
        factories.MeetingFactory(municipality=world.north, start_at=start + timedelta(days=n))
    login(client, world.coordinator)
    body = text(client.get("/meetings?status=planned&_external=1&_scheme=javascript&x=y"))
    assert 'href="/meetings?page=2&amp;status=planned"' in body
    assert "javascript://" not in body


def test_moving_an_invited_meeting_queues_updated_invitations(client, world):
    meeting = meeting_of(world)
    meeting.status = MeetingStatus.INVITED
    meeting.invitations_sent_at = utcnow()
    for invitation in meeting.invitations:
        invitation.sent_at = utcnow()
        invitation.sent_sequence = 0
    db.session.commit()
    login(client, world.secretary)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        edit_data(meeting, start_time="15:00", end_time="17:00"),
        follow_redirects=True,
    )
    assert "krijgt een bijgewerkte uitnodiging" in text(response)
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)
    ).all()
    assert len(queued) == len(meeting.invitations) == 1
    assert b"SEQUENCE:1" in queued[0].raw


def test_invitee_changes_after_sending_say_what_mail_goes_out(client, world):
    meeting = meeting_of(world)
    meeting.status = MeetingStatus.INVITED
    meeting.invitations_sent_at = utcnow()
    first = meeting.invitations[0]
    first.sent_at = utcnow()
    first.sent_sequence = 0
    newcomer = factories.ContactFactory(organisation=world.north.organisations[0])
    db.session.commit()
    first_id = first.id
    login(client, world.secretary)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/invitees",
        {"contact_id": str(newcomer.id), "role": "optional"},
        follow_redirects=True,
    )
    assert "krijgt de uitnodiging per e-mail" in text(response)
    response = post_form(
        client, f"/meetings/{meeting.id}/invitees/{first_id}/delete", follow_redirects=True
    )
    assert "krijgt een annulering" in text(response)
    kinds = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.meeting_id == meeting.id)
    ).all()
    assert len(kinds) == 2
