"""The dashboard: upcoming meetings, municipalities to plan, and links to plan them."""

from __future__ import annotations

from tests import factories
from tests.conftest import login


def test_dashboard_lists_upcoming_visible_meetings_with_place_and_status(client, world):
    own = factories.MeetingFactory(municipality=world.north, location="Raadzaal Noord")
    other = factories.MeetingFactory(municipality=world.south)
    login(client, world.secretary)
    body = client.get("/").get_data(as_text=True)
    assert f"/meetings/{own.id}" in body
    assert "Raadzaal Noord" in body
    assert "Gepland" in body
    assert f"/meetings/{other.id}" not in body


def test_editor_gets_plan_links_for_municipalities_without_meeting(client, world):
    login(client, world.coordinator)
    body = client.get("/").get_data(as_text=True)
    assert "/meetings/new?municipality=zuiderdorp" in body
    assert 'href="/meetings/new"' in body


def test_reader_gets_no_plan_links(client, world):
    login(client, world.reader)
    body = client.get("/").get_data(as_text=True)
    assert "/meetings/new" not in body
    assert "Noorderdorp" in body  # still listed as a municipality without meeting
