"""The password pages: "Wachtwoord vergeten?" and the one-time link to set a password."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import sqlalchemy as sa

from overleg.auth import accounts, resets
from overleg.extensions import db
from overleg.mail import outbox
from overleg.models import AccountLink, LoginSession, OutboxMessage, PasswordResetRequest
from overleg.models.types import utcnow
from tests.conftest import csrf_token, login, post_form
from tests.factories import TEST_PASSWORD
from tests.unit.test_password_resets import statements

NEW_PASSWORD = "zes gele kanaries in Geel"
LINK = re.compile(r"http://localhost(/password/[A-Za-z0-9_-]{43})")


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_login_page_offers_a_forgotten_password(client):
    html = _text(client.get("/login"))
    assert 'href="/password/forgot"' in html and "Wachtwoord vergeten?" in html


def test_the_forgot_page_has_a_form(client):
    response = client.get("/password/forgot")
    assert response.status_code == 200
    assert 'name="email"' in _text(response) and 'name="csrf_token"' in _text(response)


def _ask(client, address: str):
    return post_form(client, "/password/forgot", {"email": address})


def test_the_answer_is_the_same_with_or_without_an_account(app, client, world):
    answers, sent = {}, {}
    for address in ("secretaris@example.be", "niemand@example.be"):
        token = csrf_token(client, "/password/forgot")
        with statements() as seen:
            response = client.post("/password/forgot", data={"email": address, "csrf_token": token})
        answers[address] = (response.status_code, _text(response).replace(address, "ADDRESS"))
        sent[address] = seen
    assert answers["secretaris@example.be"] == answers["niemand@example.be"]
    assert answers["niemand@example.be"][0] == 200
    assert "Kijk in je mailbox" in answers["niemand@example.be"][1]
    # The same work: the same statements, in the same order, and no account looked up.
    assert sent["secretaris@example.be"] == sent["niemand@example.be"]
    assert not any('"user"' in s or " user " in s for s in sent["niemand@example.be"])
    assert db.session.scalar(sa.select(sa.func.count(PasswordResetRequest.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_malformed_address_is_shown_again_with_the_reason(client, world):
    response = _ask(client, "geen adres")
    assert response.status_code == 200
    html = _text(response)
    assert 'value="geen adres"' in html and "geldig e-mailadres" in html
    assert db.session.scalar(sa.select(sa.func.count(PasswordResetRequest.id))) == 0


def test_forgot_without_csrf_is_refused(client, world):
    response = client.post("/password/forgot", data={"email": "secretaris@example.be"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(PasswordResetRequest.id))) == 0


def test_forgot_is_limited_per_address(app, client, world):
    app.config["PASSWORD_RESET_MAX_PER_ACCOUNT"] = 2
    assert _ask(client, "secretaris@example.be").status_code == 200
    assert _ask(client, "niemand@example.be").status_code == 200
    assert _ask(client, "Secretaris@example.be").status_code == 200
    response = _ask(client, "secretaris@example.be")
    assert response.status_code == 429
    assert "Te veel aanvragen" in _text(response)
    assert 'value="secretaris@example.be"' in _text(response)


def test_forgot_is_limited_per_client(app, client, world):
    app.config["PASSWORD_RESET_MAX_PER_ADDRESS"] = 2
    _ask(client, "a@example.be")
    _ask(client, "b@example.be")
    assert _ask(client, "c@example.be").status_code == 429


def _deliver(smtp) -> list[email.message.EmailMessage]:
    resets.process_reset_requests()
    db.session.commit()
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="x@y.be"
    )
    outbox.deliver_due(settings)
    return [email.message_from_bytes(m.content, policy=email.policy.default) for m in smtp.messages]


def _link_in(message) -> str:
    match = LINK.search(message.get_body(("plain",)).get_content())
    assert match, message
    return match.group(1)


def test_a_forgotten_password_reset_end_to_end(app, client, world, smtp):
    other = app.test_client()
    login(other, world.secretary)  # a session elsewhere, which the reset ends
    _ask(client, "secretaris@example.be")
    (message,) = _deliver(smtp)
    assert message["To"].addresses[0].addr_spec == "secretaris@example.be"
    path = _link_in(message)

    page = client.get(path)
    assert page.status_code == 200 and "secretaris@example.be" in _text(page)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    short = post_form(client, path, {"password": "te kort", "confirm": "te kort"})
    assert short.status_code == 200 and "minstens 12 tekens" in _text(short)
    differ = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 200 and "niet overeen" in _text(differ)
    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert other.get("/").status_code == 302, "the other session ended"
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == 0
    login(client, world.secretary, NEW_PASSWORD)
    again = app.test_client().get(path)
    assert again.status_code == 410 and "al gebruikt" in _text(again)
    assert 'action="/password/forgot"' in _text(again)


def test_an_expired_link_says_so_and_offers_a_new_one(app, client, world):
    url = accounts.issue_password_link(
        world.secretary, "reset_password", now=utcnow() - timedelta(hours=2)
    )
    db.session.commit()
    path = url.removeprefix("http://localhost")
    response = client.get(path)
    assert response.status_code == 410 and "verlopen" in _text(response)
    assert 'name="email"' in _text(response)
    posted = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 410
    assert db.session.scalar(sa.select(AccountLink.used_at)) is None


def test_an_unknown_link_is_not_found(client, world):
    response = client.get("/password/" + "A" * 43)
    assert response.status_code == 404 and "kennen deze link niet" in _text(response)


def test_setting_a_password_without_csrf_is_refused(app, client, world):
    url = accounts.issue_password_link(world.secretary, "reset_password")
    db.session.commit()
    path = url.removeprefix("http://localhost")
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(AccountLink.used_at)) is None
    login(client, world.secretary, TEST_PASSWORD)


def test_the_new_account_sets_its_first_password(app, client, world, smtp):
    user = accounts.create_user(
        world.platform,
        email="nieuw@example.be",
        name="Nieuwe Lezer",
        role="reader",
        municipalities=[world.north],
    )
    url = accounts.issue_password_link(user, "set_password")
    accounts.queue_password_mail(user, url, "set_password")
    db.session.commit()
    (message,) = _deliver(smtp)
    assert message["Subject"] == "Je account voor Kempens Testplatform"
    path = _link_in(message)
    assert "Kies je wachtwoord" in _text(client.get(path))
    post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    login(client, user, NEW_PASSWORD)


def test_the_pages_read_in_english(client, world):
    post_form(client, "/taal", {"language": "en"})
    assert "Forgot your password?" in _text(client.get("/login"))
    assert "We do not know this link" in _text(client.get("/password/" + "A" * 43))
