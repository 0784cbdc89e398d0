"""Minutes of a meeting, their notes per agenda item, action points and archived versions."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model
from overleg.models.directory import Contact, Municipality, Organisation
from overleg.models.meetings import AgendaItem, Meeting
from overleg.models.types import UTCDateTime, enum_type, utcnow


class MinutesStatus(enum.StrEnum):
    DRAFT = "draft"
    CIRCULATED = "circulated"
    APPROVED = "approved"


class ActionPointStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Minutes(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[MinutesStatus] = mapped_column(
        enum_type(MinutesStatus, "minutes_status"), default=MinutesStatus.DRAFT, index=True
    )
    # Optimistic locking: every UPDATE checks and raises this number.
    version: Mapped[int] = mapped_column(default=1)
    chair_invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL")
    )
    minute_taker_invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL")
    )
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The meeting at which these minutes were approved (normally the next one).
    approved_at_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))
    sent_to_agency_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    notes: Mapped[list[AgendaItemNote]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan"
    )
    versions: Mapped[list[MinutesVersion]] = relationship(
        back_populates="minutes",
        order_by="MinutesVersion.number",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}


class AgendaItemNote(Model):
    """The discussion and decisions recorded under one agenda item."""

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    discussion: Mapped[str] = mapped_column(sa.Text, default="")  # safe Markdown subset
    decisions: Mapped[str] = mapped_column(sa.Text, default="")  # one decision per line

    minutes: Mapped[Minutes] = relationship(back_populates="notes")
    agenda_item: Mapped[AgendaItem] = relationship()

    __table_args__ = (sa.UniqueConstraint("minutes_id", "agenda_item_id"),)


class ActionPoint(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    description: Mapped[str] = mapped_column(sa.Text)
    owner_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    owner_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact.id"))
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[ActionPointStatus] = mapped_column(
        enum_type(ActionPointStatus, "action_point_status"),
        default=ActionPointStatus.OPEN,
        index=True,
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))
    follow_up_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality] = relationship()
    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    owner_organisation: Mapped[Organisation | None] = relationship()
    owner_contact: Mapped[Contact | None] = relationship()


class MinutesVersion(Model):
    """A frozen PDF of the minutes (on approval and on every later correction)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    status: Mapped[MinutesStatus] = mapped_column(enum_type(MinutesStatus, "version_status"))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    minutes: Mapped[Minutes] = relationship(back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("minutes_id", "number"),)
