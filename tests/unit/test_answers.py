"""The answer history and the reschedule rule, without HTTP (overleg.meetings.answers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib import ical
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.messages import parts_by_type
from overleg.meetings import answers, invitations
from overleg.meetings import services as meetings
from overleg.models import (
    AnswerSource,
    AuditEntry,
    InvitationAnswer,
    MeetingStatus,
    OutboxMessage,
    RsvpStatus,
)
from tests import factories
from tests.icaljs import assert_agrees_with_icalendar
from tests.unit.test_invitations import NOW, SETTINGS

START = datetime(2026, 3, 18, 13, 0, tzinfo=UTC)  # Wednesday 18 March, 14:00 in Brussels


@pytest.fixture
def meeting(app):
    meeting = factories.MeetingFactory(
        title="Lokaal woonoverleg Geel",
        start_at=START,
        end_at=START + timedelta(hours=2),
        location="Raadzaal",
    )
    factories.AgendaItemFactory(meeting=meeting, title="Welkom")
    factories.InvitationFactory(meeting=meeting)
    factories.InvitationFactory(meeting=meeting)
    db.session.refresh(meeting)
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    return meeting


def _answer(invitation, status=RsvpStatus.ACCEPTED, **kwargs):
    kwargs.setdefault("source", AnswerSource.LINK)
    kwargs.setdefault("sequence", invitation.meeting.ical_sequence)
    kwargs.setdefault("at", NOW)
    return answers.record_answer(invitation, status, **kwargs)


def _move(meeting, *, hours=20, location=None, title=None, user=None):
    return meetings.update_meeting(
        meeting,
        title=title if title is not None else meeting.title,
        start_at=meeting.start_at + timedelta(hours=hours),
        end_at=meeting.end_at + timedelta(hours=hours),
        location=location if location is not None else meeting.location,
        now=NOW,
        user=user,
    )


def _history(invitation):
    return db.session.scalars(
        sa.select(InvitationAnswer)
        .where(InvitationAnswer.invitation_id == invitation.id)
        .order_by(InvitationAnswer.id)
    ).all()


def _attendees(row):
    """Each ATTENDEE of the mail's text/calendar part: (address, PARTSTAT, RSVP)."""
    message = outbox.parse(row)
    calendar = ical.parse(parts_by_type(message)["text/calendar"][0].get_content().encode())
    [event] = calendar.events
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return [
        (str(a).removeprefix("mailto:"), a.params["PARTSTAT"], a.params["RSVP"]) for a in attendees
    ], event


# --- every answer is kept ----------------------------------------------------------------------


def test_an_answer_through_the_link_counts_and_is_kept(meeting):
    invitation = meeting.invitations[0]
    outcome = _answer(invitation, comment=" tot dan ")
    db.session.commit()
    assert outcome.counted and outcome.changed and outcome.previous is RsvpStatus.NEEDS_ACTION
    assert invitation.rsvp_status is RsvpStatus.ACCEPTED
    assert (invitation.rsvp_comment, invitation.responded_at) == ("tot dan", NOW)
    [row] = _history(invitation)
    assert (row.status, row.source, row.sequence, row.received_at, row.counted) == (
        RsvpStatus.ACCEPTED,
        AnswerSource.LINK,
        0,
        NOW,
        True,
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "invitation.answer")
    ).one()
    assert entry.actor_label == f"{invitation.display_name} (persoonlijke link)"
    assert "via persoonlijke link" in entry.summary
    assert entry.details["source"] == "link" and entry.details["counted"] is True


def test_a_calendar_answer_is_labelled_so_in_the_audit_trail(meeting):
    invitation = meeting.invitations[0]
    _answer(invitation, RsvpStatus.DECLINED, source=AnswerSource.CALENDAR)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "invitation.answer")
    ).one()
    assert entry.actor_label == f"{invitation.display_name} (agenda)"
    assert entry.details["source"] == "calendar"


