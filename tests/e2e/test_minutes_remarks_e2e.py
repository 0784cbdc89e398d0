"""A member sends a remark on the circulated draft through the personal link, in Chromium; the
secretary reads it beside the draft. Every page accessible (axe)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in


def test_a_member_sends_a_remark_the_secretary_reads_it(
    page: Page, live: LiveServer, live_world: World
):
    made = factories.remark_link(live_world.north)
    meeting_id = made.link.round.minutes.meeting_id
    name = made.link.name

    page.goto(live(f"/opmerkingen/{made.token}"))
    assert_accessible(page)
    page.get_by_role("button", name="Opmerking versturen").click()
    expect(page.locator("main")).to_contain_text("Schrijf uw opmerking.")
    assert_accessible(page)
    page.get_by_label("Uw opmerking").fill("Bij de wachtlijsten: 212 gezinnen, niet 221.")
    page.get_by_role("button", name="Opmerking versturen").click()
    expect(page.locator("main")).to_contain_text("Bedankt, uw opmerking is bewaard")
    expect(page.locator("main")).to_contain_text("212 gezinnen, niet 221.")
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, live, live_world.secretary)
    page.goto(live(f"/meetings/{meeting_id}/minutes/edit"))
    remarks = page.locator("section.minutes-remarks")
    expect(remarks).to_contain_text(name)
    expect(remarks).to_contain_text("212 gezinnen, niet 221.")
    assert_accessible(page)
