"""End-to-end fixtures: the app served on 127.0.0.1, Debian's Chromium driven by Playwright.

- `live`: a real HTTP server (werkzeug, threaded) in this process, on a free port of 127.0.0.1, over
  its own database (a SQLite file, or a fresh PostgreSQL database under `--db=postgres`). The test
  body runs inside the live app's context, so factories write to the database the server reads;
  the server's requests have their own contexts and sessions, as in production.
- `browser`: Chromium from /usr/bin/chromium (never a downloaded browser), one per session.
- `page` / `new_page`: a fresh browser context per test, with every JavaScript error and every
  Content-Security-Policy violation collected and failing the test.
- `assert_accessible(page)`: runs axe-core (tests/js/node_modules) in the page and fails on any
  WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from config import PROJECT_ROOT, TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.models import User
from tests.conftest import World, build_world
from tests.factories import TEST_PASSWORD
from tests.support import databases

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_PATH = PROJECT_ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 375, "height": 667}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@dataclass
class LiveServer:
    url: str
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread
    world: World | None = None

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _testing_settings(database_url: str) -> dict[str, Any]:
    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = database_url
    return settings


def _closing_when_dropped(app: Flask) -> WSGIApplication:
    """The app, with every response body closed even when the browser drops the connection.

    Werkzeug's development server closes a body only after writing all of it; when Chromium
    gives up a download (a favicon while it already navigates on), the open static file is left
    to the garbage collector, whose ResourceWarning then fails whichever test runs next. A
    generator's `finally` closes the body as soon as the server lets go of it."""

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = app(environ, start_response)

        def closing() -> Iterator[bytes]:
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return closing()

    return wsgi


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    url = databases.fresh_database_url("overleg_e2e", tmp_path)
    app = create_app(_testing_settings(url))
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        db.session.commit()
    server = make_server("127.0.0.1", 0, _closing_when_dropped(app), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(base, app, server, thread)
    try:
        with app.app_context():
            yield live
            db.session.remove()
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_world(live: LiveServer) -> World:
    """The suite's World (tests/conftest.py), written to the live server's database."""
    live.world = build_world()
    return live.world


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class PageProblems:
    """What went wrong inside the browser: script errors, CSP violations, console errors."""

    messages: list[str] = field(default_factory=list)


def _watch(page: Page, problems: PageProblems) -> None:
    def on_console(message: Any) -> None:
        # HTTP failures are judged by on_response: a page may rightly answer 409 or 422.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.messages.append(f"console error on {page.url}: {message.text}")

    def on_response(response: Any) -> None:
        document = response.request.resource_type == "document"
        if response.status >= 500 or (response.status >= 400 and not document):
            problems.messages.append(f"HTTP {response.status} for {response.url}")

    page.on("pageerror", lambda error: problems.messages.append(f"script error: {error}"))
    page.on("console", on_console)
    page.on("response", on_response)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """new_page(viewport=..., has_touch=...) opens a page in a fresh context (own cookies)."""
    contexts = []
    watched: list[PageProblems] = []

    def make(**options: Any) -> Page:
        options.setdefault("locale", "nl-BE")
        options.setdefault("timezone_id", "Europe/Brussels")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        problems = PageProblems()
        watched.append(problems)
        _watch(page, problems)
        return page

    yield make
    for context in contexts:
        context.close()
    messages = [m for problems in watched for m in problems.messages]
    assert not messages, "the browser reported problems:\n" + "\n".join(messages)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


def log_in(page: Page, live: LiveServer, user: User, password: str = TEST_PASSWORD) -> None:
    """Log in through the login form, as a person does."""
    page.goto(live("/login"))
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(lambda url: "/login" not in url)


_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.html.slice(0, 160)),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core in the page (evaluated over the DevTools protocol, so the CSP still holds)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    return list(page.evaluate(_AXE_RUN, AXE_TAGS))


def assert_accessible(page: Page) -> None:
    """Zero WCAG 2.1 A and AA violations on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n" + json.dumps(
        violations, indent=2, ensure_ascii=False
    )