def test_every_answer_stays_in_the_history_and_the_last_one_counts(meeting):
    invitation = meeting.invitations[0]
    _answer(invitation, RsvpStatus.ACCEPTED)
    _answer(invitation, RsvpStatus.TENTATIVE, at=NOW + timedelta(hours=1))
    assert [row.status for row in _history(invitation)] == [
        RsvpStatus.ACCEPTED,
        RsvpStatus.TENTATIVE,
    ]
    assert invitation.rsvp_status is RsvpStatus.TENTATIVE


def test_an_answer_that_arrives_after_a_later_one_only_goes_into_the_history(meeting):
    """A calendar reply sent at 09:58 but read at 10:01 does not undo a link answer of 10:00."""
    invitation = meeting.invitations[0]
    _answer(invitation, RsvpStatus.ACCEPTED, at=NOW)
    outcome = _answer(
        invitation, RsvpStatus.DECLINED, source=AnswerSource.CALENDAR, at=NOW - timedelta(minutes=2)
    )
    assert outcome.not_counted is answers.NotCounted.LATER_ANSWER and not outcome.changed
    assert invitation.rsvp_status is RsvpStatus.ACCEPTED
    assert [row.counted for row in _history(invitation)] == [True, False]


@pytest.mark.parametrize(
    ("status", "kwargs", "message"),
    [
        (RsvpStatus.NEEDS_ACTION, {}, "Kies een antwoord"),
        (RsvpStatus.DELEGATED, {}, "Kies een antwoord"),  # without the substitute it names
        (RsvpStatus.ACCEPTED, {"comment": "x" * 2001}, "hoogstens 2000"),
        (RsvpStatus.ACCEPTED, {"sequence": 1}, "versie van de uitnodiging die niet bestaat"),
        (RsvpStatus.ACCEPTED, {"sequence": -1}, "versie van de uitnodiging die niet bestaat"),
    ],
)
def test_answers_the_rules_refuse_change_nothing(meeting, status, kwargs, message):
    invitation = meeting.invitations[0]
    with pytest.raises(Refusal, match=message):
        _answer(invitation, status, **kwargs)
    assert _history(invitation) == []
    assert invitation.rsvp_status is RsvpStatus.NEEDS_ACTION


def test_a_cancelled_meeting_takes_no_answer(meeting):
    meetings.cancel_meeting(meeting, reason="Zaal bezet", now=NOW)
    with pytest.raises(Refusal, match="niet meer geantwoord"):
        _answer(meeting.invitations[0], sequence=0)


def _delegate(invitation):
    substitute = invitations.name_substitute(
        invitation,
        invitations.SubstituteData("Piet", "Janssens", "piet@example.be", "op verlof"),
        now=NOW,
        settings=SETTINGS,
    )
    db.session.commit()
    return substitute


def test_naming_a_substitute_is_a_delegated_answer_in_the_history(meeting):
    invitation = meeting.invitations[0]
    substitute = _delegate(invitation)
    [row] = _history(invitation)
    assert (row.status, row.comment, row.delegated_to_id, row.delegated_to_name) == (
        RsvpStatus.DELEGATED,
        "op verlof",
        substitute.id,
        "Piet Janssens",
    )
    assert invitation.rsvp_status is RsvpStatus.DELEGATED
    assert "vervanger: Piet Janssens" in (
        db.session.scalars(
            sa.select(AuditEntry.summary).where(AuditEntry.action == "invitation.answer")
        ).one()
    )


# --- a change of date, time or place asks again -----------------------------------------------


