"""The minutes as a Word file, read back with python-docx: content, styles, draft mark."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import docx

from overleg.extensions import db
from overleg.minutes import services
from overleg.minutes.word import minutes_docx, write_note
from tests.unit.test_minutes_pdf import NOW, _minutes_with_content


def _read(content: bytes):
    return docx.Document(BytesIO(content))


def _styled(document, prefix: str) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(prefix)]


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    parts.append(document.core_properties.title)
    return "\n".join(parts)


def test_word_minutes_hold_the_pdfs_sections_in_words_own_styles(app, world):
    meeting, minutes = _minutes_with_content(world)

    document = _read(minutes_docx(meeting, minutes))

    assert _styled(document, "Title") == [("Title", "Verslag: Lokaal woonoverleg Noorderdorp")]
    headings = _styled(document, "Heading")
    assert headings == [
        ("Heading 1", "Aanwezigheden"),
        ("Heading 2", "Aanwezig (1)"),
        ("Heading 2", "Verontschuldigd (1)"),
        ("Heading 2", "Afwezig (0)"),
        ("Heading 1", "Agenda en bespreking"),
        ("Heading 2", "1. Verwelkoming"),
        ("Heading 2", "2. Lokale woonnoden en wachtlijsten"),
        ("Heading 3", "Besluiten"),
        ("Heading 3", "Actiepunten"),
        ("Heading 2", "3. Datum volgende vergadering"),
        ("Heading 1", "Actiepunten"),
        ("Heading 1", "Volgende vergadering"),
    ]
    bullets = [text for style, text in _styled(document, "List Bullet")]
    assert "CAW De Kempen: Marleen Vervoort" in bullets  # present
    assert "CAW De Kempen: Koen Janssens" in bullets  # excused
    assert "De gemeente vraagt extra sociale huurwoningen aan" in bullets  # the decision
    point = "Cijfers per deelgemeente bezorgen \u2013 CAW De Kempen"
    assert any(b.startswith(point) for b in bullets)
    text = _all_text(document)
    for expected in (
        "Gemeente: Noorderdorp",
        "Voorzitter: Marleen Vervoort",
        "Verslaggever: \u2013",
        "De wachtlijst telt 412 kandidaat-huurders.",
        "dinsdag 15 september 2026",
    ):
        assert expected in text, expected


def test_the_action_point_table_has_a_repeated_head_row(app, world):
    meeting, minutes = _minutes_with_content(world)

    document = _read(minutes_docx(meeting, minutes))

    [table] = document.tables
    assert table.style.name == "Table Grid"
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        ["Nr.", "Wat", "Wie", "Tegen", "Status"],
        ["1", "Cijfers per deelgemeente bezorgen", "CAW De Kempen", "1 mei 2026", "Open"],
    ]
    assert table.rows[0]._tr.trPr.xpath("w:tblHeader")
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)


def test_markdown_of_a_note_keeps_its_emphasis(app, world):
    meeting, minutes = _minutes_with_content(world)

    document = _read(minutes_docx(meeting, minutes))

    [paragraph] = [p for p in document.paragraphs if "412" in p.text]
    assert paragraph.style.name == "Normal"
    assert [(run.text, bool(run.bold)) for run in paragraph.runs] == [
        ("De wachtlijst telt ", False),
        ("412", True),
        (" kandidaat-huurders.", False),
    ]


def test_a_draft_says_so_and_the_file_says_its_language(app, world):
    meeting, minutes = _minutes_with_content(world)

    document = _read(minutes_docx(meeting, minutes))

    properties = document.core_properties
    assert properties.title == (
        "Verslag Lokaal woonoverleg Noorderdorp \u2013 dinsdag 10 februari 2026 (ontwerp)"
    )
    assert properties.language == "nl-BE"
    assert properties.author == world.platform.name
    assert properties.comments == ""
    assert "ONTWERP \u2013 nog niet goedgekeurd" in [p.text for p in document.paragraphs]
    assert "Status: ontwerp" in [p.text for p in document.paragraphs]
    assert document.sections[0].header.paragraphs[0].text == "ONTWERP"
    [lang] = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    assert lang.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val") == "nl-BE"
    assert round(document.sections[0].page_width.cm, 1) == 21.0  # A4


def test_approved_minutes_carry_no_draft_mark(app, world):
    meeting, minutes = _minutes_with_content(world)
    services.approve(minutes, expected_version=minutes.version, at_meeting=None, user=None, now=NOW)
    db.session.commit()

    document = _read(minutes_docx(meeting, minutes))

    assert "ontwerp" not in _all_text(document).lower()
    assert any(p.text.startswith("Status: goedgekeurd (") for p in document.paragraphs)
    assert document.core_properties.title.endswith("dinsdag 10 februari 2026")


def test_a_note_becomes_paragraphs_lists_and_links(app):
    document = docx.Document()
    html = (
        "<p>Eerste <em>alinea</em><br>tweede regel</p>"
        "<ul><li>een</li><li><p>twee</p><ul><li>genest</li></ul></li></ul>"
        "<ol><li>eerst</li></ol>"
        '<p>Zie <a href="https://www.vlaanderen.be/wonen">de website</a> of '
        '<a href="mailto:info@example.be">info@example.be</a>.</p>'
    )

    write_note(document, html)

    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs == [
        ("Normal", "Eerste alinea\ntweede regel"),
        ("List Bullet", "een"),
        ("List Bullet", "twee"),
        ("List Bullet 2", "genest"),
        ("List Number", "eerst"),
        ("Normal", "Zie de website (https://www.vlaanderen.be/wonen) of info@example.be."),
    ]
    assert document.paragraphs[0].runs[1].italic


def test_an_english_reader_still_gets_dutch_minutes(app, world):
    from flask_babel import force_locale

    meeting, minutes = _minutes_with_content(world)

    with force_locale("en"):
        document = _read(minutes_docx(meeting, minutes, now=datetime(2026, 3, 1, tzinfo=UTC)))

    assert ("Heading 1", "Aanwezigheden") in _styled(document, "Heading")
    assert document.core_properties.created == datetime(2026, 3, 1, tzinfo=UTC)
