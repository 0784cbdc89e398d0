"""The accounts page in Chromium: a coordinator invites a secretary, who chooses a password
through the link in the mail and then sees only their own municipality."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from overleg.extensions import db
from overleg.models import OutboxMessage, User
from tests.conftest import World
from tests.e2e.conftest import LiveServer, assert_accessible, log_in

NEW_PASSWORD = "negen natte nachtegalen"
ADDRESS = "sara.peeters@example.be"


def _link_in_the_invitation(live: LiveServer) -> str:
    db.session.expire_all()
    raw = db.session.scalar(sa.select(OutboxMessage.raw).where(OutboxMessage.to_address == ADDRESS))
    assert raw is not None, "no invitation in the outbox"
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
    assert body is not None
    match = re.search(re.escape(live.url) + r"/password/[A-Za-z0-9_-]{43}", body.get_content())
    assert match, body.get_content()
    return match.group(0)


def test_a_coordinator_invites_a_secretary_who_sees_only_her_municipality(
    page: Page, new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    log_in(page, live, live_world.coordinator)
    page.get_by_role("link", name="Gebruikers").click()
    expect(page.get_by_role("heading", name="Gebruikers", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Gebruiker uitnodigen").click()
    page.get_by_label("Naam").fill("Sara Peeters")
    page.get_by_label("E-mailadres").fill(ADDRESS)
    page.get_by_label("Rol").select_option(label="Secretaris")
    page.get_by_label("Noorderdorp").check()
    page.get_by_role("button", name="Uitnodigen").click()
    expect(page.get_by_role("row", name=re.compile("Sara Peeters"))).to_contain_text(
        "uitnodiging nog niet aanvaard"
    )
    assert_accessible(page)

    her = new_page()
    her.goto(_link_in_the_invitation(live))
    expect(her.get_by_role("heading", name="Kies je wachtwoord")).to_be_visible()
    her.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    her.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    her.get_by_role("button", name="Wachtwoord bewaren").click()
    her.wait_for_url(live("/login"))
    sara = db.session.scalar(sa.select(User).where(User.email == ADDRESS))
    assert sara is not None
    log_in(her, live, sara, NEW_PASSWORD)
    her.goto(live("/municipalities"))
    main = her.get_by_role("main")
    expect(main).to_contain_text("Noorderdorp")
    expect(main).not_to_contain_text("Zuiderdorp")

    page.reload()
    expect(page.get_by_role("row", name=re.compile("Sara Peeters"))).to_contain_text("actief")
