"""Minutes: attendance register, notes, decisions, action points, workflow and distribution.

The rules live here, without HTTP. None of these functions commits: they change the caller's
session (and flush where an id is needed), record audit entries in the same transaction and leave
the commit to the caller.

Workflow: draft -> circulated (to the invitees for remarks) -> approved (at the next meeting, by the
coordinator or the municipality's secretary). Circulating and approving freeze the PDF of that
moment in a `MinutesVersion` with its SHA-256; approved minutes are locked. A correction reopens
them (reason required) and the next approval stores a new version: the history keeps every one.

No lost work: `Minutes.version` is SQLAlchemy's version counter (every UPDATE checks it); the
editor also carries the version it was loaded with, and `check_version` refuses a save made on an
older version with `MinutesConflict`, so the second of two editors gets a conflict page instead of
silently overwriting the first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale, gettext
from sqlalchemy.orm import joinedload, selectinload

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib.pdf import (
    RenderedPdf,
    render_html_to_pdf,
    render_pdf_html,
)
from overleg.mail import outbox
from overleg.mail.messages import Attachment, HeaderInjectionError, Sender, build_message
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
    Organisation,
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


def _(message: str, **variables: Any) -> str:
    """gettext that also works without a request (CLI, demo data, tests): Dutch there."""
    if has_request_context():
        return gettext(message, **variables)
    with force_locale("nl"):
        return gettext(message, **variables)


class MinutesError(ValueError):
    """A change the rules refuse. `field` names the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class MinutesConflict(Exception):
    """The minutes changed since the editor loaded them (another user saved in between)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"minutes are at version {current_version}")
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
    minutes = Minutes(meeting=meeting, status=MinutesStatus.DRAFT)
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


def load_meeting(meeting_id: int) -> Meeting | None:
    """A meeting with everything the minutes pages and PDF show, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.municipality),
            selectinload(Meeting.agenda_items).joinedload(AgendaItem.theme),
            selectinload(Meeting.invitations)
            .joinedload(Invitation.contact)
            .joinedload(Contact.organisation),
        )
        .execution_options(populate_existing=True)
    )


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The municipality's last meeting before this one that was not cancelled."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.municipality_id == meeting.municipality_id,
            Meeting.start_at < meeting.start_at,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.start_at.desc())
        .limit(1)
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    """The municipality's first meeting after this one that was not cancelled."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.municipality_id == meeting.municipality_id,
            Meeting.start_at > meeting.start_at,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.start_at)
        .limit(1)
    )


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


def follow_up_points(meeting: Meeting) -> list[ActionPoint]:
    """Action points of the municipality's earlier meetings to follow up at this meeting.

    Those still open, and those closed at this meeting (so the minutes show what was closed).
    """
    return list(
        db.session.scalars(
            sa.select(ActionPoint)
            .join(Meeting, ActionPoint.meeting_id == Meeting.id)
            .where(
                ActionPoint.municipality_id == meeting.municipality_id,
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
        contact = invitation.contact
        if contact is not None and contact.id not in seen_contacts and contact.erased_at is None:
            seen_contacts.add(contact.id)
            choices.append((f"contact:{contact.id}", f"{contact.full_name} ({_org(contact)})"))
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
        raise MinutesError(
            _(
                "Deze vergadering is geannuleerd: er kan geen verslag voor worden opgemaakt of "
                "bewaard."
            )
        )


def check_editable(minutes: Minutes) -> None:
    """Refuse changes to minutes of a cancelled meeting and to approved (locked) minutes."""
    _refuse_cancelled(minutes.meeting)
    if minutes.status is MinutesStatus.APPROVED:
        raise MinutesError(
            _(
                "Dit verslag is goedgekeurd en daardoor vergrendeld. Start een correctie om het "
                "nog te wijzigen."
            )
        )


def check_version(minutes: Minutes, expected_version: int | None) -> None:
    """Raise `MinutesConflict` when the editor's version is not the stored one."""
    if expected_version is None or expected_version != minutes.version:
        raise MinutesConflict(minutes.version)


def _touch(minutes: Minutes, now: datetime) -> None:
    # Always dirty the row, so the UPDATE checks and raises the version counter.
    minutes.updated_at = now


