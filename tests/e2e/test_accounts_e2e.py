"""Accounts in Chromium: a forgotten password reset from the login page to the next login."""

from __future__ import annotations

import email
import email.policy
import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from overleg.auth import resets
from overleg.extensions import db
from overleg.models import OutboxMessage, User
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in

NEW_PASSWORD = "zes gele kanaries in Geel"


def _link_from_the_mail(live: LiveServer, address: str) -> str:
    """What the mail sender does (flask outbox send), then the link from the queued mail."""
    resets.process_reset_requests()
    db.session.commit()
    raw = db.session.scalar(sa.select(OutboxMessage.raw).where(OutboxMessage.to_address == address))
    assert raw is not None, "no mail for " + address
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
    match = re.search(re.escape(live.url) + r"/password/[A-Za-z0-9_-]{43}", body.get_content())
    assert match, body.get_content()
    return match.group(0)


def test_a_forgotten_password_is_reset_end_to_end(page: Page, live: LiveServer, live_world: World):
    user: User = live_world.secretary
    page.goto(live("/login"))
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", name="Wachtwoord vergeten")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_role("button", name="Stuur me een link").click()
    expect(page.get_by_role("heading", name="Kijk in je mailbox")).to_be_visible()
    assert_accessible(page)

    link = _link_from_the_mail(live, user.email)
    page.goto(link)
    expect(page.get_by_role("heading", name="Kies een nieuw wachtwoord")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nieuw wachtwoord").fill("kort")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("kort")
    page.get_by_role("button", name="Wachtwoord bewaren").click()
    expect(page.get_by_text("Kies een wachtwoord van minstens 12 tekens.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord bewaren").click()
    page.wait_for_url(live("/login"))
    expect(page.get_by_text("Je wachtwoord is bewaard")).to_be_visible()

    log_in(page, live, user, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(link)
    expect(page.get_by_text("al gebruikt")).to_be_visible()
    assert_accessible(page)


def test_users_create_then_the_first_password_through_the_link(
    page: Page, live: LiveServer, live_world: World
):
    """From the command line to the first login: the link `users create` prints."""
    args = ["users", "create", "--platform", live_world.platform.slug, "--role", "coordinator"]
    args += ["--email", "an.peeters@example.be", "--name", "An Peeters"]
    result = live.app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith(live.url + "/password/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Kies je wachtwoord")).to_be_visible()
    page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord bewaren").click()
    page.wait_for_url(live("/login"))
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "an.peeters@example.be"))
    log_in(page, live, user, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
