"""The minutes pages through HTTP: register, editor, conflict page, workflow and PDFs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.minutes import services
from overleg.models import (
    ActionPoint,
    AgendaItemKind,
    Attendance,
    Invitation,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    OutboxMessage,
    RsvpStatus,
)
from tests import factories
from tests.conftest import login, post_form
from tests.pdftools import pdf_text

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


def _meeting(world, municipality=None, days_ago=20):
    start = (datetime.now(UTC) - timedelta(days=days_ago)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    meeting = factories.MeetingFactory(
        municipality=municipality or world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    factories.AgendaItemFactory(
        meeting=meeting,
        title="Goedkeuring verslag vorige vergadering",
        kind=AgendaItemKind.APPROVAL,
    )
    factories.AgendaItemFactory(meeting=meeting, title="Wachtlijsten", kind=AgendaItemKind.THEME)
    return meeting


def _start(client, meeting_id):
    """Press "Verslag starten": only this POST creates the minutes, never a GET."""
    response = post_form(client, f"/meetings/{meeting_id}/minutes/start", {})
    assert response.status_code == 302, response.get_data(as_text=True)


def _editor_payload(client, meeting_id):
    """The editor's fields as the browser would send them back unchanged."""
    html = client.get(f"/meetings/{meeting_id}/minutes/edit").get_data(as_text=True)
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?([^<]*)</textarea>', html):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        data[name] = selected.group(1) if selected else ""
    return {k: v for k, v in data.items() if not k.endswith("-delete")}


def test_secretary_writes_circulates_and_coordinator_approves(app, client, world):
    meeting = _meeting(world)
    invitation = factories.InvitationFactory(meeting=meeting)
    login(client, world.secretary)

    response = client.get(f"/meetings/{meeting.id}/minutes/attendance", follow_redirects=True)
    assert response.status_code == 200
    assert "Verslag starten" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Minutes.id))) == 0  # a GET creates nothing
    _start(client, meeting.id)
    minutes = db.session.scalars(sa.select(Minutes)).one()
    response = post_form(
        client,
        f"/meetings/{meeting.id}/minutes/attendance",
        {
            "version": minutes.version,
            "rows-0-invitation_id": invitation.id,
            "rows-0-attendance": "present",
            "chair": invitation.id,
            "minute_taker": "",
        },
    )
    assert response.status_code == 302
    assert db.session.get(Invitation, invitation.id).attendance is Attendance.PRESENT

    data = _editor_payload(client, meeting.id)
    theme_field = next(k for k in data if k.endswith("-discussion") and k.startswith("notes-1"))
    data[theme_field] = "De wachtlijst is **lang**.\n\n<script>alert('x')</script>"
    data["notes-1-decisions"] = "Extra woningen aanvragen"
    data["action_points-0-description"] = "Cijfers bezorgen"
    data["action_points-0-due_date"] = "2026-06-30"
    response = post_form(client, f"/meetings/{meeting.id}/minutes/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalars(sa.select(ActionPoint.description)).all() == ["Cijfers bezorgen"]

    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "<strong>lang</strong>" in page
    assert "<script>alert" not in page
    assert "Extra woningen aanvragen" in page
    assert "Cijfers bezorgen" in page  # the action point table

    minutes = db.session.scalars(sa.select(Minutes)).one()
    response = post_form(
        client, f"/meetings/{meeting.id}/minutes/circulate", {"version": minutes.version}
    )
    assert response.status_code == 302
    minutes = db.session.scalars(sa.select(Minutes)).one()
    assert minutes.status is MinutesStatus.CIRCULATED

    client.delete_cookie("session")
    login(client, world.coordinator)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/minutes/approve",
        {"version": minutes.version, "approved_at_meeting": ""},
    )
    assert response.status_code == 302
    minutes = db.session.scalars(sa.select(Minutes)).one()
    assert minutes.status is MinutesStatus.APPROVED

    pdf = client.get(f"/meetings/{meeting.id}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == minutes.versions[-1].pdf
    text = pdf_text(pdf.data)
    assert "Cijfers bezorgen" in text and "Extra woningen aanvragen" in text
    assert "alert" not in text

    # Locked: the editor sends the user back with the reason.
    response = client.get(f"/meetings/{meeting.id}/minutes/edit", follow_redirects=True)
    assert "vergrendeld" in response.get_data(as_text=True)


def test_the_second_save_gets_a_conflict_page_that_keeps_what_was_typed(app, client, world):
    meeting = _meeting(world)
    login(client, world.secretary)
    _start(client, meeting.id)
    data = _editor_payload(client, meeting.id)  # both editors load version 1

    minutes = db.session.scalars(sa.select(Minutes)).one()
    item = meeting.agenda_items[1]
    services.save_minutes(
        minutes,
        notes=[services.NoteData(item.id, "Tekst van de coördinator")],
        expected_version=minutes.version,
        user=world.coordinator,
        now=NOW,
    )
    db.session.commit()

    data["notes-1-discussion"] = "Tekst van de secretaris"
    response = post_form(client, f"/meetings/{meeting.id}/minutes/edit", data)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Tekst van de secretaris" in page  # what they typed
    assert "Tekst van de coördinator" in page  # the other change
    assert world.coordinator.name in page
    minutes = db.session.scalars(sa.select(Minutes)).one()
    assert minutes.notes[0].discussion == "Tekst van de coördinator"
    # Saving again from the conflict page (it carries the new version) goes through.
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data["version"] = new_version
    response = post_form(client, f"/meetings/{meeting.id}/minutes/edit", data)
    assert response.status_code == 302
    minutes = db.session.scalars(sa.select(Minutes)).one()
    assert minutes.notes[0].discussion == "Tekst van de secretaris"


def test_bad_input_gets_dutch_messages_and_keeps_the_text(app, client, world):
    meeting = _meeting(world)
    login(client, world.secretary)
    _start(client, meeting.id)
    data = _editor_payload(client, meeting.id)
    data["notes-1-discussion"] = "x" * 20_001
    data["notes-1-decisions"] = "Dit besluit blijft staan"
    data["action_points-0-description"] = "Iets doen"
    data["action_points-0-due_date"] = "31-31-2026"
    data["action_points-0-owner"] = "org:999999"

    response = post_form(client, f"/meetings/{meeting.id}/minutes/edit", data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Hoogstens 20000 tekens." in page
    assert "Dit besluit blijft staan" in page
    assert db.session.scalar(sa.select(sa.func.count(ActionPoint.id))) == 0


def test_thousands_of_action_points_get_a_clear_message(app, client, world):
    meeting = _meeting(world)
    login(client, world.secretary)
    _start(client, meeting.id)
    data = _editor_payload(client, meeting.id)
    for n in range(services.MAX_ACTION_POINTS + 50):
        data[f"action_points-{n}-description"] = f"Actie {n}"
        data[f"action_points-{n}-status"] = "open"

    response = post_form(client, f"/meetings/{meeting.id}/minutes/edit", data)

    assert response.status_code in (413, 422)
    if response.status_code == 422:
        assert "hoogstens 300 actiepunten" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ActionPoint.id))) == 0


