"""The agenda PDF: text, tags, metadata and embedded fonts checked with poppler's tools."""

from __future__ import annotations

from overleg.meetings.agenda_pdf import render_agenda, render_agenda_pdf
from tests import factories
from tests.pdftools import pdf_fonts, pdf_info, pdf_metadata_xml, pdf_structure, pdf_text


def test_agenda_pdf_is_tagged_dutch_and_embeds_its_fonts(app, world):
    meeting = factories.MeetingFactory(municipality=world.north, title="Woonoverleg Noorderdorp")
    factories.AgendaItemFactory(meeting=meeting, title="Lokale toewijzingsregels", presenter="Jan")
    factories.AgendaItemFactory(meeting=meeting, title="Wachtlijsten sociale huur")
    factories.InvitationFactory(meeting=meeting)

    pdf = render_agenda_pdf(meeting)

    text = pdf_text(pdf)
    assert "Lokale toewijzingsregels" in text
    assert "Wachtlijsten sociale huur" in text
    assert "pagina 1 van 1" in text
    info = pdf_info(pdf)
    assert info["Tagged"] == "yes"
    assert info["Page size"].endswith("(A4)")
    assert info["Title"].startswith("Agenda Woonoverleg Noorderdorp")
    assert info["Author"] == world.platform.name
    assert 'pdfuaid:part="1"' in pdf_metadata_xml(pdf)
    structure = pdf_structure(pdf)
    assert b"/Lang (nl-BE)" in structure
    fonts = pdf_fonts(pdf)
    assert fonts
    assert all(font["emb"] == "yes" for font in fonts), fonts
    assert b"/EmbeddedFile" not in structure


def test_agenda_pdf_counts_pages_for_a_long_agenda(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    for n in range(80):
        factories.AgendaItemFactory(meeting=meeting, title=f"Punt nummer {n}", notes="Tekst. " * 20)

    rendered = render_agenda(meeting)

    assert rendered.pages > 2
    assert f"pagina {rendered.pages} van {rendered.pages}" in pdf_text(rendered.content)
