"""THE one place that names every status in words, in Dutch with an English translation.

Templates reach it as `status_label(value)`; services and PDFs call `label(value)`.
"""

from __future__ import annotations

import enum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from overleg.models.meetings import Attendance, MeetingStatus, RsvpStatus
from overleg.models.minutes import ActionPointStatus, MinutesStatus
from overleg.models.outbox import OutboxStatus

LABELS: dict[enum.Enum, LazyString] = {
    MeetingStatus.PLANNED: _l("Gepland"),
    MeetingStatus.INVITED: _l("Uitgenodigd"),
    MeetingStatus.HELD: _l("Gehouden"),
    MeetingStatus.CANCELLED: _l("Geannuleerd"),
    RsvpStatus.NEEDS_ACTION: _l("Nog geen antwoord"),
    RsvpStatus.ACCEPTED: _l("Komt"),
    RsvpStatus.DECLINED: _l("Komt niet"),
    RsvpStatus.TENTATIVE: _l("Misschien"),
    RsvpStatus.DELEGATED: _l("Laat zich vervangen"),
    Attendance.PRESENT: _l("Aanwezig"),
    Attendance.EXCUSED: _l("Verontschuldigd"),
    Attendance.ABSENT: _l("Afwezig"),
    MinutesStatus.DRAFT: _l("Ontwerp"),
    MinutesStatus.CIRCULATED: _l("Rondgestuurd ter opmerkingen"),
    MinutesStatus.APPROVED: _l("Goedgekeurd"),
    ActionPointStatus.OPEN: _l("Open"),
    ActionPointStatus.DONE: _l("Afgewerkt"),
    ActionPointStatus.DROPPED: _l("Geschrapt"),
    OutboxStatus.QUEUED: _l("In de wachtrij"),
    OutboxStatus.SENDING: _l("Wordt verstuurd"),
    OutboxStatus.SENT: _l("Verstuurd"),
    OutboxStatus.FAILED: _l("Mislukt"),
}

NONE = "\u2013"  # no status at all (an attendance not yet noted): a dash

LABELLED_ENUMS: tuple[type[enum.Enum], ...] = (
    MeetingStatus,
    RsvpStatus,
    Attendance,
    MinutesStatus,
    ActionPointStatus,
    OutboxStatus,
)


def label(status: enum.Enum | None, kind: type[enum.Enum] | None = None) -> str:
    """The status in words in the current language; `kind` reads a stored value ("tentative")."""
    if status is None:
        return NONE
    if kind is not None and not isinstance(status, kind):
        status = kind(status)
    found = LABELS.get(status)
    return str(found) if found is not None else str(status.value).replace("_", " ")