def _text(value: str | None, limit: int, label: str, field_name: str) -> str:
    # NUL cannot be stored by PostgreSQL and means nothing in a note: drop it.
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise MinutesError(
            _(
                "%(label)s is te lang: %(length)s tekens, hoogstens %(limit)s.",
                label=label,
                length=len(value),
                limit=limit,
            ),
            field_name,
        )
    return value


# --- attendance register ------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceData:
    invitation_id: int
    attendance: Attendance | None


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
    for chosen in (chair_invitation_id, minute_taker_invitation_id):
        if chosen is not None and chosen not in by_id:
            raise MinutesError(_("Kies iemand die op deze vergadering stond."))
    changed = 0
    for entry in entries:
        invitation = by_id.get(entry.invitation_id)
        if invitation is None:
            continue
        if invitation.attendance != entry.attendance:
            invitation.attendance = entry.attendance
            changed += 1
    minutes.chair_invitation_id = chair_invitation_id
    minutes.minute_taker_invitation_id = minute_taker_invitation_id
    _touch(minutes, now)
    audit.record(
        user,
        "minutes.attendance",
        minutes,
        municipality_id=meeting.municipality_id,
        summary=f"Aanwezigheden geregistreerd: {meeting.title}",
        details={"changed": changed},
    )
    return changed


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
    name = _text(name, GUEST_NAME_MAX, _("De naam"), "name")
    organisation = _text(organisation, GUEST_NAME_MAX, _("De organisatie"), "organisation")
    if not name:
        raise MinutesError(_("Vul de naam in."), "name")
    substitute_for = None
    if substitute_for_id is not None:
        substitute_for = next((i for i in meeting.invitations if i.id == substitute_for_id), None)
        if substitute_for is None:
            raise MinutesError(_("Kies een genodigde van deze vergadering."), "substitute_for")
        if not organisation and substitute_for.contact is not None:
            organisation = _org(substitute_for.contact)
        if substitute_for.attendance is None or substitute_for.attendance is Attendance.PRESENT:
            substitute_for.attendance = Attendance.EXCUSED
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
    _touch(minutes, now)
    db.session.flush()
    audit.record(
        user,
        "minutes.guest_add",
        minutes,
        municipality_id=meeting.municipality_id,
        summary=(
            f"Vervanger toegevoegd: {name} voor {substitute_for.display_name}"
            if substitute_for
            else f"Gast toegevoegd: {name}"
        ),
    )
    return guest


def remove_guest(minutes: Minutes, guest: Invitation, *, user: User | None, now: datetime) -> None:
    check_editable(minutes)
    if not guest.is_guest or guest.meeting_id != minutes.meeting_id:
        raise MinutesError(_("Alleen gasten en vervangers kunnen hier verwijderd worden."))
    for attr in ("chair_invitation_id", "minute_taker_invitation_id"):
        if getattr(minutes, attr) == guest.id:
            setattr(minutes, attr, None)
    _touch(minutes, now)
    audit.record(
        user,
        "minutes.guest_remove",
        minutes,
        municipality_id=minutes.meeting.municipality_id,
        summary=f"Gast verwijderd: {guest.guest_name}",
    )
    db.session.delete(guest)


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


