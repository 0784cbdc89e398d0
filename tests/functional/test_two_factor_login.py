"""Logging in with two-factor: the second step, its limits, and coordinators who must set it up."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from flask.testing import FlaskClient

from overleg.auth import pending, two_factor
from overleg.extensions import db
from overleg.models import AuditEntry, LoginAttempt, LoginSession, User
from overleg.models.types import utcnow
from tests.conftest import World, login, post_form
from tests.factories import TEST_PASSWORD


def switch_on(user: User) -> list[str]:
    """Two-factor on for `user` (committed); returns the recovery codes."""
    secret = two_factor.new_secret()
    now = utcnow()
    codes = two_factor.switch_on(
        user, secret, two_factor.code_at(secret, two_factor.step_at(now)), now
    )
    db.session.commit()
    return codes


def fresh_code(user: User) -> str:
    """A code the user's app would show that has not been used yet."""
    db.session.refresh(user)
    assert user.totp_secret
    current = two_factor.step_at(utcnow())
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is None or step > user.totp_last_step:
            return two_factor.code_at(user.totp_secret, step)
    user.totp_last_step = None  # the test used up the window: as if 30 s went by
    db.session.commit()
    return two_factor.code_at(user.totp_secret, current)


def password_step(client: FlaskClient, user: User, path: str = "/login"):  # type: ignore[no-untyped-def]
    return post_form(client, path, {"email": user.email, "password": TEST_PASSWORD})


def login_with_code(client: FlaskClient, user: User) -> None:
    password_step(client, user)
    response = post_form(client, "/login/code", {"code": fresh_code(user)})
    assert response.status_code == 302, response.get_data(as_text=True)


def sessions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) or 0


def test_the_password_alone_opens_no_session(client, world: World):
    switch_on(world.coordinator)
    response = password_step(client, world.coordinator)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert sessions() == 0
    db.session.expire_all()
    assert db.session.get(User, world.coordinator.id).last_login_at is None  # not logged in yet
    # Half logged in is not logged in.
    assert client.get("/").headers["Location"].startswith("/login?next=")
    page = client.get("/login/code")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.get_data(as_text=True)


def test_the_right_code_logs_in_and_keeps_next(client, world: World):
    switch_on(world.coordinator)
    password_step(client, world.coordinator, "/login?next=/meetings")
    response = post_form(client, "/login/code", {"code": fresh_code(world.coordinator)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/meetings"
    assert sessions() == 1
    db.session.expire_all()
    assert db.session.get(User, world.coordinator.id).last_login_at is not None
    assert client.get("/").status_code == 200
    with client.session_transaction() as state:
        assert pending.KEY not in state


def test_a_wrong_code_says_so_keeps_it_and_counts(client, world: World):
    switch_on(world.coordinator)
    password_step(client, world.coordinator)
    response = post_form(client, "/login/code", {"code": "000 000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Deze code klopt niet." in html
    assert 'value="000 000"' in html
    assert sessions() == 0
    failed = db.session.scalars(sa.select(LoginAttempt).where(LoginAttempt.succeeded.is_(False)))
    assert [a.email for a in failed] == [world.coordinator.email]


def test_an_empty_code_is_asked_for(client, world: World):
    switch_on(world.coordinator)
    password_step(client, world.coordinator)
    response = post_form(client, "/login/code", {"code": ""})
    assert response.status_code == 200
    assert "Vul de code in." in response.get_data(as_text=True)


def test_the_second_step_is_throttled_like_the_login(app, client, world: World):
    switch_on(world.coordinator)
    password_step(client, world.coordinator)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        post_form(client, "/login/code", {"code": "000000"})
    response = post_form(client, "/login/code", {"code": fresh_code(world.coordinator)})
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert sessions() == 0


def test_a_code_cannot_be_used_twice(client, world: World):
    switch_on(world.coordinator)
    code = fresh_code(world.coordinator)
    password_step(client, world.coordinator)
    assert post_form(client, "/login/code", {"code": code}).status_code == 302
    post_form(client, "/logout")
    password_step(client, world.coordinator)
    response = post_form(client, "/login/code", {"code": code})
    assert response.status_code == 200
    assert "Deze code klopt niet." in response.get_data(as_text=True)


def test_a_recovery_code_logs_in_once(client, world: World):
    codes = switch_on(world.coordinator)
    password_step(client, world.coordinator)
    response = post_form(client, "/login/code", {"code": codes[0]}, follow_redirects=True)
    assert response.status_code == 200
    assert "Je hebt er nog 9" in response.get_data(as_text=True)
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "user.recovery_code_used")
    )
    post_form(client, "/logout")
    password_step(client, world.coordinator)
    response = post_form(client, "/login/code", {"code": codes[0]})
    assert "Deze code klopt niet." in response.get_data(as_text=True)


def test_the_second_step_expires(client, world: World):
    switch_on(world.coordinator)
    password_step(client, world.coordinator)
    with client.session_transaction() as state:
        state[pending.KEY] = {**state[pending.KEY], "until": time.time() - 1}
    response = post_form(client, "/login/code", {"code": fresh_code(world.coordinator)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert sessions() == 0


def test_a_password_changed_meanwhile_ends_the_second_step(client, world: World):
    switch_on(world.coordinator)
    password_step(client, world.coordinator)
    world.coordinator.password_hash = world.coordinator.password_hash + "x"
    db.session.commit()
    response = post_form(client, "/login/code", {"code": fresh_code(world.coordinator)})
    assert response.headers["Location"] == "/login"
    assert sessions() == 0


def test_without_a_password_step_the_code_page_sends_to_login(client, world: World):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_users_without_two_factor_log_in_as_before(client, world: World):
    response = login(client, world.secretary)
    assert response.headers["Location"] == "/"


# --- a platform that requires two-factor of its coordinators ---------------------------------


def _require(world: World) -> None:
    world.platform.require_two_factor_for_coordinators = True
    db.session.commit()


def test_a_coordinator_without_two_factor_is_sent_to_set_it_up(client, world: World):
    _require(world)
    login(client, world.coordinator)
    for path in ("/", "/meetings", "/account", "/calendar/subscription"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-factor", path
    assert client.get("/api/v1/municipalities").status_code == 403
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert "Zet ze aan om verder te gaan" in page.get_data(as_text=True)
    # Logging out and choosing a language still work.
    assert post_form(client, "/taal", {"language": "en"}).status_code == 302
    assert post_form(client, "/logout").headers["Location"] == "/login"


def test_after_the_set_up_the_coordinator_goes_on(client, world: World):
    _require(world)
    login(client, world.coordinator)
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    sealed = re.search(r'name="secret" type="hidden" value="([^"]+)"', html).group(1)
    now = utcnow()
    code = two_factor.code_at(secret, two_factor.step_at(now))
    response = post_form(client, "/account/two-factor", {"secret": sealed, "code": code})
    assert response.status_code == 200
    assert client.get("/").status_code == 200


def test_secretaries_are_not_asked_and_other_platforms_not_either(client, world: World):
    _require(world)
    login(client, world.secretary)
    assert client.get("/").status_code == 200
    client.delete_cookie("session")
    login(client, world.outsider)
    assert client.get("/").status_code == 200