def test_moving_a_meeting_asks_everyone_again_and_keeps_the_old_answers(meeting, world):
    coming, not_coming = meeting.invitations
    _answer(coming, RsvpStatus.ACCEPTED, comment="tot woensdag")
    _answer(not_coming, RsvpStatus.DECLINED)
    coming.reminded_at = NOW
    db.session.commit()

    change = _move(meeting, user=world.coordinator)
    db.session.commit()

    assert change.asks_again and change.answers_reset == 2
    assert meeting.ical_sequence == meeting.significant_sequence == 1
    for invitation in (coming, not_coming):
        assert invitation.rsvp_status is RsvpStatus.NEEDS_ACTION
        assert (invitation.rsvp_comment, invitation.responded_at) == ("", None)
    assert coming.reminded_at is None  # may be reminded again, for the new time
    assert [row.comment for row in _history(coming)] == ["tot woensdag"]
    states = answers.answer_states(meeting, meeting.invitations)
    assert states[coming.id].current is None
    assert states[coming.id].earlier.status is RsvpStatus.ACCEPTED
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.update")
    ).one()
    assert "antwoorden opnieuw gevraagd (2 vervallen)" in entry.summary
    assert entry.details["significant_sequence"] == 1


def test_the_new_request_asks_every_attendee_with_needs_action_and_rsvp(meeting):
    for invitation in meeting.invitations:
        _answer(invitation, RsvpStatus.ACCEPTED)
    db.session.commit()
    _move(meeting)
    db.session.commit()
    updates = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "update")
    ).all()
    assert len(updates) == 2
    for row in updates:
        attendees, event = _attendees(row)
        assert [(partstat, rsvp) for _address, partstat, rsvp in attendees] == [
            ("NEEDS-ACTION", "TRUE")
        ]
        assert int(event["SEQUENCE"]) == 1
    # the meeting's own .ics (every invitee) says the same
    data = ical.scheduling_message(
        meeting,
        method=ical.Method.REQUEST,
        organiser=ical.Organiser("O", "o@example.be"),
        attendees=meeting.invitations,
        now=NOW,
    )
    [event] = ical.parse(data).events
    assert {a.params["PARTSTAT"] for a in event["ATTENDEE"]} == {"NEEDS-ACTION"}


def test_the_update_mail_says_what_changed_and_asks_again(meeting):
    _move(meeting, hours=20, location="Zaal De Linde")
    db.session.commit()
    row = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "update")).first()
    text = outbox.parse(row).get_body(("plain",)).get_content()
    flat = " ".join(text.split())
    assert (
        "Vroeger gepland op woensdag 18 maart 2026 om 14:00 \u2013 16:00, "
        "nu op donderdag 19 maart 2026 om 10:00 \u2013 12:00." in flat
    )
    assert "Vroegere plaats: Raadzaal; nieuwe plaats: Zaal De Linde." in flat
    assert "laat opnieuw weten of u komt" in flat


def test_the_change_note_reads_in_english_too(meeting):
    change = _move(meeting, hours=20)
    note = invitations.change_note(meeting, change, "en")
    assert note.startswith("Previously planned for Wednesday 18 March 2026 at 14:00")
    assert "now on Thursday 19 March 2026 at 10:00" in note


def test_changing_the_place_alone_is_significant(meeting):
    _answer(meeting.invitations[0])
    change = _move(meeting, hours=0, location="Zaal De Linde")
    assert change.asks_again and change.answers_reset == 1
    assert meeting.invitations[0].rsvp_status is RsvpStatus.NEEDS_ACTION


def test_a_new_title_alone_keeps_every_answer(meeting):
    invitation = meeting.invitations[0]
    _answer(invitation, RsvpStatus.ACCEPTED, comment="tot dan")
    db.session.commit()
    change = _move(meeting, hours=0, title="Woonoverleg Geel, voorjaar")
    db.session.commit()
    assert change.title_changed and not change.asks_again and change.answers_reset == 0
    # the calendars take the new title only with a higher SEQUENCE; the answers still count
    assert (meeting.ical_sequence, meeting.significant_sequence) == (1, 0)
    assert (invitation.rsvp_status, invitation.rsvp_comment) == (RsvpStatus.ACCEPTED, "tot dan")
    data, _method = invitations.personal_calendar(invitation, now=NOW, settings=SETTINGS)
    [event] = ical.parse(data).events
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(event["SUMMARY"]) == "Woonoverleg Geel, voorjaar"
    assert int(event["SEQUENCE"]) == 1


