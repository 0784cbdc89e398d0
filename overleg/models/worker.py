"""What the worker remembers: the mail it read from the reply mailbox, and who runs which job."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from overleg.extensions import Model
from overleg.models.types import UTCDateTime, enum_type, utcnow


class InboundOutcome(enum.StrEnum):
    PROCESSED = "processed"
    REJECTED = "rejected"


class InboundMessage(Model):
    """One message read from the reply mailbox, written in the transaction of its handling.

    A message is known by its Message-ID, or by its folder, UIDVALIDITY and UID when it has none:
    a reader that stopped after handling it but before moving it finds this row and only moves it.
    """

    __table_args__ = (sa.UniqueConstraint("folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(sa.String(998), unique=True)
    folder: Mapped[str] = mapped_column(sa.String(200))
    uidvalidity: Mapped[int] = mapped_column(sa.BigInteger)
    uid: Mapped[int] = mapped_column(sa.BigInteger)
    outcome: Mapped[InboundOutcome] = mapped_column(enum_type(InboundOutcome, "inbound_outcome"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerJob(Model):
    """One job of `flask worker`: who holds it until when (a lease), and when it last ran."""

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str] = mapped_column(sa.String(500), default="")
