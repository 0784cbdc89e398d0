"""A joint meeting in Chromium (issue 16): the coordinator plans one session for Noorderdorp and
Zuiderdorp, marks an agenda item for each, the meeting is held and minuted, and each
municipality's verslag holds its own item and not the other's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from playwright.sync_api import Page

from overleg.extensions import db
from overleg.lib.dates import BRUSSELS
from overleg.models import Meeting
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in
from tests.pdftools import pdf_text

YEAR = datetime.now(BRUSSELS).year + 1


def _add_item(page: Page, title: str, municipality: str) -> None:
    page.locator("input[name='title']").fill(title)
    page.get_by_label(municipality, exact=True).check()
    page.get_by_role("button", name="Toevoegen", exact=True).click()
    assert page.get_by_text(f"Agendapunt “{title}” toegevoegd.").is_visible()


def _verslag(page: Page, live: LiveServer, meeting_id: int, slug: str) -> str:
    response = page.request.get(live(f"/meetings/{meeting_id}/minutes/{slug}.pdf"))
    assert response.status == 200
    return pdf_text(response.body())


def test_a_joint_meeting_from_planning_to_two_verslagen(
    page: Page, live: LiveServer, live_world: World
):
    log_in(page, live, live_world.coordinator)
    page.goto(live(f"/planning?year={YEAR}&half=1&max_per_day=2&avoid_public_holidays=y"))
    page.get_by_text("Gezamenlijk woonoverleg plannen").click()
    page.get_by_label("Samen plannen: één gezamenlijk woonoverleg").select_option(
        ["noorderdorp", "zuiderdorp"]
    )
    page.get_by_role("button", name="Voorstel maken").click()
    assert page.get_by_text("Noorderdorp + Zuiderdorp").first.is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Bevestigen en alle vergaderingen aanmaken").click()
    page.wait_for_url(lambda url: "/planning/confirm" not in url)

    db.session.expire_all()
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at)).all()
    assert meetings and all([p.slug for p in m.partners] == ["zuiderdorp"] for m in meetings)
    meeting = meetings[0]
    page.goto(live(f"/meetings/{meeting.id}"))
    assert page.get_by_text("Noorderdorp, Zuiderdorp").is_visible()
    assert_accessible(page)

    page.goto(live(f"/meetings/{meeting.id}/agenda"))
    _add_item(page, "Project Noorderdorp", "Noorderdorp")
    _add_item(page, "Project Zuiderdorp", "Zuiderdorp")
    assert_accessible(page)

    # Time passes: the meeting took place (a planned meeting cannot be put in the past).
    start = (datetime.now(UTC) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    stored = db.session.get(Meeting, meeting.id)
    stored.start_at, stored.end_at = start, start + timedelta(hours=2)
    db.session.commit()

    page.goto(live(f"/meetings/{meeting.id}"))
    page.get_by_role("button", name="Registreren als gehouden").click()
    page.get_by_role("button", name="Aanwezigheden registreren").click()
    page.wait_for_url(live(f"/meetings/{meeting.id}/minutes/attendance"))
    page.get_by_role("button", name="Aanwezigheden bewaren").click()
    page.goto(live(f"/meetings/{meeting.id}/minutes/edit"))
    for index, text in ((0, "Noord: vergunning aangevraagd"), (1, "Zuid: aanbesteding loopt")):
        item = "Project Noorderdorp" if index == 0 else "Project Zuiderdorp"
        page.get_by_role("group", name=re.compile(item)).locator("textarea").first.fill(text)
    page.get_by_role("button", name="Verslag bewaren").click()
    assert page.get_by_text("Het verslag is bewaard").is_visible()

    page.goto(live(f"/meetings/{meeting.id}"))
    assert page.get_by_role("link", name="Verslag Noorderdorp (pdf)").is_visible()
    assert page.get_by_role("link", name="Verslag Zuiderdorp (pdf)").is_visible()
    north = _verslag(page, live, meeting.id, "noorderdorp")
    south = _verslag(page, live, meeting.id, "zuiderdorp")
    assert "Noord: vergunning aangevraagd" in north and "Zuid: aanbesteding" not in north
    assert "Zuid: aanbesteding loopt" in south and "Noord: vergunning" not in south
