"""The demo's meeting documents: a short note (a one-page PDF) on the first theme of every meeting
that was not cancelled, and the key figures as CSV on the meetings still ahead.

The files are made here, a few hundred bytes each (a PDF written by hand: no WeasyPrint run per
file), and go through the documents feature's own checks and storage. Meetings whose invitations
went out had them named in the invitation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from overleg.documents import services as documents
from overleg.models import AgendaItem, AgendaItemKind, Meeting, MeetingStatus

THEME_NOTE_LINES = (
    "Voorbereidende nota voor het lokaal woonoverleg.",
    "Stand van zaken, cijfers en de vragen aan de woonactoren.",
    "Dit document werd gemaakt voor de demo van overleg.",
)


def _pdf_text(text: str) -> bytes:
    """A PDF string literal in WinAnsiEncoding (the standard Helvetica's), escaped."""
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def tiny_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A valid one-page A4 PDF with a title and a few lines of text in Helvetica."""
    operations = [b"BT", b"/F1 16 Tf", b"56 780 Td", _pdf_text(title) + b" Tj", b"/F1 11 Tf"]
    for line in lines:
        operations += [b"0 -22 Td", _pdf_text(line) + b" Tj"]
    operations.append(b"ET")
    stream = b"\n".join(operations)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def key_figures_csv(meeting: Meeting) -> bytes:
    name = meeting.municipality.name
    return (
        "gemeente;indicator;waarde\n"
        f"{name};sociale huurwoningen;{120 + meeting.municipality_id * 7}\n"
        f"{name};kandidaat-huurders op de wachtlijst;{80 + meeting.municipality_id * 5}\n"
    ).encode()


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:40]


def add_demo_documents(meetings: Sequence[Meeting], *, now: datetime) -> int:
    """Attach the demo's documents; returns how many were made."""
    settings = documents.DocumentSettings()
    made = 0
    for meeting in meetings:
        if meeting.status is MeetingStatus.CANCELLED:
            continue
        theme = next((i for i in meeting.agenda_items if i.kind is AgendaItemKind.THEME), None)
        uploads: list[tuple[AgendaItem | None, documents.Upload, str]] = []
        if theme is not None:
            note = tiny_pdf(f"{theme.title}: nota voor {meeting.title}", THEME_NOTE_LINES)
            upload = documents.Upload(f"nota-{_slug(theme.title)}.pdf", note)
            uploads.append((theme, upload, f"Nota {theme.title.lower()}"))
        if meeting.start_at > now:
            upload = documents.Upload("kerncijfers.csv", key_figures_csv(meeting))
            uploads.append((None, upload, "Kerncijfers wonen"))
        # Put on the agenda a few days before the invitations went out (or before now).
        uploaded_at = min(meeting.invitations_sent_at or now, now) - timedelta(days=2)
        for item, upload, title in uploads:
            added = documents.add_documents(
                meeting,
                [upload],
                agenda_item=item,
                title=title,
                user=None,
                now=uploaded_at,
                settings=settings,
            )
            made += len(added)
        if meeting.invitations_sent_at is not None:
            documents.mark_announced(meeting, meeting.invitations_sent_at)
    return made