def test_a_new_title_reaches_the_calendars_without_asking_again(meeting, world, tmp_path):
    coming, silent = meeting.invitations
    _answer(coming, RsvpStatus.ACCEPTED)
    db.session.commit()
    _move(meeting, hours=0, title="Woonoverleg Geel, voorjaar", user=world.coordinator)
    db.session.commit()
    updates = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "update").order_by(OutboxMessage.id)
    ).all()
    assert sorted(row.invitation_id for row in updates) == sorted((coming.id, silent.id))
    files = []
    for row in updates:
        attendees, event = _attendees(row)
        expected = "ACCEPTED" if row.invitation_id == coming.id else "NEEDS-ACTION"
        assert [partstat for _address, partstat, _rsvp in attendees] == [expected]
        assert (str(event["SUMMARY"]), int(event["SEQUENCE"])) == ("Woonoverleg Geel, voorjaar", 1)
        assert str(event["UID"]) == meeting.ical_uid
        message = outbox.parse(row)
        assert str(message["Subject"]).strip().startswith("Gewijzigd: Woonoverleg Geel, voorjaar")
        flat = " ".join(message.get_body(("plain",)).get_content().split())
        assert (
            "Vroegere titel: Lokaal woonoverleg Geel; nieuwe titel: Woonoverleg Geel, voorjaar."
            in flat
        )
        assert "laat opnieuw weten" not in flat  # the answers still count
        files.append(parts_by_type(message)["text/calendar"][0].get_content().encode())
    for parsed in assert_agrees_with_icalendar(tmp_path, *files):
        [event] = parsed["events"]
        assert (event["summary"], event["sequence"]) == ("Woonoverleg Geel, voorjaar", 1)
        assert parsed["method"] == "REQUEST"
    # an answer given for the first invitation still counts (same significant version)
    assert _answer(silent, RsvpStatus.DECLINED, sequence=0).counted
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.update")
    ).one()
    assert "titel: Lokaal woonoverleg Geel → Woonoverleg Geel, voorjaar" in entry.summary
    assert "2 bijgewerkte uitnodiging(en)" in entry.summary
    assert (entry.details["sequence"], entry.details["significant_sequence"]) == (1, 0)


def test_the_title_note_reads_in_english_too(meeting):
    change = _move(meeting, hours=0, title="Voorjaar")
    note = invitations.change_note(meeting, change, "en")
    assert note == "Previous title: Lokaal woonoverleg Geel; new title: Voorjaar."


def _update_of(invitation):
    return db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "update", OutboxMessage.invitation_id == invitation.id
        )
    ).one()


def test_a_reschedule_keeps_a_delegation_and_asks_the_substitute(meeting, world, tmp_path):
    delegator, other = meeting.invitations
    substitute = _delegate(delegator)
    _answer(substitute, RsvpStatus.ACCEPTED)
    db.session.commit()

    change = _move(meeting, user=world.coordinator)
    db.session.commit()

    # the delegation names who goes, not when: it stands; the substitute answers the new time
    assert change.answers_reset == 1
    assert delegator.rsvp_status is RsvpStatus.DELEGATED
    assert substitute.rsvp_status is RsvpStatus.NEEDS_ACTION
    assert substitute in meeting.invitations and substitute.substitute_for is delegator
    assert invitations.current_substitute(delegator) is substitute
    state = answers.answer_states(meeting, meeting.invitations)
    assert state[delegator.id].current.status is RsvpStatus.DELEGATED
    assert state[delegator.id].earlier is None
    assert state[substitute.id].current is None
    assert state[substitute.id].earlier.status is RsvpStatus.ACCEPTED
    # the reminders go to the substitute (and the others), never to whoever handed on
    assert set(invitations.unanswered(meeting)) == {substitute, other}

    # everyone invited gets the update; each mail says what to do
    files = []
    for invitation, partstat in (
        (delegator, "DELEGATED"),
        (substitute, "NEEDS-ACTION"),
        (other, "NEEDS-ACTION"),
    ):
        row = _update_of(invitation)
        attendees, event = _attendees(row)
        assert [p for _address, p, _rsvp in attendees] == [partstat]
        assert int(event["SEQUENCE"]) == 1 and event.start == meeting.start_at
        message = outbox.parse(row)
        flat = " ".join(message.get_body(("plain",)).get_content().split())
        assert "Vroeger gepland op woensdag 18 maart 2026" in flat
        handed_on = "U liet zich vervangen; dat blijft zo." in flat
        asked = "laat opnieuw weten of u komt" in flat
        assert (handed_on, asked) == (invitation is delegator, invitation is not delegator)
        files.append(parts_by_type(message)["text/calendar"][0].get_content().encode())
    parsed = assert_agrees_with_icalendar(tmp_path, *files)
    assert [js["events"][0]["attendees"][0]["partstat"] for js in parsed] == [
        "DELEGATED",
        "NEEDS-ACTION",
        "NEEDS-ACTION",
    ]
    assert {js["events"][0]["sequence"] for js in parsed} == {1}


