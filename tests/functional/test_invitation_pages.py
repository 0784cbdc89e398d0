"""The invitation pages: send, the meeting's .ics, the personal answer page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib import ical
from overleg.meetings import answers, invitations
from overleg.models import (
    AnswerSource,
    AuditEntry,
    Invitation,
    MeetingStatus,
    OutboxMessage,
    RsvpStatus,
)
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.icaljs import assert_agrees_with_icalendar


def _meeting(world, **kwargs):
    meeting = factories.MeetingFactory(municipality=world.north, **kwargs)
    factories.AgendaItemFactory(meeting=meeting, title='Welkom; koffie, "thee"')
    factories.InvitationFactory(meeting=meeting)
    factories.InvitationFactory(
        meeting=meeting, contact=factories.ContactFactory(email="", first_name="Mailloos")
    )
    db.session.refresh(meeting)
    return meeting


def test_secretary_sends_invitations_and_sees_skipped(client, world):
    meeting = _meeting(world)
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}/invitations/send")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mailloos" in html and "Overgeslagen" in html
    response = post_form(client, f"/meetings/{meeting.id}/invitations/send", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 uitnodiging(en) staan klaar" in html
    assert "Zonder e-mailadres, dus niet uitgenodigd per mail: Mailloos" in html
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(rows) == 1
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.INVITED
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.send_invitations")
    )


def test_send_without_csrf_is_refused(client, world):
    meeting = _meeting(world)
    login(client, world.secretary)
    response = client.post(f"/meetings/{meeting.id}/invitations/send", data={})
    assert response.status_code in (200, 400)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_meeting_ics_lists_every_invitee_with_an_address(client, world, tmp_path):
    meeting = _meeting(world)
    login(client, world.reader)
    response = client.get(f"/meetings/{meeting.id}/invitation.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    calendar = ical.parse(response.data)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = calendar.events[0]
    assert str(event["UID"]) == meeting.ical_uid
    attendee = event["ATTENDEE"]
    assert str(attendee).startswith("mailto:")
    assert str(event["ORGANIZER"]) == f"mailto:{world.platform.organiser_email}"
    (js,) = assert_agrees_with_icalendar(tmp_path, response.data)
    assert js["events"][0]["attendees"][0]["rsvp"] == "TRUE"


def test_cancelled_meeting_ics_is_a_cancel(client, world):
    meeting = _meeting(world, status=MeetingStatus.CANCELLED)
    login(client, world.coordinator)
    calendar = ical.parse(client.get(f"/meetings/{meeting.id}/invitation.ics").data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.events[0]["STATUS"]) == "CANCELLED"


def _invited(world):
    meeting = _meeting(world)
    invitations.send_invitations(meeting, user=None, now=utcnow())
    db.session.commit()
    invitation = next(inv for inv in meeting.invitations if inv.token)
    return meeting, invitation


def test_answer_page_without_account(client, world):
    meeting, invitation = _invited(world)
    page = client.get(f"/rsvp/{invitation.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert meeting.title in html and "Welkom; koffie, &#34;thee&#34;" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(
        f"/rsvp/{invitation.token}",
        data={
            "csrf_token": csrf_token(client, f"/rsvp/{invitation.token}"),
            "a-answer": "accepted",
            "a-comment": "Ik breng de cijfers mee.",
        },
    )
    assert response.status_code == 302
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.rsvp_status is RsvpStatus.ACCEPTED
    assert invitation.rsvp_comment == "Ik breng de cijfers mee."
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "invitation.answer"))
    assert entry.user_id is None and "persoonlijke link" in entry.actor_label
    # the coordinator sees it on the meeting page
    login(client, world.coordinator)
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Ik breng de cijfers mee." in html
    assert "Komen: 1" in html


def test_answer_page_bad_input_keeps_what_was_typed(client, world):
    _, invitation = _invited(world)
    token = csrf_token(client, f"/rsvp/{invitation.token}")
    response = client.post(
        f"/rsvp/{invitation.token}",
        data={"csrf_token": token, "a-answer": "maybe-later", "a-comment": "mijn tekst"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies een antwoord." in html and "mijn tekst" in html
    response = client.post(
        f"/rsvp/{invitation.token}/vervanger",
        data={
            "csrf_token": token,
            "s-first_name": "Piet",
            "s-last_name": "",
            "s-email": "geen-adres",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vul de familienaam in." in html and "Vul een geldig e-mailadres in." in html
    assert 'value="Piet"' in html


def test_substitute_gets_own_invitation(client, world):
    _, invitation = _invited(world)
    response = client.post(
        f"/rsvp/{invitation.token}/vervanger",
        data={
            "csrf_token": csrf_token(client, f"/rsvp/{invitation.token}"),
            "s-first_name": "Piet",
            "s-last_name": "Janssens",
            "s-email": "piet.janssens@example.be",
        },
        follow_redirects=True,
    )
    assert "Piet Janssens krijgt een eigen uitnodiging" in response.get_data(as_text=True)
    row = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert row.to_address == "piet.janssens@example.be"
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.rsvp_status is RsvpStatus.DELEGATED


def test_unknown_and_revoked_links_get_a_clear_page(client, world):
    meeting, invitation = _invited(world)
    response = client.get("/rsvp/" + "A" * 43)
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.get_data(as_text=True)
    assert client.get("/rsvp/%27%3B--").status_code == 404
    login(client, world.secretary)
    post_form(client, f"/meetings/{meeting.id}/invitations/{invitation.id}/link/revoke")
    client.delete_cookie("session")
    response = client.get(f"/rsvp/{invitation.token}")
    assert response.status_code == 410
    assert "ingetrokken" in response.get_data(as_text=True)
    assert client.get(f"/rsvp/{invitation.token}/uitnodiging.ics").status_code == 410
    response = client.post(
        f"/rsvp/{invitation.token}",
        data={"csrf_token": csrf_token(client), "a-answer": "accepted"},
    )
    assert response.status_code == 410
    assert db.session.get(Invitation, invitation.id).rsvp_status is RsvpStatus.NEEDS_ACTION


def test_past_meeting_cannot_be_answered(client, world):
    meeting, invitation = _invited(world)
    meeting.start_at = utcnow() - timedelta(days=3)
    meeting.end_at = meeting.start_at + timedelta(hours=2)
    db.session.commit()
    html = client.get(f"/rsvp/{invitation.token}").get_data(as_text=True)
    assert "antwoorden kan niet meer" in html
    response = client.post(
        f"/rsvp/{invitation.token}",
        data={"csrf_token": csrf_token(client), "a-answer": "accepted"},
    )
    assert response.status_code == 422


def test_personal_ics_has_only_the_invitee(client, world):
    _, invitation = _invited(world)
    response = client.get(f"/rsvp/{invitation.token}/uitnodiging.ics")
    calendar = ical.parse(response.data)
    assert str(calendar.events[0]["ATTENDEE"]) == f"mailto:{invitation.contact.email}"


def test_answers_json_follows_the_answers(client, world):
    meeting, invitation = _invited(world)
    login(client, world.reader)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'data-answers-url="/meetings/{meeting.id}/answers.json"' in page
    assert "js/invitations.js" in page
    before = client.get(f"/meetings/{meeting.id}/answers.json").get_json()
    assert before["counts"]["accepted"] == 0
    answers.record_answer(
        invitation,
        RsvpStatus.ACCEPTED,
        source=AnswerSource.LINK,
        sequence=meeting.ical_sequence,
        comment="tot dan",
    )
    db.session.commit()
    after = client.get(f"/meetings/{meeting.id}/answers.json").get_json()
    assert after["counts"]["accepted"] == 1
    assert "Komen: 1" in after["summary"]
    row = next(r for r in after["invitations"] if r["id"] == invitation.id)
    note = row.pop("note")
    assert row == {"id": invitation.id, "answer": "accepted", "label": "Komt", "comment": "tot dan"}
    assert note.startswith("via link · ")
