"""Confidential agenda items (issue 16 item 2): a personal situation discussed at the meeting.

An item marked confidential (with a reason) shows as "Vertrouwelijk punt" in every output
(`AgendaItem.public`, `Meeting.public_agenda`); its discussion and decisions are a
`ConfidentialNote`, apart from the minutes' notes, so that no output of the minutes reads them.
Only the people named on the item read it (`ConfidentialReader`;
`overleg.auth.permissions.may_read_confidential`): by default the platform's coordinators and
the minute taker, others among the platform's users can be named. None of these functions
commits.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    AgendaItem,
    AgendaItemNote,
    ConfidentialNote,
    ConfidentialReader,
    Contact,
    InviteeRole,
    Meeting,
    Minutes,
    Role,
    User,
)

REASON_MAX = 1_000
DISCUSSION_MAX = 20_000
DECISIONS_MAX = 5_000


@dataclass(frozen=True)
class Reader:
    """A person named on a confidential item, as the page lists them."""

    id: int
    name: str
    is_user: bool


def _record(user: User | None, action: str, item: AgendaItem, summary: str) -> None:
    """Audit without the item's title: the trail is read by people not named on it."""
    audit.record(
        user,
        action,
        item.meeting,
        municipality_id=item.meeting.municipality_id,
        summary=summary,
        details={"agenda_item_id": item.id},
    )


def _checked(text: str, limit: int, field: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise Refusal(_l("Hoogstens %(max)d tekens.", max=limit), field=field)
    return text


def mark_confidential(item: AgendaItem, reason: str, *, user: User | None) -> None:
    """Make `item` confidential: the default people are named on it (the coordinators of the
    platform, the minute taker) and any notes already written move into its ConfidentialNote."""
    reason = _checked(reason, REASON_MAX, "reason")
    if not reason:
        raise Refusal(_l("Zeg waarom dit punt vertrouwelijk is."), field="reason")
    first_time = not item.confidential
    item.confidential = True
    item.confidential_reason = reason
    if first_time:
        _name_defaults(item, user)
        _move_notes(item)
    db.session.flush()
    _record(user, "agenda_item.confidential", item, "Agendapunt vertrouwelijk gemaakt")


def unmark_confidential(item: AgendaItem, *, user: User | None) -> None:
    """Make `item` public again: only while nothing confidential was written under it."""
    note = confidential_note(item)
    if note is not None and (note.discussion or note.decisions):
        raise Refusal(
            _l("Dit punt heeft vertrouwelijke notities: het blijft vertrouwelijk."), field=None
        )
    if note is not None:
        db.session.delete(note)
    item.confidential = False
    item.confidential_reason = ""
    db.session.execute(
        sa.delete(ConfidentialReader).where(ConfidentialReader.agenda_item_id == item.id)
    )
    db.session.flush()
    _record(user, "agenda_item.public", item, "Agendapunt niet langer vertrouwelijk")


def _name_defaults(item: AgendaItem, user: User | None) -> None:
    coordinators = db.session.scalars(
        sa.select(User.id).where(
            User.platform_id == item.meeting.municipality.platform_id,
            User.role == Role.COORDINATOR,
            User.active.is_(True),
        )
    )
    user_ids = set(coordinators) | ({user.id} if user is not None else set())
    for user_id in sorted(user_ids):
        db.session.add(ConfidentialReader(agenda_item_id=item.id, user_id=user_id))
    taker = minute_taker(item.meeting)
    if taker is not None:
        db.session.add(ConfidentialReader(agenda_item_id=item.id, contact_id=taker.id))


def minute_taker(meeting: Meeting) -> Contact | None:
    """The minute taker: the one named in the minutes, else the meeting's secretary invitee."""
    minutes = db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))
    chosen = minutes.minute_taker_invitation_id if minutes is not None else None
    for invitation in meeting.invitations:
        if invitation.id == chosen and invitation.contact is not None:
            return invitation.contact
    secretaries = [
        i.contact for i in meeting.invitations if i.role is InviteeRole.SECRETARY and i.contact
    ]
    return secretaries[0] if len(secretaries) == 1 else None


def _move_notes(item: AgendaItem) -> None:
    """Notes written in the minutes before the item became confidential go into its own note."""
    for note in db.session.scalars(
        sa.select(AgendaItemNote).where(AgendaItemNote.agenda_item_id == item.id)
    ):
        kept = _note(item)
        kept.discussion = "\n\n".join(t for t in (kept.discussion, note.discussion) if t)
        kept.decisions = "\n".join(t for t in (kept.decisions, note.decisions) if t)
        db.session.delete(note)


