"""Meetings, their agenda and invitee list: the rules, without HTTP.

None of these functions commits: they add to (and flush) the caller's database session, so several
changes (e.g. the planner creating many meetings) form one transaction and the caller commits.
Each change made by a user records an audit entry in that same transaction. An edit made from a
form filled from an older version of its row is an `EditConflict` (`expected_version`, see
overleg.models.versioning).

Hooks for other features: `update_meeting` and `cancel_meeting` return a `MeetingChange`; when its
`needs_new_sequence` is true the iCalendar SEQUENCE has already been raised, and updated
invitations should be sent for it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.auth.permissions import (
    meeting_filter,
    meeting_of_municipality,
    municipality_filter,
    visible_contacts_filter,
)
from overleg.extensions import db
from overleg.lib.calendar_rules import BlockedDay, CalendarRules, reasons_to_avoid
from overleg.lib.dates import BRUSSELS, check_instant, year_bounds
from overleg.lib.refusal import Refusal
from overleg.mail.report import MailReport
from overleg.meetings import answers, joint, theme_invitees
from overleg.meetings import invitations as invitation_mail
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    StandingInvitee,
    Theme,
    ThemeInvitation,
    User,
    organisation_municipality,
)
from overleg.models.types import utcnow
from overleg.models.versioning import versioned_edit, versioned_edits

# Column sizes, for forms and checks.
TITLE_MAX = 200
LOCATION_MAX = 300
PRESENTER_MAX = 200
NOTES_MAX = 5000
CANCEL_REASON_MAX = 2000
MAX_DURATION_MINUTES = 600
# The longest a meeting may last: a meeting ends on the day it starts (the form asks one date),
# and that day counts 25 hours when summer time ends. The overlap check relies on it to search
# meetings by time (a window of this length before the start) instead of through every
# invitation of a person who is invited everywhere.
MAX_MEETING_LENGTH = timedelta(hours=25)

# Roles that make an invitee indispensable: an overlap with another meeting is a conflict.
REQUIRED_ROLES = frozenset({InviteeRole.REQUIRED, InviteeRole.CHAIR})

# A meeting with one of these statuses still lies ahead: it cannot be put in the past.
_GOING_AHEAD = (MeetingStatus.PLANNED, MeetingStatus.INVITED)

# The standard agenda of a woonoverleg: (kind, title, minutes). Stored as data, in Dutch.
STANDARD_AGENDA: tuple[tuple[AgendaItemKind, str, int], ...] = (
    (AgendaItemKind.WELCOME, "Verwelkoming", 5),
    (AgendaItemKind.APPROVAL, "Goedkeuring verslag vorige vergadering", 10),
    (AgendaItemKind.FOLLOW_UP, "Opvolging actiepunten", 15),
    (AgendaItemKind.THEME, "Thema's", 60),
    (AgendaItemKind.VARIA, "Varia", 10),
    (AgendaItemKind.NEXT_MEETING, "Datum volgende vergadering", 5),
)

# Items that close the agenda; new items are inserted before them.
_CLOSING_KINDS = frozenset({AgendaItemKind.VARIA, AgendaItemKind.NEXT_MEETING})


def default_title(municipality: Municipality) -> str:
    return f"Lokaal woonoverleg {municipality.name}"


def _check_times(start_at: datetime, end_at: datetime) -> None:
    """Both in the accepted range of dates, the end after the start, compared as UTC instants
    (two datetimes with the same tzinfo compare by their wall-clock times, not as instants)."""
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise ValueError("naive datetime")
    check_instant(start_at, field="date")
    check_instant(end_at, field="date")
    if end_at.astimezone(UTC) <= start_at.astimezone(UTC):
        raise Refusal(_l("Het einde moet na het begin liggen."), field="end_time")
    if end_at - start_at > MAX_MEETING_LENGTH:
        raise Refusal(_l("Een vergadering duurt hoogstens een dag."), field="end_time")


def _check_text(value: str, limit: int, field_name: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise Refusal(_l("Maximaal %(max)d tekens.", max=limit), field=field_name)
    return value


def _editable(meeting: Meeting) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refusal(_l("Een geannuleerde vergadering kan niet meer gewijzigd worden."))


# --- meetings -----------------------------------------------------------------------------


def standard_agenda() -> list[AgendaItem]:
    """Fresh, unsaved agenda items of the standard agenda, in order."""
    return [
        AgendaItem(position=index, kind=kind, title=title, duration_minutes=minutes)
        for index, (kind, title, minutes) in enumerate(STANDARD_AGENDA)
    ]


def default_location(municipality: Municipality) -> str:
    """Where a new meeting is when its form leaves it blank: the municipality's usual location,
    else the platform's default place (its settings page)."""
    return municipality.usual_location or municipality.platform.default_location


