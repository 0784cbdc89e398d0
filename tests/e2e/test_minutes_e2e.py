"""The minutes journey in Chromium: register, notes, circulate, approve; every page accessible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from overleg.extensions import db
from overleg.models import AgendaItemKind, MeetingStatus, Minutes, MinutesStatus
from tests import factories
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in


def _held_meeting(world: World):
    start = (datetime.now(UTC) - timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    factories.AgendaItemFactory(
        meeting=meeting, title="Opvolging actiepunten", kind=AgendaItemKind.FOLLOW_UP
    )
    factories.AgendaItemFactory(meeting=meeting, title="Wachtlijsten", kind=AgendaItemKind.THEME)
    for standing in world.north.standing_invitees:
        factories.InvitationFactory(meeting=meeting, contact=standing.contact)
    return meeting


def test_secretary_records_and_coordinator_approves_in_the_browser(
    page: Page, live: LiveServer, live_world: World
):
    meeting = _held_meeting(live_world)
    log_in(page, live, live_world.secretary)

    page.goto(live(f"/meetings/{meeting.id}/minutes"))
    page.get_by_role("button", name="Verslag starten").click()
    page.wait_for_url(live(f"/meetings/{meeting.id}/minutes/attendance"))
    assert_accessible(page)
    page.get_by_label("Voorzitter").select_option(index=1)
    page.locator("select[name='rows-0-attendance']").select_option("present")
    page.get_by_role("button", name="Aanwezigheden bewaren").click()
    expect(page.get_by_text("De aanwezigheden zijn bewaard.")).to_be_visible()

    page.goto(live(f"/meetings/{meeting.id}/minutes/edit"))
    assert_accessible(page)
    page.locator("textarea[name='notes-1-discussion']").fill("De wachtlijst groeit **sterk**.")
    page.locator("textarea[name='notes-1-decisions']").fill("Extra woningen aanvragen")
    page.locator("textarea[name='action_points-0-description']").fill("Cijfers bezorgen")
    page.get_by_role("button", name="Verslag bewaren").click()
    expect(page.get_by_text("Het verslag is bewaard")).to_be_visible()

    page.goto(live(f"/meetings/{meeting.id}/minutes"))
    assert_accessible(page)
    page.get_by_role("button", name="Rondsturen ter opmerkingen").click()
    expect(page.get_by_text("rondgestuurd ter opmerkingen").first).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live, live_world.coordinator)
    page.goto(live(f"/meetings/{meeting.id}/minutes"))
    page.get_by_role("button", name="Goedkeuren en vergrendelen").click()
    expect(page.get_by_text("goedgekeurd en vergrendeld")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("link", name="Versie 2")).to_be_visible()

    db.session.expire_all()
    minutes = db.session.query(Minutes).filter_by(meeting_id=meeting.id).one()
    assert minutes.status is MinutesStatus.APPROVED
    assert [v.number for v in minutes.versions] == [1, 2]
