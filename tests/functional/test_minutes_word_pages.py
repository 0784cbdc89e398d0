"""minutes.docx through HTTP: the download, its links on the pages, and who gets it."""

from __future__ import annotations

from io import BytesIO

import docx

from overleg.models import MeetingStatus
from tests import factories
from tests.conftest import login
from tests.unit.test_minutes_pdf import _minutes_with_content

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_reader_downloads_the_minutes_as_word(app, client, world):
    meeting, _minutes = _minutes_with_content(world)
    login(client, world.reader)

    response = client.get(f"/meetings/{meeting.id}/minutes.docx")

    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="verslag-{world.north.slug}-2026-02-10.docx"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    document = docx.Document(BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    line = "Cijfers per deelgemeente bezorgen \u2013 CAW De Kempen \u2013 tegen 1 mei 2026 (Open)"
    assert line in texts
    assert document.core_properties.title.endswith("(ontwerp)")


def test_the_minutes_pages_link_to_the_word_file_beside_the_pdf(app, client, world):
    meeting, _minutes = _minutes_with_content(world)
    login(client, world.secretary)

    for page in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/minutes"):
        html = client.get(page).get_data(as_text=True)
        pdf_link = f'href="/meetings/{meeting.id}/minutes.pdf"'
        word_link = f'href="/meetings/{meeting.id}/minutes.docx">Word (.docx)</a>'
        assert pdf_link in html and word_link in html, page
        assert html.index(word_link) > html.index(pdf_link)


def test_minutes_not_started_give_an_empty_draft_and_a_cancelled_meeting_none(app, client, world):
    held = factories.HeldMeetingFactory(municipality=world.north)
    cancelled = factories.HeldMeetingFactory(
        municipality=world.north, status=MeetingStatus.CANCELLED
    )
    login(client, world.secretary)

    draft = client.get(f"/meetings/{held.id}/minutes.docx")
    assert draft.status_code == 200
    texts = [p.text for p in docx.Document(BytesIO(draft.data)).paragraphs]
    assert "Status: ontwerp" in texts and "Er werden geen actiepunten afgesproken." in texts
    assert client.get(f"/meetings/{cancelled.id}/minutes.docx").status_code == 404


def test_only_who_sees_the_meeting_gets_its_word_file(app, client, world):
    meeting, _minutes = _minutes_with_content(world)
    other_platform = factories.HeldMeetingFactory(municipality=world.elsewhere)
    url = f"/meetings/{meeting.id}/minutes.docx"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, world.outsider)
    assert client.get(url).status_code == 404
    client.delete_cookie("session")
    login(client, world.reader)
    assert client.get(f"/meetings/{other_platform.id}/minutes.docx").status_code == 404
    assert client.get("/meetings/999999/minutes.docx").status_code == 404