def meeting_hours(
    municipality: Municipality, start: time | None, end: time | None
) -> tuple[time, time | None]:
    """The Brussels wall-clock start and end of a new meeting from what its form gave: a blank
    start is the platform's default start, else the municipality's earliest start; a blank end
    is the platform's default end when the start was blank too, else None (the municipality's
    usual duration after the start)."""
    platform = municipality.platform
    if start is not None:
        return start, end
    if end is None and platform.default_start_time is not None:
        end = platform.default_end_time
    return platform.default_start_time or municipality.window_start, end


def create_meeting(
    municipality: Municipality,
    *,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
    title: str | None = None,
    location: str | None = None,
    status: MeetingStatus = MeetingStatus.PLANNED,
    user: User | None = None,
    with_standard_agenda: bool = True,
    with_standing_invitees: bool = True,
) -> Meeting:
    """Add a meeting with the standard agenda and the standing invitee list; does not commit.

    Title and location default to "Lokaal woonoverleg <gemeente>" and `default_location`. A
    planned (or invited) meeting must start after `now`; past meetings can be recorded as held.
    Raises Refusal when the rules refuse.
    """
    _check_new_meeting(start_at, end_at, status=status, now=now)
    title = _check_text(
        title if title is not None else default_title(municipality), TITLE_MAX, "title"
    )
    location = _check_text(
        location if location is not None else default_location(municipality),
        LOCATION_MAX,
        "location",
    )
    meeting = Meeting(
        municipality=municipality,
        title=title or default_title(municipality),
        start_at=start_at,
        end_at=end_at,
        location=location,
        status=status,
    )
    if with_standard_agenda:
        meeting.agenda_items.extend(standard_agenda())
    if with_standing_invitees:
        meeting.invitations.extend(_standing_invitations(municipality))
    db.session.add(meeting)
    db.session.flush()
    if user is not None:
        _record_created(user, meeting)
    return meeting


def _check_new_meeting(
    start_at: datetime, end_at: datetime, *, status: MeetingStatus, now: datetime
) -> None:
    _check_times(start_at, end_at)
    if status in _GOING_AHEAD and start_at <= now:
        raise Refusal(_l("Een geplande vergadering kan niet in het verleden liggen."), field="date")
    if status is MeetingStatus.CANCELLED:
        raise Refusal(_l("Een nieuwe vergadering kan niet geannuleerd zijn."))


def _standing_invitations(municipality: Municipality) -> list[Invitation]:
    """Fresh invitations for the municipality's standing invitees who are still active."""
    standing = db.session.scalars(
        sa.select(StandingInvitee)
        .join(Contact, Contact.id == StandingInvitee.contact_id)
        .where(
            StandingInvitee.municipality_id == municipality.id,
            Contact.archived_at.is_(None),
            Contact.erased_at.is_(None),
        )
        .order_by(StandingInvitee.id)
    )
    return [Invitation(contact_id=entry.contact_id, role=entry.role) for entry in standing]


def _record_created(user: User, meeting: Meeting) -> None:
    audit.record(
        user,
        "meeting.create",
        meeting,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title} op {_local_text(meeting.start_at)}",
        details={"start_at": meeting.start_at.isoformat(), "status": str(meeting.status)},
    )


@dataclass(frozen=True)
class MeetingChange:
    """What an update or cancellation changed.

    `needs_new_sequence` (anything the invitation's VEVENT shows changed: time, place, title or
    status) means the iCalendar SEQUENCE was raised and those already invited get an updated
    invitation (or a cancellation): a calendar takes an update only with a higher SEQUENCE. Only
    a change of time or place (`asks_again`) also asks everyone to answer again.
    """

    time_changed: bool = False
    place_changed: bool = False
    status_changed: bool = False
    title_changed: bool = False
    old_start_at: datetime | None = None
    old_end_at: datetime | None = None
    old_location: str | None = None
    old_title: str | None = None
    old_status: MeetingStatus | None = None
    # How many invitees' answers no longer count (a significant change asks everyone again).
    answers_reset: int = 0
    # The updates or cancellations this change put in the outbox, and who could not be mailed.
    mail: MailReport = field(default_factory=MailReport)

    @property
    def needs_new_sequence(self) -> bool:
        return self.time_changed or self.place_changed or self.status_changed or self.title_changed

    @property
    def asks_again(self) -> bool:
        """A change of date, time or place (RFC 5546 2.1.4): every invitee answers again."""
        return self.time_changed or self.place_changed

    @property
    def changed(self) -> bool:
        return self.needs_new_sequence