def _parse_owner(owner: str, allowed: set[str]) -> tuple[int | None, int | None]:
    if not owner:
        return None, None
    if owner not in allowed:
        raise MinutesError(_("Kies een eigenaar uit de lijst."), "owner")
    kind, _sep, raw = owner.partition(":")
    return (int(raw), None) if kind == "org" else (None, int(raw))


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
    result = SaveResult()
    items = {item.id: item for item in meeting.agenda_items}

    existing_notes = {note.agenda_item_id: note for note in minutes.notes}
    for data in notes:
        if data.agenda_item_id not in items:
            continue
        discussion = _text(data.discussion, DISCUSSION_MAX, _("De bespreking"), "discussion")
        decisions = _text(data.decisions, DECISIONS_MAX, _("De besluiten"), "decisions")
        note = existing_notes.get(data.agenda_item_id)
        if note is None:
            if not discussion and not decisions:
                continue
            note = AgendaItemNote(minutes=minutes, agenda_item_id=data.agenda_item_id)
            db.session.add(note)
            existing_notes[data.agenda_item_id] = note
        if note.discussion != discussion or note.decisions != decisions:
            note.discussion = discussion
            note.decisions = decisions
            result.notes_changed += 1

    allowed_owners = {key for key, _label in owner_choices(meeting) if key}
    current = {point.id: point for point in action_points_of(meeting)}
    kept = len(current)
    for data in action_points:
        point = current.get(data.id) if data.id is not None else None
        if data.id is not None and point is None:
            continue  # removed in the meantime or not of this meeting
        if point is not None and data.delete:
            db.session.delete(point)
            kept -= 1
            result.points_removed += 1
            continue
        description = _text(data.description, ACTION_MAX, _("Het actiepunt"), "description")
        if not description:
            if point is None:
                continue  # an empty row of the form
            raise MinutesError(_("Beschrijf het actiepunt of duid het aan om te verwijderen."))
        if data.agenda_item_id is not None and data.agenda_item_id not in items:
            raise MinutesError(_("Kies een agendapunt van deze vergadering."), "agenda_item")
        organisation_id, contact_id = _parse_owner(data.owner, allowed_owners)
        if point is None:
            if kept >= MAX_ACTION_POINTS:
                raise MinutesError(
                    _(
                        "Een vergadering kan hoogstens %(limit)s actiepunten hebben.",
                        limit=MAX_ACTION_POINTS,
                    )
                )
            point = ActionPoint(
                municipality_id=meeting.municipality_id, meeting_id=meeting.id, status=data.status
            )
            db.session.add(point)
            kept += 1
            result.points_added += 1
        elif (
            point.description,
            point.agenda_item_id,
            point.owner_organisation_id,
            point.owner_contact_id,
            point.due_date,
            point.status,
        ) != (
            description,
            data.agenda_item_id,
            organisation_id,
            contact_id,
            data.due_date,
            data.status,
        ):
            result.points_changed += 1
        point.description = description
        point.agenda_item_id = data.agenda_item_id
        point.owner_organisation_id = organisation_id
        point.owner_contact_id = contact_id
        point.due_date = data.due_date
        _set_status(point, data.status, meeting, now)

    earlier = {point.id: point for point in follow_up_points(meeting)}
    for data in follow_ups:
        point = earlier.get(data.action_point_id)
        if point is None:
            continue
        note = _text(data.note, FOLLOW_UP_NOTE_MAX, _("De opvolging"), "note")
        if point.status != data.status or point.follow_up_note != note:
            result.follow_ups_changed += 1
        point.follow_up_note = note
        _set_status(point, data.status, meeting, now)

    _touch(minutes, now)
    audit.record(
        user,
        "minutes.update",
        minutes,
        municipality_id=meeting.municipality_id,
        summary=f"Verslag bewaard: {meeting.title}",
        details={
            "notes_changed": result.notes_changed,
            "points_added": result.points_added,
            "points_changed": result.points_changed,
            "points_removed": result.points_removed,
            "follow_ups_changed": result.follow_ups_changed,
        },
    )
    return result


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
    item: AgendaItem
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
    name = invitation.display_name or _("(gewist)")
    if invitation.substitute_for is not None:
        other = invitation.substitute_for.display_name
        return _("%(name)s (vervangt %(other)s)", name=name, other=other)
    if invitation.is_guest:
        return _("%(name)s (gast)", name=name)
    return name


def _organisation_of(invitation: Invitation) -> str:
    if invitation.contact is not None:
        return _org(invitation.contact)
    return invitation.guest_organisation or _("Zonder organisatie")


