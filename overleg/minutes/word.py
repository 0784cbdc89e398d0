"""The minutes as a Word file (minutes.docx): the same content and order as the minutes PDF.

Built with python-docx from the context the PDF gets (services.document_context), with Word's
own built-in styles (Title, Heading 1-3, List Bullet, List Number, Table Grid), so a secretary
can paste it into the municipality's template and the styles map onto theirs. Headings follow the
PDF's: Title = its h1, Heading 1 = h2 (attendance, the agenda, the action points, the next
meeting), Heading 2 = h3 (an attendance group, an agenda item), Heading 3 = h4 (an item's
decisions and action points). Minutes that are not approved say so: "(ontwerp)" in the title,
a line under it and "ONTWERP" in the page header.

One function per section (SECTIONS), each taking the document and the context: a new section
(annexes) is one more function in that list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from flask_babel import force_locale
from flask_babel import gettext as _

from overleg.documents.checks import MIMETYPES, Kind
from overleg.lib.dates import long_date, long_datetime, short_date, time_only
from overleg.lib.markup import render_markdown
from overleg.minutes import services
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    AgendaItemKind,
    Meeting,
    Minutes,
    MinutesStatus,
    Municipality,
)
from overleg.models.labels import label
from overleg.models.types import utcnow

LANGUAGE = "nl-BE"
DOCX_MIMETYPE = MIMETYPES[Kind.DOCX]
DASH = "\u2013"
Context = dict[str, Any]


def minutes_docx(
    meeting: Meeting,
    minutes: Minutes,
    *,
    now: datetime | None = None,
    municipality: Municipality | None = None,
) -> bytes:
    """The minutes as they are now, as a .docx file (Dutch, whatever the reader's language): the
    whole, or one municipality's verslag of a joint meeting (services.document_context)."""
    with force_locale("nl"):
        context = services.document_context(meeting, minutes, municipality)
        document = Document()
        _set_up(document, context, now or utcnow())
        for section in SECTIONS:
            section(document, context)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the file: properties, language, page -------------------------------------------------


def _set_up(document: WordDocument, context: Context, now: datetime) -> None:
    properties = document.core_properties
    draft = f" ({_('ontwerp')})" if context["is_draft"] else ""
    properties.title = context["document_title"] + draft
    properties.subject = context["document_description"]
    properties.author = properties.last_modified_by = context["platform"].name
    properties.language = LANGUAGE
    properties.comments = ""
    properties.created = properties.modified = now
    for lang in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang.set(qn("w:val"), LANGUAGE)  # what Word's spelling check reads
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2.5)
    if context["is_draft"]:
        section.header.paragraphs[0].text = _("ONTWERP")


# --- the sections, in the PDF's order -----------------------------------------------------


def _heading(document: WordDocument, context: Context) -> None:
    meeting = context["meeting"]
    document.add_paragraph(f"{_('Verslag')}: {meeting.title}", style="Title")
    document.add_paragraph(long_datetime(meeting.start_at))
    if context["is_draft"]:
        mark = document.add_paragraph()
        mark.add_run(_("ONTWERP")).bold = True
        mark.add_run(f" {DASH} {_('nog niet goedgekeurd')}")
    document.add_paragraph(f"{_('Status')}: {context['status_text']}")


def _facts(document: WordDocument, context: Context) -> None:
    meeting = context["meeting"]
    start, end = meeting.start_at, meeting.end_at
    when = f"{long_date(start)}, {time_only(start)} {DASH} {time_only(end)}"
    chair, minute_taker = context["chair"], context["minute_taker"]
    for name, value in (
        (_("Gemeente"), context["municipality"].name),
        (_("Datum"), when),
        (_("Plaats"), meeting.location or DASH),
        (_("Voorzitter"), chair.display_name if chair else DASH),
        (_("Verslaggever"), minute_taker.display_name if minute_taker else DASH),
    ):
        _labelled(document.add_paragraph(), name, value)


