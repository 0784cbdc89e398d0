"""Production shape: gunicorn worker processes sharing one database.

Two gunicorn servers (each its own worker process) on 127.0.0.1 over one database; requests
alternate between them, so whatever holds must hold across processes, not in one process's memory.
"""

from __future__ import annotations

from overleg.extensions import db
from overleg.lib import tokens
from overleg.models import LoginAttempt
from tests.factories import TEST_PASSWORD
from tests.support.servers import Browserless, gunicorn, production_env, request
from tests.system.conftest import SharedDatabase


def _login(client: Browserless, base: str, email: str, password: str) -> int:
    token = client.csrf_token("/login", base)
    status, _headers, _body = client.post(
        "/login", {"email": email, "password": password, "csrf_token": token}, base
    )
    return status


def test_login_limit_and_logout_hold_across_worker_processes(shared_db: SharedDatabase, tmp_path):
    env = production_env(shared_db.url)
    email = shared_db.world.coordinator.email
    with (
        gunicorn(env, tmp_path / "a.log", workers=1) as a,
        gunicorn(env, tmp_path / "b.log", workers=1) as b,
    ):
        servers = [a.url, b.url]
        attacker = Browserless(a.url)
        limit = 5  # LOGIN_MAX_FAILURES_PER_ACCOUNT's default
        for attempt in range(limit):
            assert _login(attacker, servers[attempt % 2], email, "geraden") == 200
        # The sixth try, even with the right password, is refused by both processes.
        for base in servers:
            assert _login(Browserless(base), base, email, TEST_PASSWORD) == 429
        db.session.expire_all()
        assert db.session.query(LoginAttempt).filter_by(email=email, succeeded=False).count() == 5

        # A cookie from before a logout on one process is refused by the other.
        secretary = Browserless(a.url)
        assert _login(secretary, a.url, shared_db.world.secretary.email, TEST_PASSWORD) == 302
        stolen = dict(secretary.cookies)
        assert secretary.get("/", b.url)[0] == 200  # the session works on both processes
        token = secretary.csrf_token("/", b.url)
        assert secretary.post("/logout", {"csrf_token": token}, b.url)[0] == 302
        replay = Browserless(a.url)
        replay.cookies = stolen
        status, headers, _body = replay.get("/")
        assert status == 302 and "/login" in headers["location"]


def test_gunicorns_access_log_masks_the_tokens_of_personal_links(
    shared_db: SharedDatabase, tmp_path
):
    secret = tokens.new_token()
    access_log = tmp_path / "access.log"
    with gunicorn(
        production_env(shared_db.url), tmp_path / "g.log", workers=1, access_log=access_log
    ) as server:
        for path in (f"/rsvp/{secret}", f"/poll/{secret}", f"/calendar/personal/{secret}.ics"):
            status, _headers, _body = request(server.url, "GET", path)
            assert status == 404
    written = access_log.read_text()
    assert written.count("/rsvp/***") == 1 and "/poll/***" in written
    assert secret not in written
