"""Nobody is left out of a mailing without a word (issue 11, finding 3).

A contact name with a line break made the mail builder refuse the header and the invitation was
skipped silently: the page and the audit trail said "13 invitations" while 12 went out. Stored
names now reach their mail on one line, and whoever cannot be mailed is named on the page and in
the audit trail; the counts are what went into the outbox and what the SMTP server received.
"""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.mail import outbox
from overleg.mail.messages import HeaderInjectionError
from overleg.meetings import invitations
from overleg.models import AuditEntry, Contact, Minutes, OutboxMessage
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import login, post_form
from tests.functional.test_meetings import edit_data


def _meeting(world, invitees: int):  # type: ignore[no-untyped-def]
    meeting = factories.MeetingFactory(municipality=world.north)
    factories.AgendaItemFactory(meeting=meeting)
    for _ in range(invitees):
        factories.InvitationFactory(meeting=meeting)
    db.session.commit()
    db.session.refresh(meeting)
    return meeting


def _audit(action: str) -> AuditEntry:
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None, action
    return entry


def _outbox_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0


def test_a_stored_name_with_a_line_break_still_gets_its_invitation(client, world, smtp):
    meeting = _meeting(world, 12)
    # Stored before input was checked (a quoted newline in a CSV import, a direct post).
    broken = factories.ContactFactory(first_name="Jan", last_name="Peeters\r\nBcc: x@evil.be")
    factories.InvitationFactory(meeting=meeting, contact=broken)
    db.session.commit()
    login(client, world.secretary)

    response = post_form(client, f"/meetings/{meeting.id}/invitations/send", follow_redirects=True)

    assert "13 uitnodiging(en) staan klaar" in response.get_data(as_text=True)
    assert _outbox_rows() == 13
    assert _audit("meeting.send_invitations").summary.endswith("13 uitnodiging(en) in de wachtrij")
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="bounce@example.be"
    )
    assert len(outbox.deliver_due(settings).sent) == 13
    assert len(smtp.messages) == 13
    received = next(m for m in smtp.messages if m.rcpt_tos == [broken.email])
    parsed = email.message_from_bytes(received.content, policy=email.policy.default)
    assert parsed["To"].addresses[0].display_name == "Jan Peeters Bcc: x@evil.be"
    assert parsed["Bcc"] is None