def update_meeting(
    meeting: Meeting,
    *,
    title: str,
    start_at: datetime,
    end_at: datetime,
    location: str,
    now: datetime,
    user: User | None = None,
    expected_version: int | None = None,
) -> MeetingChange:
    """Change time, place and title. Any change raises the SEQUENCE and sends those already
    invited the updated invitation; a change of time or place also asks them to answer again.

    A cancelled meeting cannot be changed; a planned or invited meeting cannot be moved into
    the past; a change from a form filled from an older version is an `EditConflict`. Does not
    commit.
    """
    _editable(meeting)
    with versioned_edit(meeting, expected_version):
        change = _change_meeting(
            meeting, title=title, start_at=start_at, end_at=end_at, location=location, now=now
        )
    if change.needs_new_sequence:
        mail = invitation_mail.queue_meeting_update(meeting, change, now=now)
        change = replace(change, mail=mail)
    if change.changed and user is not None:
        _record_updated(user, meeting, change)
    return change


def _change_meeting(
    meeting: Meeting,
    *,
    title: str,
    start_at: datetime,
    end_at: datetime,
    location: str,
    now: datetime,
) -> MeetingChange:
    """Check the new values and set them on `meeting`, raising the SEQUENCE for any change (the
    calendars show each of them) and asking for answers again for time or place."""
    _check_times(start_at, end_at)
    title = _required_title(title)
    location = _check_text(location, LOCATION_MAX, "location")
    change = _compare(meeting, title=title, start_at=start_at, end_at=end_at, location=location)
    if change.time_changed and meeting.status in _GOING_AHEAD and start_at <= now:
        raise Refusal(
            _l("Een geplande vergadering kan niet naar het verleden verplaatst worden."),
            field="date",
        )
    if change.changed:
        meeting.title = title
        meeting.start_at = start_at
        meeting.end_at = end_at
        meeting.location = location
    if change.needs_new_sequence:
        meeting.ical_sequence += 1
    if change.asks_again:
        change = replace(change, answers_reset=answers.ask_again(meeting))
    return change


def _required_title(title: str) -> str:
    title = _check_text(title, TITLE_MAX, "title")
    if not title:
        raise Refusal(_l("Vul een titel in."), field="title")
    return title


def _compare(
    meeting: Meeting, *, title: str, start_at: datetime, end_at: datetime, location: str
) -> MeetingChange:
    """What changes when `meeting` gets these values (the meeting itself is not changed)."""
    return MeetingChange(
        time_changed=start_at != meeting.start_at or end_at != meeting.end_at,
        place_changed=location != meeting.location,
        title_changed=title != meeting.title,
        old_start_at=meeting.start_at,
        old_end_at=meeting.end_at,
        old_location=meeting.location,
        old_title=meeting.title,
        old_status=meeting.status,
    )


def _record_updated(user: User, meeting: Meeting, change: MeetingChange) -> None:
    parts = []
    if change.time_changed:
        parts.append(f"tijd: {_local_text(change.old_start_at)} → {_local_text(meeting.start_at)}")
    if change.place_changed:
        parts.append(f"plaats: {change.old_location or '-'} → {meeting.location or '-'}")
    if change.title_changed:
        parts.append(f"titel: {change.old_title or '-'} → {meeting.title}")
    if change.asks_again:
        parts.append(f"antwoorden opnieuw gevraagd ({change.answers_reset} vervallen)")
    audit.record(
        user,
        "meeting.update",
        meeting,
        municipality_id=meeting.municipality_id,
        summary="; ".join(parts) + _mail_note(change.mail, "bijgewerkte uitnodiging(en)"),
        details={
            "sequence": meeting.ical_sequence,
            "significant_sequence": meeting.significant_sequence,
            "answers_reset": change.answers_reset,
            **change.mail.audit_details(),
        },
    )


def _mail_note(report: MailReport, what: str) -> str:
    """'; 12 bijgewerkte uitnodiging(en) in de wachtrij; niet gemaild: ...' ('' without mail)."""
    if not report.mailed and not report.not_mailed:
        return ""
    return f"; {report.count} {what} in de wachtrij{report.audit_note()}"


