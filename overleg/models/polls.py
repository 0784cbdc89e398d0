"""Availability polls: candidate slots from a plan, asked to the standing invitees."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model
from overleg.models.directory import Contact, Municipality, Platform
from overleg.models.types import UTCDateTime, utcnow
from overleg.models.users import User


class AvailabilityPoll(Model):
    """One poll for one planning period of a platform, with the planner settings it came from."""

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)
    year: Mapped[int] = mapped_column()
    half: Mapped[int | None] = mapped_column()  # None: the whole year
    avoid_public_holidays: Mapped[bool] = mapped_column(default=True)
    avoid_flemish_holiday: Mapped[bool] = mapped_column(default=True)
    avoid_school_holidays: Mapped[bool] = mapped_column(default=True)
    max_per_day: Mapped[int] = mapped_column(default=2)
    # Municipality slugs left out of the plan, comma-separated.
    skipped: Mapped[str] = mapped_column(sa.Text, default="")
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)  # shown to respondents
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Closed by hand or when its plan was confirmed; a closed poll takes no more answers.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship()
    created_by: Mapped[User | None] = relationship()
    slots: Mapped[list[PollSlot]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollSlot.start_at"
    )
    respondents: Mapped[list[PollRespondent]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollRespondent.id"
    )

    __table_args__ = (
        sa.CheckConstraint("half IS NULL OR half IN (1, 2)", name="half"),
        sa.CheckConstraint("max_per_day >= 1", name="max_per_day"),
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PollSlot(Model):
    """A candidate date and time for a meeting of one municipality."""

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        sa.ForeignKey("availability_poll.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)

    poll: Mapped[AvailabilityPoll] = relationship(back_populates="slots")
    municipality: Mapped[Municipality] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("poll_id", "municipality_id", "start_at"),
        sa.CheckConstraint("end_at > start_at", name="slot_order"),
    )


class PollRespondent(Model):
    """A standing invitee asked in a poll, with their personal link (no account needed)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        sa.ForeignKey("availability_poll.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contact.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    poll: Mapped[AvailabilityPoll] = relationship(back_populates="respondents")
    contact: Mapped[Contact] = relationship()
    answers: Mapped[list[PollAnswer]] = relationship(
        back_populates="respondent", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("poll_id", "contact_id"),)


class PollAnswer(Model):
    """Whether a slot suits a respondent (only slots of their municipalities are asked)."""

    respondent_id: Mapped[int] = mapped_column(
        sa.ForeignKey("poll_respondent.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("poll_slot.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    suits: Mapped[bool] = mapped_column()

    respondent: Mapped[PollRespondent] = relationship(back_populates="answers")
    slot: Mapped[PollSlot] = relationship()
