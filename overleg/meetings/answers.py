"""Invitees' answers: every one kept, the current one counted only for the current version.

Every answer an invitee gives, whatever it came through (the personal answer page, a reply from
their calendar), goes through `record_answer`: it becomes a row of the history
(`InvitationAnswer`) and, when it was given for the meeting's current significant version, the
invitation's current answer (`Invitation.rsvp_status`, which every page, count, reminder and
calendar file reads).

A significant change (date, time or place, RFC 5546 2.1.4) calls `ask_again`: the meeting's
`significant_sequence` becomes its new SEQUENCE and every invitee's current answer goes back to
NEEDS-ACTION, so a "Komt" given for Wednesday 14:00 does not count for Thursday 10:00. The earlier
answers stay in the history (`answer_states` shows them as given for the previous time). A
delegation is the exception: it says who goes, not when (see `ask_again`).

Nothing here commits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    AnswerSource,
    Invitation,
    InvitationAnswer,
    Meeting,
    MeetingStatus,
    RsvpStatus,
)
from overleg.models.labels import label
from overleg.models.types import utcnow

COMMENT_MAX = 2000
DELEGATE_NAME_MAX = 300

# The answers an invitee chooses; DELEGATED comes with the substitute it names.
ANSWERS = (RsvpStatus.ACCEPTED, RsvpStatus.TENTATIVE, RsvpStatus.DECLINED)


class NotCounted(enum.StrEnum):
    """Why an answer went into the history without becoming the current one."""

    EARLIER_VERSION = "earlier-version"  # given for a time or place that has changed since
    LATER_ANSWER = "later-answer"  # a later answer for the current version is already there


@dataclass(frozen=True)
class AnswerOutcome:
    """What `record_answer` did with one answer."""

    answer: InvitationAnswer  # its row in the history
    previous: RsvpStatus  # the invitation's current answer before this one
    not_counted: NotCounted | None = None

    @property
    def counted(self) -> bool:
        """Whether it is now the invitation's current answer."""
        return self.not_counted is None

    @property
    def changed(self) -> bool:
        """Whether the invitation's current answer is now a different one."""
        return self.counted and self.previous is not self.answer.status


def can_send(meeting: Meeting, now: datetime) -> bool:
    """Whether invitations can go out: the meeting goes ahead and has not ended."""
    return meeting.status in (MeetingStatus.PLANNED, MeetingStatus.INVITED) and (
        meeting.end_at > now
    )


def can_answer(invitation: Invitation, now: datetime) -> bool:
    """Whether the invitee can still answer: as long as invitations can be sent."""
    return can_send(invitation.meeting, now)


def check_can_answer(invitation: Invitation, now: datetime) -> None:
    if not can_answer(invitation, now):
        raise Refusal(_l("Op deze vergadering kan niet meer geantwoord worden."))


def record_answer(
    invitation: Invitation,
    status: RsvpStatus,
    *,
    source: AnswerSource,
    sequence: int,
    comment: str = "",
    at: datetime | None = None,
    delegate: Invitation | None = None,
) -> AnswerOutcome:
    """Keep an invitee's answer, given for the meeting's SEQUENCE `sequence`, received `at`.

    It becomes the invitation's current answer when it was given for the current significant
    version (a SEQUENCE at least `meeting.significant_sequence`) and no later answer for that
    version is already there; otherwise it only goes into the history (the outcome says why).
    DELEGATED needs `delegate`, the substitute's invitation. Refuses an answer that is not one of
    ANSWERS, a comment that is too long, a SEQUENCE the meeting never had, and any answer once
    the meeting can no longer be answered (cancelled, held or over). Audited. Does not commit.
    """
    at = at if at is not None else utcnow()
    comment = _checked(invitation, status, sequence, comment, at=at, delegate=delegate)
    meeting = invitation.meeting
    not_counted = _not_counted(invitation, sequence, at)
    answer = InvitationAnswer(
        invitation_id=invitation.id,
        status=status,
        comment=comment,
        sequence=sequence,
        source=source,
        received_at=at,
        counted=not_counted is None,
        delegated_to=delegate,
        delegated_to_name=delegate.display_name[:DELEGATE_NAME_MAX] if delegate else "",
    )
    db.session.add(answer)
    outcome = AnswerOutcome(answer, invitation.rsvp_status, not_counted)
    if outcome.counted:
        invitation.rsvp_status = status
        invitation.rsvp_comment = comment
        invitation.responded_at = at
    _record(meeting, invitation, outcome)
    db.session.flush()
    return outcome


