"""The compliance view and its annual report (PDF and CSV)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

from overleg.extensions import db
from overleg.models import MeetingStatus
from tests import factories
from tests.conftest import login

YEAR = 2025


def _held(municipality, month):  # type: ignore[no-untyped-def]
    start = datetime(YEAR, month, 10, 8, tzinfo=UTC)
    return factories.MeetingFactory(
        municipality=municipality,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )


def test_coordinator_sees_every_municipality_of_the_platform(client, world):
    _held(world.north, 3)
    login(client, world.coordinator)
    response = client.get(f"/planning/compliance?year={YEAR}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Noorderdorp" in html and "Zuiderdorp" in html and "Verweg" not in html
    assert "1 van 2 gehouden" in html and "0 van 2 gehouden" in html
    assert "Achterstand" in html  # the year is over and meetings are missing
    assert "Geplande sociale woonprojecten" in html  # a missing mandatory topic is named


def test_secretary_sees_only_own_municipality(client, world):
    login(client, world.secretary)
    html = client.get(f"/planning/compliance?year={YEAR}").get_data(as_text=True)
    assert "Noorderdorp" in html and "Zuiderdorp" not in html


def test_bad_year_is_a_form_error(client, world):
    login(client, world.coordinator)
    response = client.get("/planning/compliance?year=abc")
    assert response.status_code == 200
    assert "Geef een jaartal" in response.get_data(as_text=True)
    assert client.get("/planning/compliance/report.csv?year=abc").status_code == 400


def test_csv_report_is_safe_against_formula_injection(client, world):
    world.north.name = '=HYPERLINK("http://evil")'
    db.session.commit()
    login(client, world.coordinator)
    response = client.get(f"/planning/compliance/report.csv?year={YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Gemeente;Jaar;Vereist;Gehouden")
    assert any(line.startswith("\"'=HYPERLINK") or line.startswith("'=HYPERLINK") for line in lines)
    assert not any(line.startswith("=") for line in lines)
    assert any(line.startswith("Zuiderdorp;2025;2;0") for line in lines)


def test_pdf_report(client, world):
    _held(world.north, 3)
    login(client, world.coordinator)
    response = client.get(f"/planning/compliance/report.pdf?year={YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    assert f"Jaarverslag lokaal woonoverleg {YEAR}" in text
    assert "Noorderdorp" in text and "Zuiderdorp" in text and "Verweg" not in text


def _flags(client, world, user):  # type: ignore[no-untyped-def]
    """The held meeting with late minutes and the meeting ahead that could take the topics."""
    from tests.pdftools import pdf_text_in_content_order

    late = _held(world.north, 3)
    ahead = factories.MeetingFactory(
        municipality=world.north, start_at=datetime(YEAR, 11, 20, 9, tzinfo=UTC)
    )
    login(client, user)
    html = client.get(f"/planning/compliance?year={YEAR}").get_data(as_text=True)
    report = client.get(f"/planning/compliance/report.pdf?year={YEAR}").data
    pdf = pdf_text_in_content_order(report)
    return late, ahead, html, pdf


def test_each_flag_names_the_meeting_and_links_to_it(client, world, monkeypatch):
    from overleg.planning import views

    monkeypatch.setattr(views, "utcnow", lambda: datetime(YEAR, 6, 1, tzinfo=UTC))
    late, ahead, html, pdf = _flags(client, world, world.coordinator)
    assert 'id="gemeente-noorderdorp"' in html
    # The minutes not approved and sent a month after the meeting: which meeting, and where.
    assert (
        f'<a href="/meetings/{late.id}/minutes">verslag van 10 mrt 2025 nog niet geschreven</a>'
    ) in html
    # A mandatory topic not discussed yet, and the next meeting whose agenda could take it.
    assert (
        f'Geplande sociale woonprojecten: <a href="/meetings/{ahead.id}/agenda">'
        "kan op de agenda van 20 nov 2025</a>"
    ) in html
    # The annual report says the same, without links.
    assert "verslag van 10 mrt 2025 nog niet geschreven" in pdf
    assert "Geplande sociale woonprojecten: kan op de agenda van 20 nov 2025" in pdf


def test_a_reader_is_led_to_the_meeting_page(client, world, monkeypatch):
    from overleg.planning import views

    monkeypatch.setattr(views, "utcnow", lambda: datetime(YEAR, 6, 1, tzinfo=UTC))
    _late, ahead, html, _pdf = _flags(client, world, world.reader)
    assert f'<a href="/meetings/{ahead.id}">kan op de agenda van 20 nov 2025</a>' in html
    assert f"/meetings/{ahead.id}/agenda" not in html


def test_a_topic_with_no_meeting_left_says_so(client, world):
    _held(world.north, 3)
    login(client, world.coordinator)
    html = client.get(f"/planning/compliance?year={YEAR}").get_data(as_text=True)
    assert "Geplande sociale woonprojecten: geen vergadering meer gepland dit jaar" in html
