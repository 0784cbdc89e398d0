"""Minutes: attendance register, notes, decisions, action points, workflow and distribution.

The rules live here, without HTTP. None of these functions commits: they change the caller's
session, record audit entries in the same transaction and flush, so that the request's commit
point (or the CLI) commits it all at once. A change the rules refuse raises `Refusal`.

Workflow: draft -> circulated (to the invitees for remarks) -> approved (at the next meeting, by the
coordinator or the municipality's secretary). Circulating and approving freeze the PDF of that
moment in a `MinutesVersion` with its SHA-256; approved minutes are locked. A correction reopens
them (reason required) and the next approval stores a new version: the history keeps every one.

No lost work: `Minutes.version` is SQLAlchemy's version counter (every UPDATE checks it); the
editor also carries the version it was loaded with, and `check_version` refuses a save made on an
older version with `MinutesConflict`, so the second of two editors gets a conflict page instead of
silently overwriting the first. A save that raced past that check (another transaction committed
in between) fails at the flush and is the same `MinutesConflict`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from itertools import groupby
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from overleg.audit import services as audit
from overleg.documents import services as meeting_documents
from overleg.extensions import db
from overleg.lib.dates import long_date, to_local
from overleg.lib.pdf import (
    RenderedPdf,
    platform_resources,
    render_html_to_pdf,
    render_pdf_html,
)
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.messages import Attachment, HeaderInjectionError, build_message, one_line
from overleg.mail.report import MailReport, Reason
from overleg.mail.settings import MailSettings, mailable_contact, sender_for
from overleg.meetings import joint
from overleg.minutes.documents import minutes_pdf_filename
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    AgendaItem,
    AgendaItemKind,
    AgendaItemNote,
    Attendance,
    AuditEntry,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    MinutesVersion,
    Municipality,
    Organisation,
    PublicItem,
    StandingInvitee,
    User,
    organisation_municipality,
)

# Limits (the columns are TEXT; these keep pages and PDFs reasonable and give a clear message).
DISCUSSION_MAX = 20_000
DECISIONS_MAX = 5_000
ACTION_MAX = 1_000
FOLLOW_UP_NOTE_MAX = 1_000
REASON_MAX = 1_000
GUEST_NAME_MAX = 200
MAX_ACTION_POINTS = 300  # per meeting

P = ParamSpec("P")
T = TypeVar("T")


class MinutesConflict(Refusal):
    """The minutes changed since the editor loaded them (another user saved in between).

    A refusal like any other (rolled back, its message shown), about the form's hidden `version`
    field; the editor pages answer it with their conflict page. `current_version` is the stored
    version, None when the save raced past the check and the stored one is not known yet.
    """

    def __init__(self, current_version: int | None) -> None:
        super().__init__(
            _l(
                "Iemand anders heeft het verslag intussen gewijzigd. Bekijk de laatste versie en "
                "probeer opnieuw."
            ),
            field="version",
        )
        self.current_version = current_version


# --- reading ------------------------------------------------------------------------------


def get_minutes(meeting: Meeting) -> Minutes | None:
    return db.session.scalar(
        sa.select(Minutes)
        .where(Minutes.meeting_id == meeting.id)
        .options(selectinload(Minutes.notes), selectinload(Minutes.versions))
    )


def ensure_minutes(meeting: Meeting, *, user: User | None = None) -> Minutes:
    """The meeting's minutes, created as an empty draft the first time (refused when cancelled)."""
    minutes = get_minutes(meeting)
    if minutes is not None:
        return minutes
    _refuse_cancelled(meeting)
    minutes = Minutes(
        meeting=meeting,
        status=MinutesStatus.DRAFT,
        chair_invitation_id=_role_holder(meeting, InviteeRole.CHAIR),
        minute_taker_invitation_id=_role_holder(meeting, InviteeRole.SECRETARY),
    )
    db.session.add(minutes)
    db.session.flush()
    audit.record(
        user,
        "minutes.create",
        minutes,
        municipality_id=meeting.municipality_id,
        summary=f"Verslag gestart: {meeting.title}",
    )
    return minutes


def _role_holder(meeting: Meeting, role: InviteeRole) -> int | None:
    """The invitation of the meeting's invitee with this role (chair, secretary), if exactly one:
    the minutes start with them as chair and minute taker."""
    holders = [i.id for i in meeting.invitations if i.role is role and not i.is_guest]
    return holders[0] if len(holders) == 1 else None


def _other_meetings(meeting: Meeting) -> sa.Select[Meeting]:
    """The municipality's meetings that were not cancelled (this one included)."""
    return sa.select(Meeting).where(
        Meeting.municipality_id == meeting.municipality_id,
        Meeting.status != MeetingStatus.CANCELLED,
    )


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The municipality's last meeting before this one that was not cancelled."""
    return db.session.scalar(
        _other_meetings(meeting)
        .where(Meeting.start_at < meeting.start_at)
        .order_by(Meeting.start_at.desc())
        .limit(1)
    )


