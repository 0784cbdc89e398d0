"""Mijn account: every form, its happy path and its bad input."""

from __future__ import annotations

import re

import sqlalchemy as sa

from overleg.auth import two_factor
from overleg.extensions import db
from overleg.models import AuditEntry, LoginAttempt, LoginSession, RecoveryCode
from overleg.models.types import utcnow
from tests.conftest import World, login, post_form
from tests.factories import TEST_PASSWORD
from tests.functional.test_two_factor_login import fresh_code, login_with_code, switch_on

NEW_PASSWORD = "een lange zin als nieuw wachtwoord"


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_every_user_finds_the_page_in_the_navigation(client, world: World):
    for user in (world.coordinator, world.secretary, world.reader):
        client.delete_cookie("session")
        login(client, user)
        html = client.get("/").get_data(as_text=True)
        assert '<a href="/account">Mijn account</a>' in html
        page = client.get("/account")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert user.email in text
        for heading in ("Wachtwoord", "Taal", "Tweestapsverificatie", "Mijn agenda-abonnement"):
            assert f">{heading}</h2>" in text


# --- password -----------------------------------------------------------------------------


def _change(client, current=TEST_PASSWORD, new=NEW_PASSWORD, repeat=None):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/account/password",
        {
            "current_password": current,
            "password": new,
            "confirm": new if repeat is None else repeat,
        },
    )


def test_changing_the_password_ends_the_other_sessions(app, client, world: World):
    other = app.test_client()
    login(other, world.coordinator)
    login(client, world.coordinator)
    response = _change(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "overal elders afgemeld" in client.get("/account").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 1
    assert other.get("/").headers["Location"].startswith("/login")
    assert client.get("/").status_code == 200
    assert "user.password_set" in actions()
    client.delete_cookie("session")
    refused = post_form(client, "/login", {"email": world.coordinator.email, "password": "x"})
    assert refused.status_code == 200
    login(client, world.coordinator, NEW_PASSWORD)


def test_a_wrong_current_password_is_refused_and_counted(client, world: World):
    login(client, world.coordinator)
    response = _change(client, current="niet mijn wachtwoord")
    assert response.status_code == 200
    assert "Dit is niet je huidige wachtwoord." in response.get_data(as_text=True)
    failed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.succeeded.is_(False))
    )
    assert failed == 1
    assert "user.password_set" not in actions()


def test_wrong_current_passwords_are_throttled(app, client, world: World):
    login(client, world.coordinator)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        _change(client, current="fout")
    response = _change(client)
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert "user.password_set" not in actions()


def test_the_new_password_twice_and_by_the_policy(client, world: World):
    login(client, world.coordinator)
    response = _change(client, repeat="iets anders dan het eerste")
    assert response.status_code == 200
    assert "De twee wachtwoorden komen niet overeen." in response.get_data(as_text=True)
    response = _change(client, new="kort")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in html
    assert "user.password_set" not in actions()


def test_empty_password_fields_are_asked_for(client, world: World):
    login(client, world.coordinator)
    response = _change(client, current="", new="", repeat="")
    html = response.get_data(as_text=True)
    assert "Vul je huidige wachtwoord in." in html
    assert "Kies een wachtwoord." in html


def test_the_password_form_needs_its_csrf_token(client, world: World):
    login(client, world.coordinator)
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "user.password_set" not in actions()


# --- language -----------------------------------------------------------------------------


def test_the_language_is_kept_with_the_account(client, world: World):
    login(client, world.secretary)
    response = post_form(client, "/account/language", {"language": "en"})
    assert response.headers["Location"] == "/account"
    db.session.refresh(world.secretary)
    assert world.secretary.locale == "en"
    assert "My account" in client.get("/account").get_data(as_text=True)
    client.delete_cookie("session")
    login(client, world.secretary)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_an_unknown_language_is_refused(client, world: World):
    login(client, world.secretary)
    response = post_form(client, "/account/language", {"language": "fr"})
    assert response.status_code == 200
    assert 'id="language-error"' in response.get_data(as_text=True)
    db.session.refresh(world.secretary)
    assert world.secretary.locale is None


# --- two-factor set-up --------------------------------------------------------------------


def _set_up_page(client):  # type: ignore[no-untyped-def]
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    sealed = re.search(r'name="secret" type="hidden" value="([^"]+)"', html).group(1)
    return html, secret.replace(" ", ""), sealed


def test_the_set_up_page_draws_the_qr_code_itself(client, world: World):
    login(client, world.reader)
    response = client.get("/account/two-factor")
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "<svg" in html and "<title>QR-code om in je app te scannen</title>" in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    # Nothing is stored before a code proves the app has the secret.
    db.session.refresh(world.reader)
    assert not world.reader.two_factor_enabled