def test_minutes_of_a_cancelled_meeting_are_refused_with_a_clear_message(app, client, world):
    meeting = _meeting(world)
    meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    login(client, world.secretary)

    response = client.get(f"/meetings/{meeting.id}/minutes/edit", follow_redirects=True)

    assert "geannuleerd" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Minutes.id))) == 0


def test_follow_up_of_earlier_action_points_and_link_to_the_approved_minutes(app, client, world):
    earlier = _meeting(world, days_ago=200)
    later = _meeting(world, days_ago=10)
    point = factories.ActionPointFactory(meeting=earlier, description="Leegstand opvolgen")
    login(client, world.secretary)
    _start(client, later.id)

    page = client.get(f"/meetings/{later.id}/minutes/edit").get_data(as_text=True)
    assert "Leegstand opvolgen" in page
    data = _editor_payload(client, later.id)
    data["follow_ups-0-status"] = "done"
    data["follow_ups-0-note"] = "Afgerond in februari"
    response = post_form(client, f"/meetings/{later.id}/minutes/edit", data)
    assert response.status_code == 302

    point = db.session.get(ActionPoint, point.id)
    assert point.status.value == "done" and point.closed_at_meeting_id == later.id
    overview = client.get(f"/meetings/{later.id}/minutes").get_data(as_text=True)
    assert f'href="/meetings/{earlier.id}/minutes"' in overview  # "Goedkeuring verslag" links


def test_distribution_from_the_page_queues_the_mails(app, client, world):
    meeting = _meeting(world)
    factories.InvitationFactory(meeting=meeting)
    minutes = factories.MinutesFactory(meeting=meeting)
    services.circulate(minutes, expected_version=minutes.version, user=None, now=NOW)
    db.session.commit()
    login(client, world.secretary)

    response = post_form(client, f"/meetings/{meeting.id}/minutes/send", {"version": ""})

    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 2
    assert db.session.get(Minutes, minutes.id).sent_to_agency_at is not None


def test_agenda_pdf_and_meeting_panel(app, client, world):
    meeting = _meeting(world)
    login(client, world.reader)

    response = client.get(f"/meetings/{meeting.id}/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Wachtlijsten" in pdf_text(response.data)
    draft = client.get(f"/meetings/{meeting.id}/minutes.pdf")
    assert draft.status_code == 200
    assert "Status: ontwerp" in pdf_text(draft.data)
    detail = client.get(f"/meetings/{meeting.id}")
    if detail.status_code == 200:  # the meeting page includes the minutes panel
        assert f"/meetings/{meeting.id}/agenda.pdf" in detail.get_data(as_text=True)


def test_the_register_starts_from_the_answers_to_the_invitation(app, client, world):
    meeting = _meeting(world)
    coming = factories.InvitationFactory(meeting=meeting, rsvp_status=RsvpStatus.ACCEPTED)
    not_coming = factories.InvitationFactory(meeting=meeting, rsvp_status=RsvpStatus.DECLINED)
    silent = factories.InvitationFactory(meeting=meeting)
    login(client, world.secretary)
    _start(client, meeting.id)

    page = client.get(f"/meetings/{meeting.id}/minutes/attendance").get_data(as_text=True)

    selected = dict(
        re.findall(
            r'name="rows-\d+-invitation_id" type="hidden" value="(\d+)">\s*<select[^>]*>.*?'
            r'<option selected value="([a-z]*)"',
            page,
            re.S,
        )
    )
    assert selected[str(coming.id)] == "present"
    assert selected[str(not_coming.id)] == "excused"
    assert selected[str(silent.id)] == ""
    assert db.session.get(Invitation, coming.id).attendance is None  # only a suggestion


def test_a_workflow_step_on_an_older_version_changes_nothing_and_says_why(app, client, world):
    meeting = _meeting(world)
    minutes = factories.MinutesFactory(meeting=meeting)
    db.session.commit()
    loaded = minutes.version
    services.save_minutes(minutes, notes=[], expected_version=loaded, user=None, now=NOW)
    db.session.commit()
    login(client, world.secretary)

    response = post_form(client, f"/meetings/{meeting.id}/minutes/circulate", {"version": loaded})

    assert response.status_code == 302
    assert db.session.get(Minutes, minutes.id).status is MinutesStatus.DRAFT
    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "Iemand anders heeft het verslag intussen gewijzigd" in page