def _attendance(document: WordDocument, context: Context) -> None:
    document.add_heading(_("Aanwezigheden"), level=1)
    for group in context["attendance"]:
        document.add_heading(f"{group.label} ({group.count})", level=2)
        if not group.by_organisation:
            document.add_paragraph(_("Niemand."))
        for organisation, names in group.by_organisation:
            _labelled(document.add_paragraph(style="List Bullet"), organisation, ", ".join(names))


def _agenda(document: WordDocument, context: Context) -> None:
    document.add_heading(_("Agenda en bespreking"), level=1)
    for number, view in enumerate(context["items"], start=1):
        document.add_heading(f"{number}. {view.item.title}", level=2)
        if view.item.confidential:  # the public view: its notes are kept apart
            document.add_paragraph(
                _("Dit punt werd vertrouwelijk besproken. Het verslag ervan wordt apart bewaard.")
            )
        if view.item.kind is AgendaItemKind.APPROVAL:
            document.add_paragraph(_approval_text(context))
        if view.note is not None and view.note.discussion:
            write_note(document, str(render_markdown(view.note.discussion)))
        if view.item.kind is AgendaItemKind.FOLLOW_UP:
            _follow_ups(document, context["follow_ups"])
        _item_lists(document, view.decisions, view.action_points)
        if view.item.kind is AgendaItemKind.NEXT_MEETING and context["next_meeting"]:
            document.add_paragraph(f"{_('Volgende vergadering')}: {_next_text(context)}")


def _action_points(document: WordDocument, context: Context) -> None:
    document.add_heading(_("Actiepunten"), level=1)
    points: list[ActionPoint] = context["action_points"]
    if not points:
        document.add_paragraph(_("Er werden geen actiepunten afgesproken."))
        return
    head = (_("Nr."), _("Wat"), _("Wie"), _("Tegen"), _("Status"))
    rows = [
        (
            str(number),
            point.description,
            services.owner_label(point) or DASH,
            short_date(point.due_date) if point.due_date else DASH,
            label(point.status),
        )
        for number, point in enumerate(points, start=1)
    ]
    _table(document, head, rows)


def _next_meeting(document: WordDocument, context: Context) -> None:
    document.add_heading(_("Volgende vergadering"), level=1)
    document.add_paragraph(
        _next_text(context) if context["next_meeting"] else _("Nog niet vastgelegd.")
    )


SECTIONS: tuple[Callable[[WordDocument, Context], None], ...] = (
    _heading,
    _facts,
    _attendance,
    _agenda,
    _action_points,
    _next_meeting,
)


# --- pieces of an agenda item -------------------------------------------------------------


def _approval_text(context: Context) -> str:
    previous, previous_minutes = context["previous_meeting"], context["previous_minutes"]
    if previous is None:
        return str(_("Er is geen vorige vergadering."))
    text = f"{_('Keurt het verslag goed van')} {previous.title} ({long_date(previous.start_at)})"
    if previous_minutes is not None and previous_minutes.status is MinutesStatus.APPROVED:
        text += f" {DASH} {_('goedgekeurd')}"
    return text + "."


def _next_text(context: Context) -> str:
    upcoming = context["next_meeting"]
    where = f", {upcoming.location}" if upcoming.location else ""
    return f"{long_datetime(upcoming.start_at)}{where}."


def _follow_ups(document: WordDocument, points: list[ActionPoint]) -> None:
    if not points:
        document.add_paragraph(_("Geen openstaande actiepunten van eerdere vergaderingen."))
        return
    head = (_("Actiepunt"), _("Van"), _("Wie"), _("Status"), _("Opvolging"))
    rows = [
        (
            point.description,
            short_date(point.meeting.start_at),
            services.owner_label(point) or DASH,
            _("Loopt verder") if point.status is ActionPointStatus.OPEN else label(point.status),
            point.follow_up_note or "",
        )
        for point in points
    ]
    _table(document, head, rows)