def later_meetings(meeting: Meeting, *, limit: int) -> list[Meeting]:
    """The municipality's first `limit` meetings after this one that were not cancelled."""
    return list(
        db.session.scalars(
            _other_meetings(meeting)
            .where(Meeting.start_at > meeting.start_at)
            .order_by(Meeting.start_at)
            .limit(limit)
        )
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    """The municipality's first meeting after this one that was not cancelled."""
    return next(iter(later_meetings(meeting, limit=1)), None)


def action_points_of(meeting: Meeting) -> list[ActionPoint]:
    """The action points decided at this meeting, in agenda order."""
    return list(
        db.session.scalars(
            sa.select(ActionPoint)
            .where(ActionPoint.meeting_id == meeting.id)
            .options(
                joinedload(ActionPoint.owner_organisation),
                joinedload(ActionPoint.owner_contact).joinedload(Contact.organisation),
            )
            .order_by(ActionPoint.id)
        )
    )


def follow_up_points(meeting: Meeting, municipality_id: int | None = None) -> list[ActionPoint]:
    """Action points of the municipality's earlier meetings to follow up at this meeting (the
    host's, or those of `municipality_id`, one of a joint meeting's municipalities).

    Those still open, and those closed at this meeting (so the minutes show what was closed).
    """
    return list(
        db.session.scalars(
            sa.select(ActionPoint)
            .join(Meeting, ActionPoint.meeting_id == Meeting.id)
            .where(
                ActionPoint.municipality_id == (municipality_id or meeting.municipality_id),
                Meeting.start_at < meeting.start_at,
                sa.or_(
                    ActionPoint.status == ActionPointStatus.OPEN,
                    ActionPoint.closed_at_meeting_id == meeting.id,
                ),
            )
            .options(
                joinedload(ActionPoint.meeting),
                joinedload(ActionPoint.owner_organisation),
                joinedload(ActionPoint.owner_contact).joinedload(Contact.organisation),
            )
            .order_by(Meeting.start_at, ActionPoint.id)
        )
    )


def owner_choices(meeting: Meeting) -> list[tuple[str, str]]:
    """("org:ID" / "contact:ID", label) of who may own an action point: the organisations that
    serve the municipality and their contacts, plus the meeting's invitees."""
    organisations = list(
        db.session.scalars(
            sa.select(Organisation)
            .join(
                organisation_municipality,
                organisation_municipality.c.organisation_id == Organisation.id,
            )
            .where(
                organisation_municipality.c.municipality_id == meeting.municipality_id,
                Organisation.archived_at.is_(None),
            )
            .options(selectinload(Organisation.contacts))
            .order_by(Organisation.name)
        )
    )
    choices: list[tuple[str, str]] = [("", _("— niemand aangeduid —"))]
    seen_contacts: set[int] = set()
    for organisation in organisations:
        choices.append((f"org:{organisation.id}", organisation.name))
        for contact in organisation.contacts:
            if contact.archived_at is None and contact.erased_at is None:
                seen_contacts.add(contact.id)
                choices.append(
                    (f"contact:{contact.id}", f"{contact.full_name} ({organisation.name})")
                )
    for invitation in meeting.invitations:
        invitee = invitation.contact
        if invitee is not None and invitee.id not in seen_contacts and invitee.erased_at is None:
            seen_contacts.add(invitee.id)
            choices.append((f"contact:{invitee.id}", f"{invitee.full_name} ({_org(invitee)})"))
    return choices


def _org(contact: Contact) -> str:
    return contact.organisation.name if contact.organisation else ""


def owner_key(point: ActionPoint) -> str:
    if point.owner_contact_id:
        return f"contact:{point.owner_contact_id}"
    if point.owner_organisation_id:
        return f"org:{point.owner_organisation_id}"
    return ""


def owner_label(point: ActionPoint) -> str:
    if point.owner_contact is not None and point.owner_contact.erased_at is None:
        return f"{point.owner_contact.full_name} ({_org(point.owner_contact)})"
    if point.owner_organisation is not None:
        return point.owner_organisation.name
    return ""


def last_change(minutes: Minutes) -> AuditEntry | None:
    """The most recent audit entry about these minutes (who saved last, and when)."""
    return db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "Minutes", AuditEntry.object_id == minutes.id)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )


# --- guards -------------------------------------------------------------------------------


def _refuse_cancelled(meeting: Meeting) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refusal(
            _l(
                "Deze vergadering is geannuleerd: er kan geen verslag voor worden opgemaakt of "
                "bewaard."
            )
        )


def check_editable(minutes: Minutes) -> None:
    """Refuse changes to minutes of a cancelled meeting and to approved (locked) minutes."""
    _refuse_cancelled(minutes.meeting)
    if minutes.status is MinutesStatus.APPROVED:
        raise Refusal(
            _l(
                "Dit verslag is goedgekeurd en daardoor vergrendeld. Start een correctie om het "
                "nog te wijzigen."
            )
        )


def check_version(minutes: Minutes, expected_version: int | None) -> None:
    """Raise `MinutesConflict` when the editor's version is not the stored one."""
    if expected_version is None or expected_version != minutes.version:
        raise MinutesConflict(minutes.version)


