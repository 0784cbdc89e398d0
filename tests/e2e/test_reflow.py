"""Every page at every width (WCAG 2.1 1.4.10 Reflow, 1.4.4 Resize text, 1.4.12 Text spacing).

The crawl starts at the dashboard and follows the links a coordinator and a secretary see (GET,
same site, one page per route of the URL map, at most MAX_PAGES), so a page another feature adds
is checked as soon as it is linked. On each page, at 320 x 640 and at 1366 x 768: the document is
no wider than the window, and the main navigation reaches every one of its links (on a phone
through the menu button). A few pages people print or read most are also checked with the text
spacing of 1.4.12, with text at 200 %, without JavaScript and in print.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response
from werkzeug.exceptions import HTTPException

from overleg.extensions import db
from overleg.models import InviteeRole, MeetingStatus, MinutesStatus, OutboxStatus
from tests import factories
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in
from tests.e2e.test_accessibility import NOT_PAGES, _seed_pages

NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1366, "height": 768}
MAX_PAGES = 40
SKIPPED = (*NOT_PAGES, ".docx", ".eml")
PLANNER = (
    "/planning?year=2027&half=2&max_per_day=2&avoid_public_holidays=y"
    "&avoid_flemish_holiday=y&avoid_school_holidays=y"
)
LONG_WORD = "Huisvestingsmaatschappijvertegenwoordigersoverleg"
LONG_ADDRESS = (
    "secretariaat.woonoverleg.noorderdorp-zuiderdorp@sociaalverhuurkantoorkempen.example.be"
)

# WCAG 1.4.12: the spacing a reader may set; nothing may be cut off or overlap because of it.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
TEXT_200 = "html { font-size: 200% !important; }"

# A style sheet added through the CSS object model: the page's CSP forbids a <style> element.
_ADD_STYLE = """(css) => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}"""

# What sticks out of the window, for the failure message.
_TOO_WIDE = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") { return true; }
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .slice(0, 5)
    .map((el) => el.outerHTML.slice(0, 140));
}"""

# Boxes whose content is cut off: overflow hidden or clip, and content larger than the box.
_CLIPPED = """() => {
  const clips = (value) => value === "hidden" || value === "clip";
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".visually-hidden, .skip-link, thead") || !el.getClientRects().length) {
      continue;
    }
    const style = getComputedStyle(el);
    const cutY = clips(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
    const cutX = clips(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    if (cutX || cutY) { out.push(el.outerHTML.slice(0, 140)); }
  }
  return out;
}"""

# Words broken across two lines inside the given elements ("Zomerva / kantie").
_SPLIT_WORDS = """(selector) => {
  const split = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const pattern = /\\S+/g;
      let match;
      while ((match = pattern.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) { split.push(match[0]); }
      }
    }
  }
  return split;
}"""


@dataclass
class Crawl:
    """The pages a user reached, one per route, and what was wrong on them."""

    urls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _seed_reflow_pages(world: World) -> int:
    """The accessibility crawl's data, plus long words and addresses, minutes and mail.

    Returns the id of the held meeting (with its minutes)."""
    _seed_pages(world)
    organisation = factories.organisation_serving(
        world.north, name=f"Sociaal Verhuurkantoor {LONG_WORD}"
    )
    contact = factories.ContactFactory(organisation=organisation, email=LONG_ADDRESS)
    held = factories.HeldMeetingFactory(
        municipality=world.north,
        location=f"Administratief Centrum, {LONG_WORD}straat 123, 2222 Noorderdorp",
    )
    factories.AgendaItemFactory(meeting=held, title=f"Toelichting {LONG_WORD}")
    factories.InvitationFactory(meeting=held, contact=contact, role=InviteeRole.REQUIRED)
    factories.GuestInvitationFactory(meeting=held, guest_organisation=LONG_WORD)
    factories.MinutesFactory(meeting=held, status=MinutesStatus.DRAFT)
    factories.ActionPointFactory(meeting=held, description=f"{LONG_WORD} uitnodigen")
    factories.document(held, filename=f"{LONG_WORD}-{LONG_WORD}.pdf", title=f"Nota {LONG_WORD}")
    upcoming = factories.MeetingFactory(
        municipality=world.north, status=MeetingStatus.PLANNED, title=f"Overleg {LONG_WORD}"
    )
    upcoming.start_at = upcoming.start_at + timedelta(days=3)
    upcoming.end_at = upcoming.start_at + timedelta(hours=2)
    failed = factories.outbox_message(held, to_address=LONG_ADDRESS)
    failed.status = OutboxStatus.FAILED
    failed.attempts = 5
    failed.last_error = f"550 5.1.1 <{LONG_ADDRESS}>: Recipient address rejected: {LONG_WORD}"
    db.session.commit()
    return int(held.id)


