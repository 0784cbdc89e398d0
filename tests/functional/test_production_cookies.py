"""The cookies a production app actually sets: Secure, HttpOnly, SameSite (not just the config)."""

from __future__ import annotations

from config import ProductionConfig, TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from tests.conftest import build_world
from tests.factories import TEST_PASSWORD


class _Production(ProductionConfig):
    SECRET_KEY = "p" * 48
    BASE_URL = "https://overleg.example.be"
    SQLALCHEMY_DATABASE_URI = TestingConfig.SQLALCHEMY_DATABASE_URI
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


def test_production_session_cookie_flags_and_hsts():
    app = create_app(_Production)
    assert not app.debug and not app.testing
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        world = build_world()
        try:
            client = app.test_client()
            page = client.get("/login", base_url="https://overleg.example.be")
            assert page.headers["Strict-Transport-Security"].startswith("max-age=")
            token = (
                page.get_data(as_text=True)
                .split('name="csrf_token" type="hidden" value="')[1]
                .split('"')[0]
            )
            response = client.post(
                "/login",
                base_url="https://overleg.example.be",
                # Over HTTPS, Flask-WTF also checks that the form came from this site.
                headers={"Referer": "https://overleg.example.be/login"},
                data={
                    "email": world.coordinator.email,
                    "password": TEST_PASSWORD,
                    "csrf_token": token,
                },
            )
            assert response.status_code == 302
            cookies = response.headers.getlist("Set-Cookie")
            session = next(c for c in cookies if c.startswith("session="))
            flags = {part.strip().split("=")[0].lower() for part in session.split(";")}
            assert {"secure", "httponly"} <= flags
            assert "samesite=lax" in session.lower()
        finally:
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                from tests.support import databases

                databases.clean(db)
            else:
                db.drop_all()
                db.engine.dispose()
