"""'Herinnering sturen' on the meeting page: coordinators remind those who have not answered."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.meetings import invitations
from overleg.models import AuditEntry, Invitation, OutboxMessage
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import login, post_form
from tests.functional.test_reschedule import _answer_through_the_link, _invited, _move


def _reminders():
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
    ).all()


def test_a_coordinator_reminds_those_who_have_not_answered(client, world, smtp):
    meeting = _invited(world)
    answered, silent = meeting.invitations
    _answer_through_the_link(client, answered)
    login(client, world.coordinator)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/reminders/send"' in page
    confirm = client.get(f"/meetings/{meeting.id}/reminders/send").get_data(as_text=True)
    assert silent.display_name in confirm and answered.display_name not in confirm
    assert "Verstuur 1 herinnering(en)" in confirm
    assert _reminders() == []  # looking is not sending

    response = post_form(client, f"/meetings/{meeting.id}/reminders/send", follow_redirects=True)

    assert "1 herinnering(en) staan klaar om verstuurd te worden." in response.get_data(
        as_text=True
    )
    [row] = _reminders()
    assert row.to_address == silent.contact.email
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.send_reminders")
    ).one()
    assert entry.user_id == world.coordinator.id and entry.details["by_hand"] is True
    assert "1 herinnering(en) in de wachtrij (met de hand verstuurd)" in entry.summary
    assert db.session.get(Invitation, silent.id).reminded_at is not None
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="bounce@example.be"
    )
    outbox.deliver_due(settings)
    [received] = [
        m
        for m in smtp.messages
        if m.rcpt_tos == [silent.contact.email] and b"Subject: Herinnering" in m.content
    ]
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert message["Subject"].startswith("Herinnering: ")
    assert (
        "We hebben nog geen antwoord van u ontvangen" in message.get_body(("plain",)).get_content()
    )


def test_after_a_move_whoever_answered_for_the_previous_time_is_reminded(client, world):
    meeting = _invited(world)
    for invitation in meeting.invitations:
        _answer_through_the_link(client, invitation)
    login(client, world.coordinator)
    _move(client, meeting, start_time="16:00", end_time="18:00")
    post_form(client, f"/meetings/{meeting.id}/reminders/send")
    assert len(_reminders()) == 2


def test_a_secretary_sees_no_button_and_may_not_send(client, world):
    meeting = _invited(world)
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "/reminders/send" not in page
    assert client.get(f"/meetings/{meeting.id}/reminders/send").status_code == 403
    assert post_form(client, f"/meetings/{meeting.id}/reminders/send").status_code == 403
    assert _reminders() == []


def test_no_reminder_before_the_invitations_went_out(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    factories.InvitationFactory(meeting=meeting)
    db.session.commit()
    login(client, world.coordinator)
    page = client.get(f"/meetings/{meeting.id}/reminders/send").get_data(as_text=True)
    assert "waarvoor de uitnodigingen verstuurd zijn" in page and "Verstuur" not in page
    response = post_form(client, f"/meetings/{meeting.id}/reminders/send", follow_redirects=True)
    assert "waarvoor de uitnodigingen verstuurd zijn" in response.get_data(as_text=True)
    assert _reminders() == []


# --- the service, without HTTP ------------------------------------------------------------------


def test_a_reminder_by_hand_is_the_daily_reminder_and_not_sent_twice(world):
    meeting = _invited(world)
    now = utcnow()
    report = invitations.send_reminders(meeting, user=world.coordinator, now=now)
    db.session.commit()
    assert report.count == 2 and {r.kind for r in _reminders()} == {"reminder"}
    daily = invitations.queue_reminders(now=meeting.start_at - timedelta(days=2), days_before=7)
    assert daily.count == 0  # already reminded for this version


def test_nobody_to_remind_is_refused(client, world):
    meeting = _invited(world)
    for invitation in meeting.invitations:
        _answer_through_the_link(client, invitation)
    with pytest.raises(Refusal, match="al geantwoord"):
        invitations.send_reminders(meeting, user=world.coordinator, now=utcnow())
