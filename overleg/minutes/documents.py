"""The minutes' documents: the file names of a meeting's minutes PDF and Word file."""

from __future__ import annotations

from overleg.lib.pdf import dated_pdf_filename
from overleg.models import Meeting


def minutes_pdf_filename(meeting: Meeting) -> str:
    return dated_pdf_filename("verslag", meeting.municipality.slug, meeting.start_at)


def minutes_docx_filename(meeting: Meeting) -> str:
    return minutes_pdf_filename(meeting).removesuffix(".pdf") + ".docx"
