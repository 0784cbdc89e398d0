"""Two-factor in Chromium: set up from Mijn account, log in with a code and with a recovery code.

Every page on the way is checked with axe-core.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from overleg.auth import two_factor
from overleg.extensions import db
from overleg.models import User
from overleg.models.types import utcnow
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in
from tests.factories import TEST_PASSWORD


def next_code(secret: str, user: User) -> str:
    """The code the app shows, one not used yet (a later step is accepted within the window)."""
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    step = two_factor.step_at(utcnow())
    if fresh is not None and fresh.totp_last_step is not None and fresh.totp_last_step >= step:
        step = fresh.totp_last_step + 1
    return two_factor.code_at(secret, step)


def switch_on_in_the_browser(page: Page, live: LiveServer, user: User) -> tuple[str, list[str]]:
    """From any page: Mijn account, set-up, the code, the recovery codes; returns both."""
    page.get_by_role("link", name="Mijn account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    assert_accessible(page)
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    return finish_set_up(page, user)


def finish_set_up(page: Page, user: User) -> tuple[str, list[str]]:
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie aanzetten")
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code uit de app").fill(
        two_factor.code_at(secret, two_factor.step_at(utcnow()))
    )
    page.get_by_role("button", name="Controleren en aanzetten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je herstelcodes")
    assert_accessible(page)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    return secret, codes


def log_in_with_code(page: Page, live: LiveServer, user: User, code: str) -> None:
    page.goto(live("/login"))
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden: code")
    assert_accessible(page)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(lambda url: "/login" not in url)


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Afmelden")).click()
    page.wait_for_url(re.compile(r"/login$"))


def test_two_factor_from_set_up_to_recovery_code(page: Page, live: LiveServer, live_world: World):
    user = live_world.secretary
    log_in(page, live, user)
    secret, codes = switch_on_in_the_browser(page, live, user)
    page.get_by_role("button", name="Ik heb ze bewaard").click()
    expect(page.get_by_text("Ongebruikte herstelcodes: 10 van 10.")).to_be_visible()

    log_out(page)
    log_in_with_code(page, live, user, next_code(secret, user))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    log_out(page)
    log_in_with_code(page, live, user, codes[0])
    expect(
        page.get_by_text("Je meldde je aan met een herstelcode. Je hebt er nog 9")
    ).to_be_visible()
    assert_accessible(page)


def test_a_coordinator_is_sent_to_the_set_up(page: Page, live: LiveServer, live_world: World):
    live_world.platform.require_two_factor_for_coordinators = True
    db.session.commit()
    log_in(page, live, live_world.coordinator)
    page.goto(live("/meetings"))
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.get_by_text("Zet ze aan om verder te gaan.")).to_be_visible()
    finish_set_up(page, live_world.coordinator)
    page.get_by_role("button", name="Ik heb ze bewaard").click()
    page.goto(live("/meetings"))
    expect(page).to_have_url(re.compile(r"/meetings$"))
