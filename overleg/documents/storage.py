"""The files behind the documents, in the database: one blob per distinct content (SHA-256),
its bytes in chunks (overleg.models.documents.CHUNK_BYTES) so a download streams.

Stored in the database on SQLite and PostgreSQL alike, so `flask backup` (and pg_dump) hold the
files with everything else, and every app server reads the same store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from overleg.extensions import db
from overleg.models import DocumentBlob, DocumentChunk, DocumentVersion, MinutesAnnex
from overleg.models.documents import CHUNK_BYTES


def store(content: bytes) -> DocumentBlob:
    """The blob holding `content`: the stored one when this content is already there."""
    digest = hashlib.sha256(content).hexdigest()
    found = _by_hash(digest)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            blob = DocumentBlob(sha256=digest, size=len(content))
            db.session.add(blob)
            db.session.flush()
            db.session.add_all(
                DocumentChunk(blob_id=blob.id, position=index, data=piece)
                for index, piece in enumerate(_pieces(content))
            )
            db.session.flush()
    except IntegrityError:
        # Someone stored the same content at the same moment: theirs is the one.
        found = _by_hash(digest)
        if found is None:
            raise
        return found
    return blob


def _by_hash(digest: str) -> DocumentBlob | None:
    return db.session.scalar(sa.select(DocumentBlob).where(DocumentBlob.sha256 == digest))


def _pieces(content: bytes) -> Iterator[bytes]:
    for start in range(0, len(content), CHUNK_BYTES):
        yield content[start : start + CHUNK_BYTES]


def chunks(blob_id: int) -> Iterator[bytes]:
    """The blob's bytes, one chunk (one query) at a time: a download never holds the whole
    file in memory."""
    position = 0
    while True:
        data = db.session.scalar(_chunk_query(blob_id, position))
        if data is None:
            return
        yield data
        position += 1


def stream(blob_id: int) -> Iterator[bytes]:
    """The blob's bytes for a response that streams after the view returned: each chunk read
    through a connection of its own, so the stream needs no request context and a download
    that is broken off leaves nothing open. (A blob never changes once stored.)"""
    return _stream(db.engine, blob_id)


def _stream(engine: sa.Engine, blob_id: int) -> Iterator[bytes]:
    position = 0
    while True:
        with engine.connect() as connection:
            data = connection.scalar(_chunk_query(blob_id, position))
        if data is None:
            return
        yield data
        position += 1


def _chunk_query(blob_id: int, position: int) -> sa.Select[bytes]:
    return sa.select(DocumentChunk.data).where(
        DocumentChunk.blob_id == blob_id, DocumentChunk.position == position
    )


def content(blob_id: int) -> bytes:
    """The whole content (for a mail attachment)."""
    return b"".join(chunks(blob_id))


def forget_unused(blob_ids: set[int]) -> None:
    """Delete the blobs among `blob_ids` that no document version uses any more."""
    if not blob_ids:
        return
    used = set(
        db.session.scalars(
            sa.select(DocumentVersion.blob_id).where(DocumentVersion.blob_id.in_(blob_ids))
        )
    )
    unused = blob_ids - used
    if unused:
        db.session.execute(sa.delete(DocumentChunk).where(DocumentChunk.blob_id.in_(unused)))
        db.session.execute(sa.delete(DocumentBlob).where(DocumentBlob.id.in_(unused)))


def versions_in_minutes(version_ids: set[int]) -> set[int]:
    """Which of these document versions approved minutes refer to (as annexes)."""
    if not version_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(MinutesAnnex.document_version_id).where(
                MinutesAnnex.document_version_id.in_(version_ids)
            )
        )
    )
