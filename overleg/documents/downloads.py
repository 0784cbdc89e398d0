"""A document version as an HTTP response: streamed chunk by chunk from the database, with
Content-Disposition (RFC 6266: an ASCII filename and the exact one as filename*), the stored
Content-Type and `nosniff`; inline only for PDF and images, every other file as an attachment."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from werkzeug.wrappers import Response

from overleg.documents import checks, storage
from overleg.mail.links import PERSONAL_PAGE_HEADERS
from overleg.models import DocumentVersion

INLINE_MIMETYPES = frozenset(checks.MIMETYPES[kind] for kind in checks.INLINE_KINDS)


def ascii_filename(filename: str) -> str:
    """The name without accents, quotes or anything outside printable ASCII (the fallback for
    clients that do not read filename*)."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    plain = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in plain).strip()
    return plain or "document"


def content_disposition(filename: str, mimetype: str) -> str:
    disposition = "inline" if mimetype in INLINE_MIMETYPES else "attachment"
    return (
        f'{disposition}; filename="{ascii_filename(filename)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def file_response(version: DocumentVersion, *, personal: bool = False) -> Response:
    headers = {
        "Content-Disposition": content_disposition(version.filename, version.mimetype),
        "Content-Length": str(version.size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    if personal:
        headers.update(PERSONAL_PAGE_HEADERS)
    return Response(
        storage.stream(version.blob_id),
        content_type=version.mimetype,
        headers=headers,
        direct_passthrough=True,
    )
