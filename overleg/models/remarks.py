"""Remarks on circulated draft minutes: the round, each member's personal link, the remarks."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model
from overleg.models.directory import Contact
from overleg.models.meetings import Invitation
from overleg.models.minutes import Minutes, MinutesVersion
from overleg.models.types import UTCDateTime, utcnow


class RemarksRound(Model):
    """One circulation of draft minutes for remarks: the frozen version that was mailed and the
    last day (Brussels) remarks are welcome. A newer round of the same minutes replaces it."""

    __tablename__ = "remarks_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("minutes_version.id", ondelete="SET NULL")
    )
    remarks_until: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    minutes: Mapped[Minutes] = relationship()
    version: Mapped[MinutesVersion | None] = relationship()
    links: Mapped[list[RemarkLink]] = relationship(
        back_populates="round", order_by="RemarkLink.id", cascade="all, delete-orphan"
    )


class RemarkLink(Model):
    """A member's personal link to a round: only the SHA-256 of its token is kept."""

    __tablename__ = "remark_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("remarks_round.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL")
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))  # the member, as the mail named them
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[RemarksRound] = relationship(back_populates="links")
    invitation: Mapped[Invitation | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    remarks: Mapped[list[MinutesRemark]] = relationship(
        back_populates="link", order_by="MinutesRemark.id", cascade="all, delete-orphan"
    )


class MinutesRemark(Model):
    """A remark a member sent on the draft through their link."""

    __tablename__ = "minutes_remark"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("remark_link.id", ondelete="CASCADE"), index=True
    )
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[RemarkLink] = relationship(back_populates="remarks")
