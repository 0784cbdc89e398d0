"""From an empty database to a platform run by its own people (issue 12), in Chromium.

`platform create` and `users create` on the command line (Click's runner, as `flask --app
overleg ...` runs them; while `platform create` is not there, the platform row is made
directly); the coordinator sets a password through the printed link, switches on two-factor,
logs in again with a code, adds two municipalities and invites a secretary on /users; the
secretary sets a password through the link of the invitation mail and sees only the
municipality she was given. Every page on the way is checked with axe-core.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from overleg.extensions import db
from overleg.models import Municipality, OutboxMessage, Platform, User
from tests.e2e.conftest import LiveServer, assert_accessible
from tests.e2e.test_two_factor_e2e import finish_set_up, log_out, next_code

COORDINATOR = ("els.peeters@iok.be", "Els Peeters", "de kempen bloeit in mei")
SECRETARY = ("jan.wouters@geel.be", "Jan Wouters", "drie katten op de grote markt")


def _cli(live: LiveServer, *args: str) -> str:
    result = live.app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _create_platform(live: LiveServer) -> str:
    if "platform" in live.app.cli.commands:
        return _cli(
            live,
            "platform",
            "create",
            "--name",
            "Kempens Woonplatform",
            "--organiser-email",
            "wonen@iok.be",
        )
    platform = Platform(
        name="Kempens Woonplatform", slug="kempens-woonplatform", organiser_email="wonen@iok.be"
    )
    db.session.add(platform)
    db.session.commit()
    return platform.slug


def _choose_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Kies je wachtwoord")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nieuw wachtwoord").fill(password)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(password)
    page.get_by_role("button", name="Wachtwoord bewaren").click()
    expect(page.get_by_text("Je wachtwoord is bewaard")).to_be_visible()


def _password_step(page: Page, live: LiveServer, address: str, password: str) -> None:
    page.goto(live("/login"))
    page.get_by_label("E-mailadres").fill(address)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()


def _user(address: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == address))
    assert user is not None
    return user


def _add_municipality(page: Page, live: LiveServer, name: str) -> None:
    page.goto(live("/municipalities/new"))
    page.get_by_label("Naam").fill(name)
    page.get_by_role("button", name=re.compile("Bewaren|Toevoegen|Aanmaken")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def _link_in_the_mail(live: LiveServer, address: str) -> str:
    db.session.expire_all()
    raw = db.session.scalar(
        sa.select(OutboxMessage.raw)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
    )
    assert raw is not None, f"no mail for {address}"
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
    text = body.get_content()
    match = re.search(re.escape(live.url) + r"/password/[A-Za-z0-9_-]{43}", text)
    assert match, text
    return match.group(0)


def test_from_an_empty_database_to_a_secretary(
    page: Page, live: LiveServer, new_page: Callable[..., Page]
):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    # On the command line: the platform, then its first coordinator. `platform create` (helper
    # platforms) was not on main when this was written: until it is, the row is made here, as
    # the command would (its reference data aside), and the slug taken from it.
    slug = _create_platform(live)
    address, name, password = COORDINATOR
    link = _cli(
        live, "users", "create", "--platform", slug, "--email", address, "--name", name,
        "--role", "coordinator",
    )  # fmt: skip
    assert link.startswith(live.url + "/password/")

    # The coordinator chooses a password, logs in and switches on two-factor.
    _choose_password(page, link, password)
    _password_step(page, live, address, password)
    page.wait_for_url(lambda url: "/login" not in url)
    page.get_by_role("link", name="Mijn account").click()
    assert_accessible(page)
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    secret, _codes = finish_set_up(page, _user(address))
    page.get_by_role("button", name="Ik heb ze bewaard").click()
    log_out(page)

    # Logging in again takes the code.
    _password_step(page, live, address, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden: code")
    page.get_by_label("Code").fill(next_code(secret, _user(address)))
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(lambda url: "/login" not in url)

    # Two municipalities, and a secretary for one of them, invited on /users.
    _add_municipality(page, live, "Geel")
    _add_municipality(page, live, "Mol")
    page.goto(live("/users"))
    assert_accessible(page)
    page.get_by_role("button", name="Gebruiker uitnodigen").click()
    secretary_address, secretary_name, secretary_password = SECRETARY
    page.get_by_label("Naam").fill(secretary_name)
    page.get_by_label("E-mailadres").fill(secretary_address)
    page.get_by_label("Rol").select_option(label="Secretaris")
    page.get_by_label("Geel").check()
    assert_accessible(page)
    page.get_by_role("button", name="Uitnodigen").click()
    expect(page.get_by_text(secretary_address)).to_be_visible()

    # The secretary sets a password through the mail and sees only Geel.
    other = new_page()
    _choose_password(other, _link_in_the_mail(live, secretary_address), secretary_password)
    _password_step(other, live, secretary_address, secretary_password)
    other.wait_for_url(lambda url: "/login" not in url)
    other.goto(live("/municipalities"))
    assert_accessible(other)
    main = other.get_by_role("main")
    expect(main.get_by_role("link", name="Geel")).to_be_visible()
    expect(main.get_by_text("Mol")).to_have_count(0)
    mol = db.session.scalar(sa.select(Municipality).where(Municipality.name == "Mol"))
    assert mol is not None
    assert other.goto(live(f"/municipalities/{mol.slug}")).status == 404
