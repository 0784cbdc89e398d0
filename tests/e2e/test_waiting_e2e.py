"""Wat wacht op mij in Chromium: each role finds its own lines on the dashboard, and each line
leads to the page where the work is done (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from overleg.extensions import db
from overleg.models import MeetingStatus
from tests import factories
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in


def _hour(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def _meeting(world: World, title: str, days: int, status: MeetingStatus, north: bool = True):  # type: ignore[no-untyped-def]
    start = _hour(days)
    return factories.MeetingFactory(
        municipality=world.north if north else world.south,
        title=title,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=status,
    )


def test_the_coordinator_follows_a_line_to_where_the_invitations_are_sent(
    page: Page, live: LiveServer, live_world: World
):
    coming = _meeting(live_world, "Woonoverleg Noorderdorp najaar", 5, MeetingStatus.PLANNED)
    for standing in live_world.north.standing_invitees:
        factories.InvitationFactory(meeting=coming, contact=standing.contact, sent_at=None)
    db.session.commit()
    log_in(page, live, live_world.coordinator)
    page.goto(live("/"))
    waiting = page.get_by_role("region", name="Wat wacht op mij")
    line = waiting.get_by_role("link", name="Woonoverleg Noorderdorp najaar")
    expect(line).to_contain_text("nog te versturen")
    assert_accessible(page)
    line.click()
    page.wait_for_url(live(f"/meetings/{coming.id}/invitations/send"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_secretary_sees_her_minutes_to_write_on_a_phone(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    own = _meeting(live_world, "Woonoverleg voorjaar", -10, MeetingStatus.HELD)
    _meeting(live_world, "Overleg van een andere gemeente", -12, MeetingStatus.HELD, north=False)
    db.session.commit()
    page = new_page(viewport={"width": 320, "height": 640}, has_touch=True)
    log_in(page, live, live_world.secretary)
    page.goto(live("/"))
    waiting = page.get_by_role("region", name="Wat wacht op mij")
    expect(waiting).to_contain_text("Het verslag van Woonoverleg voorjaar")
    expect(waiting).not_to_contain_text("andere gemeente")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)
    waiting.get_by_role("link", name="Woonoverleg voorjaar").click()
    page.wait_for_url(live(f"/meetings/{own.id}/minutes"))


def test_with_nothing_waiting_the_list_says_so(page: Page, live: LiveServer, live_world: World):
    log_in(page, live, live_world.secretary)
    page.goto(live("/"))
    expect(page.get_by_role("region", name="Wat wacht op mij")).to_contain_text(
        "Er wacht niets op u."
    )