def cancel_meeting(
    meeting: Meeting, *, reason: str, now: datetime, user: User | None = None
) -> MeetingChange:
    """Cancel a planned or invited meeting with a reason; raises the SEQUENCE. Does not commit."""
    _editable(meeting)
    if meeting.status is MeetingStatus.HELD:
        raise Refusal(_l("Een vergadering die plaatsvond kan niet geannuleerd worden."))
    reason = _check_text(reason, CANCEL_REASON_MAX, "reason")
    if not reason:
        raise Refusal(_l("Geef een reden voor de annulering."), field="reason")
    old_status = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.ical_sequence += 1
    db.session.flush()
    change = MeetingChange(status_changed=True, old_status=old_status)
    change = replace(change, mail=invitation_mail.queue_meeting_update(meeting, change, now=now))
    if user is not None:
        audit.record(
            user,
            "meeting.cancel",
            meeting,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title} op {_local_text(meeting.start_at)} geannuleerd: {reason}"
            + _mail_note(change.mail, "annulering(en)"),
            details={
                "sequence": meeting.ical_sequence,
                "cancelled_at": now.isoformat(),
                **change.mail.audit_details(),
            },
        )
    return change


def mark_held(meeting: Meeting, *, now: datetime, user: User | None = None) -> None:
    """Record that a planned or invited meeting took place. Does not commit.

    Only once it has started. The SEQUENCE stays: for the invitees' calendars nothing changes
    (the event neither moved nor was cancelled), so no update is sent.
    """
    _editable(meeting)
    if meeting.status is MeetingStatus.HELD:
        raise Refusal(_l("Deze vergadering staat al als gehouden geregistreerd."))
    if meeting.start_at > now:
        raise Refusal(
            _l("Een vergadering kan pas als gehouden geregistreerd worden als ze begonnen is.")
        )
    meeting.status = MeetingStatus.HELD
    db.session.flush()
    if user is not None:
        audit.record(
            user,
            "meeting.held",
            meeting,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title} op {_local_text(meeting.start_at)} gehouden",
        )


def _local_text(value: datetime | None) -> str:
    if value is None:
        return "-"
    return f"{value.astimezone(BRUSSELS):%d/%m/%Y %H:%M}"


# --- agenda -------------------------------------------------------------------------------


@dataclass
class AgendaItemData:
    title: str
    duration_minutes: int = 15
    presenter: str = ""
    notes: str = ""
    theme: Theme | None = None
    # A joint meeting's item: the ids of the municipalities it is for (all of them or none:
    # for all); None leaves the item's marks as they are.
    municipality_ids: tuple[int, ...] | None = None


def _mark_item(item: AgendaItem, meeting: Meeting, data: AgendaItemData) -> None:
    if data.municipality_ids is not None:
        item.municipalities = joint.item_municipalities(meeting, data.municipality_ids)


def _check_item(data: AgendaItemData, meeting: Meeting) -> AgendaItemData:
    title = _required_title(data.title)
    if data.theme is not None and data.theme.platform_id != meeting.municipality.platform_id:
        raise Refusal(_l("Kies een thema van de eigen themalijst."), field="theme")
    if not 0 <= data.duration_minutes <= MAX_DURATION_MINUTES:
        raise Refusal(
            _l("De duur ligt tussen 0 en %(max)d minuten.", max=MAX_DURATION_MINUTES),
            field="duration_minutes",
        )
    return AgendaItemData(
        title=title,
        duration_minutes=data.duration_minutes,
        presenter=_check_text(data.presenter, PRESENTER_MAX, "presenter"),
        notes=_check_text(data.notes, NOTES_MAX, "notes"),
        theme=data.theme,
        municipality_ids=data.municipality_ids,
    )


def _renumber(items: Sequence[AgendaItem]) -> None:
    for index, item in enumerate(items):
        item.position = index


def add_agenda_item(
    meeting: Meeting, data: AgendaItemData, *, user: User | None = None
) -> AgendaItem:
    """Add an item before the closing items (varia, next meeting). Does not commit."""
    _editable(meeting)
    data = _check_item(data, meeting)
    items = meeting.agenda_items
    insert_at = len(items)
    while insert_at > 0 and items[insert_at - 1].kind in _CLOSING_KINDS:
        insert_at -= 1
    item = AgendaItem(
        title=data.title,
        duration_minutes=data.duration_minutes,
        presenter=data.presenter,
        notes=data.notes,
        theme=data.theme,
        kind=AgendaItemKind.THEME if data.theme is not None else AgendaItemKind.OTHER,
    )
    _mark_item(item, meeting, data)
    items.insert(insert_at, item)
    _renumber(items)
    db.session.flush()
    if user is not None:
        audit.record(
            user,
            "agenda_item.create",
            item,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: {item.title}",
        )
    follow_agenda(meeting, user=user)
    return item