def test_who_cannot_be_mailed_is_named_on_the_page_and_in_the_audit_trail(
    client, world, monkeypatch
):
    meeting = _meeting(world, 2)
    unbuildable = factories.InvitationFactory(meeting=meeting)
    no_address = factories.InvitationFactory(
        meeting=meeting, contact=factories.ContactFactory(email="an@example.be\nBcc: x@evil.be")
    )
    db.session.commit()
    refused = unbuildable.contact.email
    build = invitations.build_raw_message

    def builder_that_refuses_one(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs["to_address"] == refused:
            raise HeaderInjectionError("refused for the test")
        return build(**kwargs)

    monkeypatch.setattr(invitations, "build_raw_message", builder_that_refuses_one)
    login(client, world.secretary)

    response = post_form(client, f"/meetings/{meeting.id}/invitations/send", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "2 uitnodiging(en) staan klaar" in html
    assert _outbox_rows() == 2
    assert f"Geen mail voor {unbuildable.display_name}: hun gegevens" in html
    assert f"niet uitgenodigd per mail: {no_address.display_name}" in html
    summary = _audit("meeting.send_invitations").summary
    assert "2 uitnodiging(en) in de wachtrij; niet gemaild:" in summary
    assert f"{no_address.display_name} (geen bruikbaar e-mailadres)" in summary
    assert f"{unbuildable.display_name} (bericht kon niet opgemaakt worden)" in summary


def _lose_address(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    assert contact is not None
    contact.email = ""
    db.session.commit()
    return contact


def test_updates_and_cancellations_name_who_was_not_mailed(client, world):
    meeting = _meeting(world, 3)
    login(client, world.secretary)
    post_form(client, f"/meetings/{meeting.id}/invitations/send")
    lost = _lose_address(meeting.invitations[0].contact_id)
    db.session.refresh(meeting)
    response = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        edit_data(meeting, start_time="10:00", end_time="12:00", location="Elders"),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert f"Geen mail voor {lost.full_name}: geen bruikbaar e-mailadres." in html
    summary = _audit("meeting.update").summary
    assert f"2 bijgewerkte uitnodiging(en) in de wachtrij; niet gemaild: {lost.full_name}" in (
        summary
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "update")) == 2

    response = post_form(
        client, f"/meetings/{meeting.id}/cancel", {"reason": "Geen agenda"}, follow_redirects=True
    )
    assert f"Geen mail voor {lost.full_name}" in response.get_data(as_text=True)
    assert f"2 annulering(en) in de wachtrij; niet gemaild: {lost.full_name}" in (
        _audit("meeting.cancel").summary
    )


def test_an_invitee_added_later_without_an_address_is_told_not_mailed(client, world):
    meeting = _meeting(world, 1)
    login(client, world.secretary)
    post_form(client, f"/meetings/{meeting.id}/invitations/send")
    organisation = world.north.standing_invitees[0].contact.organisation
    late = factories.ContactFactory(organisation=organisation, email="")
    db.session.commit()

    response = post_form(
        client,
        f"/meetings/{meeting.id}/invitees",
        {"contact_id": str(late.id), "role": "optional"},
        follow_redirects=True,
    )

    assert f"{late.full_name} is uitgenodigd, maar krijgt geen mail" in response.get_data(
        as_text=True
    )
    assert "niet gemaild" in _audit("invitation.create").summary


def test_reminders_name_who_was_not_mailed(app, world, runner):
    meeting = _meeting(world, 2)
    invitations.send_invitations(meeting, user=None, now=meeting.start_at - timedelta(days=10))
    db.session.commit()
    lost = _lose_address(meeting.invitations[0].contact_id)

    result = runner.invoke(args=["reminders", "send", "--days", "400"])

    assert result.exit_code == 0, result.output
    assert "1 herinnering(en) in de wachtrij." in result.output
    assert f"Geen herinnering voor {lost.full_name}: geen bruikbaar e-mailadres." in result.output
    summary = _audit("meeting.send_reminders").summary
    assert summary.endswith(
        f"1 herinnering(en) in de wachtrij; niet gemaild: {lost.full_name} "
        "(geen bruikbaar e-mailadres)"
    )
    # Named once: the next run neither mails nor names them again.
    again = runner.invoke(args=["reminders", "send", "--days", "400"])
    assert "0 herinnering(en)" in again.output and lost.full_name not in again.output


def test_the_minutes_name_who_was_not_mailed(client, world):
    start = utcnow() - timedelta(days=10)
    meeting = factories.MeetingFactory(
        municipality=world.north, start_at=start, end_at=start + timedelta(hours=2)
    )
    factories.InvitationFactory(meeting=meeting)
    broken = factories.ContactFactory(last_name="Peeters\nBcc: x@evil.be")
    factories.InvitationFactory(meeting=meeting, contact=broken)
    silent = factories.InvitationFactory(
        meeting=meeting, contact=factories.ContactFactory(email="")
    )
    db.session.commit()
    login(client, world.secretary)
    post_form(client, f"/meetings/{meeting.id}/minutes/start", {})
    minutes = db.session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
    post_form(
        client,
        f"/meetings/{meeting.id}/minutes/circulate",
        {"version": str(minutes.version)},
    )
    db.session.refresh(minutes)

    response = post_form(
        client,
        f"/meetings/{meeting.id}/minutes/send",
        {"version": str(minutes.version)},
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    mailed = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "minutes"))
    assert mailed == 3  # two invitees (one name on one line now) and Wonen in Vlaanderen
    assert "klaar om te versturen naar 3 ontvanger(s)" in html
    assert f"Geen mail voor {silent.display_name}: geen bruikbaar e-mailadres." in html
    summary = _audit("minutes.send").summary
    assert summary.startswith("Verslag verstuurd naar 3 ontvanger(s)")
    assert f"niet gemaild: {silent.display_name} (geen bruikbaar e-mailadres)" in summary
