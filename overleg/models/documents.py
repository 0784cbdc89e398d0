"""Meeting documents ("vergaderstukken"): a document per meeting or agenda item, its versions, and
the stored files behind them.

The files live in the database, content-addressed: one `DocumentBlob` per distinct content (its
SHA-256), however often it is attached, its bytes in `DocumentChunk` rows of at most
`CHUNK_BYTES` so that a download streams chunk by chunk and one backup holds everything.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model
from overleg.models.meetings import AgendaItem, Meeting
from overleg.models.minutes import MinutesVersion
from overleg.models.types import UTCDateTime, utcnow
from overleg.models.users import User

CHUNK_BYTES = 1024 * 1024


class DocumentBlob(Model):
    """One distinct file content, stored once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentChunk(Model):
    """A piece of a blob's bytes, in order of `position`."""

    blob_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document_blob.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Document(Model):
    """A document of a meeting, on one of its agenda items or on the meeting as a whole."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    # None: a document of the whole meeting (also when its agenda item was deleted).
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document",
        order_by="DocumentVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> DocumentVersion:
        """The version shown and sent: the newest."""
        return self.versions[-1]


class DocumentVersion(Model):
    """One uploaded file of a document; a replacement adds a version, the old ones stay."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    blob_id: Mapped[int] = mapped_column(sa.ForeignKey("document_blob.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    # When a mail to the invitees first named this version (the invitation or an update).
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(back_populates="versions")
    blob: Mapped[DocumentBlob] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    @property
    def sha256(self) -> str:
        return self.blob.sha256


class MinutesAnnex(Model):
    """A document version that a frozen version of the minutes refers to (an annex).

    The foreign key to the document version has no cascade: a version the minutes refer to
    cannot be deleted, not even by a deletion that bypasses the services' rule.
    """

    minutes_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes_version.id", ondelete="CASCADE"), primary_key=True
    )
    document_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document_version.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    minutes_version: Mapped[MinutesVersion] = relationship()
    document_version: Mapped[DocumentVersion] = relationship()