def update_agenda_item(
    item: AgendaItem,
    data: AgendaItemData,
    *,
    user: User | None = None,
    expected_version: int | None = None,
) -> AgendaItem:
    """Change an item's title, theme, presenter, duration and notes. Does not commit."""
    _editable(item.meeting)
    with versioned_edit(item, expected_version):
        data = _check_item(data, item.meeting)
        item.title = data.title
        item.duration_minutes = data.duration_minutes
        item.presenter = data.presenter
        item.notes = data.notes
        item.theme = data.theme
        _mark_item(item, item.meeting, data)
        if data.theme is not None and item.kind is AgendaItemKind.OTHER:
            item.kind = AgendaItemKind.THEME
    if user is not None:
        audit.record(
            user,
            "agenda_item.update",
            item,
            municipality_id=item.meeting.municipality_id,
            summary=f"{item.meeting.title}: {item.title}",
        )
    follow_agenda(item.meeting, user=user)
    return item


def remove_agenda_item(item: AgendaItem, *, user: User | None = None) -> None:
    """Remove an item and close the gap in the numbering. Does not commit."""
    meeting = item.meeting
    _editable(meeting)
    title = item.title
    item_id = item.id
    meeting.agenda_items.remove(item)
    _renumber(meeting.agenda_items)
    db.session.flush()
    if user is not None:
        audit.record(
            user,
            "agenda_item.delete",
            meeting,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: {title} verwijderd",
            details={"agenda_item_id": item_id},
        )
    follow_agenda(meeting, user=user)


def reorder_agenda(
    meeting: Meeting,
    ordered_ids: Sequence[int],
    *,
    user: User | None = None,
    expected_versions: Mapping[int, int] | None = None,
) -> None:
    """Put the agenda in the order of `ordered_ids`, which must name exactly its items.

    Refuses (Refusal) ids of another meeting, duplicates and missing items: the last
    happens when the agenda changed since the page was loaded. `expected_versions` are the
    versions of the items the page showed ({id: version}): an order made on an agenda that
    changed since is an `EditConflict`. Does not commit.
    """
    _editable(meeting)
    items = list(meeting.agenda_items)
    shown = [
        (item, None if expected_versions is None else expected_versions.get(item.id, 0))
        for item in items
    ]
    _check_order({item.id for item in items}, ordered_ids)
    with versioned_edits(shown):
        by_id = {item.id: item for item in items}
        for position, item_id in enumerate(ordered_ids):
            by_id[item_id].position = position
        meeting.agenda_items.sort(key=lambda item: item.position)
    if user is not None:
        audit.record(
            user,
            "agenda.reorder",
            meeting,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: volgorde van de agenda gewijzigd",
            details={"order": list(ordered_ids)},
        )


def _check_order(item_ids: set[int], ordered_ids: Sequence[int]) -> None:
    if any(item_id not in item_ids for item_id in ordered_ids):
        raise Refusal(
            _l("De nieuwe volgorde noemt agendapunten die niet bij deze vergadering horen."),
            field="order",
        )
    if len(set(ordered_ids)) != len(ordered_ids):
        raise Refusal(_l("De nieuwe volgorde noemt een agendapunt meer dan eens."), field="order")
    if set(ordered_ids) != item_ids:
        raise Refusal(
            _l("De agenda is intussen gewijzigd. Laad de pagina opnieuw en probeer nog eens."),
            field="order",
        )


def moved_order(items: Sequence[AgendaItem], item_id: int, offset: int) -> list[int] | None:
    """The id order after moving one item `offset` places (None when it cannot move)."""
    ids = [item.id for item in items]
    if item_id not in ids:
        return None
    index = ids.index(item_id)
    target = index + offset
    if not 0 <= target < len(ids):
        return None
    ids.insert(target, ids.pop(index))
    return ids


# --- invitees -----------------------------------------------------------------------------


def add_invitee(
    meeting: Meeting, contact: Contact, role: InviteeRole, *, user: User | None = None
) -> Invitation:
    """Invite a contact with a role; refuses a contact who is already invited. Does not commit."""
    _editable(meeting)
    if contact.archived_at is not None or contact.erased_at is not None:
        raise Refusal(_l("Deze contactpersoon is gearchiveerd."), field="contact_id")
    if any(inv.contact_id == contact.id for inv in meeting.invitations):
        raise Refusal(_l("%(name)s is al uitgenodigd.", name=contact.full_name), field="contact_id")
    invitation = Invitation(contact=contact, role=role)
    meeting.invitations.append(invitation)
    db.session.flush()
    mail = invitation_mail.queue_invitee_added(invitation, now=utcnow())
    if user is not None:
        audit.record(
            user,
            "invitation.create",
            invitation,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: {contact.full_name} uitgenodigd ({role})"
            + _mail_note(mail, "uitnodiging(en)"),
        )
    return invitation


