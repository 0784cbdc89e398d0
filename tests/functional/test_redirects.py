"""Every redirect after a form goes to a path on this site (issue 11, findings 6 and 7)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import login, post_form
from tests.unit.test_web_safety import UNSAFE


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return not parts.netloc and location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("target", [t for t in UNSAFE if t])
def test_the_language_switch_never_sends_elsewhere(client, target):
    response = post_form(client, "/taal", {"language": "en", "next": target})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert _stays_here(response.headers["Location"])
        assert response.headers["Location"] == "/"


def test_the_language_switch_returns_to_the_page_it_came_from(client):
    response = post_form(client, "/taal", {"language": "en", "next": "/login?x=1"})
    assert response.headers["Location"] == "/login?x=1"


@pytest.mark.parametrize(
    "encoded",
    [
        "//evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "https://evil.example",
        "/%0D%0ALocation:%20//evil.example",
    ],
)
def test_login_never_sends_elsewhere(client, world, encoded):
    login(client, world.coordinator)
    response = client.get(f"/login?next={encoded}")
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(client, world):
    login(client, world.coordinator)
    assert client.get("/login?next=/meetings%3Fpage%3D2").headers["Location"] == "/meetings?page=2"