def _route(live: LiveServer, url: str) -> str | None:
    """The endpoint that serves `url` (one page per route), or None when no route does."""
    parts = urlsplit(url)
    try:
        endpoint, _ = live.app.url_map.bind(parts.netloc).match(parts.path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def _links(page: Page, live: LiveServer) -> Iterator[str]:
    for href in page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)"):
        href = urldefrag(href).url
        if href.startswith(live.url) and not any(part in href for part in SKIPPED):
            yield href


def _visit(page: Page, url: str) -> Response | None:
    """Open `url`; None when it is a file the browser downloads (an attachment), not a page."""
    try:
        return page.goto(url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return None
        raise


def _crawl(page: Page, live: LiveServer, check: Callable[[Page, str], list[str]]) -> Crawl:
    """Follow links from the dashboard, one page per route; `check` each page reached."""
    crawl = Crawl()
    routes: set[str | None] = set()
    queue, seen = [live("/")], set()
    while queue and len(crawl.urls) < MAX_PAGES:
        url = queue.pop(0)
        route = _route(live, url)
        if url in seen or route in routes or route is None:
            continue
        seen.add(url)
        response = _visit(page, url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        routes.add(route)
        crawl.urls.append(url)
        crawl.problems.extend(check(page, url))
        queue.extend(link for link in _links(page, live) if link not in seen)
    return crawl


def _too_wide(page: Page, url: str) -> list[str]:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return []
    return [f"{url}: {scroll_width} px wide at {width}: {page.evaluate(_TOO_WIDE)}"]


def _nav(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Hoofdnavigatie")


def _menu_reaches_every_link(page: Page, url: str) -> list[str]:
    """On a phone: the menu button folds the menu; opened, every link is on screen."""
    nav = _nav(page)
    toggle = nav.get_by_role("button", name="Menu")
    links = nav.locator(".site-menu a, .site-menu button[type=submit]")
    if not toggle.is_visible():
        return [f"{url}: no menu button on a phone"]
    problems = []
    if toggle.get_attribute("aria-expanded") != "false" or links.first.is_visible():
        problems.append(f"{url}: the menu is not folded at first")
    toggle.click()
    if toggle.get_attribute("aria-expanded") != "true":
        problems.append(f"{url}: the menu button does not say it is open")
    width = page.evaluate("window.innerWidth")
    for link in links.all():
        box = link.bounding_box()
        if not link.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            problems.append(f"{url}: menu entry {link.inner_text()!r} is not on screen")
    return problems


def _nav_shows_every_link(page: Page, url: str) -> list[str]:
    """On a wide screen: no menu button, every link of the navigation on screen."""
    nav = _nav(page)
    problems = []
    if nav.get_by_role("button", name="Menu").is_visible():
        problems.append(f"{url}: a menu button on a wide screen")
    width = page.evaluate("window.innerWidth")
    for link in nav.locator("a, button[type=submit]").all():
        box = link.bounding_box()
        if not link.is_visible() or box is None or box["x"] + box["width"] > width:
            problems.append(f"{url}: navigation entry {link.inner_text()!r} is not on screen")
    return problems


def _has_site_nav(page: Page) -> bool:
    """Pages of base.html have the main navigation; a mail's own HTML (/outbox/<id>/html) not."""
    return page.locator("nav.site-nav").count() == 1


def _check_narrow(page: Page, url: str) -> list[str]:
    menu = _menu_reaches_every_link(page, url) if _has_site_nav(page) else []
    return _too_wide(page, url) + menu


def _reflows_at_both_widths(page: Page, live: LiveServer) -> Crawl:
    """Crawl at 320 px, then revisit every page reached at 1366 px."""
    page.set_viewport_size(NARROW)
    crawl = _crawl(page, live, _check_narrow)
    page.set_viewport_size(WIDE)
    for url in crawl.urls:
        page.goto(url)
        nav = _nav_shows_every_link(page, url) if _has_site_nav(page) else []
        crawl.problems.extend(_too_wide(page, url) + nav)
    return crawl


def test_every_page_a_coordinator_reaches_reflows(page: Page, live: LiveServer, live_world: World):
    _seed_reflow_pages(live_world)
    log_in(page, live, live_world.coordinator)
    crawl = _reflows_at_both_widths(page, live)
    paths = [urlsplit(url).path for url in crawl.urls]
    assert len(paths) >= 20, paths  # the crawl really went places
    for expected in ("/", "/outbox", "/planning/compliance", "/audit"):
        assert expected in paths, paths
    assert any(p.endswith("/minutes") for p in paths), paths
    assert not crawl.problems, "\n".join(crawl.problems)


def test_every_page_a_secretary_reaches_reflows(page: Page, live: LiveServer, live_world: World):
    _seed_reflow_pages(live_world)
    log_in(page, live, live_world.secretary)
    crawl = _reflows_at_both_widths(page, live)
    assert len(crawl.urls) >= 8, crawl.urls
    assert not crawl.problems, "\n".join(crawl.problems)


def test_the_menu_works_by_keyboard_and_stays_accessible(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    page = new_page(viewport=NARROW)
    log_in(page, live, live_world.coordinator)
    nav = _nav(page)
    toggle = nav.get_by_role("button", name="Menu")
    entries = nav.locator(".site-menu a, .site-menu button[type=submit]")
    names = [" ".join(e.inner_text().split()) for e in entries.all()]
    assert len(names) >= 10, names  # nine pages, the language, log out
    assert_accessible(page)  # folded

    # Tab to the button: the skip link and the brand come first.
    for _ in range(3):
        page.keyboard.press("Tab")
        if toggle.evaluate("el => el === document.activeElement"):
            break
    assert toggle.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    reached = []
    for _ in names:
        page.keyboard.press("Tab")
        reached.append(" ".join(page.evaluate("document.activeElement.innerText").split()))
        assert page.evaluate(
            "(() => { const r = document.activeElement.getBoundingClientRect();"
            " return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; })()"
        ), reached[-1]
    assert reached == names
    assert_accessible(page)  # open

    # Escape folds the menu and gives the focus back to its button.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.evaluate("el => el === document.activeElement")
    assert not entries.first.is_visible()


def test_without_javascript_the_menu_is_shown_and_pages_still_fit(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    held = _seed_reflow_pages(live_world)
    page = new_page(viewport=NARROW, java_script_enabled=False)
    log_in(page, live, live_world.coordinator)
    nav = _nav(page)
    assert not nav.get_by_role("button", name="Menu").is_visible()
    for link in nav.locator(".site-menu a").all():
        assert link.is_visible(), link.inner_text()
    problems = []
    for path in ("/", "/meetings", f"/meetings/{held}", "/outbox", "/planning/compliance"):
        page.goto(live(path))
        problems.extend(_too_wide(page, path))
    assert not problems, "\n".join(problems)


def test_signed_out_pages_show_the_language_without_a_menu(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    """The login page and a housing actor's pages: nothing to fold but the language."""
    poll = factories.availability_poll(live_world.north)
    page = new_page(viewport=NARROW)
    for path in ("/login", f"/poll/{poll.respondents[0].token}"):
        page.goto(live(path))
        nav = _nav(page)
        assert nav.get_by_role("button", name="English").is_visible(), path
        assert nav.get_by_role("button", name="Menu").count() == 0, path
        assert not _too_wide(page, path)


def _add_style(page: Page, css: str) -> None:
    page.evaluate(_ADD_STYLE, css)


def _key_pages(held: int) -> list[str]:
    return [
        "/",
        f"/meetings/{held}",
        f"/meetings/{held}/minutes",
        f"/meetings/{held}/invitees",
        "/outbox",
        "/planning/compliance",
        PLANNER,
        "/municipalities/noorderdorp",
    ]


@pytest.mark.parametrize(
    ("css", "viewport"),
    [(TEXT_SPACING, NARROW), (TEXT_SPACING, WIDE), (TEXT_200, WIDE)],
    ids=["text-spacing-320", "text-spacing-1366", "text-200-1366"],
)
def test_text_spacing_and_larger_text_lose_nothing(
    new_page: Callable[..., Page],
    live: LiveServer,
    live_world: World,
    css: str,
    viewport: dict[str, int],
):
    """1.4.12: line height 1.5, paragraphs 2em apart, letters 0.12em, words 0.16em; 1.4.4: text
    twice as large (the layout is in rem). Nothing wider than the window, nothing cut off."""
    held = _seed_reflow_pages(live_world)
    page = new_page(viewport=viewport)
    log_in(page, live, live_world.coordinator)
    problems = []
    for path in _key_pages(held):
        page.goto(live(path))
        _add_style(page, css)
        problems.extend(_too_wide(page, path))
        problems.extend(f"{path}: cut off: {html}" for html in page.evaluate(_CLIPPED))
        if viewport is WIDE:
            problems.extend(_nav_shows_every_link(page, path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["320", "1366"])
def test_the_planner_calendar_names_days_off_whole_and_once(
    new_page: Callable[..., Page], live: LiveServer, live_world: World, viewport: dict[str, int]
):
    page = new_page(viewport=viewport)
    log_in(page, live, live_world.coordinator)
    page.goto(live(PLANNER))
    assert page.locator("table.month").count() == 6
    assert not _too_wide(page, PLANNER)
    text = page.locator("main").inner_text()
    assert "Wapenstilstand, Wapenstilstand" not in text
    november = page.get_by_role("list", name="Vrije dagen in november 2027")
    assert november.get_by_text("Wapenstilstand").count() == 1
    july = page.get_by_role("list", name="Vrije dagen in juli 2027")
    assert july.get_by_text("Zomervakantie").is_visible()
    assert page.evaluate(_SPLIT_WORDS, ".month-free li, table.month .day-entry") == []
    assert_accessible(page)


def test_meeting_minutes_and_compliance_print_without_controls(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    held = _seed_reflow_pages(live_world)
    page = new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    log_in(page, live, live_world.coordinator)
    for path in (f"/meetings/{held}", f"/meetings/{held}/minutes", "/planning/compliance"):
        page.goto(live(path))
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.get_by_role("heading", level=1).is_visible(), path
        for hidden in ("header.site-header", "nav", "form", "button", "[role=button]"):
            shown = [
                e for e in page.locator(f"main {hidden}, body > {hidden}").all() if e.is_visible()
            ]
            assert not shown, f"{path}: {hidden} printed"
        for table in page.locator("main table").all():
            assert table.is_visible(), path
            assert table.evaluate(
                "t => t.closest('.table-wrap') === null || "
                "t.closest('.table-wrap').scrollWidth <= "
                "t.closest('.table-wrap').clientWidth + 1"
            ), path
        assert not _too_wide(page, path)
        closed = page.locator("main details:not([open])")
        assert closed.count() == 0, path
        page.emulate_media(media="screen")
    # Addresses outside overleg print after their link text; overleg's own links do not.
    page.goto(live(f"/meetings/{held}"))
    page.emulate_media(media="print")
    after = page.evaluate(
        "[...document.querySelectorAll('main a')].map(a => getComputedStyle(a, '::after').content)"
    )
    assert all(content in ("none", "normal") for content in after), after