def test_switching_on_with_a_right_code_shows_ten_codes_once(client, world: World):
    login(client, world.reader)
    _, secret, sealed = _set_up_page(client)
    code = two_factor.code_at(secret, two_factor.step_at(utcnow()))
    response = post_form(client, "/account/two-factor", {"secret": sealed, "code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", html)
    assert len(codes) == 10
    db.session.refresh(world.reader)
    assert world.reader.totp_secret == secret
    assert actions() == ["user.two_factor_on"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10
    account = client.get("/account").get_data(as_text=True)
    assert "Ongebruikte herstelcodes: 10 van 10." in account
    assert secret not in account and codes[0] not in account
    assert client.get("/account/two-factor").headers["Location"] == "/account"


def test_a_wrong_code_keeps_the_same_secret_and_what_was_typed(client, world: World):
    login(client, world.reader)
    _, secret, sealed = _set_up_page(client)
    response = post_form(client, "/account/two-factor", {"secret": sealed, "code": "123 456"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Deze code klopt niet." in html
    assert 'value="123 456"' in html
    assert _grouped_in(secret, html)
    db.session.refresh(world.reader)
    assert not world.reader.two_factor_enabled
    response = post_form(client, "/account/two-factor", {"secret": sealed, "code": ""})
    assert "Vul de code in die je app toont." in response.get_data(as_text=True)


def _grouped_in(secret: str, html: str) -> bool:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html


def test_a_forged_or_foreign_secret_is_not_taken(client, world: World):
    login(client, world.secretary)
    _, _, sealed_for_secretary = _set_up_page(client)
    client.delete_cookie("session")
    login(client, world.reader)
    forged = two_factor.new_secret()
    for sealed in (forged, sealed_for_secretary):
        response = post_form(
            client,
            "/account/two-factor",
            {"secret": sealed, "code": two_factor.code_at(forged, two_factor.step_at(utcnow()))},
        )
        assert response.status_code == 200
        assert "Deze pagina was verlopen" in response.get_data(as_text=True)
    db.session.refresh(world.reader)
    assert not world.reader.two_factor_enabled


# --- two-factor off and new recovery codes ------------------------------------------------


def test_switching_off_with_the_password(client, world: World):
    switch_on(world.secretary)
    login_with_code(client, world.secretary)
    response = post_form(client, "/account/two-factor/off", {"off_proof": TEST_PASSWORD})
    assert response.headers["Location"] == "/account"
    db.session.refresh(world.secretary)
    assert not world.secretary.two_factor_enabled
    assert actions()[-1] == "user.two_factor_off"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_switching_off_with_a_code_or_a_recovery_code(client, world: World):
    switch_on(world.secretary)
    login_with_code(client, world.secretary)
    code = fresh_code(world.secretary)
    assert post_form(client, "/account/two-factor/off", {"off_proof": code}).status_code == 302
    codes = switch_on(world.secretary)
    response = post_form(client, "/account/two-factor/off", {"off_proof": codes[2]})
    assert response.status_code == 302
    db.session.refresh(world.secretary)
    assert not world.secretary.two_factor_enabled


def test_switching_off_with_a_wrong_proof_is_refused(client, world: World):
    switch_on(world.secretary)
    login_with_code(client, world.secretary)
    response = post_form(client, "/account/two-factor/off", {"off_proof": "raden"})
    assert response.status_code == 200
    assert "Dit wachtwoord of deze code klopt niet." in response.get_data(as_text=True)
    response = post_form(client, "/account/two-factor/off", {"off_proof": ""})
    assert "Vul je wachtwoord of een code in." in response.get_data(as_text=True)
    db.session.refresh(world.secretary)
    assert world.secretary.two_factor_enabled
    assert "user.two_factor_off" not in actions()


def test_a_required_two_factor_cannot_be_switched_off(client, world: World):
    world.platform.require_two_factor_for_coordinators = True
    db.session.commit()
    switch_on(world.coordinator)
    login_with_code(client, world.coordinator)
    page = client.get("/account").get_data(as_text=True)
    assert "ze kan niet uit" in page
    assert 'action="/account/two-factor/off"' not in page
    response = post_form(client, "/account/two-factor/off", {"off_proof": TEST_PASSWORD})
    assert response.status_code == 200
    assert "verplicht voor coördinatoren" in response.get_data(as_text=True)
    db.session.refresh(world.coordinator)
    assert world.coordinator.two_factor_enabled


def test_new_recovery_codes_need_a_code_from_the_app(client, world: World):
    old = switch_on(world.secretary)
    login_with_code(client, world.secretary)
    response = post_form(client, "/account/two-factor/recovery-codes", {"renew_code": old[0]})
    assert response.status_code == 200
    assert "Deze code klopt niet." in response.get_data(as_text=True)
    response = post_form(
        client, "/account/two-factor/recovery-codes", {"renew_code": fresh_code(world.secretary)}
    )
    new = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert actions()[-1] == "user.recovery_codes_renewed"


# --- the calendar feed --------------------------------------------------------------------


def test_the_feed_is_made_renewed_and_revoked_from_the_account_page(client, world: World):
    login(client, world.secretary)
    assert "Adres aanmaken" in client.get("/account").get_data(as_text=True)
    made = post_form(client, "/calendar/subscription", {"next": "/account"})
    assert made.headers["Location"] == "/account"
    db.session.refresh(world.secretary)
    first = world.secretary.feed_token
    assert first and f"/calendar/user/{first}.ics" in client.get("/account").get_data(as_text=True)
    post_form(client, "/calendar/subscription", {"next": "/account"})
    db.session.refresh(world.secretary)
    assert world.secretary.feed_token not in (None, first)
    revoked = post_form(client, "/calendar/subscription/revoke", {"next": "/account"})
    assert revoked.headers["Location"] == "/account"
    db.session.refresh(world.secretary)
    assert world.secretary.feed_token is None
    # An outside target is not followed.
    elsewhere = post_form(client, "/calendar/subscription", {"next": "https://evil.example/"})
    assert elsewhere.headers["Location"] == "/calendar/subscription"
