"""Calendar answers handled without HTTP (overleg.meetings.replies): the client files of
tests/data/imip/ fed to `ingest_reply` as the mailbox reader and `flask replies ingest` do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from overleg.extensions import db
from overleg.lib import imip
from overleg.lib.refusal import Refusal
from overleg.mail.replies import RejectReason
from overleg.mail.settings import MailSettings
from overleg.meetings import invitations, replies
from overleg.models import (
    AnswerSource,
    AuditEntry,
    CounterProposal,
    Invitation,
    InvitationAnswer,
    Meeting,
    MeetingStatus,
    OutboxMessage,
    ProposalStatus,
    RejectedReply,
    RsvpStatus,
)
from tests import factories

DATA = Path(__file__).resolve().parent.parent / "data" / "imip"
UID = "7d1f0c52-8a4e-4c1b-9a57-3b2e61f0a9d4@overleg"
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
START = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)  # Tuesday 16 March 2027, 14:00 in Brussels
SETTINGS = MailSettings(
    base_url="https://overleg.example.be",
    mail_from="overleg@example.be",
    attach_agenda_pdf=False,
    reply_mailbox="antwoorden@overleg.example.be",
)
# The invitees of the client files; some stored in another case than their calendars write.
INVITEES = {
    "Jan": ("Peeters", "jan.peeters@woonmaatschappij-kempen.be"),
    "Séverine": ("Dubois", "Severine.Dubois@CAW-Kempen.be"),
    "Lotte": ("Janssens", "Lotte.Janssens@gmail.com"),
    "Els": ("Maes", "els.maes@icloud.com"),
    "Wim": ("Verbruggen", "wim.verbruggen@ocmw-noorderdorp.be"),
    "Frédéric": ("Wouters", "frederic.wouters@outlook.com"),
}


def _raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def meeting(app) -> Meeting:
    """The meeting every client file answers, its invitations sent on NOW."""
    meeting = factories.MeetingFactory(
        ical_uid=UID, start_at=START, end_at=START + timedelta(hours=2)
    )
    organisation = factories.organisation_serving(meeting.municipality)
    for first, (last, email) in INVITEES.items():
        contact = factories.ContactFactory(
            organisation=organisation, first_name=first, last_name=last, email=email
        )
        factories.InvitationFactory(meeting=meeting, contact=contact)
    db.session.refresh(meeting)
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    return meeting


def _ingest(raw: bytes, now: datetime = NOW) -> replies.IngestOutcome:
    outcome = replies.ingest_reply(raw, now=now, settings=SETTINGS)
    db.session.commit()
    return outcome


def _set_aside() -> list[RejectedReply]:
    return list(db.session.scalars(sa.select(RejectedReply).order_by(RejectedReply.id)))


def _invitation(meeting: Meeting, email: str) -> Invitation:
    found = replies.invitation_for(meeting, email)
    assert found is not None
    return found


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


# --- what changes nothing -------------------------------------------------------------------


def test_a_mail_without_an_answer_is_set_aside_with_its_reason(meeting):
    outcome = _ingest(b"From: an@x.be\r\nSubject: hallo\r\n\r\nIk kom.\r\n")
    assert not outcome.changed
    assert "geen agenda-antwoord" in outcome.reason
    (row,) = _set_aside()
    assert row.reason == RejectReason.NO_CALENDAR
    assert row.sender == "an@x.be" and row.meeting_id is None


def test_an_unknown_uid_changes_nothing_and_is_set_aside(meeting):
    raw = _raw("outlook-accepted.eml")
    meeting.ical_uid = "een-andere@overleg"
    db.session.commit()
    outcome = _ingest(raw)
    assert not outcome.changed
    (row,) = _set_aside()
    assert row.reason == RejectReason.UNKNOWN_UID
    assert row.uid == UID and row.meeting_id is None
    # The sender is a contact of one platform: its coordinators see the answer.
    assert row.platform_id == meeting.municipality.platform_id
    assert _invitation(meeting, "jan.peeters@woonmaatschappij-kempen.be").rsvp_status.value == (
        "needs-action"
    )


def test_an_address_that_is_not_invited_changes_nothing(meeting):
    invitation = _invitation(meeting, "jan.peeters@woonmaatschappij-kempen.be")
    invitation.contact.email = "jan@elders.be"
    db.session.commit()
    outcome = _ingest(_raw("refresh.eml"))
    assert not outcome.changed
    (row,) = _set_aside()
    assert row.reason == RejectReason.NOT_INVITED
    assert row.meeting_id == meeting.id and row.platform_id == meeting.municipality.platform_id
    assert _outbox("invitation") and len(_outbox("invitation")) == len(INVITEES)


def test_an_answer_sent_from_another_address_changes_nothing(meeting):
    raw = _raw("refresh.eml").replace(
        b"From: Jan Peeters <jan.peeters@woonmaatschappij-kempen.be>",
        b"From: Iemand <iemand@elders.be>",
    )
    outcome = _ingest(raw)
    assert not outcome.changed
    (row,) = _set_aside()
    assert row.reason == RejectReason.OTHER_SENDER
    assert row.sender == "iemand@elders.be"
    assert row.attendee == "jan.peeters@woonmaatschappij-kempen.be"


def test_every_reason_reads_in_english_too(app):
    for reason in RejectReason:
        with force_locale("nl"):
            dutch = str(reason.text)
        with force_locale("en"):
            english = str(reason.text)
        assert dutch and english and dutch != english, reason


# --- COUNTER --------------------------------------------------------------------------------


def test_a_proposed_new_time_is_kept_for_the_coordinator(meeting):
    outcome = _ingest(_raw("outlook-counter.eml"))
    assert outcome.changed
    assert "Séverine Dubois stelt voor" in outcome.reason
    (proposal,) = replies.pending_proposals(meeting)
    assert proposal.start_at == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert proposal.end_at == datetime(2027, 3, 18, 11, 0, tzinfo=UTC)
    assert proposal.comment.startswith("Woensdagnamiddag")
    assert proposal.invitation.contact.last_name == "Dubois"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "meeting.counter_proposed")
    )
    assert entry is not None and entry.actor_label == "Séverine Dubois (agenda)"
    # The same proposal twice is kept once.
    again = _ingest(_raw("outlook-counter.eml"))
    assert not again.changed
    assert len(replies.pending_proposals(meeting)) == 1


def test_accepting_a_proposal_moves_the_meeting_and_sends_the_update(meeting):
    coordinator = factories.UserFactory(platform=meeting.municipality.platform)
    _ingest(_raw("outlook-counter.eml"))
    (proposal,) = replies.pending_proposals(meeting)
    sequence = meeting.ical_sequence
    later = NOW + timedelta(days=1)
    change = replies.accept_proposal(proposal, user=coordinator, now=later)
    db.session.commit()
    assert change.time_changed
    db.session.refresh(meeting)
    assert meeting.start_at == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert meeting.ical_sequence == sequence + 1
    assert len(_outbox("update")) == len(INVITEES)
    assert proposal.status is ProposalStatus.ACCEPTED and proposal.decided_by_id == coordinator.id
    assert replies.pending_proposals(meeting) == []
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"meeting.update", "meeting.counter_accepted"} <= actions


def test_declining_a_proposal_sends_a_declinecounter_to_that_attendee(meeting):
    coordinator = factories.UserFactory(platform=meeting.municipality.platform)
    _ingest(_raw("outlook-counter.eml"))
    (proposal,) = replies.pending_proposals(meeting)
    assert replies.decline_proposal(proposal, user=coordinator, now=NOW, settings=SETTINGS)
    db.session.commit()
    (row,) = _outbox(replies.DECLINE_COUNTER_KIND)
    assert row.to_address == "Severine.Dubois@CAW-Kempen.be"
    mail = message_from_bytes(row.raw, policy=policy.default)
    (part,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"][:1]
    assert part.get_param("method") == "DECLINECOUNTER"
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "DECLINECOUNTER"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == UID
    assert str(event["ORGANIZER"]).lower() == "mailto:antwoorden@overleg.example.be"
    assert str(event["ATTENDEE"]).lower() == "mailto:severine.dubois@caw-kempen.be"
    db.session.refresh(meeting)
    assert meeting.start_at == START
    assert proposal.status is ProposalStatus.DECLINED


def test_a_proposal_is_decided_once(meeting):
    coordinator = factories.UserFactory(platform=meeting.municipality.platform)
    _ingest(_raw("outlook-counter.eml"))
    (proposal,) = replies.pending_proposals(meeting)
    replies.decline_proposal(proposal, user=coordinator, now=NOW, settings=SETTINGS)
    db.session.commit()
    with pytest.raises(Refusal):
        replies.accept_proposal(proposal, user=coordinator, now=NOW)


def test_a_proposal_for_an_earlier_version_cannot_be_accepted(meeting):
    coordinator = factories.UserFactory(platform=meeting.municipality.platform)
    _ingest(_raw("outlook-counter.eml"))
    (proposal,) = replies.pending_proposals(meeting)
    meeting.location = "Elders"
    meeting.ical_sequence += 1
    db.session.commit()
    assert not replies.is_current(proposal)
    with pytest.raises(Refusal):
        replies.accept_proposal(proposal, user=coordinator, now=NOW)


def test_a_proposal_about_an_earlier_version_is_set_aside(meeting):
    meeting.ical_sequence = 2
    db.session.commit()
    outcome = _ingest(_raw("outlook-counter.eml"))
    assert not outcome.changed
    (row,) = _set_aside()
    assert row.reason == RejectReason.OLD_PROPOSAL
    assert replies.pending_proposals(meeting) == []


def test_a_refused_proposal_leaves_nothing_but_the_reason(meeting):
    meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    outcome = _ingest(_raw("outlook-counter.eml"))
    assert not outcome.changed
    (row,) = _set_aside()
    assert row.reason == RejectReason.REFUSED
    assert "niet meer geantwoord" in row.detail
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CounterProposal)) == 0


def test_a_proposal_in_the_past_is_refused(meeting):
    raw = _raw("outlook-counter.eml").replace(b"20270318T", b"20270315T")
    outcome = _ingest(raw, now=datetime(2027, 3, 16, 8, 0, tzinfo=UTC))
    assert not outcome.changed
    assert _set_aside()[0].reason == RejectReason.REFUSED


# --- REFRESH --------------------------------------------------------------------------------


def test_refresh_sends_the_current_invitation_again(meeting):
    before = len(_outbox("invitation"))
    outcome = _ingest(_raw("refresh.eml"))
    assert outcome.changed
    rows = _outbox("invitation")
    assert len(rows) == before + 1
    assert rows[-1].to_address == "jan.peeters@woonmaatschappij-kempen.be"
    mail = message_from_bytes(rows[-1].raw, policy=policy.default)
    part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["ORGANIZER"]).lower() == "mailto:antwoorden@overleg.example.be"
    assert db.session.scalar(
        sa.select(AuditEntry.id).where(AuditEntry.action == "invitation.refresh")
    )


def test_refresh_before_the_invitations_went_out_changes_nothing(app):
    meeting = factories.MeetingFactory(
        ical_uid=UID, start_at=START, end_at=START + timedelta(hours=2)
    )
    contact = factories.ContactFactory(email="jan.peeters@woonmaatschappij-kempen.be")
    factories.InvitationFactory(meeting=meeting, contact=contact)
    outcome = _ingest(_raw("refresh.eml"))
    assert not outcome.changed
    assert _set_aside()[0].reason == RejectReason.REFUSED
    assert _outbox("invitation") == []


def test_the_organizer_of_invitations_is_the_reply_mailbox_when_set(app):
    platform = factories.PlatformFactory(organiser_email="coordinator@platform.be")
    with_mailbox = invitations.organiser_for(platform, SETTINGS)
    without = invitations.organiser_for(
        platform, MailSettings(base_url="", mail_from="overleg@example.be")
    )
    assert with_mailbox.email == "antwoorden@overleg.example.be"
    assert without.email == "coordinator@platform.be"


# --- malformed mail through the whole handling ------------------------------------------------

_DAMAGED = [_raw(name) for name in sorted(p.name for p in DATA.glob("*.eml"))]


def _counts() -> tuple[int, int, int]:
    def count(model: type) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    return count(RejectedReply), count(CounterProposal), count(OutboxMessage)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.binary(max_size=600),
        st.builds(
            lambda raw, at, junk: raw[:at] + junk + raw[at + len(junk) :],
            st.sampled_from(_DAMAGED),
            st.integers(min_value=0, max_value=3000),
            st.binary(min_size=1, max_size=40),
        ),
    )
)
def test_malformed_mail_never_crashes_and_what_changes_nothing_is_set_aside(meeting, raw):
    before = _counts()
    outcome = replies.ingest_reply(raw, now=NOW, settings=SETTINGS)
    db.session.commit()
    after = _counts()
    assert outcome.reason
    if not outcome.changed:
        assert after[0] > before[0]  # set aside, with the reason
        assert after[1:] == before[1:]  # no proposal, no mail


# --- REPLY ----------------------------------------------------------------------------------

REPLIES = {
    "outlook-accepted.eml": ("jan.peeters@woonmaatschappij-kempen.be", RsvpStatus.ACCEPTED),
    "google-accepted.eml": ("lotte.janssens@gmail.com", RsvpStatus.ACCEPTED),
    "apple-tentative.eml": ("els.maes@icloud.com", RsvpStatus.TENTATIVE),
    "thunderbird-declined.eml": ("wim.verbruggen@ocmw-noorderdorp.be", RsvpStatus.DECLINED),
    "outlookcom-no-organizer.eml": ("frederic.wouters@outlook.com", RsvpStatus.ACCEPTED),
}


def _history(invitation: Invitation) -> list[InvitationAnswer]:
    return list(
        db.session.scalars(
            sa.select(InvitationAnswer)
            .where(InvitationAnswer.invitation_id == invitation.id)
            .order_by(InvitationAnswer.id)
        )
    )


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_each_client_reply_is_recorded_as_given_via_the_calendar(meeting, name):
    address, status = REPLIES[name]
    received = NOW + timedelta(hours=3)
    outcome = _ingest(_raw(name), now=received)
    assert outcome.changed, outcome.reason
    assert "via agenda" in outcome.reason
    invitation = _invitation(meeting, address)
    assert invitation.rsvp_status is status
    assert invitation.responded_at == received
    (answer,) = _history(invitation)
    assert answer.source is AnswerSource.CALENDAR
    assert answer.status is status and answer.sequence == 0 and answer.counted
    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "invitation.answer", AuditEntry.object_id == invitation.id)
        .order_by(AuditEntry.id.desc())
    )
    assert entry is not None and "(agenda)" in entry.actor_label
    assert _set_aside() == []


def test_a_declined_reply_keeps_its_comment(meeting):
    _ingest(_raw("thunderbird-declined.eml"))
    invitation = _invitation(meeting, "wim.verbruggen@ocmw-noorderdorp.be")
    assert invitation.rsvp_comment.startswith("Ik ben die week op verlof.")


def test_an_answer_to_an_earlier_version_is_kept_not_counted(meeting):
    """The meeting moved (SEQUENCE 1, everyone asked again); an answer to SEQUENCE 0 arrives."""
    from overleg.meetings import services

    services.update_meeting(
        meeting,
        title=meeting.title,
        start_at=START + timedelta(days=1),
        end_at=START + timedelta(days=1, hours=2),
        location=meeting.location,
        now=NOW,
    )
    db.session.commit()
    assert meeting.ical_sequence == 1
    outcome = _ingest(_raw("outlook-accepted.eml"), now=NOW + timedelta(hours=1))
    assert outcome.changed
    assert "vorige versie" in outcome.reason
    invitation = _invitation(meeting, "jan.peeters@woonmaatschappij-kempen.be")
    assert invitation.rsvp_status is RsvpStatus.NEEDS_ACTION
    (answer,) = _history(invitation)
    assert answer.status is RsvpStatus.ACCEPTED and not answer.counted and answer.sequence == 0


def test_an_answer_to_a_version_that_never_was_is_set_aside(meeting):
    raw = _raw("apple-tentative.eml").replace(b"SEQUENCE:0", b"SEQUENCE:7")
    outcome = _ingest(raw)
    assert not outcome.changed
    (row,) = _set_aside()
    assert row.reason == RejectReason.REFUSED
    invitation = _invitation(meeting, "els.maes@icloud.com")
    assert invitation.rsvp_status is RsvpStatus.NEEDS_ACTION and _history(invitation) == []


def test_an_answer_to_a_cancelled_meeting_changes_nothing(meeting):
    meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    outcome = _ingest(_raw("google-accepted.eml"))
    assert not outcome.changed
    assert _set_aside()[0].reason == RejectReason.REFUSED
    assert _history(_invitation(meeting, "lotte.janssens@gmail.com")) == []


def test_delegated_to_names_a_substitute_as_the_answer_page_does(meeting):
    outcome = _ingest(_raw("thunderbird-delegated.eml"))
    assert outcome.changed, outcome.reason
    invitation = _invitation(meeting, "wim.verbruggen@ocmw-noorderdorp.be")
    assert invitation.rsvp_status is RsvpStatus.DELEGATED
    substitute = _invitation(meeting, "hilde.claes@ocmw-noorderdorp.be")
    assert substitute.substitute_for_id == invitation.id
    assert substitute.contact.full_name == "Hilde Claes"
    assert substitute.contact.organisation_id == invitation.contact.organisation_id
    (answer,) = _history(invitation)
    assert answer.source is AnswerSource.CALENDAR and answer.delegated_to_id == substitute.id
    mails = [row.to_address for row in _outbox("invitation")]
    assert "hilde.claes@ocmw-noorderdorp.be" in mails


@pytest.mark.parametrize(
    ("name", "address", "expected"),
    [
        ("Hilde Claes", "x@y.be", ("Hilde", "Claes")),
        ("Hilde Van den Broeck", "x@y.be", ("Hilde", "Van den Broeck")),
        ("", "hilde.claes@y.be", ("Hilde", "Claes")),
        ("Hilde", "hilde_de-smet@y.be", ("Hilde", "De Smet")),
        ("", "hilde@y.be", ("Hilde", "-")),
    ],
)
def test_a_delegate_gets_a_first_and_last_name(name, address, expected):
    assert replies.substitute_names(imip.Party(address, name)) == expected