def change_invitee_role(
    invitation: Invitation,
    role: InviteeRole,
    *,
    user: User | None = None,
    expected_version: int | None = None,
) -> bool:
    """Change an invitee's role; returns whether it changed. Does not commit."""
    meeting = invitation.meeting
    _editable(meeting)
    with versioned_edit(invitation, expected_version):
        if invitation.role is role:
            return False
        old = invitation.role
        invitation.role = role
    if user is not None:
        audit.record(
            user,
            "invitation.update",
            invitation,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: {invitation.display_name} {old} → {role}",
        )
    return True


def remove_invitee(invitation: Invitation, *, user: User | None = None) -> MailReport:
    """Take someone off the invitee list; the report says whether their cancellation went out.

    Someone whose attendance is already recorded stays: the minutes refer to them. Does not
    commit.
    """
    meeting = invitation.meeting
    _editable(meeting)
    if invitation.attendance is not None:
        raise Refusal(
            _l("Deze persoon staat al op de aanwezigheidslijst en kan niet verwijderd worden.")
        )
    name = invitation.display_name
    invitation_id = invitation.id
    mail = invitation_mail.queue_invitee_removed(invitation, now=utcnow())
    meeting.invitations.remove(invitation)
    db.session.flush()
    if user is not None:
        audit.record(
            user,
            "invitation.delete",
            meeting,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: {name} niet langer uitgenodigd"
            + _mail_note(mail, "annulering(en)"),
            details={"invitation_id": invitation_id},
        )
    return mail


def follow_agenda(meeting: Meeting, *, user: User | None = None) -> theme_invitees.Followed:
    """Invite the people the themes on the agenda bring and withdraw those no theme asks for
    any more (overleg.meetings.theme_invitees). Does not commit."""
    followed = theme_invitees.Followed()
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.INVITED):
        return followed
    wanted = theme_invitees.wanted(meeting)
    brought = theme_invitees.brought(meeting)
    invited = {i.contact_id: i for i in meeting.invitations if i.contact_id is not None}
    for invitation in list(meeting.invitations):
        theme_id = brought.get(invitation.id)
        keep = invitation.contact_id in wanted or invitation.attendance is not None
        if theme_id is not None and not keep:
            followed.withdrawn.append(invitation.display_name)
            remove_invitee(invitation, user=user)
    for contact_id, person in wanted.items():
        if contact_id not in invited:
            invitation = add_invitee(meeting, person.contact, person.role, user=user)
            db.session.add(ThemeInvitation(invitation_id=invitation.id, theme_id=person.theme_id))
            followed.added.append(person.contact.full_name)
    db.session.flush()
    return followed


# --- conflicts ----------------------------------------------------------------------------


class ConflictKind(enum.StrEnum):
    PUBLIC_HOLIDAY = "public_holiday"
    FLEMISH_HOLIDAY = "flemish_holiday"
    SCHOOL_HOLIDAY = "school_holiday"
    OVERLAP = "overlap"


@dataclass(frozen=True)
class OtherMeeting:
    """What a conflict shows of the other meeting: a few columns, not the ORM row (with its
    municipality), so that a busy day's many overlaps cost little each."""

    id: int
    title: str
    start_at: datetime
    end_at: datetime
    municipality_id: int
    platform_id: int  # the other municipality's: who may open the meeting depends on it


@dataclass(frozen=True)
class Conflict:
    """A reason to think twice about a meeting's date; it does not block saving."""

    kind: ConflictKind
    day: date | None = None
    name: str = ""  # the holiday's name
    other_meeting: OtherMeeting | None = None
    contacts: tuple[Contact, ...] = field(default_factory=tuple)

    @property
    def contact_names(self) -> str:
        """The shared required invitees' names, as the warning lists them."""
        return ", ".join(contact.full_name for contact in self.contacts)


def _local_days(start_at: datetime, end_at: datetime) -> list[date]:
    first = start_at.astimezone(BRUSSELS).date()
    last = (end_at - timedelta(microseconds=1)).astimezone(BRUSSELS).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_conflicts(
    start_at: datetime, end_at: datetime, rules: CalendarRules | None = None
) -> list[Conflict]:
    """Holidays (public, 11 July, school) on the Brussels days the time span covers."""
    conflicts = []
    for day in _local_days(start_at, end_at):
        blocked: Iterable[BlockedDay] = reasons_to_avoid(day, rules)
        for entry in blocked:
            conflicts.append(Conflict(kind=ConflictKind(str(entry.kind)), day=day, name=entry.name))
    return conflicts


