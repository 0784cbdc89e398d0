"""Sending invitations, updates and cancellations; answers through the personal link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from overleg.extensions import db
from overleg.lib import ical
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.links import LinkState
from overleg.mail.messages import parts_by_type
from overleg.mail.settings import MailSettings
from overleg.meetings import answers, invitations
from overleg.models import (
    AnswerSource,
    AuditEntry,
    Contact,
    Invitation,
    InviteeRole,
    MeetingStatus,
    OutboxMessage,
    RsvpStatus,
)
from tests import factories

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = MailSettings(
    base_url="https://overleg.example.be", mail_from="overleg@example.be", attach_agenda_pdf=False
)


@pytest.fixture
def meeting(app):
    meeting = factories.MeetingFactory(
        title="Lokaal woonoverleg Geel",
        start_at=datetime(2026, 3, 17, 13, 0, tzinfo=UTC),
        end_at=datetime(2026, 3, 17, 15, 0, tzinfo=UTC),
    )
    factories.AgendaItemFactory(meeting=meeting, title="Welkom", presenter="Schepen")
    factories.InvitationFactory(meeting=meeting, role=InviteeRole.CHAIR)
    factories.InvitationFactory(meeting=meeting)
    factories.InvitationFactory(
        meeting=meeting, contact=factories.ContactFactory(email="", first_name="Zonder")
    )
    db.session.refresh(meeting)
    return meeting


def _rows(kind=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def _calendar_of(row):
    message = outbox.parse(row)
    part = parts_by_type(message)["text/calendar"][0]
    return ical.parse(part.get_content().encode()), message


def test_send_invitations_queues_one_personal_message_per_invitee(meeting, world):
    result = invitations.send_invitations(
        meeting, user=world.coordinator, now=NOW, settings=SETTINGS
    )
    db.session.commit()
    assert len(result.queued) == 2
    assert [inv.contact.first_name for inv in result.skipped] == ["Zonder"]
    rows = _rows()
    assert sorted(r.to_address for r in rows) == sorted(inv.contact.email for inv in result.queued)
    for row in rows:
        calendar, message = _calendar_of(row)
        event = calendar.events[0]
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        # only the recipient, never the other invitees' addresses
        assert [str(a) for a in attendees] == [f"mailto:{row.to_address}"]
        assert str(calendar["METHOD"]) == "REQUEST"
        assert row.to_address in str(message["To"])
        invitation = db.session.get(Invitation, row.invitation_id)
        assert invitation.token and invitation.token in message.get_body(("plain",)).get_content()
    assert meeting.status is MeetingStatus.INVITED
    entry = db.session.scalars(sa.select(AuditEntry)).all()[-1]
    assert entry.action == "meeting.send_invitations" and "Zonder" in entry.summary


def test_cancelled_meeting_cannot_send(meeting, world):
    meeting.status = MeetingStatus.CANCELLED
    with pytest.raises(Refusal):
        invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)


def test_update_goes_to_those_invited_with_higher_sequence(meeting):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    meeting.start_at += timedelta(hours=1)
    meeting.end_at += timedelta(hours=1)
    meeting.ical_sequence += 1

    class Change:
        needs_new_sequence = True
        time_changed = True
        place_changed = False
        old_start_at = NOW
        old_end_at = None
        old_location = None
        title_changed = False
        old_title = None

    rows = invitations.queue_meeting_update(meeting, Change(), now=NOW, settings=SETTINGS).rows
    db.session.commit()
    assert len(rows) == 2 and all(r.kind == "update" for r in rows)
    calendar, _ = _calendar_of(rows[0])
    assert int(calendar.events[0]["SEQUENCE"]) == 1


def test_cancellation_sends_cancel(meeting):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    meeting.status = MeetingStatus.CANCELLED
    meeting.ical_sequence += 1
    rows = invitations.queue_meeting_update(meeting, None, now=NOW, settings=SETTINGS).rows
    db.session.commit()
    assert len(rows) == 2
    calendar, message = _calendar_of(rows[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.events[0]["STATUS"]) == "CANCELLED"
    assert parts_by_type(message)["text/calendar"][0].get_param("method") == "CANCEL"


def test_no_update_mail_before_invitations_went_out(meeting):
    assert invitations.queue_meeting_update(meeting, None, now=NOW, settings=SETTINGS).rows == []


def test_sending_again_carries_the_changed_agenda_with_a_higher_sequence(meeting, tmp_path):
    from overleg.meetings import services as meetings
    from tests.icaljs import assert_agrees_with_icalendar

    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    answered = meeting.invitations[0]
    answers.record_answer(
        answered, RsvpStatus.ACCEPTED, source=AnswerSource.LINK, sequence=0, at=NOW
    )
    meetings.add_agenda_item(meeting, meetings.AgendaItemData(title="Huurpremie"))
    db.session.commit()
    assert meeting.ical_sequence == 0  # an agenda edit alone mails nobody
    # sending only to whoever lacks the current version raises nothing
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS, only_unsent=True)
    assert meeting.ical_sequence == 0
    first = len(_rows())
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    assert (meeting.ical_sequence, meeting.significant_sequence) == (1, 0)
    again = _rows()[first:]
    assert len(again) == 2
    files = []
    for row in again:
        calendar, message = _calendar_of(row)
        [event] = calendar.events
        assert int(event["SEQUENCE"]) == 1 and "Huurpremie" in str(event["DESCRIPTION"])
        files.append(parts_by_type(message)["text/calendar"][0].get_content().encode())
    for parsed in assert_agrees_with_icalendar(tmp_path, *files):
        [event] = parsed["events"]
        assert event["sequence"] == 1 and "Huurpremie" in event["description"]
    assert answered.rsvp_status is RsvpStatus.ACCEPTED  # the answers still count
    # nobody holds a newer copy than the one just sent: a second press raises it once more
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    assert meeting.ical_sequence == 2


def test_added_and_removed_invitees(meeting):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    newcomer = factories.InvitationFactory(meeting=meeting)
    [row] = invitations.queue_invitee_added(newcomer, now=NOW, settings=SETTINGS).rows
    assert row is not None and row.kind == "invitation"
    leaving = meeting.invitations[0]
    address = leaving.contact.email
    [row] = invitations.queue_invitee_removed(leaving, now=NOW, settings=SETTINGS).rows
    meeting.invitations.remove(leaving)
    db.session.commit()
    assert row.to_address == address
    calendar, _ = _calendar_of(row)
    assert str(calendar["METHOD"]) == "CANCEL"


def test_answer_and_substitute(meeting, world):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    invitation = meeting.invitations[1]
    state, found = invitations.find_by_token(invitation.token)
    assert state is LinkState.VALID and found.id == invitation.id
    answers.record_answer(
        invitation,
        RsvpStatus.TENTATIVE,
        source=AnswerSource.LINK,
        sequence=meeting.ical_sequence,
        comment=" misschien ",
        at=NOW,
    )
    db.session.commit()
    assert invitation.rsvp_status is RsvpStatus.TENTATIVE
    assert invitation.rsvp_comment == "misschien"
    substitute = invitations.name_substitute(
        invitation,
        invitations.SubstituteData("Piet", "Janssens", "piet@example.be", "ik ben op verlof"),
        now=NOW,
        settings=SETTINGS,
    )
    db.session.commit()
    assert invitation.rsvp_status is RsvpStatus.DELEGATED
    assert substitute.substitute_for_id == invitation.id
    assert substitute.contact.organisation_id == invitation.contact.organisation_id
    assert _rows()[-1].to_address == "piet@example.be"
    with pytest.raises(Refusal) as error:
        invitations.name_substitute(
            invitation,
            invitations.SubstituteData("Piet", "Janssens", "piet@example.be"),
            now=NOW,
            settings=SETTINGS,
        )
    assert error.value.field == "email"
    with force_locale("en"):
        assert str(error.value) == "Piet Janssens is already invited."
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Contact.id)).where(Contact.email == "piet@example.be")
        )
        == 1
    )


def test_revoked_and_replaced_tokens_are_useless(meeting):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    invitation = meeting.invitations[0]
    old = invitation.token
    invitations.revoke_token(invitation, user=None, now=NOW)
    db.session.commit()
    assert invitations.find_by_token(old)[0] is LinkState.REVOKED
    new = invitations.renew_token(invitation, user=None, now=NOW)
    db.session.commit()
    assert new != old
    assert invitations.find_by_token(old)[0] is LinkState.UNKNOWN
    assert invitations.find_by_token(new)[0] is LinkState.VALID
    assert invitations.find_by_token("x" * 43)[0] is LinkState.UNKNOWN
    assert invitations.find_by_token("' OR 1=1 --")[0] is LinkState.UNKNOWN


def test_reminders_once_and_only_to_those_who_did_not_answer(meeting):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    meeting.invitations[0].rsvp_status = RsvpStatus.ACCEPTED
    db.session.commit()
    too_early = invitations.queue_reminders(now=NOW, days_before=7, settings=SETTINGS).rows
    assert too_early == []
    later = meeting.start_at - timedelta(days=5)
    rows = invitations.queue_reminders(now=later, days_before=7, settings=SETTINGS).rows
    db.session.commit()
    assert len(rows) == 1 and rows[0].kind == "reminder"
    assert invitations.queue_reminders(now=later + timedelta(hours=1), days_before=7).rows == []


def _edit(meeting, *, title=None, hours=0, user=None):
    from overleg.meetings import services as meetings

    return meetings.update_meeting(
        meeting,
        title=title or meeting.title,
        start_at=meeting.start_at + timedelta(hours=hours),
        end_at=meeting.end_at + timedelta(hours=hours),
        location=meeting.location,
        now=NOW,
        user=user,
    )


def test_meeting_changes_queue_mail_through_the_meeting_services(meeting, world):
    from overleg.meetings import services as meetings

    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    sent = len(_rows())
    # an edit that changes nothing raises no SEQUENCE and sends nothing
    _edit(meeting)
    assert len(_rows()) == sent and meeting.ical_sequence == 0
    # a title-only change is shown by the calendars: SEQUENCE 1 and an update to each invitee
    _edit(meeting, title="Nieuwe titel")
    db.session.commit()
    updates = _rows("update")
    assert len(updates) == 2
    calendar, message = _calendar_of(updates[0])
    assert int(calendar.events[0]["SEQUENCE"]) == 1
    assert str(calendar.events[0]["SUMMARY"]) == "Nieuwe titel"
    assert "Vroegere titel: Lokaal woonoverleg Geel" in message.get_body(("plain",)).get_content()
    _edit(meeting, hours=2, user=world.coordinator)
    db.session.commit()
    updates = _rows("update")[2:]
    assert len(updates) == 2
    calendar, message = _calendar_of(updates[0])
    assert int(calendar.events[0]["SEQUENCE"]) == 2
    assert "Vroeger gepland op" in message.get_body(("plain",)).get_content()

    newcomer = meetings.add_invitee(
        meeting, factories.ContactFactory(), InviteeRole.OPTIONAL, user=world.coordinator
    )
    db.session.commit()
    added = _rows("invitation")[-1]
    assert added.to_address == newcomer.contact.email

    leaving = meeting.invitations[0]
    address = leaving.contact.email
    meetings.remove_invitee(leaving, user=world.coordinator)
    db.session.commit()
    cancel = _rows("cancel")
    assert [row.to_address for row in cancel] == [address]

    meetings.cancel_meeting(meeting, reason="Te weinig agendapunten", now=NOW)
    db.session.commit()
    cancels = _rows("cancel")[1:]
    assert len(cancels) == 2  # the two remaining invitees with an address
    calendar, message = _calendar_of(cancels[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert int(calendar.events[0]["SEQUENCE"]) == meeting.ical_sequence == 3
    assert "Te weinig agendapunten" in message.get_body(("plain",)).get_content()


def test_reminders_command_is_idempotent(app, runner, meeting):
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    meeting.start_at = datetime.now(UTC) + timedelta(days=3)
    meeting.end_at = meeting.start_at + timedelta(hours=2)
    db.session.commit()
    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0, first.output
    assert "2 herinnering(en)" in first.output
    second = runner.invoke(args=["reminders", "send"])
    assert "0 herinnering(en)" in second.output
    assert len(_rows("reminder")) == 2


def test_invitation_carries_the_agenda_pdf_when_enabled(meeting):
    settings = MailSettings(SETTINGS.base_url, SETTINGS.mail_from, attach_agenda_pdf=True)
    invitations.send_invitations(meeting, user=None, now=NOW, settings=settings)
    db.session.commit()
    message = outbox.parse(_rows()[0])
    pdfs = [a for a in message.iter_attachments() if a.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].get_content().startswith(b"%PDF")
    assert "De agenda zit als PDF in de bijlage." in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("kind", "note", "personal_cancel", "with_agenda"),
    [
        (invitations.MailKind.INVITATION, "", False, True),
        (invitations.MailKind.INVITATION, "", False, False),
        (invitations.MailKind.UPDATE, "Vroegere plaats: <zaal> & 'bureau'.", False, True),
        (invitations.MailKind.CANCEL, "", False, False),
        (invitations.MailKind.CANCEL, "", True, False),
        (invitations.MailKind.REMINDER, "", False, False),
    ],
)
def test_mail_rendered_once_per_meeting_equals_mail_rendered_per_recipient(
    app, meeting, kind, note, personal_cancel, with_agenda
):
    """The templates are rendered once per meeting and the name and link filled in afterwards;
    that must give exactly what rendering them with the recipient's own values gives."""
    from flask_babel import force_locale

    from overleg.lib.dates import long_datetime, time_only
    from overleg.mail.messages import Attachment

    meeting.title = 'Woonoverleg <Geel> & "Mol" %(name)s {{ x }}'
    meeting.cancel_reason = "Zaal <bezet> & ook 'dicht'"
    agenda = Attachment("agenda.pdf", b"%PDF", "application/pdf") if with_agenda else None
    mail = invitations._MeetingMail(
        meeting,
        kind,
        now=NOW,
        settings=SETTINGS,
        agenda=agenda,
        change_note=note,
        personal_cancel=personal_cancel,
    )
    names = ['An "de" <Smet> & Zn.', "Éloïse O'Brien %(x)s", "", "{{ contact }}"]
    links = ["https://overleg.example.be/rsvp/abc", "https://x/rsvp/a?b=1&c=<2>"]
    for name in names:
        for link in links:
            answer = "" if kind is invitations.MailKind.CANCEL else link
            contact = factories.ContactFactory.build(first_name=name, last_name="")
            context = {
                "kind": kind.value,
                "meeting": meeting,
                "invitation": None,
                "contact": contact,
                "platform": meeting.municipality.platform,
                "answer_url": answer,
                "when": long_datetime(meeting.start_at, "nl"),
                "until": time_only(meeting.end_at),
                "change_note": note,
                "personal_cancel": personal_cancel,
                "agenda_attached": agenda is not None,
            }
            with force_locale("nl"):
                expected = (
                    invitations._render("mail/messages/invitation.txt", context),
                    invitations._render("mail/messages/invitation.html", context),
                )
            assert mail.bodies(contact.full_name, answer) == expected
