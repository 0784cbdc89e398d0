"""What comes back from the invitees' calendars: proposed new times, and answers set aside."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model
from overleg.models.meetings import Invitation, Meeting
from overleg.models.types import UTCDateTime, enum_type, utcnow
from overleg.models.users import User


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class CounterProposal(Model):
    """A new time an invitee proposed from their calendar (iTIP COUNTER), for the coordinator."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The SEQUENCE of the invitation the proposal answers: a later change of the meeting makes
    # it a proposal for an earlier version.
    sequence: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, "proposal_status"), default=ProposalStatus.PENDING
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    invitation: Mapped[Invitation] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("end_at > start_at", name="end_after_start"),)


class RejectedReply(Model):
    """A calendar answer that changed nothing, kept with the reason for the coordinator.

    `platform_id` says whose coordinators see it: the platform of the meeting its UID names, or
    of the contact who sent it; None when nothing in the mail points to a platform.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    platform_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[str] = mapped_column(sa.String(300), default="")
    sender: Mapped[str] = mapped_column(sa.String(254), default="")
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    method: Mapped[str] = mapped_column(sa.String(20), default="")
    uid: Mapped[str] = mapped_column(sa.String(255), default="")
    attendee: Mapped[str] = mapped_column(sa.String(254), default="")
    reason: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.Text, default="")

    meeting: Mapped[Meeting | None] = relationship()
