"""Minutes that behave (issue 14, item 5) through HTTP: what was typed is never lost."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import (
    ActionPoint,
    AgendaItemKind,
    Attendance,
    Invitation,
    InviteeRole,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)
from tests import factories
from tests.conftest import login, post_form
from tests.functional.test_minutes_pages import _start
from tests.support.html_forms import form_on


def _meeting(world, days_ago=20, status=MeetingStatus.HELD):
    start = (datetime.now(UTC) - timedelta(days=days_ago)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=status,
    )
    factories.AgendaItemFactory(meeting=meeting, title="Wachtlijsten", kind=AgendaItemKind.THEME)
    return meeting


def _selected(page, name):
    body = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert body is not None, name
    chosen = re.search(r'<option selected value="([^"]*)"', body.group(1)) or re.search(
        r'<option value="([^"]*)" selected', body.group(1)
    )
    return chosen.group(1) if chosen else ""


def _register(client, meeting_id):
    page = f"/meetings/{meeting_id}/minutes/attendance"
    html = client.get(page).get_data(as_text=True)
    return form_on(html, page, page).data()


def _register_with_one_invitee(client, world):
    """A meeting with one invitee, its minutes started: the register's fields as the browser
    would post them, and the prefix of the invitee's row."""
    meeting = _meeting(world)
    invitee = factories.InvitationFactory(meeting=meeting)
    login(client, world.secretary)
    _start(client, meeting.id)
    data = _register(client, meeting.id)
    return meeting, invitee, data, _row_of(data, invitee.id)


def _row_of(data, invitation_id):
    return next(
        k.removesuffix("-invitation_id")
        for k, v in data.items()
        if k.endswith("-invitation_id") and v == [str(invitation_id)]
    )


def test_the_register_opens_with_the_chair_and_secretary_of_the_invitations(app, client, world):
    meeting = _meeting(world)
    chair = factories.InvitationFactory(meeting=meeting, role=InviteeRole.CHAIR)
    secretary = factories.InvitationFactory(meeting=meeting, role=InviteeRole.SECRETARY)
    login(client, world.secretary)

    _start(client, meeting.id)

    page = client.get(f"/meetings/{meeting.id}/minutes/attendance").get_data(as_text=True)
    assert _selected(page, "chair") == str(chair.id)
    assert _selected(page, "minute_taker") == str(secretary.id)


def test_adding_a_guest_saves_the_attendance_chosen_but_not_yet_saved(app, client, world):
    meeting, absent, data, row = _register_with_one_invitee(client, world)
    assert "name" in data  # the guest's fields are in the register's form
    data[f"{row}-attendance"] = ["absent"]
    data["name"] = ["Gast Zonder Uitnodiging"]

    response = post_form(client, f"/meetings/{meeting.id}/minutes/guests", data)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.get(Invitation, absent.id).attendance is Attendance.ABSENT
    guest = db.session.scalars(sa.select(Invitation).where(Invitation.is_guest)).one()
    assert guest.guest_name == "Gast Zonder Uitnodiging"


def test_a_refused_guest_keeps_the_attendance_choices_typed(app, client, world):
    meeting, absent, data, row = _register_with_one_invitee(client, world)
    data[f"{row}-attendance"] = ["absent"]
    data["name"] = ["   "]
    data["organisation"] = ["Huurdersbond"]

    response = post_form(client, f"/meetings/{meeting.id}/minutes/guests", data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _selected(page, f"{row}-attendance") == "absent"
    assert 'value="Huurdersbond"' in page
    assert "Vul de naam in." in page
    assert db.session.get(Invitation, absent.id).attendance is None  # nothing saved


def test_an_action_point_without_text_is_an_error_on_its_row(app, client, world):
    meeting = _meeting(world)
    login(client, world.secretary)
    _start(client, meeting.id)
    page = f"/meetings/{meeting.id}/minutes/edit"
    data = form_on(client.get(page).get_data(as_text=True), page, page).data()
    data["notes-0-discussion"] = ["Dit blijft staan"]
    data["action_points-0-description"] = ["Iets doen"]
    data["action_points-1-due_date"] = ["2026-06-30"]

    response = post_form(client, page, data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Beschrijf het actiepunt: er is een eigenaar of datum ingevuld." in html
    row = html[html.index('name="action_points-1-description"') :]
    assert row.index("Beschrijf het actiepunt") < row.index('name="action_points-2-description"')
    assert "Dit blijft staan" in html and "Iets doen" in html and "2026-06-30" in html
    assert db.session.scalar(sa.select(sa.func.count(ActionPoint.id))) == 0


def test_approval_defaults_to_the_held_meeting_and_refuses_a_future_one(app, client, world):
    meeting = _meeting(world, days_ago=40)
    held = _meeting(world, days_ago=10)
    future = _meeting(world, days_ago=-14, status=MeetingStatus.INVITED)
    login(client, world.coordinator)
    _start(client, meeting.id)

    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert _selected(page, "approved_at_meeting") == str(held.id)

    minutes = db.session.scalars(sa.select(Minutes)).one()
    response = post_form(
        client,
        f"/meetings/{meeting.id}/minutes/approve",
        {"version": minutes.version, "approved_at_meeting": future.id},
        follow_redirects=True,
    )
    assert "moet nog plaatsvinden" in response.get_data(as_text=True)
    assert db.session.get(Minutes, minutes.id).status is MinutesStatus.DRAFT