def _checked(
    invitation: Invitation,
    status: RsvpStatus,
    sequence: int,
    comment: str,
    *,
    at: datetime,
    delegate: Invitation | None,
) -> str:
    """The comment, tidied, once the answer passes every rule (else a Refusal)."""
    if status not in ANSWERS and not (status is RsvpStatus.DELEGATED and delegate is not None):
        raise Refusal(_l("Kies een antwoord."), field="answer")
    check_can_answer(invitation, at)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise Refusal(
            _l("De opmerking mag hoogstens %(max)d tekens lang zijn.", max=COMMENT_MAX),
            field="comment",
        )
    if not 0 <= sequence <= invitation.meeting.ical_sequence:
        raise Refusal(_l("Dit antwoord hoort bij een versie van de uitnodiging die niet bestaat."))
    return comment


def _not_counted(invitation: Invitation, sequence: int, at: datetime) -> NotCounted | None:
    if sequence < invitation.meeting.significant_sequence:
        return NotCounted.EARLIER_VERSION
    later = db.session.scalar(
        sa.select(InvitationAnswer.id)
        .where(
            InvitationAnswer.invitation_id == invitation.id,
            InvitationAnswer.counted.is_(True),
            InvitationAnswer.sequence >= invitation.meeting.significant_sequence,
            InvitationAnswer.received_at > at,
        )
        .limit(1)
    )
    return NotCounted.LATER_ANSWER if later is not None else None


SOURCE_ACTORS = {
    AnswerSource.LINK: "persoonlijke link",
    AnswerSource.CALENDAR: "agenda",
}


def actor_label(invitation: Invitation, source: AnswerSource = AnswerSource.LINK) -> str:
    """Who acted, for the audit trail: 'An Peeters (persoonlijke link)' or '... (agenda)'."""
    return f"{invitation.display_name} ({SOURCE_ACTORS[source]})"


def _dutch(status: RsvpStatus) -> str:
    """The answer in words for the (Dutch) summary the trail stores; the audit page shows it in
    the reader's language from the entry's details (overleg/audit/sentences.py)."""
    with force_locale("nl"):
        return label(status).lower()


def _record(meeting: Meeting, invitation: Invitation, outcome: AnswerOutcome) -> None:
    answer = outcome.answer
    summary = (
        f"{meeting.title}: {invitation.display_name} antwoordde "
        f"“{_dutch(answer.status)}” "
        f"via {SOURCE_ACTORS[answer.source]}"
    )
    if outcome.not_counted is NotCounted.EARLIER_VERSION:
        summary += " (voor een vorige versie: telt niet meer)"
    elif outcome.not_counted is NotCounted.LATER_ANSWER:
        summary += " (er is al een later antwoord)"
    if answer.delegated_to_name:
        summary += f"; vervanger: {answer.delegated_to_name}"
    audit.record(
        None,
        "invitation.answer",
        invitation,
        municipality_id=meeting.municipality_id,
        summary=summary,
        details={
            "old": outcome.previous.value,
            "new": answer.status.value,
            "source": answer.source.value,
            "sequence": answer.sequence,
            "received_at": answer.received_at.isoformat(),
            "counted": outcome.counted,
            "not_counted": outcome.not_counted.value if outcome.not_counted else None,
        },
        actor_label=actor_label(invitation, answer.source),
    )


# --- a significant change asks again ----------------------------------------------------------