def confidential_note(item: AgendaItem) -> ConfidentialNote | None:
    return db.session.scalar(
        sa.select(ConfidentialNote).where(ConfidentialNote.agenda_item_id == item.id)
    )


def _note(item: AgendaItem) -> ConfidentialNote:
    note = confidential_note(item)
    if note is None:
        note = ConfidentialNote(agenda_item_id=item.id, discussion="", decisions="")
        db.session.add(note)
    return note


def save_confidential_note(
    item: AgendaItem, discussion: str, decisions: str, *, user: User | None
) -> None:
    """Store the discussion and decisions of a confidential item (its own page)."""
    if not item.confidential:
        raise Refusal(_l("Dit agendapunt is niet vertrouwelijk."), field=None)
    note = _note(item)
    note.discussion = _checked(discussion, DISCUSSION_MAX, "discussion")
    note.decisions = _checked(decisions, DECISIONS_MAX, "decisions")
    db.session.flush()
    _record(user, "agenda_item.confidential_note", item, "Vertrouwelijk verslag bewaard")


def readers(item: AgendaItem) -> list[Reader]:
    """The people named on the item, users first."""
    rows = db.session.scalars(
        sa.select(ConfidentialReader)
        .where(ConfidentialReader.agenda_item_id == item.id)
        .options(selectinload(ConfidentialReader.user), selectinload(ConfidentialReader.contact))
    )
    named = [Reader(row.id, row.name, row.user_id is not None) for row in rows]
    return sorted(named, key=lambda r: (not r.is_user, r.name.lower()))


def candidates(item: AgendaItem) -> list[User]:
    """The platform's active users not yet named on the item."""
    named = sa.select(ConfidentialReader.user_id).where(
        ConfidentialReader.agenda_item_id == item.id, ConfidentialReader.user_id.is_not(None)
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.platform_id == item.meeting.municipality.platform_id,
                User.active.is_(True),
                User.id.not_in(named),
            )
            .order_by(User.name)
        )
    )


def name_reader(item: AgendaItem, reader: User, *, user: User | None) -> None:
    """Name another user of the platform on the item."""
    if reader.platform_id != item.meeting.municipality.platform_id:
        raise Refusal(_l("Kies iemand van het eigen platform."), field="user")
    if reader.id in {u.id for u in candidates(item)}:
        db.session.add(ConfidentialReader(agenda_item_id=item.id, user_id=reader.id))
        db.session.flush()
        _record(user, "agenda_item.reader_add", item, f"Inzage vertrouwelijk punt: {reader.name}")


def remove_reader(item: AgendaItem, reader_id: int, *, user: User | None) -> None:
    """Take a person off the item; the last one stays (someone must be able to read it)."""
    rows = list(
        db.session.scalars(
            sa.select(ConfidentialReader).where(ConfidentialReader.agenda_item_id == item.id)
        )
    )
    row = next((r for r in rows if r.id == reader_id), None)
    if row is None:
        return
    if len(rows) == 1:
        raise Refusal(_l("Minstens één persoon moet dit punt kunnen lezen."), field=None)
    db.session.delete(row)
    db.session.flush()
    _record(user, "agenda_item.reader_remove", item, "Iemand niet langer gemachtigd")


@dataclass(frozen=True)
class ConfidentialForContact:
    """A confidential item as the personal-data export of a person named on it shows it."""

    meeting: str
    start: str
    title: str
    reason: str
    discussion: str
    decisions: str


def confidential_items_of(
    contact: Contact, visible: sa.ColumnElement[bool]
) -> list[ConfidentialForContact]:
    """The confidential items `contact` is named on, with their confidential part, of the
    meetings `visible` selects: for that person's own personal-data export only."""
    items = db.session.scalars(
        sa.select(AgendaItem)
        .join(ConfidentialReader, ConfidentialReader.agenda_item_id == AgendaItem.id)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(
            ConfidentialReader.contact_id == contact.id,
            AgendaItem.confidential.is_(True),
            visible,
        )
        .options(selectinload(AgendaItem.meeting))
        .order_by(AgendaItem.id)
    )
    found = []
    for item in items:
        note = confidential_note(item)
        found.append(
            ConfidentialForContact(
                meeting=item.meeting.title,
                start=item.meeting.start_at.isoformat(),
                title=item.title,
                reason=item.confidential_reason,
                discussion=note.discussion if note else "",
                decisions=note.decisions if note else "",
            )
        )
    return found