def conflict_when_raced(change: Callable[P, T]) -> Callable[P, T]:
    """A change of the minutes whose UPDATE finds another version stored than the one it checked
    (another transaction committed in between) is a `MinutesConflict`, like a stale editor."""

    @functools.wraps(change)
    def checked(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return change(*args, **kwargs)
        except StaleDataError:
            raise MinutesConflict(None) from None

    return checked


def record_change(
    minutes: Minutes,
    action: str,
    summary: str,
    *,
    user: User | None,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Close a change of the minutes: dirty the row (so its UPDATE checks and raises the version
    counter), record the change in the audit trail and flush, so a race surfaces here."""
    minutes.updated_at = now
    audit.record(
        user,
        action,
        minutes,
        municipality_id=minutes.meeting.municipality_id,
        summary=summary,
        details=details,
    )
    db.session.flush()


def _text(value: str | None, limit: int, label: LazyString, field_name: str) -> str:
    """The text as stored (trimmed, Unix line ends, without NUL), refused when too long."""
    # NUL cannot be stored by PostgreSQL and means nothing in a note: drop it.
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise Refusal(
            _l(
                "%(label)s is te lang: %(length)s tekens, hoogstens %(limit)s.",
                label=label,
                length=len(value),
                limit=limit,
            ),
            field=field_name,
        )
    return value


# --- attendance register ------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceData:
    invitation_id: int
    attendance: Attendance | None


def _refuse_unknown_person(by_id: dict[int, Invitation], chosen: int | None, field: str) -> None:
    if chosen is not None and chosen not in by_id:
        raise Refusal(_l("Kies iemand die op deze vergadering stond."), field=field)


@conflict_when_raced
def save_attendance(
    minutes: Minutes,
    entries: Iterable[AttendanceData],
    *,
    chair_invitation_id: int | None,
    minute_taker_invitation_id: int | None,
    expected_version: int | None,
    user: User | None,
    now: datetime,
) -> int:
    """Record present / excused / absent per invitee and who chaired and took the minutes.

    Returns how many invitations changed.
    """
    check_editable(minutes)
    check_version(minutes, expected_version)
    meeting = minutes.meeting
    by_id = {invitation.id: invitation for invitation in meeting.invitations}
    _refuse_unknown_person(by_id, chair_invitation_id, "chair")
    _refuse_unknown_person(by_id, minute_taker_invitation_id, "minute_taker")
    changed = 0
    for entry in entries:
        invitation = by_id.get(entry.invitation_id)
        if invitation is not None and invitation.attendance != entry.attendance:
            invitation.attendance = entry.attendance
            changed += 1
    minutes.chair_invitation_id = chair_invitation_id
    minutes.minute_taker_invitation_id = minute_taker_invitation_id
    record_change(
        minutes,
        "minutes.attendance",
        f"Aanwezigheden geregistreerd: {meeting.title}",
        user=user,
        now=now,
        details={"changed": changed},
    )
    return changed


def _substituted(meeting: Meeting, substitute_for_id: int | None) -> Invitation | None:
    """The invitee a substitute stands in for (None for a guest), marked excused."""
    if substitute_for_id is None:
        return None
    invitation = next((i for i in meeting.invitations if i.id == substitute_for_id), None)
    if invitation is None:
        raise Refusal(_l("Kies een genodigde van deze vergadering."), field="substitute_for")
    if invitation.attendance is None or invitation.attendance is Attendance.PRESENT:
        invitation.attendance = Attendance.EXCUSED
    return invitation


@conflict_when_raced
def add_guest(
    minutes: Minutes,
    *,
    name: str,
    organisation: str = "",
    substitute_for_id: int | None = None,
    user: User | None,
    now: datetime,
) -> Invitation:
    """Add a person who was present without an invitation, or as substitute for an invitee."""
    check_editable(minutes)
    meeting = minutes.meeting
    name = _text(name, GUEST_NAME_MAX, _l("De naam"), "name")
    organisation = _text(organisation, GUEST_NAME_MAX, _l("De organisatie"), "organisation")
    if not name:
        raise Refusal(_l("Vul de naam in."), field="name")
    substitute_for = _substituted(meeting, substitute_for_id)
    if substitute_for is not None and not organisation and substitute_for.contact is not None:
        organisation = _org(substitute_for.contact)
    guest = Invitation(
        meeting=meeting,
        contact=None,
        role=InviteeRole.OPTIONAL,
        is_guest=True,
        guest_name=name,
        guest_organisation=organisation,
        attendance=Attendance.PRESENT,
        substitute_for=substitute_for,
    )
    db.session.add(guest)
    record_change(
        minutes,
        "minutes.guest_add",
        (
            f"Vervanger toegevoegd: {name} voor {substitute_for.display_name}"
            if substitute_for
            else f"Gast toegevoegd: {name}"
        ),
        user=user,
        now=now,
    )
    return guest


@conflict_when_raced
def remove_guest(minutes: Minutes, guest: Invitation, *, user: User | None, now: datetime) -> None:
    check_editable(minutes)
    if not guest.is_guest or guest.meeting_id != minutes.meeting_id:
        raise Refusal(_l("Alleen gasten en vervangers kunnen hier verwijderd worden."))
    if minutes.chair_invitation_id == guest.id:
        minutes.chair_invitation_id = None
    if minutes.minute_taker_invitation_id == guest.id:
        minutes.minute_taker_invitation_id = None
    db.session.delete(guest)
    record_change(
        minutes, "minutes.guest_remove", f"Gast verwijderd: {guest.guest_name}", user=user, now=now
    )


# --- notes, decisions, action points ------------------------------------------------------


@dataclass(frozen=True)
class NoteData:
    agenda_item_id: int
    discussion: str = ""
    decisions: str = ""


@dataclass(frozen=True)
class ActionPointData:
    id: int | None
    description: str
    agenda_item_id: int | None = None
    owner: str = ""  # "org:ID", "contact:ID" or ""
    due_date: date | None = None
    status: ActionPointStatus = ActionPointStatus.OPEN
    delete: bool = False


@dataclass(frozen=True)
class FollowUpData:
    action_point_id: int
    status: ActionPointStatus
    note: str = ""


@dataclass
class SaveResult:
    notes_changed: int = 0
    points_added: int = 0
    points_changed: int = 0
    points_removed: int = 0
    follow_ups_changed: int = 0
    changes: list[str] = field(default_factory=list)


@conflict_when_raced
def save_minutes(
    minutes: Minutes,
    *,
    notes: Sequence[NoteData],
    action_points: Sequence[ActionPointData] = (),
    follow_ups: Sequence[FollowUpData] = (),
    expected_version: int | None,
    user: User | None,
    now: datetime,
) -> SaveResult:
    """Save the discussion and decisions per agenda item, the meeting's action points and the
    follow-up of earlier action points, as one change of the minutes."""
    check_editable(minutes)
    check_version(minutes, expected_version)
    meeting = minutes.meeting
    # A confidential item's notes are written on its own page (minutes.confidential), never here.
    item_ids = {item.id for item in meeting.agenda_items if not item.confidential}
    result = SaveResult(notes_changed=_save_notes(minutes, notes, item_ids))
    _ActionPointsEditor(meeting, item_ids, result, now).save(action_points)
    result.follow_ups_changed = _save_follow_ups(meeting, follow_ups, now)
    record_change(
        minutes,
        "minutes.update",
        f"Verslag bewaard: {meeting.title}",
        user=user,
        now=now,
        details={
            "notes_changed": result.notes_changed,
            "points_added": result.points_added,
            "points_changed": result.points_changed,
            "points_removed": result.points_removed,
            "follow_ups_changed": result.follow_ups_changed,
        },
    )
    return result


def _save_notes(minutes: Minutes, notes: Sequence[NoteData], item_ids: set[int]) -> int:
    """Store the discussion and decisions per agenda item; returns how many notes changed."""
    existing = {note.agenda_item_id: note for note in minutes.notes}
    changed = 0
    for data in notes:
        if data.agenda_item_id not in item_ids:  # another meeting's, or a confidential item's
            continue
        discussion = _text(data.discussion, DISCUSSION_MAX, _l("De bespreking"), "discussion")
        decisions = _text(data.decisions, DECISIONS_MAX, _l("De besluiten"), "decisions")
        note = existing.get(data.agenda_item_id)
        if note is None:
            if not discussion and not decisions:
                continue
            note = AgendaItemNote(minutes=minutes, agenda_item_id=data.agenda_item_id)
            db.session.add(note)
            existing[data.agenda_item_id] = note
        if note.discussion != discussion or note.decisions != decisions:
            note.discussion = discussion
            note.decisions = decisions
            changed += 1
    return changed


@dataclass(frozen=True)
class _PointFields:
    """An action point's fields as checked, in the order of `_PointFields.of`."""

    description: str
    agenda_item_id: int | None
    owner_organisation_id: int | None
    owner_contact_id: int | None
    due_date: date | None
    status: ActionPointStatus

    @staticmethod
    def of(point: ActionPoint) -> _PointFields:
        return _PointFields(
            point.description,
            point.agenda_item_id,
            point.owner_organisation_id,
            point.owner_contact_id,
            point.due_date,
            point.status,
        )


def _row_field(index: int) -> Callable[[str], str]:
    """The form field name of an action point row's field, as the editor names it
    ("action_points-2-description"), so a refusal lands on that row."""
    return lambda name: f"action_points-{index}-{name}"


class _ActionPointsEditor:
    """Adds, changes and removes the action points decided at one meeting."""

    def __init__(
        self, meeting: Meeting, item_ids: set[int], result: SaveResult, now: datetime
    ) -> None:
        self.meeting = meeting
        self.item_ids = item_ids
        self.result = result
        self.now = now
        self.owners = {key for key, _label in owner_choices(meeting) if key}
        self.current = {point.id: point for point in action_points_of(meeting)}
        self.kept = len(self.current)

    def save(self, rows: Sequence[ActionPointData]) -> None:
        for index, data in enumerate(rows):
            point = self.current.get(data.id) if data.id is not None else None
            if data.id is not None and point is None:
                continue  # removed in the meantime or not of this meeting
            if point is not None and data.delete:
                self._remove(point)
                continue
            fields = self._checked(data, _row_field(index), is_new=point is None)
            if fields is None:
                continue  # an empty row of the form
            if point is None:
                point = self._add(data.status)
            elif _PointFields.of(point) != fields:
                self.result.points_changed += 1
            self._apply(point, fields)

    def _checked(
        self, data: ActionPointData, row: Callable[[str], str], *, is_new: bool
    ) -> _PointFields | None:
        """The row's fields, refused (on the row's field) when they break a rule; None for an
        empty new row. A new row with an owner or a date but no description is refused, not
        dropped: what was typed would be lost without a word."""
        description = _text(data.description, ACTION_MAX, _l("Het actiepunt"), row("description"))
        if not description:
            if is_new and not data.owner and data.due_date is None:
                return None
            if is_new:
                raise Refusal(
                    _l("Beschrijf het actiepunt: er is een eigenaar of datum ingevuld."),
                    field=row("description"),
                )
            raise Refusal(
                _l("Beschrijf het actiepunt of duid het aan om te verwijderen."),
                field=row("description"),
            )
        if data.agenda_item_id is not None and data.agenda_item_id not in self.item_ids:
            raise Refusal(
                _l("Kies een agendapunt van deze vergadering."), field=row("agenda_item_id")
            )
        organisation_id, contact_id = self._owner(data.owner, row("owner"))
        return _PointFields(
            description,
            data.agenda_item_id,
            organisation_id,
            contact_id,
            data.due_date,
            data.status,
        )

    def _owner(self, owner: str, field_name: str) -> tuple[int | None, int | None]:
        """(organisation id, contact id) from "org:ID" / "contact:ID"; refused when not a choice."""
        if not owner:
            return None, None
        if owner not in self.owners:
            raise Refusal(_l("Kies een eigenaar uit de lijst."), field=field_name)
        kind, _sep, raw = owner.partition(":")
        return (int(raw), None) if kind == "org" else (None, int(raw))

    def _add(self, status: ActionPointStatus) -> ActionPoint:
        if self.kept >= MAX_ACTION_POINTS:
            raise Refusal(
                _l(
                    "Een vergadering kan hoogstens %(limit)s actiepunten hebben.",
                    limit=MAX_ACTION_POINTS,
                )
            )
        point = ActionPoint(
            municipality_id=self.meeting.municipality_id,
            meeting_id=self.meeting.id,
            status=status,
        )
        db.session.add(point)
        self.kept += 1
        self.result.points_added += 1
        return point

    def _remove(self, point: ActionPoint) -> None:
        db.session.delete(point)
        self.kept -= 1
        self.result.points_removed += 1

    def _apply(self, point: ActionPoint, fields: _PointFields) -> None:
        point.description = fields.description
        point.agenda_item_id = fields.agenda_item_id
        point.owner_organisation_id = fields.owner_organisation_id
        point.owner_contact_id = fields.owner_contact_id
        point.due_date = fields.due_date
        _set_status(point, fields.status, self.meeting, self.now)


def _save_follow_ups(meeting: Meeting, follow_ups: Sequence[FollowUpData], now: datetime) -> int:
    """Close or carry on earlier action points; returns how many changed."""
    earlier = {point.id: point for point in follow_up_points(meeting)}
    changed = 0
    for data in follow_ups:
        point = earlier.get(data.action_point_id)
        if point is None:
            continue
        note = _text(data.note, FOLLOW_UP_NOTE_MAX, _l("De opvolging"), "note")
        if point.status != data.status or point.follow_up_note != note:
            changed += 1
        point.follow_up_note = note
        _set_status(point, data.status, meeting, now)
    return changed


def _set_status(
    point: ActionPoint, status: ActionPointStatus, meeting: Meeting, now: datetime
) -> None:
    if status is ActionPointStatus.OPEN:
        point.closed_at = None
        point.closed_at_meeting_id = None
    elif point.status is ActionPointStatus.OPEN or point.closed_at is None:
        point.closed_at = now
        point.closed_at_meeting_id = meeting.id
    point.status = status


# --- the document -------------------------------------------------------------------------


@dataclass
class ItemView:
    item: PublicItem  # the public view: a confidential item shows only that it was discussed
    note: AgendaItemNote | None
    decisions: list[str]
    action_points: list[ActionPoint]


@dataclass
class AttendanceGroup:
    label: str
    by_organisation: list[tuple[str, list[str]]]

    @property
    def count(self) -> int:
        return sum(len(names) for _org, names in self.by_organisation)


def _person_label(invitation: Invitation) -> str:
    name = invitation.display_name or str(_("(gewist)"))
    if invitation.substitute_for is not None:
        other = invitation.substitute_for.display_name
        return str(_("%(name)s (vervangt %(other)s)", name=name, other=other))
    if invitation.is_guest:
        return str(_("%(name)s (gast)", name=name))
    return name


def _organisation_of(invitation: Invitation) -> str:
    if invitation.contact is not None:
        return _org(invitation.contact)
    return invitation.guest_organisation or str(_("Zonder organisatie"))


def attendance_groups(meeting: Meeting) -> list[AttendanceGroup]:
    """Present, excused, absent (and not recorded), each grouped by organisation."""
    labels: list[tuple[Attendance | None, str]] = [
        (Attendance.PRESENT, _("Aanwezig")),
        (Attendance.EXCUSED, _("Verontschuldigd")),
        (Attendance.ABSENT, _("Afwezig")),
        (None, _("Aanwezigheid niet geregistreerd")),
    ]
    groups = []
    for status, label in labels:
        people = sorted(
            (i for i in meeting.invitations if i.attendance == status),
            key=lambda i: (_organisation_of(i).lower(), (i.display_name or "").lower()),
        )
        if not people and status is None:
            continue
        by_org = [
            (organisation, [_person_label(i) for i in members])
            for organisation, members in groupby(people, key=_organisation_of)
        ]
        groups.append(AttendanceGroup(label, by_org))
    return groups


def _decision_lines(note: AgendaItemNote | None) -> list[str]:
    """The decisions of an agenda item, one per non-empty line."""
    text = note.decisions if note is not None else ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _item_views(
    items: list[AgendaItem], minutes: Minutes, points: list[ActionPoint]
) -> list[ItemView]:
    notes = {note.agenda_item_id: note for note in minutes.notes}
    per_item: dict[int | None, list[ActionPoint]] = {}
    for point in points:
        per_item.setdefault(point.agenda_item_id, []).append(point)
    # A confidential item's notes are a ConfidentialNote, never an AgendaItemNote (save_minutes
    # skips it): the document reads only the public view, with no note and no decisions.
    return [
        ItemView(item, None, [], per_item.get(item.id, []))
        if item.confidential
        else ItemView(
            item,
            notes.get(item.id),
            _decision_lines(notes.get(item.id)),
            per_item.get(item.id, []),
        )
        for item in (agenda_item.public for agenda_item in items)
    ]


_STATUS_WORDS: dict[MinutesStatus, LazyString] = {
    MinutesStatus.DRAFT: _l("ontwerp"),
    MinutesStatus.CIRCULATED: _l("rondgestuurd ter opmerkingen, nog niet goedgekeurd"),
    MinutesStatus.APPROVED: _l("goedgekeurd"),
}


def _document_title(meeting: Meeting) -> str:
    return f"{_('Verslag')} {meeting.title} \u2013 {long_date(meeting.start_at)}"


def _document_description(meeting: Meeting, municipality: Municipality) -> str:
    return str(
        _(
            "Verslag van het lokaal woonoverleg van %(municipality)s op %(date)s",
            municipality=municipality.name,
            date=long_date(meeting.start_at),
        )
    )


def _status_text(minutes: Minutes) -> str:
    """The document's status line after "Status: ": "goedgekeurd (dinsdag 3 maart 2026)"."""
    text = str(_STATUS_WORDS[minutes.status])
    if minutes.status is MinutesStatus.APPROVED and minutes.approved_at is not None:
        text += f" ({long_date(minutes.approved_at)})"
    return text


def document_context(
    meeting: Meeting, minutes: Minutes, municipality: Municipality | None = None
) -> dict[str, Any]:
    """Everything the minutes document shows, on the page and in the PDF
    (templates/minutes/_document.html) and in the Word file (minutes/word.py): the whole, or
    one municipality's verslag of a joint meeting (its items and those for all, their action
    points, its own follow-ups; the attendance is shared)."""
    from overleg.lib.markup import render_markdown

    items = list(meeting.agenda_items)
    points = action_points_of(meeting)
    if municipality is not None:
        items = joint.items_for(items, municipality)
        shown = {item.id for item in items}
        points = [p for p in points if p.agenda_item_id is None or p.agenda_item_id in shown]
    by_id = {i.id: i for i in meeting.invitations}
    previous = previous_meeting(meeting)
    return {
        "meeting": meeting,
        "minutes": minutes,
        "document_title": _document_title(meeting),
        "document_description": _document_description(
            meeting, municipality or meeting.municipality
        ),
        "status_text": _status_text(minutes),
        "is_draft": minutes.status is not MinutesStatus.APPROVED,
        "platform": meeting.municipality.platform,
        "municipality": municipality or meeting.municipality,
        "verslag_of": municipality,
        "items": _item_views(items, minutes, points),
        "action_points": points,
        "follow_ups": follow_up_points(meeting, municipality.id if municipality else None),
        "attendance": attendance_groups(meeting),
        "chair": by_id.get(minutes.chair_invitation_id or 0),
        "minute_taker": by_id.get(minutes.minute_taker_invitation_id or 0),
        "previous_meeting": previous,
        "previous_minutes": get_minutes(previous) if previous is not None else None,
        "next_meeting": next_meeting(meeting),
        "owner_label": owner_label,
        "render_markdown": render_markdown,
        "AgendaItemKind": AgendaItemKind,
        "annexes": meeting_documents.annexes(meeting, minutes),
    }


def render_minutes(
    meeting: Meeting, minutes: Minutes, municipality: Municipality | None = None
) -> RenderedPdf:
    """Render the minutes as they are now (with a draft watermark unless approved): the whole,
    or one municipality's verslag of a joint meeting."""
    return render_html_to_pdf(
        minutes_html(meeting, minutes, municipality),
        resources=platform_resources(meeting.municipality.platform),
    )


def minutes_html(
    meeting: Meeting, minutes: Minutes, municipality: Municipality | None = None
) -> str:
    """The HTML the minutes PDF is made from (templates/pdf/minutes.html)."""
    with force_locale("nl"):  # the document is Dutch, whatever the user's language
        context = document_context(meeting, minutes, municipality)
        watermark = _("ONTWERP") if context["is_draft"] else None
    return render_pdf_html("minutes.html", watermark=watermark, **context)


def latest_version(minutes: Minutes) -> MinutesVersion | None:
    return minutes.versions[-1] if minutes.versions else None


def minutes_pdf(
    meeting: Meeting, minutes: Minutes, municipality: Municipality | None = None
) -> bytes:
    """The PDF to hand out: approved minutes give the stored, frozen version; others render now.
    One municipality's verslag of a joint meeting is rendered from the approved text (the frozen
    version is the whole)."""
    if municipality is not None:
        return render_minutes(meeting, minutes, municipality).content
    if minutes.status is MinutesStatus.APPROVED:
        version = latest_version(minutes)
        if version is not None:
            return version.pdf
    return render_minutes(meeting, minutes).content


def _freeze(
    minutes: Minutes, status: MinutesStatus, *, reason: str, user: User | None, now: datetime
) -> MinutesVersion:
    rendered = render_minutes(minutes.meeting, minutes)
    number = (minutes.versions[-1].number + 1) if minutes.versions else 1
    version = MinutesVersion(
        minutes=minutes,
        number=number,
        status=status,
        pdf=rendered.content,
        sha256=hashlib.sha256(rendered.content).hexdigest(),
        reason=reason,
        created_at=now,
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(version)
    return version


# --- workflow -----------------------------------------------------------------------------


def freeze_circulated(
    minutes: Minutes, *, expected_version: int | None, user: User | None, now: datetime
) -> MinutesVersion:
    """Mark draft minutes as circulated and freeze the circulated PDF; the caller records the
    change (`record_change`). remarks.circulate_for_remarks also mails it to the members."""
    check_editable(minutes)
    check_version(minutes, expected_version)
    if minutes.status is not MinutesStatus.DRAFT:
        raise Refusal(_l("Alleen een ontwerpverslag kan rondgestuurd worden."))
    minutes.status = MinutesStatus.CIRCULATED
    minutes.circulated_at = now
    return _freeze(minutes, MinutesStatus.CIRCULATED, reason="", user=user, now=now)


@conflict_when_raced
def circulate(
    minutes: Minutes, *, expected_version: int | None, user: User | None, now: datetime
) -> MinutesVersion:
    """Mark draft minutes as circulated and freeze the circulated PDF, without mailing anyone
    (the page circulates through remarks.circulate_for_remarks)."""
    version = freeze_circulated(minutes, expected_version=expected_version, user=user, now=now)
    record_change(
        minutes,
        "minutes.circulate",
        f"Verslag rondgestuurd ter opmerkingen: {minutes.meeting.title}",
        user=user,
        now=now,
    )
    return version


@conflict_when_raced
def back_to_draft(
    minutes: Minutes, *, expected_version: int | None, user: User | None, now: datetime
) -> None:
    """Take circulated minutes back to draft to process remarks."""
    check_editable(minutes)
    check_version(minutes, expected_version)
    if minutes.status is not MinutesStatus.CIRCULATED:
        raise Refusal(_l("Alleen een rondgestuurd verslag kan terug naar ontwerp."))
    minutes.status = MinutesStatus.DRAFT
    record_change(
        minutes,
        "minutes.to_draft",
        f"Verslag terug naar ontwerp: {minutes.meeting.title}",
        user=user,
        now=now,
    )


def _approval_reason(minutes: Minutes, reason: str) -> str:
    """The reason, required when these minutes were approved before (a correction)."""
    reason = _text(reason, REASON_MAX, _l("De reden"), "reason")
    corrected = any(v.status is MinutesStatus.APPROVED for v in minutes.versions)
    if corrected and not reason:
        raise Refusal(_l("Geef de reden van de correctie op."), field="reason")
    return reason


def approval_meeting(meeting: Meeting, *, now: datetime) -> Meeting | None:
    """The held meeting whose agenda approves these minutes: the municipality's next meeting
    after this one (not cancelled), when it has started by `now`; None while it is still ahead."""
    following = next_meeting(meeting)
    if following is None or following.start_at > now:
        return None
    return following


def _refuse_approval_at(meeting: Meeting, at_meeting: Meeting | None, now: datetime) -> None:
    """Minutes are approved at a later meeting of the same municipality that was held (or
    outside a meeting), never at one still to come."""
    if at_meeting is None:
        return
    if (
        at_meeting.municipality_id != meeting.municipality_id
        or at_meeting.start_at <= meeting.start_at
    ):
        raise Refusal(
            _l("Kies een latere vergadering van dezelfde gemeente."), field="approved_at_meeting"
        )
    if at_meeting.start_at > now:
        raise Refusal(
            _l(
                "De vergadering van %(date)s moet nog plaatsvinden: een verslag wordt goedgekeurd "
                "op een vergadering die al gehouden is. Kies die vergadering, of keur het goed "
                "buiten een vergadering.",
                date=to_local(at_meeting.start_at).date().isoformat(),
            ),
            field="approved_at_meeting",
        )


@conflict_when_raced
def approve(
    minutes: Minutes,
    *,
    expected_version: int | None,
    at_meeting: Meeting | None,
    reason: str = "",
    user: User | None,
    now: datetime,
) -> MinutesVersion:
    """Approve the minutes (normally at the next meeting): lock them and store the PDF.

    A correction of earlier approved minutes needs a reason; it becomes a new version.
    """
    check_editable(minutes)
    check_version(minutes, expected_version)
    reason = _approval_reason(minutes, reason)
    meeting = minutes.meeting
    _refuse_approval_at(meeting, at_meeting, now)
    minutes.status = MinutesStatus.APPROVED
    minutes.approved_at = now
    minutes.approved_by_id = user.id if user is not None else None
    minutes.approved_at_meeting_id = at_meeting.id if at_meeting is not None else None
    if minutes.circulated_at is None:
        minutes.circulated_at = now
    version = _freeze(minutes, MinutesStatus.APPROVED, reason=reason, user=user, now=now)
    meeting_documents.record_annexes(version)
    record_change(
        minutes,
        "minutes.approve",
        f"Verslag goedgekeurd (versie {version.number}): {meeting.title}"
        + (f" — correctie: {reason}" if reason else ""),
        user=user,
        now=now,
        details={"version": version.number, "sha256": version.sha256},
    )
    return version


@conflict_when_raced
def start_correction(
    minutes: Minutes,
    *,
    reason: str,
    expected_version: int | None,
    user: User | None,
    now: datetime,
) -> None:
    """Unlock approved minutes for a correction; the stored versions stay in the history."""
    _refuse_cancelled(minutes.meeting)
    check_version(minutes, expected_version)
    if minutes.status is not MinutesStatus.APPROVED:
        raise Refusal(_l("Alleen een goedgekeurd verslag kan gecorrigeerd worden."))
    reason = _text(reason, REASON_MAX, _l("De reden"), "reason")
    if not reason:
        raise Refusal(_l("Geef de reden van de correctie op."), field="reason")
    minutes.status = MinutesStatus.DRAFT
    record_change(
        minutes,
        "minutes.correction",
        f"Correctie gestart: {reason}",
        user=user,
        now=now,
        details={"reason": reason},
    )


# --- distribution -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    invitation_id: int | None = None
    is_agency: bool = False
    # A joint meeting: the municipalities whose verslag this recipient gets (those on whose
    # standing list they are); empty: every municipality's.
    municipality_ids: frozenset[int] = frozenset()


def _standing_lists(meeting: Meeting) -> dict[int, frozenset[int]]:
    """For a joint meeting, per contact the meeting's municipalities whose standing list has
    them (one query); nothing for a meeting of one municipality."""
    if not meeting.is_joint:
        return {}
    lists: dict[int, set[int]] = {}
    for contact_id, municipality_id in db.session.execute(
        sa.select(StandingInvitee.contact_id, StandingInvitee.municipality_id).where(
            StandingInvitee.municipality_id.in_([m.id for m in meeting.all_municipalities])
        )
    ):
        lists.setdefault(contact_id, set()).add(municipality_id)
    return {contact_id: frozenset(ids) for contact_id, ids in lists.items()}


def recipients(meeting: Meeting) -> list[Recipient]:
    """Every invitee with a usable address (guests have none), then Wonen in Vlaanderen."""
    result: list[Recipient] = []
    seen: set[str] = set()
    lists = _standing_lists(meeting)
    for invitation in meeting.invitations:
        contact = invitation.contact
        if invitation.is_guest or contact is None or not mailable_contact(contact):
            continue
        address = (contact.email or "").strip()
        if address.lower() not in seen:
            seen.add(address.lower())
            own = lists.get(contact.id, frozenset())
            result.append(Recipient(address, contact.full_name, invitation.id, False, own))
    agency = (meeting.municipality.platform.agency_email or "").strip()
    if agency and agency.lower() not in seen:
        result.append(Recipient(agency, "Wonen in Vlaanderen", None, is_agency=True))
    return result


def without_address(meeting: Meeting) -> list[str]:
    """The invitees the minutes cannot be mailed to (no usable address), by name."""
    return [
        invitation.display_name
        for invitation in meeting.invitations
        if not invitation.is_guest and not mailable_contact(invitation.contact)
    ]


@conflict_when_raced
def distribute(
    minutes: Minutes, *, mail: MailSettings, user: User | None, now: datetime
) -> MailReport:
    """Queue the minutes (PDF attached) for every invitee and for Wonen in Vlaanderen.

    Only circulated or approved minutes are sent; the PDF is the latest frozen version. Records
    the date it went to the agency (the compliance view reads `Minutes.sent_to_agency_at`). The
    report names every invitee who got no mail.
    """
    meeting = minutes.meeting
    _refuse_cancelled(meeting)
    if minutes.status is MinutesStatus.DRAFT:
        raise Refusal(_l("Een ontwerpverslag wordt niet verstuurd: stuur het eerst rond."))
    targets = recipients(meeting)
    if not targets:
        raise Refusal(_l("Er is niemand met een e-mailadres om het verslag naar te sturen."))
    version = latest_version(minutes)
    mailing = _Mailing(minutes, _verslagen(meeting, minutes, version))
    report = MailReport()
    for name in without_address(meeting):
        report.skip(name, Reason.NO_ADDRESS)
    sent = mailing.queue(targets, mail, report)
    agency_too = any(r.is_agency for r in sent)
    if agency_too:
        minutes.sent_to_agency_at = now
    record_change(
        minutes,
        "minutes.send",
        f"Verslag verstuurd naar {report.count} ontvanger(s)"
        + (" (ook Wonen in Vlaanderen)" if agency_too else "")
        + report.audit_note(),
        user=user,
        now=now,
        details={
            "recipients": [r.address for r in sent],
            "version": version.number if version else None,
            **report.audit_details(),
        },
    )
    return report


def _verslagen(
    meeting: Meeting, minutes: Minutes, version: MinutesVersion | None
) -> tuple[tuple[int, Attachment], ...]:
    """The PDFs to send, by municipality: the latest frozen version for a meeting of one
    municipality; for a joint meeting each municipality's own verslag."""
    if not meeting.is_joint:
        pdf = version.pdf if version is not None else render_minutes(meeting, minutes).content
        return ((meeting.municipality_id, _pdf(minutes_pdf_filename(meeting), pdf)),)
    return tuple(
        (
            m.id,
            _pdf(
                minutes_pdf_filename(meeting, m),
                render_minutes(meeting, minutes, m).content,
            ),
        )
        for m in meeting.all_municipalities
    )


def _pdf(filename: str, content: bytes) -> Attachment:
    return Attachment(filename, content, "application/pdf")


@dataclass(frozen=True)
class _Mailing:
    """The mail that carries one version of the minutes, one message per recipient: with the
    verslag of each municipality the recipient belongs to (`Recipient.municipality_ids`)."""

    minutes: Minutes
    verslagen: tuple[tuple[int, Attachment], ...]

    def attachments(self, recipient: Recipient) -> list[Attachment]:
        wanted = recipient.municipality_ids
        return [pdf for owner, pdf in self.verslagen if not wanted or owner in wanted]

    def queue(
        self, targets: list[Recipient], mail: MailSettings, report: MailReport
    ) -> list[Recipient]:
        """Queue a message for every target; returns who got one, and reports everyone."""
        sent: list[Recipient] = []
        with force_locale("nl"):  # the minutes and their mail are Dutch
            for recipient in targets:
                message = self._message(recipient, mail)
                if message is None:
                    report.skip(recipient.name, Reason.UNBUILDABLE)
                    continue
                outbox.enqueue(
                    message,
                    kind="minutes",
                    to_address=recipient.address,
                    to_name=recipient.name,
                    meeting_id=self.minutes.meeting_id,
                    invitation_id=recipient.invitation_id,
                )
                report.mailed.append(recipient.name)
                sent.append(recipient)
        return sent

    def _message(self, recipient: Recipient, mail: MailSettings) -> EmailMessage | None:
        meeting = self.minutes.meeting
        platform = meeting.municipality.platform
        approved = self.minutes.status is MinutesStatus.APPROVED
        text = current_app.jinja_env.get_template("mail/messages/minutes.txt").render(
            meeting=meeting,
            minutes=self.minutes,
            recipient=recipient,
            approved=approved,
            platform=platform,
            base_url=mail.base_url,
        )
        try:
            return build_message(
                sender=sender_for(platform, mail),
                to_address=recipient.address,
                to_name=one_line(recipient.name),
                subject=self._subject(approved),
                text=text,
                attachments=self.attachments(recipient),
            )
        except HeaderInjectionError:
            return None

    def _subject(self, approved: bool) -> str:
        title = one_line(self.minutes.meeting.title)
        if approved:
            return str(_("Goedgekeurd verslag: %(title)s", title=title))
        return str(_("Ontwerpverslag ter opmerkingen: %(title)s", title=title))
