"""The minutes' documents: the file names of a meeting's minutes PDF and Word file, and the
response that hands a PDF out."""

from __future__ import annotations

from flask import Response

from overleg.lib.pdf import dated_pdf_filename
from overleg.models import Meeting, Municipality


def minutes_pdf_filename(meeting: Meeting, municipality: Municipality | None = None) -> str:
    """The whole minutes are named after the host; a joint meeting's verslag of one
    municipality after that municipality."""
    owner = municipality or meeting.municipality
    return dated_pdf_filename("verslag", owner.slug, meeting.start_at)


def minutes_docx_filename(meeting: Meeting, municipality: Municipality | None = None) -> str:
    return minutes_pdf_filename(meeting, municipality).removesuffix(".pdf") + ".docx"


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF shown in the browser, never stored by a cache on the way."""
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
