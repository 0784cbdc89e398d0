"""Calendar answers that changed nothing: kept with the reason, listed for the coordinator.

`overleg.meetings.replies.ingest_reply` reads each answer that comes back from a calendar (by the
mailbox reader or `flask replies ingest`); whatever it cannot apply (a mail without an answer, an
unknown UID, an address that is not the invitee's, an answer the rules refuse) is stored here by
`set_aside`, with the reason as a code (`RejectReason`, shown in the reader's language) and the
detail. The coordinators of the platform it concerns see the list under the outbox (`/outbox/
replies`). Nothing here commits.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from overleg.extensions import db
from overleg.lib import imip
from overleg.models import Contact, Meeting, Organisation, RejectedReply
from overleg.models.types import utcnow
from overleg.web.pagination import Page, paginate

PER_PAGE = 50


class RejectReason(enum.StrEnum):
    """Why an answer changed nothing: the parser's problems, then what the meeting says."""

    UNREADABLE_MAIL = imip.Problem.UNREADABLE_MAIL.value
    NO_CALENDAR = imip.Problem.NO_CALENDAR.value
    TOO_LARGE = imip.Problem.TOO_LARGE.value
    UNREADABLE_CALENDAR = imip.Problem.UNREADABLE_CALENDAR.value
    OTHER_METHOD = imip.Problem.OTHER_METHOD.value
    NO_EVENT = imip.Problem.NO_EVENT.value
    NO_UID = imip.Problem.NO_UID.value
    NO_ATTENDEE = imip.Problem.NO_ATTENDEE.value
    SEVERAL_ATTENDEES = imip.Problem.SEVERAL_ATTENDEES.value
    BAD_ADDRESS = imip.Problem.BAD_ADDRESS.value
    NO_ANSWER = imip.Problem.NO_ANSWER.value
    BAD_SEQUENCE = imip.Problem.BAD_SEQUENCE.value
    NO_PROPOSED_TIME = imip.Problem.NO_PROPOSED_TIME.value
    UNKNOWN_UID = "unknown_uid"
    NOT_INVITED = "not_invited"
    OTHER_SENDER = "other_sender"
    OLD_PROPOSAL = "old_proposal"
    DUPLICATE = "duplicate"
    REFUSED = "refused"

    @property
    def text(self) -> LazyString:
        if self.value in imip.Problem.__members__.values():
            return imip.Problem(self.value).text
        return _MEETING_REASONS[self]


_MEETING_REASONS: dict[RejectReason, LazyString] = {
    RejectReason.UNKNOWN_UID: _l("Geen vergadering met deze UID (onbekend of verwijderd)."),
    RejectReason.NOT_INVITED: _l("Het adres van de deelnemer is niet uitgenodigd."),
    RejectReason.OTHER_SENDER: _l(
        "Het bericht komt van een ander adres dan dat van de uitgenodigde."
    ),
    RejectReason.OLD_PROPOSAL: _l(
        "Het tegenvoorstel gaat over een vorige versie van de vergadering."
    ),
    RejectReason.DUPLICATE: _l("Dit voorstel was al ontvangen."),
    RejectReason.REFUSED: _l("De regels van overleg laten dit antwoord niet toe."),
}


def reason_text(code: str) -> LazyString | str:
    """The reason of a stored rejection in the reader's language (the code when unknown)."""
    try:
        return RejectReason(code).text
    except ValueError:
        return code


def set_aside(
    read: imip.ReadMail,
    reason: RejectReason,
    *,
    message: imip.ItipMessage | None = None,
    meeting: Meeting | None = None,
    detail: str = "",
) -> RejectedReply:
    """Keep an answer that changed nothing, with its reason, for its platform's coordinators."""
    row = RejectedReply(
        received_at=utcnow(),
        platform_id=_platform_of(meeting, message, read),
        meeting_id=meeting.id if meeting is not None else None,
        message_id=read.message_id[:300],
        sender=read.sender[:254],
        subject=read.subject[:300],
        method=message.method.value if message is not None else "",
        uid=message.uid[:255] if message is not None else "",
        attendee=message.attendee.address[:254] if message is not None else "",
        reason=reason.value,
        detail=detail or read.detail,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _platform_of(
    meeting: Meeting | None, message: imip.ItipMessage | None, read: imip.ReadMail
) -> int | None:
    """The meeting's platform, else the one platform whose contacts use the address."""
    if meeting is not None:
        return meeting.municipality.platform_id
    addresses = {read.sender} | ({message.attendee.address} if message is not None else set())
    addresses.discard("")
    if not addresses:
        return None
    platforms = set(
        db.session.scalars(
            sa.select(Organisation.platform_id)
            .join(Contact, Contact.organisation_id == Organisation.id)
            .where(sa.func.lower(Contact.email).in_(addresses), Contact.erased_at.is_(None))
            .distinct()
            .limit(2)
        )
    )
    return platforms.pop() if len(platforms) == 1 else None


def set_aside_page(visible: ColumnElement[bool], page: int) -> Page[RejectedReply]:
    """The answers set aside that `visible` lets through, newest first."""
    statement = (
        sa.select(RejectedReply)
        .where(visible)
        .order_by(RejectedReply.received_at.desc(), RejectedReply.id.desc())
        .options(selectinload(RejectedReply.meeting))
    )
    return paginate(statement, page, PER_PAGE)
