"""axe-core in Chromium: zero WCAG 2.1 A/AA violations on every page a user reaches.

The crawl starts at the dashboard and follows every same-site link a user sees (GET only, HTML
only), so pages added by any feature are checked as soon as they are linked.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import Page, expect

from overleg.models import InviteeRole, MeetingStatus
from tests import factories
from tests.conftest import World
from tests.e2e.conftest import PHONE, LiveServer, assert_accessible, axe_violations, log_in

# Links that are files, not pages, or that would end the session.
NOT_PAGES = (".ics", ".pdf", ".docx", ".csv", ".json", "/static/", "/logout", "/api/")
MAX_PAGES = 80


def test_login_page_is_accessible_and_logs_in(page: Page, live: LiveServer, live_world: World):
    page.goto(live("/login"))
    assert_accessible(page)
    # A wrong password: the message and the field errors are accessible too.
    page.get_by_label("E-mailadres").fill(live_world.coordinator.email)
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_text("horen niet bij elkaar")).to_be_visible()
    assert page.get_by_label("E-mailadres").input_value() == live_world.coordinator.email
    assert_accessible(page)

    log_in(page, live, live_world.coordinator)
    assert urlsplit(page.url).path == "/"
    assert page.get_by_role("heading", level=1).count() == 1
    assert_accessible(page)


def test_axe_finds_a_violation_when_there_is_one(page: Page, live: LiveServer):
    """The check itself can fail: an image without alt text is reported."""
    page.goto(live("/login"))
    page.evaluate(
        "document.querySelector('main').appendChild(Object.assign("
        "document.createElement('img'), {src: 'data:image/gif;base64,R0lGODlhAQABAAAAACw='}))"
    )
    assert "image-alt" in {v["id"] for v in axe_violations(page)}


def _seed_pages(world: World) -> None:
    """Enough data that list and detail pages have something to show."""
    meeting = factories.MeetingFactory(municipality=world.north, status=MeetingStatus.INVITED)
    factories.AgendaItemFactory(meeting=meeting, title="Sociale woonprojecten")
    for standing in world.north.standing_invitees:
        factories.InvitationFactory(
            meeting=meeting, contact=standing.contact, role=InviteeRole.REQUIRED
        )
    factories.MeetingFactory(municipality=world.south)
    factories.availability_poll(world.north)  # the planning page links to the open poll


def _crawl(page: Page, live: LiveServer, start: str) -> tuple[list[str], list[str]]:
    """Visit every same-site page reachable by links from `start`; check each with axe."""
    seen: set[str] = set()
    queue = [live(start)]
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None
        if response.status >= 500:
            problems.append(f"{url}: HTTP {response.status}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(urlsplit(page.url).path)
        for violation in axe_violations(page):
            problems.append(f"{url}: {violation['id']} ({violation['help']}) {violation['nodes']}")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            href = urldefrag(href).url
            same_site = href.startswith(live.url)
            if same_site and href not in seen and not any(part in href for part in NOT_PAGES):
                queue.append(href)
    return visited, problems


def test_every_page_a_coordinator_reaches_is_accessible(
    page: Page, live: LiveServer, live_world: World
):
    _seed_pages(live_world)
    log_in(page, live, live_world.coordinator)
    visited, problems = _crawl(page, live, "/")
    assert "/" in visited and len(visited) >= 10, visited  # the crawl really went places
    assert any(path.startswith("/planning/polls/") for path in visited), visited
    assert not problems, "\n".join(problems)


def test_every_page_a_secretary_reaches_on_a_phone_is_accessible(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    _seed_pages(live_world)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, live, live_world.secretary)
    visited, problems = _crawl(page, live, "/")
    assert "/" in visited
    assert not problems, "\n".join(problems)


def test_error_and_expired_link_pages_are_accessible(page: Page, live: LiveServer):
    """Pages people land on when something is wrong: a wrong address, an old personal link."""
    for path, status in (("/bestaat-niet", 404), ("/rsvp/verlopen-of-onbekend", 404)):
        response = page.goto(live(path))
        assert response is not None and response.status == status, path
        assert page.get_by_role("heading", level=1).count() == 1
        assert_accessible(page)


def test_the_poll_answer_page_is_accessible_and_takes_an_answer(
    page: Page, live: LiveServer, live_world: World
):
    """A housing actor answers a poll with their personal link, without an account."""
    poll = factories.availability_poll(live_world.north)
    token = poll.respondents[0].token
    page.goto(live(f"/poll/{token}"))
    assert page.get_by_role("heading", level=1).count() == 1
    assert_accessible(page)
    checkbox = page.get_by_role("checkbox")
    assert checkbox.count() == 1 and not checkbox.is_checked()
    checkbox.check()
    page.get_by_label("Opmerking (niet verplicht)").fill("Liefst in de voormiddag")
    page.get_by_role("button", name="Antwoord bewaren").click()
    expect(page.get_by_text("Bedankt, uw antwoord is bewaard.")).to_be_visible()
    assert page.get_by_role("checkbox").is_checked()
    assert page.get_by_label("Opmerking (niet verplicht)").input_value() == (
        "Liefst in de voormiddag"
    )
    assert_accessible(page)
