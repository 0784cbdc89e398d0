from __future__ import annotations

import pytest

from overleg.extensions import db
from overleg.models import LoginAttempt, LoginSession
from tests.conftest import csrf_token, login, post_form
from tests.factories import TEST_PASSWORD


def test_login_page_has_the_contract_fields(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ('name="email"', 'name="password"', 'name="csrf_token"'):
        assert name in html
    assert 'lang="nl-BE"' in html


def test_login_and_dashboard(client, world):
    response = login(client, world.coordinator)
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Komende vergaderingen" in page.get_data(as_text=True)


def test_wrong_password_keeps_email_and_says_why(client, world):
    response = post_form(client, "/login", {"email": world.coordinator.email, "password": "wrong"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "horen niet bij elkaar" in html
    assert f'value="{world.coordinator.email}"' in html


def test_login_without_csrf_is_refused(client, world):
    response = client.post("/login", data={"email": world.coordinator.email, "password": "x"})
    assert response.status_code == 400
    assert db.session.query(LoginSession).count() == 0


def test_a_refused_login_is_kept_for_the_limit(client, world):
    # Not a Refusal: nothing is rolled back, the page commits the failed attempt it recorded.
    response = post_form(client, "/login", {"email": world.coordinator.email, "password": "x"})
    assert response.status_code == 200
    (attempt,) = db.session.query(LoginAttempt).all()
    assert (attempt.email, attempt.succeeded) == (world.coordinator.email, False)
    assert db.session.query(LoginSession).count() == 0


def test_failed_logins_are_limited_per_account(app, client, world):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        post_form(client, "/login", {"email": world.coordinator.email, "password": "nope"})
    # Even the right password is refused while the account is throttled.
    response = post_form(
        client, "/login", {"email": world.coordinator.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert db.session.query(LoginAttempt).filter_by(succeeded=False).count() == limit


def test_failed_logins_are_limited_per_address(app, client, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        post_form(client, "/login", {"email": f"nobody{n}@example.be", "password": "nope"})
    response = post_form(
        client, "/login", {"email": world.secretary.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429


def test_logout_ends_the_session_even_for_a_replayed_cookie(client, world):
    login(client, world.coordinator)
    cookie = client.get_cookie("session")
    assert cookie is not None
    stolen = cookie.value
    assert post_form(client, "/logout", {}).status_code == 302
    assert db.session.query(LoginSession).count() == 0
    # Replay the cookie from before the logout.
    client.set_cookie("session", stolen)
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_open_redirect_after_login_is_refused(client, world):
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={"email": world.coordinator.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_production_cookies_are_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_english_can_be_chosen(client):
    token = csrf_token(client)
    client.post("/taal", data={"language": "en", "next": "/login", "csrf_token": token})
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html


def test_production_refuses_the_development_secret(monkeypatch):
    import pytest

    from overleg import create_app

    monkeypatch.setenv("OVERLEG_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()  # what gunicorn runs: the config comes from the environment
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": "short"})
    app = create_app(
        {
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BASE_URL": "https://overleg.example.be",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "base_url", ["", "http://127.0.0.1:5000", "http://overleg.example.be", "https://", "overleg.be"]
)
def test_production_refuses_to_start_without_an_https_base_url(monkeypatch, base_url):
    from overleg import create_app

    monkeypatch.setenv("OVERLEG_ENV", "production")
    with pytest.raises(RuntimeError, match="BASE_URL must be set to the https:// address"):
        create_app({"SECRET_KEY": "x" * 40, "BASE_URL": base_url})


def test_ids_beyond_a_database_integer_are_not_found(client, world):
    login(client, world.coordinator)
    for path in ("/organisations/99999999999999", "/contacts/99999999999", "/themes/9999999999"):
        assert client.get(path).status_code == 404, path