def overlap_conflicts(meeting: Meeting) -> list[Conflict]:
    """Other non-cancelled meetings at an overlapping time that share a required invitee.

    An invitee is required with the role required or chair, in both meetings; contacts are
    compared by id. Meetings of every municipality count (one person serves many), so the caller
    decides how much of another municipality's meeting it may show.
    """
    contacts = _required_contacts(meeting)
    if not contacts:
        return []
    shared: dict[int, tuple[OtherMeeting, list[Contact]]] = {}
    for other, contact_id in _overlapping_invitations(meeting, set(contacts)):
        shared.setdefault(other.id, (other, []))[1].append(contacts[contact_id])
    return [
        Conflict(
            kind=ConflictKind.OVERLAP,
            day=other.start_at.astimezone(BRUSSELS).date(),
            other_meeting=other,
            contacts=tuple(sorted(people, key=lambda c: (c.last_name, c.first_name))),
        )
        for other, people in shared.values()
    ]


def _required_contacts(meeting: Meeting) -> dict[int | None, Contact]:
    """The meeting's required invitees (role required or chair) by contact id."""
    return {
        inv.contact_id: inv.contact
        for inv in meeting.invitations
        if inv.contact_id is not None and inv.contact is not None and inv.role in REQUIRED_ROLES
    }


def _overlapping_invitations(
    meeting: Meeting, contact_ids: set[int | None]
) -> list[tuple[OtherMeeting, int | None]]:
    """(other meeting, contact id) for each of these people required at another non-cancelled
    meeting at an overlapping time, by the other meeting's start.

    The meetings at that time first, found by their start through its index (no meeting lasts
    longer than MAX_MEETING_LENGTH), then their invitations of these people: a contact invited
    to every meeting (the agency's) would otherwise make the database visit all their
    invitations. Only the columns a conflict shows are read.
    """
    overlapping = sa.select(Meeting.id).where(
        Meeting.id != meeting.id,
        Meeting.status != MeetingStatus.CANCELLED,
        Meeting.start_at > meeting.start_at - MAX_MEETING_LENGTH,
        Meeting.start_at < meeting.end_at,
        Meeting.end_at > meeting.start_at,
    )
    rows = db.session.execute(
        sa.select(
            Meeting.id,
            Meeting.title,
            Meeting.start_at,
            Meeting.end_at,
            Meeting.municipality_id,
            Municipality.platform_id,
            Invitation.contact_id,
        )
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .join(Municipality, Municipality.id == Meeting.municipality_id)
        .where(
            Invitation.meeting_id.in_(overlapping),
            Invitation.contact_id.in_(contact_ids),
            Invitation.role.in_(list(REQUIRED_ROLES)),
        )
        .order_by(Meeting.start_at, Meeting.id)
    )
    return [(OtherMeeting(*row[:6]), row[6]) for row in rows]


def meeting_conflicts(meeting: Meeting, rules: CalendarRules | None = None) -> list[Conflict]:
    """Every warning for this meeting: holidays on its days and overlaps with shared invitees.

    A cancelled meeting has no conflicts.
    """
    if meeting.status is MeetingStatus.CANCELLED:
        return []
    return day_conflicts(meeting.start_at, meeting.end_at, rules) + overlap_conflicts(meeting)


# --- queries for the pages ----------------------------------------------------------------


def visible_meetings(
    user: User,
    *,
    municipality_id: int | None = None,
    year: int | None = None,
    status: MeetingStatus | None = None,
) -> sa.Select[Meeting]:
    """The meetings `user` may see, filtered, newest first, municipality loaded eagerly."""
    statement = (
        sa.select(Meeting)
        .where(meeting_filter(user))
        .options(selectinload(Meeting.municipality))
        .order_by(Meeting.start_at.desc(), Meeting.id.desc())
    )
    if municipality_id is not None:
        statement = statement.where(meeting_of_municipality(municipality_id))
    if year is not None:
        start, end = year_bounds(year)
        statement = statement.where(Meeting.start_at >= start, Meeting.start_at < end)
    if status is not None:
        statement = statement.where(Meeting.status == status)
    return statement


class MunicipalityChoice(NamedTuple):
    id: int
    slug: str
    name: str


def municipality_choices(user: User) -> list[MunicipalityChoice]:
    """Id, slug and name of the municipalities `user` may see, by name (the meeting list's
    filter). Plain rows, not ORM objects: a large platform has hundreds of municipalities."""
    rows = db.session.execute(
        sa.select(Municipality.id, Municipality.slug, Municipality.name)
        .where(municipality_filter(user, Municipality.id))
        .order_by(Municipality.name)
    )
    return [MunicipalityChoice(*row) for row in rows]


