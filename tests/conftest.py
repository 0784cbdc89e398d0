"""Fixtures in the style of the Flask tutorial: a fresh app and database per test.

`pytest` runs on SQLite; `pytest --db=postgres` runs the same suite on a temporary PostgreSQL
cluster (see tests/support/databases.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.models import InviteeRole, Municipality, Platform, Role, User
from tests import factories
from tests.smtp_server import SmtpServer
from tests.support import databases
from tests.support.dovecot import ImapAccount, TemporaryDovecot

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("OVERLEG_TEST_DB", "sqlite"),
        help="the database the suite runs on (postgres: a temporary cluster, or TEST_DATABASE_URL)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--db") == "postgres":
        url = databases.start_postgres(os.environ.get("TEST_DATABASE_URL"))
        # Subprocesses started by tests (servers, CLI) find the same server.
        os.environ["TEST_DATABASE_URL"] = url


def pytest_unconfigure(config: pytest.Config) -> None:
    databases.stop_postgres()


def pytest_report_header(config: pytest.Config) -> str:
    return f"overleg database: {databases.backend()}"


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, `g` and database session, as in production.

    The test itself runs inside an app context (for factories and queries); without this, requests
    would share the test's `g` and session and hide bugs. After each request the test's session
    is expired, so assertions read what the request committed.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if db.session.is_active:
            db.session.expire_all()
        return response


@pytest.fixture
def app() -> Flask:
    app = create_app(TestingConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        databases.prepare_schema(db)
        ensure_reference_data()
        yield app
        databases.clean(db)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for the test."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[TemporaryDovecot]:
    """A real IMAP server (Debian's Dovecot) on 127.0.0.1, one for the session."""
    server = TemporaryDovecot().start()
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot: TemporaryDovecot) -> ImapAccount:
    """A new user with an empty mailbox on the session's Dovecot."""
    username, password = dovecot.add_user()
    return ImapAccount(dovecot, username, password)


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a rendered form."""
    response = client.get(path, follow_redirects=True)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """POST like a browser does: with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=payload, **kwargs)


def login(client: FlaskClient, user: User, password: str = factories.TEST_PASSWORD):  # type: ignore[no-untyped-def]
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@dataclass
class World:
    """Two municipalities on one platform, a third on another, and a user of every kind on
    both platforms."""

    platform: Platform
    north: Municipality  # the secretary's and the reader's municipality
    south: Municipality  # same platform, not assigned to the secretary
    elsewhere: Municipality  # another platform altogether
    coordinator: User
    secretary: User
    reader: User
    outsider: User  # coordinator of the other platform
    outsider_secretary: User  # secretary of the other platform (Verweg)
    outsider_reader: User  # reader of the other platform (Verweg)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


def build_world() -> World:
    """Create the World's rows and commit them (needs an app context; also used by tests/e2e)."""
    platform = factories.PlatformFactory(name="Kempens Testplatform", slug="kempen-test")
    north = factories.MunicipalityFactory(platform=platform, name="Noorderdorp", slug="noorderdorp")
    south = factories.MunicipalityFactory(platform=platform, name="Zuiderdorp", slug="zuiderdorp")
    other_platform = factories.PlatformFactory(name="Ander platform", slug="ander")
    elsewhere = factories.MunicipalityFactory(platform=other_platform, name="Verweg", slug="verweg")
    for municipality in (north, south, elsewhere):
        org = factories.OrganisationFactory(
            platform=municipality.platform, name=f"Woonmaatschappij {municipality.name}"
        )
        org.municipalities.append(municipality)
        contact = factories.ContactFactory(organisation=org)
        factories.StandingInviteeFactory(
            municipality=municipality, contact=contact, role=InviteeRole.REQUIRED
        )
    coordinator = factories.UserFactory(
        platform=platform, email="coordinator@example.be", role=Role.COORDINATOR
    )
    secretary = factories.UserFactory(
        platform=platform,
        email="secretaris@example.be",
        role=Role.SECRETARY,
        municipalities=[north],
    )
    reader = factories.UserFactory(
        platform=platform, email="lezer@example.be", role=Role.READER, municipalities=[north]
    )
    outsider = factories.UserFactory(
        platform=other_platform, email="ander@example.be", role=Role.COORDINATOR
    )
    outsider_secretary = factories.UserFactory(
        platform=other_platform,
        email="secretaris@ander.example.be",
        role=Role.SECRETARY,
        municipalities=[elsewhere],
    )
    outsider_reader = factories.UserFactory(
        platform=other_platform,
        email="lezer@ander.example.be",
        role=Role.READER,
        municipalities=[elsewhere],
    )
    db.session.commit()
    return World(
        platform,
        north,
        south,
        elsewhere,
        coordinator,
        secretary,
        reader,
        outsider,
        outsider_secretary,
        outsider_reader,
    )