def ask_again(meeting: Meeting) -> int:
    """After a change of date, time or place (the SEQUENCE already raised): answers reset.

    The meeting's significant version becomes its SEQUENCE; every invitee's current answer goes
    back to NEEDS-ACTION (their earlier one stays in the history) and may be reminded again.

    Except a delegation that still stands (`delegating`): the invitee who sent a substitute keeps
    DELEGATED. In iTIP (RFC 5546 3.2.2.3) the delegate takes part in lieu of the delegator, who
    only keeps receiving the updates; the delegator's answer named a person, not a time, so the
    new time is a question for the substitute, who is asked again like every invitee and gets
    the update. Resetting the delegator instead made the delegation vanish from the list while
    the substitute stayed invited, reminded the delegator for a meeting they had handed on, and
    refused them naming the same colleague again ("al uitgenodigd"): nobody clearly going.
    Returns how many answers were reset. Does not commit.
    """
    meeting.significant_sequence = meeting.ical_sequence
    handed_on = delegating(meeting.invitations)
    reset = 0
    for invitation in meeting.invitations:
        if invitation.is_guest or invitation.id in handed_on:
            continue
        if invitation.rsvp_status is not RsvpStatus.NEEDS_ACTION:
            reset += 1
        invitation.rsvp_status = RsvpStatus.NEEDS_ACTION
        invitation.rsvp_comment = ""
        invitation.responded_at = None
        invitation.reminded_at = None
    return reset


def delegating(invitations: Iterable[Invitation]) -> set[int]:
    """The ids of the invitations whose current answer is DELEGATED and whose substitute is
    still invited (among `invitations`, the meeting's loaded list)."""
    invitations = list(invitations)
    substituted = {
        inv.substitute_for_id
        for inv in invitations
        if inv.substitute_for_id is not None and not inv.is_guest
    }
    return {
        inv.id
        for inv in invitations
        if inv.rsvp_status is RsvpStatus.DELEGATED and inv.id in substituted
    }


# --- what the invitee list shows ----------------------------------------------------------------


@dataclass(frozen=True)
class AnswerState:
    """An invitee's answers as the invitee list shows them.

    `current` is the answer that counts (None: none for this version); `earlier` the latest
    answer given for a previous time or place, shown until the person answers again.
    """

    current: InvitationAnswer | None = None
    earlier: InvitationAnswer | None = None


def answer_states(meeting: Meeting, invitations: Iterable[Invitation]) -> dict[int, AnswerState]:
    """Per invitation id, its current and earlier answer, in one query.

    A delegation that outlived a change of time or place (`ask_again`) is current, whatever
    version it was given for."""
    invitations = list(invitations)
    ids = [invitation.id for invitation in invitations if invitation.id is not None]
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(InvitationAnswer)
        .where(InvitationAnswer.invitation_id.in_(ids))
        .order_by(InvitationAnswer.received_at, InvitationAnswer.id)
    )
    delegated = {inv.id for inv in invitations if inv.rsvp_status is RsvpStatus.DELEGATED}
    return _states(meeting, rows, delegated)


def _states(
    meeting: Meeting, rows: Iterable[InvitationAnswer], delegated: set[int]
) -> dict[int, AnswerState]:
    current: dict[int, InvitationAnswer] = {}
    earlier: dict[int, InvitationAnswer] = {}
    for row in rows:  # oldest first: the last one of each kind wins
        carried = row.invitation_id in delegated and row.status is RsvpStatus.DELEGATED
        if row.sequence < meeting.significant_sequence and not carried:
            earlier[row.invitation_id] = row
        elif row.counted:
            current[row.invitation_id] = row
    for invitation_id in delegated & current.keys():
        earlier.pop(invitation_id, None)  # the delegation stands: nothing to answer again
    return {
        invitation_id: AnswerState(current.get(invitation_id), earlier.get(invitation_id))
        for invitation_id in current.keys() | earlier.keys()
    }
