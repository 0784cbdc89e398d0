"""English is selectable: the catalogue in translations/en is complete and is used.

The test compiles translations/en/LC_MESSAGES/messages.po itself (into a temporary directory), so
it checks the catalogue as committed, whether or not the bootstrap has compiled a .mo yet. The
running app reads the .mo files the bootstrap compiles (`pybabel compile`; they are not in git);
without them the interface simply stays Dutch.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, get_translations

from config import PROJECT_ROOT, TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from tests import factories
from tests.conftest import IsolatedClient, login, post_form
from tests.support import databases

PO_FILE = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalogue():  # type: ignore[no-untyped-def]
    with PO_FILE.open("rb") as f:
        return read_po(f, locale="en")


@pytest.fixture
def english_app(tmp_path: Path) -> Flask:
    mo_dir = tmp_path / "en" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    with (mo_dir / "messages.mo").open("wb") as f:
        write_mo(f, _catalogue())

    class EnglishTestingConfig(TestingConfig):
        BABEL_TRANSLATION_DIRECTORIES = str(tmp_path)

    app = create_app(EnglishTestingConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        databases.prepare_schema(db)
        ensure_reference_data()
        yield app
        databases.clean(db)


def _choose_english(client) -> None:  # type: ignore[no-untyped-def]
    response = post_form(client, "/taal", {"language": "en", "next": "/login"})
    assert response.status_code == 302


def test_the_catalogue_is_complete_and_consistent():
    catalogue = _catalogue()
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 500
    for message in messages:
        assert not message.fuzzy, message.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        for source, target in zip(ids, strings, strict=False):
            # An English singular may leave out the number ("%(num)d change" keeps it anyway).
            assert set(PLACEHOLDER.findall(target)) <= set(PLACEHOLDER.findall(ids[-1])), (
                source,
                target,
            )
        if len(ids) == 1:
            assert set(PLACEHOLDER.findall(strings[0])) == set(PLACEHOLDER.findall(ids[0]))


def test_dutch_is_the_default(english_app):
    page = english_app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="nl-BE">' in page
    assert "Wachtwoord" in page


def test_login_page_in_english(english_app):
    client = english_app.test_client()
    _choose_english(client)
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Password" in page
    assert "Email address" in page
    assert "Wachtwoord" not in page


def test_dashboard_in_english(english_app):
    coordinator = factories.UserFactory(email="coordinator@example.be")
    factories.MeetingFactory(
        municipality=factories.MunicipalityFactory(platform=coordinator.platform, name="Geel")
    )
    client = english_app.test_client()
    login(client, coordinator)
    _choose_english(client)
    page = client.get("/").get_data(as_text=True)
    assert "Upcoming meetings" in page
    assert "Log out" in page
    assert "Komende vergaderingen" not in page
    # Dates follow the language too.
    assert " at " in page


def test_what_is_waiting_in_english(english_app):
    from datetime import UTC, datetime

    from tests.conftest import build_world
    from tests.unit.test_waiting import busy

    world = build_world()
    busy(world.south, datetime.now(UTC))
    client = english_app.test_client()
    login(client, world.coordinator)
    _choose_english(client)
    page = client.get("/").get_data(as_text=True)
    assert "What is waiting for me" in page
    assert "2 invitations still to send for" in page
    assert "1 message could not be delivered." in page
    assert "Wat wacht op mij" not in page
    client = english_app.test_client()
    login(client, world.secretary)
    _choose_english(client)
    assert "Nothing is waiting for you." in client.get("/").get_data(as_text=True)


# `_()` in templates is overleg's own shortcut (overleg.web.i18n._template_gettext) for what
# jinja2.ext.i18n's new-style gettext does; it must give exactly the same text.
TEMPLATE = (
    "{{ _('Vergaderingen') }}|"
    "{{ _('Vergadering %(first)d tot %(last)d van %(total)d', first=1, last=2, total=25) }}|"
    "{{ _('<b>%(name)s</b>', name='<i>x</i>') }}|{{ _('100%% zeker') }}|{{ _('a & b') }}"
)


def _reference_environment() -> jinja2.Environment:
    """Jinja's own i18n extension with Flask-Babel's catalogue, as Flask-Babel installs it."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    return env


def test_template_translations_match_jinjas_gettext_and_follow_force_locale(english_app):
    ours = english_app.jinja_env.from_string(
        "{% autoescape true %}" + TEMPLATE + "{% endautoescape %}"
    )
    reference = _reference_environment().from_string(TEMPLATE)
    english = "Meetings|Meeting 1 to 2 of 25|<b>&lt;i&gt;x&lt;/i&gt;</b>|100% zeker|a & b"
    dutch = "Vergaderingen|Vergadering 1 tot 2 van 25|<b>&lt;i&gt;x&lt;/i&gt;</b>|100% zeker|a & b"
    # A new application context per "request", as in production (the fixture's own context
    # would otherwise keep the locale Flask-Babel chose first in its `g`).
    with (
        english_app.app_context(),
        english_app.test_request_context("/", headers={"Accept-Language": "en"}),
    ):
        assert ours.render() == reference.render() == english
        with force_locale("nl"):
            assert ours.render() == reference.render() == dutch
        assert ours.render() == english
    with (
        english_app.app_context(),
        english_app.test_request_context("/", headers={"Accept-Language": "nl"}),
    ):
        assert ours.render() == reference.render() == dutch