def _item_lists(
    document: WordDocument, decisions: list[str], action_points: list[ActionPoint]
) -> None:
    if decisions:
        document.add_heading(_("Besluiten"), level=3)
        for decision in decisions:
            document.add_paragraph(decision, style="List Bullet")
    if action_points:
        document.add_heading(_("Actiepunten"), level=3)
        for point in action_points:
            document.add_paragraph(_point_line(point), style="List Bullet")


def _point_line(point: ActionPoint) -> str:
    parts = [point.description]
    owner = services.owner_label(point)
    if owner:
        parts.append(owner)
    if point.due_date:
        parts.append(_("tegen %(date)s", date=short_date(point.due_date)))
    return f" {DASH} ".join(parts) + f" ({label(point.status)})"


# --- building blocks ----------------------------------------------------------------------


def _labelled(paragraph: Paragraph, name: str, value: str) -> None:
    paragraph.add_run(name).bold = True
    paragraph.add_run(f": {value}")


def _table(document: WordDocument, head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table in Word's "Table Grid" style whose head row repeats on every page."""
    table = document.add_table(rows=1, cols=len(head), style="Table Grid")
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    header = OxmlElement("w:tblHeader")
    table.rows[0]._tr.get_or_add_trPr().append(header)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def write_note(document: WordDocument, html: str) -> None:
    """A note's safe HTML (lib/markup: p, br, ul, ol, li, strong, em, a) as Word paragraphs."""
    writer = _NoteWriter(document)
    writer.feed(html)
    writer.close()


class _NoteWriter(HTMLParser):
    """Paragraphs in Normal, list items in List Bullet / List Number (2 and 3 when nested),
    bold and italic runs; a link keeps its text with the address after it."""

    def __init__(self, document: WordDocument) -> None:
        super().__init__(convert_charrefs=True)
        self._document = document
        self._paragraph: Paragraph | None = None
        self._lists: list[str] = []
        self._items = 0
        self._bold = self._italic = 0
        self._link: tuple[str, str] | None = None  # (href, text so far)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self._lists.append(tag)
        elif tag == "li":
            self._items += 1
            self._paragraph = self._document.add_paragraph(style=self._list_style())
        elif tag == "p" and not self._items:
            self._paragraph = None
        elif tag in ("strong", "b", "em", "i"):
            self._emphasis(tag, 1)
        elif tag == "br" and self._paragraph is not None:
            self._paragraph.add_run().add_break()
        elif tag == "a":
            self._link = (dict(attrs).get("href") or "", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        elif tag == "li":
            self._items -= 1
            self._paragraph = None
        elif tag == "p" and not self._items:
            self._paragraph = None
        elif tag in ("strong", "b", "em", "i"):
            self._emphasis(tag, -1)
        elif tag == "a" and self._link is not None:
            href, text = self._link
            self._link = None
            if href and href.removeprefix("mailto:") != text.strip():
                self._run(f" ({href.removeprefix('mailto:')})")

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split("\n"))
        if self._paragraph is None and not text.strip():
            return  # the line breaks between blocks
        if self._link is not None:
            self._link = (self._link[0], self._link[1] + text)
        self._run(text)

    def _run(self, text: str) -> None:
        if self._paragraph is None:
            self._paragraph = self._document.add_paragraph()
        run = self._paragraph.add_run(text)
        run.bold = self._bold > 0 or None
        run.italic = self._italic > 0 or None

    def _emphasis(self, tag: str, step: int) -> None:
        if tag in ("strong", "b"):
            self._bold = max(0, self._bold + step)
        else:
            self._italic = max(0, self._italic + step)

    def _list_style(self) -> str:
        base = "List Number" if self._lists and self._lists[-1] == "ol" else "List Bullet"
        depth = min(len(self._lists), 3)
        return base if depth <= 1 else f"{base} {depth}"