def invitation_counts(meeting_ids: Sequence[int]) -> dict[int, int]:
    """Number of invitees per meeting, in one query."""
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        sa.select(Invitation.meeting_id, sa.func.count(Invitation.id))
        .where(Invitation.meeting_id.in_(list(meeting_ids)))
        .group_by(Invitation.meeting_id)
    )
    return {meeting_id: count for meeting_id, count in rows}


def _meeting_page_statement(meeting_id: int) -> sa.Select[Meeting]:
    return (
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            selectinload(Meeting.municipality),
            selectinload(Meeting.partners),
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.theme),
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.municipalities),
            selectinload(Meeting.invitations)
            .selectinload(Invitation.contact)
            .selectinload(Contact.organisation),
        )
        .execution_options(populate_existing=True)
    )


def load_meeting_page(meeting_id: int) -> Meeting:
    """The meeting with everything its page shows, in a constant number of queries."""
    return db.session.scalars(_meeting_page_statement(meeting_id)).one()


def find_meeting_page(meeting_id: int) -> Meeting | None:
    """`load_meeting_page`, or None when there is no such meeting. Load this before
    `get_meeting(...)` authorises: that then finds the meeting (and its municipality) in the
    session instead of loading them a second time."""
    return db.session.scalars(_meeting_page_statement(meeting_id)).one_or_none()


_ROLE_ORDER = {
    InviteeRole.CHAIR: 0,
    InviteeRole.SECRETARY: 1,
    InviteeRole.REQUIRED: 2,
    InviteeRole.OPTIONAL: 3,
}


def sorted_invitations(meeting: Meeting) -> list[Invitation]:
    """Chair and secretary first, then by organisation and name."""

    def key(inv: Invitation) -> tuple[int, str, str]:
        organisation = inv.contact.organisation.name if inv.contact else inv.guest_organisation
        last = inv.contact.last_name if inv.contact else inv.guest_name
        return (_ROLE_ORDER.get(inv.role, 9), organisation.lower(), last.lower())

    return sorted(meeting.invitations, key=key)


def suggested_contacts(meeting: Meeting) -> list[Contact]:
    """Active contacts of organisations serving the meeting's municipality, not yet invited."""
    invited = sa.select(Invitation.contact_id).where(
        Invitation.meeting_id == meeting.id, Invitation.contact_id.is_not(None)
    )
    return list(
        db.session.scalars(
            sa.select(Contact)
            .join(Organisation, Organisation.id == Contact.organisation_id)
            .join(
                organisation_municipality,
                organisation_municipality.c.organisation_id == Organisation.id,
            )
            .where(
                organisation_municipality.c.municipality_id == meeting.municipality_id,
                Organisation.archived_at.is_(None),
                Contact.archived_at.is_(None),
                Contact.erased_at.is_(None),
                Contact.id.not_in(invited),
            )
            .options(selectinload(Contact.organisation))
            .order_by(Organisation.name, Contact.last_name, Contact.first_name)
        )
    )


def search_contacts(user: User, meeting: Meeting, text: str, limit: int = 25) -> list[Contact]:
    """Active contacts the user may see whose name, email or organisation matches `text`."""
    text = text.strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    invited = sa.select(Invitation.contact_id).where(
        Invitation.meeting_id == meeting.id, Invitation.contact_id.is_not(None)
    )
    full_name = Contact.first_name + " " + Contact.last_name
    return list(
        db.session.scalars(
            sa.select(Contact)
            .join(Organisation, Organisation.id == Contact.organisation_id)
            .where(
                visible_contacts_filter(user),
                Contact.archived_at.is_(None),
                Contact.id.not_in(invited),
                sa.or_(
                    full_name.ilike(pattern, escape="\\"),
                    Contact.email.ilike(pattern, escape="\\"),
                    Organisation.name.ilike(pattern, escape="\\"),
                ),
            )
            .options(selectinload(Contact.organisation))
            .order_by(Contact.last_name, Contact.first_name)
            .limit(limit)
        )
    )


def invitable_contact(user: User, meeting: Meeting, contact_id: int) -> Contact | None:
    """The contact with this id if the user may invite them to this meeting, else None."""
    return db.session.scalar(
        sa.select(Contact)
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .where(
            Contact.id == contact_id,
            visible_contacts_filter(user),
            Organisation.platform_id == meeting.municipality.platform_id,
        )
    )
