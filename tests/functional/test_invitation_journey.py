"""The issue's 'done when', through the pages: send, mailbox, answer, change, cancel."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib import ical
from overleg.lib.dates import to_local
from overleg.mail import outbox
from overleg.models import Invitation, Meeting, OutboxMessage, RsvpStatus
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.icaljs import assert_agrees_with_icalendar

RSVP_LINK = re.compile(r"http://localhost(/rsvp/[A-Za-z0-9_-]{43})")


def _mail_calendar(client, row_id: int):  # type: ignore[no-untyped-def]
    page = client.get(f"/outbox/{row_id}").get_data(as_text=True)
    assert "uitnodiging.ics" in page
    response = client.get(f"/outbox/{row_id}/bijlagen/0")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return response.data


def test_send_answer_change_and_cancel(client, world, tmp_path):
    meeting = factories.MeetingFactory(municipality=world.north, title="Woonoverleg Noorderdorp")
    factories.AgendaItemFactory(meeting=meeting, title="Lokale woonnoden")
    for _ in range(3):
        factories.InvitationFactory(
            meeting=meeting,
            contact=factories.ContactFactory(
                organisation=factories.organisation_serving(world.north)
            ),
        )
    meeting_id = meeting.id
    login(client, world.coordinator)

    # 1. the coordinator sends the invitations
    post_form(client, f"/meetings/{meeting_id}/invitations/send")
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(rows) == 3 and {r.kind for r in rows} == {"invitation"}

    # 2. the development mailbox shows one mail per invitee; the .ics opens as an invitation
    mailbox = client.get("/outbox/mailbox").get_data(as_text=True)
    for row in rows:
        assert row.to_address in mailbox
    data = _mail_calendar(client, rows[0].id)
    calendar = ical.parse(data)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert int(calendar.events[0]["SEQUENCE"]) == 0
    assert_agrees_with_icalendar(tmp_path, data)
    html = client.get(f"/outbox/{rows[0].id}/html")
    assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]

    # 3. an invitee answers through the link in the mail, without an account
    text = outbox.parse(rows[0]).get_body(("plain",)).get_content()
    link = RSVP_LINK.search(text).group(1)
    client.delete_cookie("session")
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token(client, link),
            "a-answer": "declined",
            "a-comment": "Ik ben met verlof.",
        },
    )
    assert response.status_code == 302
    invitation = db.session.get(Invitation, rows[0].invitation_id)
    assert invitation.rsvp_status is RsvpStatus.DECLINED

    # ... and the meeting page shows it
    login(client, world.coordinator)
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Ik ben met verlof." in page and "Komen niet: 1" in page

    # 4. a time change sends updates with a higher SEQUENCE
    meeting = db.session.get(Meeting, meeting_id)
    new_start = to_local(meeting.start_at + timedelta(days=1))
    response = post_form(
        client,
        f"/meetings/{meeting_id}/edit",
        {
            "title": meeting.title,
            "date": new_start.date().isoformat(),
            "start_time": new_start.strftime("%H:%M"),
            "end_time": (new_start + timedelta(hours=2)).strftime("%H:%M"),
            "location": meeting.location,
            "version": meeting.version,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    updates = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "update")
    ).all()
    assert len(updates) == 3
    calendar = ical.parse(_mail_calendar(client, updates[0].id))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert int(calendar.events[0]["SEQUENCE"]) == 1
    assert calendar.events[0].start == db.session.get(Meeting, meeting_id).start_at

    # 5. a cancellation removes it from calendars
    response = post_form(client, f"/meetings/{meeting_id}/cancel", {"reason": "Geen quorum"})
    assert response.status_code == 302
    cancels = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "cancel")
    ).all()
    assert len(cancels) == 3
    data = _mail_calendar(client, cancels[0].id)
    calendar = ical.parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.events[0]["STATUS"]) == "CANCELLED"
    assert int(calendar.events[0]["SEQUENCE"]) == 2
    assert str(calendar.events[0]["UID"]) == db.session.get(Meeting, meeting_id).ical_uid
    assert_agrees_with_icalendar(tmp_path, data)
    # the meeting's own .ics is now a CANCEL as well
    assert b"METHOD:CANCEL" in client.get(f"/meetings/{meeting_id}/invitation.ics").data
    # and the answer page says it does not go ahead
    client.delete_cookie("session")
    assert "gaat niet door" in client.get(link).get_data(as_text=True)
