"""The minutes PDF, read back with poppler's tools, and the fetcher that keeps it self-contained."""

from __future__ import annotations

import http.server
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from overleg.extensions import db
from overleg.lib import pdf
from overleg.meetings.services import load_meeting_page
from overleg.minutes import services
from overleg.models import AgendaItemKind, Attendance, MeetingStatus
from tests import factories
from tests.pdftools import (
    pdf_fonts,
    pdf_info,
    pdf_metadata_xml,
    pdf_structure,
    pdf_structure_tree,
    pdf_text,
)

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


class _Probe(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        _Probe.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, format, *args):
        return


@pytest.fixture
def probe():
    """A local HTTP server that records every request it receives."""
    _Probe.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Probe.requests
    server.shutdown()
    server.server_close()
    thread.join()


def _held_meeting(world, **kwargs):
    start = datetime(2026, 2, 10, 13, 0, tzinfo=UTC)
    meeting = factories.MeetingFactory(
        municipality=world.north,
        title="Lokaal woonoverleg Noorderdorp",
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
        **kwargs,
    )
    return meeting


def _minutes_with_content(world):
    meeting = _held_meeting(world)
    factories.AgendaItemFactory(meeting=meeting, title="Verwelkoming", kind=AgendaItemKind.WELCOME)
    theme = factories.AgendaItemFactory(
        meeting=meeting, title="Lokale woonnoden en wachtlijsten", kind=AgendaItemKind.THEME
    )
    factories.AgendaItemFactory(
        meeting=meeting, title="Datum volgende vergadering", kind=AgendaItemKind.NEXT_MEETING
    )
    organisation = factories.organisation_serving(world.north, name="CAW De Kempen")
    chair = factories.InvitationFactory(
        meeting=meeting,
        contact=factories.ContactFactory(
            organisation=organisation, first_name="Marleen", last_name="Vervoort"
        ),
        attendance=Attendance.PRESENT,
    )
    factories.InvitationFactory(
        meeting=meeting,
        contact=factories.ContactFactory(
            organisation=organisation, first_name="Koen", last_name="Janssens"
        ),
        attendance=Attendance.EXCUSED,
    )
    next_start = datetime(2026, 9, 15, 13, 0, tzinfo=UTC)
    factories.MeetingFactory(
        municipality=world.north, start_at=next_start, end_at=next_start + timedelta(hours=2)
    )
    meeting = load_meeting_page(meeting.id)
    minutes = services.ensure_minutes(meeting)
    services.save_attendance(
        minutes,
        [],
        chair_invitation_id=chair.id,
        minute_taker_invitation_id=None,
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    services.save_minutes(
        minutes,
        notes=[
            services.NoteData(
                theme.id,
                "De wachtlijst telt **412** kandidaat-huurders.",
                "De gemeente vraagt extra sociale huurwoningen aan",
            )
        ],
        action_points=[
            services.ActionPointData(
                None,
                "Cijfers per deelgemeente bezorgen",
                agenda_item_id=theme.id,
                owner=f"org:{organisation.id}",
                due_date=date(2026, 5, 1),
            )
        ],
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    db.session.commit()
    return meeting, minutes


def test_minutes_pdf_holds_names_decisions_and_action_points(app, world):
    meeting, minutes = _minutes_with_content(world)

    rendered = services.render_minutes(meeting, minutes)

    text = pdf_text(rendered.content)
    for expected in (
        "Marleen Vervoort",
        "Koen Janssens",
        "Aanwezig (1)",
        "Verontschuldigd (1)",
        "CAW De Kempen",
        "Voorzitter Marleen Vervoort",
        "De wachtlijst telt 412 kandidaat-huurders.",
        "De gemeente vraagt extra sociale huurwoningen aan",
        "Cijfers per deelgemeente bezorgen",
        "Volgende vergadering",
        "dinsdag 15 september 2026",
        "pagina 1 van",
        "Status: ontwerp",
    ):
        assert expected in text, expected
    info = pdf_info(rendered.content)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Verslag Lokaal woonoverleg Noorderdorp \u2013 dinsdag 10 februari 2026"
    assert info["Author"] == world.platform.name
    assert 'pdfuaid:part="1"' in pdf_metadata_xml(rendered.content)
    structure = pdf_structure(rendered.content)
    assert b"/Lang (nl-BE)" in structure
    assert b"/EmbeddedFile" not in structure
    fonts = pdf_fonts(rendered.content)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    tree = pdf_structure_tree(rendered.content)  # what a screen reader navigates by
    tags = {line.split()[0].rstrip(":") for line in tree.splitlines() if line.strip()}
    assert {"H1", "H2", "H3", "L", "LI", "Table", "TH", "TD"} <= tags, tags


def test_approved_minutes_carry_no_draft_watermark(app, world):
    _meeting, minutes = _minutes_with_content(world)
    version = services.approve(
        minutes, expected_version=minutes.version, at_meeting=None, user=None, now=NOW
    )
    text = pdf_text(version.pdf)
    assert "ontwerp" not in text.lower()
    assert "Status: goedgekeurd" in text


def test_pdf_variant_is_configurable(app, world):
    meeting, minutes = _minutes_with_content(world)
    app.config["PDF_VARIANT"] = "pdf/a-3a"
    rendered = services.render_minutes(meeting, minutes)
    assert 'pdfaid:part="3"' in pdf_metadata_xml(rendered.content)
    assert pdf_info(rendered.content)["Tagged"] == "yes"


def test_hostile_notes_reach_neither_the_network_nor_the_disk(app, world, probe):
    base, requests = probe
    meeting, minutes = _minutes_with_content(world)
    item = meeting.agenda_items[1]
    hostile = "\n\n".join(
        [
            f'<img src="{base}/img.png">',
            f"![foto]({base}/markdown.png)",
            f'<link rel="stylesheet" href="{base}/style.css">',
            f"<style>@import url({base}/import.css);</style>",
            f'<p style="background: url({base}/bg.png)">achtergrond</p>',
            "<script>document.write('x')</script>",
            f"[interne link]({base}/admin) en [bestand](file:///etc/passwd)",
            '<img src="file:///etc/passwd"> <img src="../../../../etc/passwd">',
            '<img src="data:image/png;base64,' + "A" * 2_000_000 + '">',
        ]
    )
    services.save_minutes(
        minutes,
        notes=[services.NoteData(item.id, hostile[: services.DISCUSSION_MAX])],
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    rendered = services.render_minutes(meeting, minutes)

    assert requests == []
    text = pdf_text(rendered.content)
    assert "achtergrond" in text and "interne link" in text
    assert "root:" not in text
    assert base.encode() not in pdf_structure(rendered.content)


def test_the_fetcher_refuses_everything_but_static_files_and_small_data_urls(app, probe):
    base, requests = probe
    html = f"""<!doctype html><html lang="nl-BE"><head><title>t</title>
      <link rel="stylesheet" href="{base}/linked.css">
      <style>@import url("{base}/imported.css"); @font-face {{ font-family: X;
        src: url("{base}/font.ttf"); }}</style></head>
      <body><p>Tekst</p><img src="{base}/img.png"><img src="file:///etc/passwd">
      <img src="../pyproject.toml"><img src="fonts/LICENSE-DejaVu.txt"></body></html>"""

    rendered = pdf.render_html_to_pdf(html)

    assert requests == []
    assert any(url.startswith(base) for url in rendered.blocked)
    assert "file:///etc/passwd" in rendered.blocked
    assert any(url.endswith("/pyproject.toml") for url in rendered.blocked)
    assert not any("LICENSE-DejaVu" in url for url in rendered.blocked)  # under static/: served
    assert "Tekst" in pdf_text(rendered.content)


def test_stress_minutes_give_a_correct_long_pdf(app, world):
    meeting = _held_meeting(world)
    for n in range(200):
        factories.AgendaItemFactory(meeting=meeting, title=f"Agendapunt {n + 1}", position=n)
    meeting = load_meeting_page(meeting.id)
    minutes = services.ensure_minutes(meeting)
    services.save_minutes(
        minutes,
        notes=[
            services.NoteData(item.id, "Bespreking van dit punt. " * 30, "Besluit " + item.title)
            for item in meeting.agenda_items
        ],
        action_points=[
            services.ActionPointData(None, f"Actie {n}") for n in range(services.MAX_ACTION_POINTS)
        ],
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    db.session.commit()

    rendered = services.render_minutes(meeting, minutes)

    assert rendered.pages > 20
    text = pdf_text(rendered.content)
    assert f"pagina {rendered.pages} van {rendered.pages}" in text
    assert "Besluit Agendapunt 200" in text
    assert f"Actie {services.MAX_ACTION_POINTS - 1}" in text