def attendance_groups(meeting: Meeting) -> list[AttendanceGroup]:
    """Present, excused, absent (and not recorded), each grouped by organisation."""
    labels = [
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


def document_context(meeting: Meeting, minutes: Minutes) -> dict[str, Any]:
    """Everything the minutes template (page and PDF) shows."""
    from overleg.lib.markup import render_markdown

    notes = {note.agenda_item_id: note for note in minutes.notes}
    points = action_points_of(meeting)
    per_item: dict[int | None, list[ActionPoint]] = {}
    for point in points:
        per_item.setdefault(point.agenda_item_id, []).append(point)
    items = [
        ItemView(
            item,
            notes.get(item.id),
            [
                line.strip()
                for line in (notes[item.id].decisions if item.id in notes else "").splitlines()
                if line.strip()
            ],
            per_item.get(item.id, []),
        )
        for item in meeting.agenda_items
    ]
    by_id = {i.id: i for i in meeting.invitations}
    previous = previous_meeting(meeting)
    previous_minutes = get_minutes(previous) if previous is not None else None
    return {
        "meeting": meeting,
        "minutes": minutes,
        "platform": meeting.municipality.platform,
        "municipality": meeting.municipality,
        "items": items,
        "action_points": points,
        "follow_ups": follow_up_points(meeting),
        "attendance": attendance_groups(meeting),
        "chair": by_id.get(minutes.chair_invitation_id),
        "minute_taker": by_id.get(minutes.minute_taker_invitation_id),
        "previous_meeting": previous,
        "previous_minutes": previous_minutes,
        "next_meeting": next_meeting(meeting),
        "owner_label": owner_label,
        "render_markdown": render_markdown,
        "AgendaItemKind": AgendaItemKind,
    }


def render_minutes(meeting: Meeting, minutes: Minutes) -> RenderedPdf:
    """Render the minutes as they are now (with a draft watermark unless approved)."""
    return render_html_to_pdf(minutes_html(meeting, minutes))


def minutes_html(meeting: Meeting, minutes: Minutes) -> str:
    """The HTML the minutes PDF is made from (templates/pdf/minutes.html)."""
    with force_locale("nl"):  # the document is Dutch, whatever the user's language
        context = document_context(meeting, minutes)
        watermark = None if minutes.status is MinutesStatus.APPROVED else _("ONTWERP")
    return render_pdf_html("minutes.html", watermark=watermark, **context)


def latest_version(minutes: Minutes) -> MinutesVersion | None:
    return minutes.versions[-1] if minutes.versions else None


def minutes_pdf(meeting: Meeting, minutes: Minutes) -> bytes:
    """The PDF to hand out: approved minutes give the stored, frozen version; others render now."""
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


def circulate(
    minutes: Minutes, *, expected_version: int | None, user: User | None, now: datetime
) -> MinutesVersion:
    """Mark draft minutes as circulated for remarks and freeze the circulated PDF."""
    check_editable(minutes)
    check_version(minutes, expected_version)
    if minutes.status is not MinutesStatus.DRAFT:
        raise MinutesError(_("Alleen een ontwerpverslag kan rondgestuurd worden."))
    minutes.status = MinutesStatus.CIRCULATED
    minutes.circulated_at = now
    _touch(minutes, now)
    version = _freeze(minutes, MinutesStatus.CIRCULATED, reason="", user=user, now=now)
    audit.record(
        user,
        "minutes.circulate",
        minutes,
        municipality_id=minutes.meeting.municipality_id,
        summary=f"Verslag rondgestuurd ter opmerkingen: {minutes.meeting.title}",
    )
    return version


def back_to_draft(
    minutes: Minutes, *, expected_version: int | None, user: User | None, now: datetime
) -> None:
    """Take circulated minutes back to draft to process remarks."""
    check_editable(minutes)
    check_version(minutes, expected_version)
    if minutes.status is not MinutesStatus.CIRCULATED:
        raise MinutesError(_("Alleen een rondgestuurd verslag kan terug naar ontwerp."))
    minutes.status = MinutesStatus.DRAFT
    _touch(minutes, now)
    audit.record(
        user,
        "minutes.to_draft",
        minutes,
        municipality_id=minutes.meeting.municipality_id,
        summary=f"Verslag terug naar ontwerp: {minutes.meeting.title}",
    )


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
    reason = _text(reason, REASON_MAX, _("De reden"), "reason")
    corrected = any(v.status is MinutesStatus.APPROVED for v in minutes.versions)
    if corrected and not reason:
        raise MinutesError(_("Geef de reden van de correctie op."), "reason")
    meeting = minutes.meeting
    if at_meeting is not None and (
        at_meeting.municipality_id != meeting.municipality_id
        or at_meeting.start_at <= meeting.start_at
    ):
        raise MinutesError(
            _("Kies een latere vergadering van dezelfde gemeente."), "approved_at_meeting"
        )
    minutes.status = MinutesStatus.APPROVED
    minutes.approved_at = now
    minutes.approved_by_id = user.id if user is not None else None
    minutes.approved_at_meeting_id = at_meeting.id if at_meeting is not None else None
    if minutes.circulated_at is None:
        minutes.circulated_at = now
    _touch(minutes, now)
    version = _freeze(minutes, MinutesStatus.APPROVED, reason=reason, user=user, now=now)
    audit.record(
        user,
        "minutes.approve",
        minutes,
        municipality_id=meeting.municipality_id,
        summary=(
            f"Verslag goedgekeurd (versie {version.number}): {meeting.title}"
            + (f" — correctie: {reason}" if reason else "")
        ),
        details={"version": version.number, "sha256": version.sha256},
    )
    return version


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
        raise MinutesError(_("Alleen een goedgekeurd verslag kan gecorrigeerd worden."))
    reason = _text(reason, REASON_MAX, _("De reden"), "reason")
    if not reason:
        raise MinutesError(_("Geef de reden van de correctie op."), "reason")
    minutes.status = MinutesStatus.DRAFT
    _touch(minutes, now)
    audit.record(
        user,
        "minutes.correction",
        minutes,
        municipality_id=minutes.meeting.municipality_id,
        summary=f"Correctie gestart: {reason}",
        details={"reason": reason},
    )


# --- distribution -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    invitation_id: int | None = None
    is_agency: bool = False


def recipients(meeting: Meeting) -> list[Recipient]:
    """Every invitee with an address (guests have none), then Wonen in Vlaanderen."""
    result: list[Recipient] = []
    seen: set[str] = set()
    for invitation in meeting.invitations:
        contact = invitation.contact
        if invitation.is_guest or contact is None or contact.erased_at is not None:
            continue
        address = (contact.email or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append(Recipient(address, contact.full_name, invitation.id))
    agency = (meeting.municipality.platform.agency_email or "").strip()
    if agency and agency.lower() not in seen:
        result.append(Recipient(agency, "Wonen in Vlaanderen", None, is_agency=True))
    return result


def distribute(
    minutes: Minutes,
    *,
    sender: Sender,
    base_url: str,
    user: User | None,
    now: datetime,
) -> list[Recipient]:
    """Queue the minutes (PDF attached) for every invitee and for Wonen in Vlaanderen.

    Only circulated or approved minutes are sent; the PDF is the latest frozen version. Records
    the date it went to the agency (the compliance view reads `Minutes.sent_to_agency_at`).
    """
    meeting = minutes.meeting
    _refuse_cancelled(meeting)
    if minutes.status is MinutesStatus.DRAFT:
        raise MinutesError(_("Een ontwerpverslag wordt niet verstuurd: stuur het eerst rond."))
    version = latest_version(minutes)
    pdf = version.pdf if version is not None else render_minutes(meeting, minutes).content
    targets = recipients(meeting)
    if not targets:
        raise MinutesError(_("Er is niemand met een e-mailadres om het verslag naar te sturen."))
    approved = minutes.status is MinutesStatus.APPROVED
    attachment = Attachment(minutes_pdf_filename(meeting), pdf, "application/pdf")
    template = current_app.jinja_env.get_template("mail/messages/minutes.txt")
    sent: list[Recipient] = []
    skipped: list[str] = []
    with force_locale("nl"):
        subject = (
            _("Goedgekeurd verslag: %(title)s", title=meeting.title)
            if approved
            else _("Ontwerpverslag ter opmerkingen: %(title)s", title=meeting.title)
        )
        for recipient in targets:
            text = template.render(
                meeting=meeting,
                minutes=minutes,
                recipient=recipient,
                approved=approved,
                platform=meeting.municipality.platform,
                base_url=base_url.rstrip("/"),
            )
            try:
                message = build_message(
                    sender=sender,
                    to_address=recipient.address,
                    to_name=recipient.name,
                    subject=subject,
                    text=text,
                    attachments=[attachment],
                )
            except HeaderInjectionError:
                skipped.append(recipient.address)
                continue
            outbox.enqueue(
                message,
                kind="minutes",
                to_address=recipient.address,
                to_name=recipient.name,
                meeting_id=meeting.id,
                invitation_id=recipient.invitation_id,
            )
            sent.append(recipient)
    if any(r.is_agency for r in sent):
        minutes.sent_to_agency_at = now
    _touch(minutes, now)
    audit.record(
        user,
        "minutes.send",
        minutes,
        municipality_id=meeting.municipality_id,
        summary=(
            f"Verslag verstuurd naar {len(sent)} ontvanger(s)"
            + (" (ook Wonen in Vlaanderen)" if any(r.is_agency for r in sent) else "")
        ),
        details={
            "recipients": [r.address for r in sent],
            "skipped": skipped,
            "version": version.number if version else None,
        },
    )
    return sent
