"""A moved meeting asks everyone again; a new title does not (the pages, the mail, the REQUEST)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib import ical
from overleg.mail import outbox
from overleg.meetings import invitations
from overleg.models import AuditEntry, Invitation, Meeting, RsvpStatus
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.functional.test_meetings import edit_data


def _invited(world):
    start = (utcnow() + timedelta(days=20)).replace(hour=12, minute=0, second=0, microsecond=0)
    meeting = factories.MeetingFactory(municipality=world.north, start_at=start)
    meeting.end_at = meeting.start_at + timedelta(hours=2)
    factories.InvitationFactory(meeting=meeting)
    factories.InvitationFactory(meeting=meeting)
    db.session.commit()
    invitations.send_invitations(meeting, user=None, now=utcnow())
    db.session.commit()
    return meeting


def _answer_through_the_link(client, invitation, answer="accepted", **extra):
    path = f"/rsvp/{invitation.token}"
    data = {"csrf_token": csrf_token(client, path), "a-answer": answer, "a-comment": "tot dan"}
    data.update(extra)
    return client.post(path, data=data, follow_redirects=True)


def _panel_row(page: str, invitation: Invitation) -> str:
    """The answer cell of one invitee in the panel 'Uitnodigingen per e-mail'."""
    match = re.search(
        rf'data-answer-for="{invitation.id}">(.*?)</span><br><small class="muted" '
        rf'data-answer-note-for="{invitation.id}">(.*?)</small>',
        page,
    )
    assert match, page
    return f"{match.group(1)} | {match.group(2)}"


def _move(client, meeting, **overrides):
    meeting = db.session.get(Meeting, meeting.id)
    return post_form(client, f"/meetings/{meeting.id}/edit", edit_data(meeting, **overrides))


def test_a_moved_meeting_shows_the_answers_as_given_for_the_previous_time(client, world):
    meeting = _invited(world)
    invitation = meeting.invitations[0]
    answered = _answer_through_the_link(client, invitation)
    assert "Bedankt, uw antwoord is bewaard." in answered.get_data(as_text=True)
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert _panel_row(page, invitation).startswith("Komt | via link · ")

    assert _move(client, meeting, start_time="16:00", end_time="18:00").status_code == 302

    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert _panel_row(page, invitation).startswith(
        "Nog geen antwoord | Komt voor het vorige tijdstip · via link · "
    )
    assert "Komen: 0" in page
    row = next(
        r
        for r in client.get(f"/meetings/{meeting.id}/answers.json").get_json()["invitations"]
        if r["id"] == invitation.id
    )
    assert row["answer"] == "needs-action"
    assert row["note"].startswith("Komt voor het vorige tijdstip · via link · ")
    # the invitee sees it on their page, and answers again
    client.get("/logout")
    personal = client.get(f"/rsvp/{invitation.token}").get_data(as_text=True)
    assert "Uw vorige antwoord (komt) gold voor het vorige tijdstip" in personal
    _answer_through_the_link(client, invitation, "declined")
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert _panel_row(page, invitation).startswith("Komt niet | via link · ")


def test_a_new_title_keeps_the_answers(client, world):
    meeting = _invited(world)
    invitation = meeting.invitations[0]
    _answer_through_the_link(client, invitation)
    login(client, world.secretary)
    assert _move(client, meeting, title="Woonoverleg, voorjaarseditie").status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert _panel_row(page, invitation).startswith("Komt | via link · ")
    assert "voor het vorige tijdstip" not in page
    calendar = ical.parse(client.get(f"/meetings/{meeting.id}/invitation.ics").data)
    partstats = {a.params["PARTSTAT"] for a in calendar.events[0]["ATTENDEE"]}
    assert partstats == {"ACCEPTED", "NEEDS-ACTION"}


def test_an_answer_chosen_on_a_page_of_the_previous_time_does_not_count(client, world):
    meeting = _invited(world)
    invitation = meeting.invitations[0]
    path = f"/rsvp/{invitation.token}"
    assert 'name="a-sequence" type="hidden" value="0"' in client.get(path).get_data(as_text=True)
    login(client, world.secretary)
    _move(client, meeting, start_time="16:00", end_time="18:00")
    client.get("/logout")
    response = client.post(  # the form as the page of version 0 filled it
        path,
        data={"csrf_token": csrf_token(client, path), "a-answer": "accepted", "a-sequence": "0"},
        follow_redirects=True,
    )
    assert "Uw antwoord is bewaard voor het vorige tijdstip" in response.get_data(as_text=True)
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.rsvp_status is RsvpStatus.NEEDS_ACTION


def test_the_moved_meeting_s_update_reaches_the_mailbox_asking_again(client, world, smtp):
    meeting = _invited(world)
    for invitation in meeting.invitations:
        _answer_through_the_link(client, invitation)
    login(client, world.secretary)
    _move(client, meeting, start_time="16:00", end_time="18:00", location="Zaal De Linde")
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.update")
    ).one()
    assert "antwoorden opnieuw gevraagd (2 vervallen)" in entry.summary
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="bounce@example.be"
    )
    outbox.deliver_due(settings)
    updates = [
        email.message_from_bytes(m.content, policy=email.policy.default)
        for m in smtp.messages
        if b"Gewijzigd:" in m.content
    ]
    assert len(updates) == 2
    for message in updates:
        text = " ".join(message.get_body(("plain",)).get_content().split())
        assert "nu op" in text and "om 16:00" in text
        assert "nieuwe plaats: Zaal De Linde" in text
        assert "laat opnieuw weten of u komt" in text
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"][:1]
        [event] = ical.parse(part.get_payload(decode=True)).events
        attendee = event["ATTENDEE"]
        assert (attendee.params["PARTSTAT"], attendee.params["RSVP"]) == ("NEEDS-ACTION", "TRUE")
        assert int(event["SEQUENCE"]) == 1