def test_a_delegation_whose_substitute_was_taken_off_is_asked_again(meeting, world):
    delegator = meeting.invitations[0]
    substitute = _delegate(delegator)
    meetings.remove_invitee(substitute, user=world.coordinator)
    db.session.commit()
    _move(meeting)
    db.session.commit()
    # nobody goes in their place any more: the delegator is asked (and reminded) again
    assert delegator.rsvp_status is RsvpStatus.NEEDS_ACTION
    assert delegator in invitations.unanswered(meeting)


def test_the_delegation_note_reads_in_english_too(meeting):
    change = _move(meeting, hours=20)
    note = invitations.change_note(meeting, change, "en", delegated=True)
    assert note.endswith(
        "You sent a substitute; that stands. Your substitute received this change too and is "
        "asked to answer again."
    )


def test_an_answer_for_the_previous_time_goes_into_the_history_only(meeting):
    invitation = meeting.invitations[0]
    _move(meeting)
    outcome = _answer(invitation, RsvpStatus.ACCEPTED, source=AnswerSource.CALENDAR, sequence=0)
    assert outcome.not_counted is answers.NotCounted.EARLIER_VERSION
    assert invitation.rsvp_status is RsvpStatus.NEEDS_ACTION
    assert answers.answer_states(meeting, [invitation])[invitation.id].earlier is outcome.answer
    summary = db.session.scalars(
        sa.select(AuditEntry.summary).where(AuditEntry.action == "invitation.answer")
    ).one()
    assert "voor een vorige versie" in summary
    # answering for the new time counts again, and the earlier answer is no longer shown
    _answer(invitation, RsvpStatus.DECLINED, sequence=1, at=NOW + timedelta(minutes=1))
    state = answers.answer_states(meeting, [invitation])[invitation.id]
    assert invitation.rsvp_status is RsvpStatus.DECLINED
    assert state.current.status is RsvpStatus.DECLINED


def test_a_cancellation_keeps_the_answers(meeting):
    invitation = meeting.invitations[0]
    _answer(invitation)
    meetings.cancel_meeting(meeting, reason="Zaal bezet", now=NOW)
    assert meeting.status is MeetingStatus.CANCELLED
    assert invitation.rsvp_status is RsvpStatus.ACCEPTED
    assert meeting.significant_sequence == 0


def test_whoever_answered_for_the_previous_time_is_reminded_for_the_new_one(meeting):
    invitation = meeting.invitations[0]
    _answer(invitation)
    db.session.commit()
    later = meeting.start_at - timedelta(days=5)
    first = invitations.queue_reminders(now=later, days_before=7, settings=SETTINGS)
    assert invitation.display_name not in first.mailed
    _move(meeting, hours=2)
    db.session.commit()
    again = invitations.queue_reminders(now=later, days_before=7, settings=SETTINGS)
    assert invitation.display_name in again.mailed
