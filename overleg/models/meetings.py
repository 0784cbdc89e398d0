"""Meetings, their agenda items and invitations."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model, db
from overleg.models.directory import Contact, InviteeRole, Municipality, Theme
from overleg.models.types import UTCDateTime, enum_type, utcnow
from overleg.models.versioning import Versioned

if TYPE_CHECKING:
    from overleg.models.users import User


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    INVITED = "invited"
    HELD = "held"
    CANCELLED = "cancelled"


class AgendaItemKind(enum.StrEnum):
    WELCOME = "welcome"
    APPROVAL = "approval"  # goedkeuring vorig verslag
    FOLLOW_UP = "follow_up"  # opvolging actiepunten
    THEME = "theme"
    VARIA = "varia"
    NEXT_MEETING = "next_meeting"
    OTHER = "other"


class RsvpStatus(enum.StrEnum):
    NEEDS_ACTION = "needs-action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    DELEGATED = "delegated"


class AnswerSource(enum.StrEnum):
    """Where an invitee's answer came from."""

    LINK = "link"  # the personal answer page
    CALENDAR = "calendar"  # an iTIP REPLY from the invitee's calendar, by mail (iMIP)


class Attendance(enum.StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


def _municipalities_of(owner: str) -> sa.Table:
    """A table linking rows of `owner` to municipalities (both deleted with their row)."""
    return sa.Table(
        f"{owner}_municipality",
        db.metadata,
        sa.Column(
            f"{owner}_id", sa.ForeignKey(f"{owner}.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "municipality_id",
            sa.ForeignKey("municipality.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


# A joint meeting (issue 16): the other municipalities that hold it with the host
# (Meeting.municipality_id, which keeps every existing URL and query working).
meeting_municipality = _municipalities_of("meeting")
# The municipalities an agenda item of a joint meeting is for; none: for all of them.
agenda_item_municipality = _municipalities_of("agenda_item")


def new_ical_uid() -> str:
    return f"{uuid.uuid4()}@overleg"


class Meeting(Versioned, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, "meeting_status"), default=MeetingStatus.PLANNED
    )
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    ical_uid: Mapped[str] = mapped_column(sa.String(120), unique=True, default=new_ical_uid)
    ical_sequence: Mapped[int] = mapped_column(default=0)
    # The SEQUENCE of the last significant change (date, time or place; RFC 5546 2.1.4): an answer
    # given for an older SEQUENCE stays in the history but no longer counts.
    significant_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    invitations_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()
    # The other municipalities of a joint meeting (the host is `municipality`).
    partners: Mapped[list[Municipality]] = relationship(
        secondary=meeting_municipality, order_by="Municipality.name"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="meeting", order_by="Invitation.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.Index("ix_meeting_municipality_start", "municipality_id", "start_at"),
        # The dashboard's questions are "meetings in this status within these dates" (invitations
        # to send, the year's held meetings): a range in this index, not every meeting with the
        # status in ten years.
        sa.Index("ix_meeting_status_start", "status", "start_at"),
    )

    @property
    def public_agenda(self) -> list[PublicItem]:
        """The agenda as every output outside a confidential item's own page shows it
        (`AgendaItem.public`): invitations, .ics, agenda PDF, feeds, API, the verslag."""
        return [item.public for item in self.agenda_items]

    @property
    def is_joint(self) -> bool:
        return bool(self.partners)

    @property
    def all_municipalities(self) -> list[Municipality]:
        """The host first, then the other municipalities of a joint meeting by name."""
        return [self.municipality, *self.partners]

    @property
    def municipality_names(self) -> str:
        """'Meerhout, Balen': the names of `all_municipalities`, as pages and lists show them."""
        return ", ".join(municipality.name for municipality in self.all_municipalities)


@dataclass(frozen=True)
class PublicItem:
    """What an output may show of an agenda item. A confidential item is only "Vertrouwelijk
    punt" with its place and duration: no title, presenter, notes or theme."""

    id: int
    position: int
    kind: AgendaItemKind
    title: str
    duration_minutes: int
    presenter: str = ""
    notes: str = ""
    theme: Theme | None = None
    theme_id: int | None = None
    confidential: bool = False


class AgendaItem(Versioned, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[AgendaItemKind] = mapped_column(
        enum_type(AgendaItemKind, "agenda_item_kind"), default=AgendaItemKind.OTHER
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id"), index=True)
    presenter: Mapped[str] = mapped_column(sa.String(200), default="")
    duration_minutes: Mapped[int] = mapped_column(default=15)
    # Shown in the invitation under the item.
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # A confidential item (a personal situation): outputs show only "Vertrouwelijk punt"
    # (`public`); its notes and decisions are a ConfidentialNote, read only by the people named
    # on it (ConfidentialReader; overleg.auth.permissions.may_read_confidential).
    confidential: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    confidential_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    theme: Mapped[Theme | None] = relationship()
    # In a joint meeting: the municipalities this item is for; empty: for all of them.
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=agenda_item_municipality, order_by="Municipality.name"
    )

    def is_for(self, municipality_id: int) -> bool:
        """Whether the item belongs to this municipality's verslag (an item for all does)."""
        return not self.municipalities or any(m.id == municipality_id for m in self.municipalities)

    __table_args__ = (sa.CheckConstraint("duration_minutes >= 0", name="duration"),)

    @property
    def public(self) -> PublicItem:
        """THE public view of this item: every output other than the confidential item's own
        page reads the agenda through it (`Meeting.public_agenda`)."""
        if self.confidential:
            return PublicItem(
                id=self.id,
                position=self.position,
                kind=self.kind,
                title=gettext("Vertrouwelijk punt"),
                duration_minutes=self.duration_minutes,
                confidential=True,
            )
        return PublicItem(
            id=self.id,
            position=self.position,
            kind=self.kind,
            title=self.title,
            duration_minutes=self.duration_minutes,
            presenter=self.presenter,
            notes=self.notes,
            theme=self.theme,
            theme_id=self.theme_id,
        )


class ConfidentialNote(Model):
    """The discussion and decisions of a confidential agenda item, kept apart from the minutes'
    notes (AgendaItemNote) so that no output of the minutes can reach them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), unique=True
    )
    discussion: Mapped[str] = mapped_column(sa.Text, default="")
    decisions: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship()


class ConfidentialReader(Model):
    """A person named on a confidential item, who may read it: a user of the platform, or a
    contact (the minute taker; a contact reads it through a user account with the same address,
    and their personal-data export includes the item)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )

    agenda_item: Mapped[AgendaItem] = relationship()
    user: Mapped[User | None] = relationship()
    contact: Mapped[Contact | None] = relationship()

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.name
        return self.contact.full_name if self.contact is not None else ""

    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (contact_id IS NULL)", name="user_or_contact"),
        sa.UniqueConstraint("agenda_item_id", "user_id"),
        sa.UniqueConstraint("agenda_item_id", "contact_id"),
    )


ONE_SUBSTITUTE_WHERE = "substitute_for_id IS NOT NULL AND NOT is_guest"


class Invitation(Versioned, Model):
    """A person invited to (or, as a guest, present at) one meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact.id"), index=True)
    role: Mapped[InviteeRole] = mapped_column(
        enum_type(InviteeRole, "invitation_role"), default=InviteeRole.REQUIRED
    )
    rsvp_status: Mapped[RsvpStatus] = mapped_column(
        enum_type(RsvpStatus, "rsvp_status"), default=RsvpStatus.NEEDS_ACTION
    )
    rsvp_comment: Mapped[str] = mapped_column(sa.Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Personal link: unguessable, revocable.
    token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_sequence: Mapped[int | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[Attendance | None] = mapped_column(enum_type(Attendance, "attendance"))
    # A substitute named by an invitee, or a guest who was not invited.
    substitute_for_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL")
    )
    is_guest: Mapped[bool] = mapped_column(default=False)
    guest_name: Mapped[str] = mapped_column(sa.String(200), default="")
    guest_organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    contact: Mapped[Contact | None] = relationship()
    substitute_for: Mapped[Invitation | None] = relationship(remote_side="Invitation.id")
    # Every answer given, oldest first (overleg.meetings.answers); the database deletes them with
    # the invitation.
    answers: Mapped[list[InvitationAnswer]] = relationship(
        back_populates="invitation",
        foreign_keys="InvitationAnswer.invitation_id",
        order_by="(InvitationAnswer.received_at, InvitationAnswer.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "contact_id"),
        sa.CheckConstraint(
            "contact_id IS NOT NULL OR guest_name <> ''", name="contact_or_guest_name"
        ),
        # One substitute per invitation, named through its personal link (the guests of the
        # minutes who stood in for someone are not counted): two requests that name one at the
        # same time cannot both succeed.
        sa.Index(
            "uq_invitation_one_substitute",
            "substitute_for_id",
            unique=True,
            sqlite_where=sa.text(ONE_SUBSTITUTE_WHERE),
            postgresql_where=sa.text(ONE_SUBSTITUTE_WHERE),
        ),
    )

    @property
    def display_name(self) -> str:
        if self.contact is not None:
            return self.contact.full_name
        return self.guest_name


class ThemeInvitation(Model):
    """An invitation that a theme on the agenda brought (ThemeInvitee): withdrawn again when
    no theme on the agenda asks for that person any more."""

    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)

    theme: Mapped[Theme] = relationship()


class SubstituteNaming(Model):
    """A substitute named through an invitation's personal link: the limit per link counts these
    in the database, so it holds across worker processes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvitationAnswer(Model):
    """One answer an invitee gave, kept for good: the history behind `Invitation.rsvp_status`.

    The invitation's current answer is the latest one given for the meeting's current significant
    version (`Meeting.significant_sequence`); an answer to an earlier version stays here only.
    Written by `overleg.meetings.answers.record_answer`, whatever the answer came through.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"))
    status: Mapped[RsvpStatus] = mapped_column(enum_type(RsvpStatus, "answer_status"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The meeting's SEQUENCE this answer was given for.
    sequence: Mapped[int] = mapped_column(default=0)
    source: Mapped[AnswerSource] = mapped_column(enum_type(AnswerSource, "answer_source"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whether it became the invitation's current answer when it came in.
    counted: Mapped[bool] = mapped_column(default=True)
    # A DELEGATED answer names the substitute: their invitation while it exists, and their name.
    delegated_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    delegated_to_name: Mapped[str] = mapped_column(sa.String(300), default="")

    invitation: Mapped[Invitation] = relationship(
        back_populates="answers", foreign_keys=[invitation_id]
    )
    delegated_to: Mapped[Invitation | None] = relationship(foreign_keys=[delegated_to_id])

    __table_args__ = (
        sa.Index("ix_invitation_answer_invitation_received", "invitation_id", "received_at"),
    )
