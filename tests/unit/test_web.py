"""What every blueprint shares (overleg/web): the commit point, the busy database, refusals on
forms, pagination. Tested by calling Flask directly, without the test client's HTTP round trip."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from flask import abort, get_flashed_messages
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import Conflict
from wtforms import StringField

from overleg.auth.permissions import Access, access
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import OrganisationType, Platform
from overleg.web.errors import RETRY_AFTER_SECONDS, is_busy
from overleg.web.forms import ConfirmForm
from overleg.web.pagination import Page, page_number, paginate
from overleg.web.refusals import form_status, refusals_on
from tests import factories


def _busy() -> OperationalError:
    return OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))


def _stored_name(platform_id: int) -> str:
    db.session.rollback()  # whatever was not committed is gone
    return db.session.scalars(sa.select(Platform.name).where(Platform.id == platform_id)).one()


@pytest.fixture
def platform(app):
    platform = factories.PlatformFactory(name="Voor")
    db.session.commit()
    return platform


def _route(app, path, view):
    app.add_url_rule(path, endpoint=path, view_func=access(Access.PUBLIC)(view))


# --- the commit point -------------------------------------------------------------------------


def test_a_view_that_returns_normally_is_committed(app, platform):
    def rename():
        platform.name = "Na"
        return "ok"

    _route(app, "/_rename", rename)
    with app.test_request_context("/_rename"):
        assert app.dispatch_request() == "ok"
    assert _stored_name(platform.id) == "Na"


def test_a_view_that_aborts_commits_nothing(app, platform):
    def rename_then_abort():
        platform.name = "Na"
        db.session.flush()  # written, but not committed
        abort(409)

    _route(app, "/_abort", rename_then_abort)
    with app.test_request_context("/_abort"), pytest.raises(Conflict):
        app.dispatch_request()
    assert _stored_name(platform.id) == "Voor"


def test_a_database_busy_at_the_commit_answers_503_and_keeps_nothing(app, platform, monkeypatch):
    def rename():
        platform.name = "Na"
        db.session.flush()
        return "ok"

    def busy_commit():
        raise _busy()

    _route(app, "/_busy", rename)
    monkeypatch.setattr(db.session, "commit", busy_commit)
    with app.test_request_context("/_busy"):
        response = app.make_response(app.full_dispatch_request())
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "De databank is even bezet" in response.get_data(as_text=True)
    assert _stored_name(platform.id) == "Voor"


def test_the_api_hears_of_a_busy_database_in_json(app, monkeypatch):
    def busy_commit():
        raise _busy()

    _route(app, "/api/_busy", lambda: {"ok": True})
    monkeypatch.setattr(db.session, "commit", busy_commit)
    with app.test_request_context("/api/_busy"):
        response = app.make_response(app.full_dispatch_request())
    assert response.status_code == 503
    assert response.get_json() == {"error": "Service Unavailable", "status": 503}


def test_a_broken_database_is_not_mistaken_for_a_busy_one(app, monkeypatch):
    broken = OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    def broken_commit():
        raise broken

    _route(app, "/_broken", lambda: "ok")
    monkeypatch.setattr(db.session, "commit", broken_commit)
    with app.test_request_context("/_broken"), pytest.raises(OperationalError):
        app.full_dispatch_request()


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "original, busy",
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("database table is locked"), True),
        (_PgError("55P03"), True),  # lock not available
        (_PgError("40P01"), True),  # deadlock
        (_PgError("40001"), True),  # serialization failure
        (_PgError("57014"), True),  # cancelled by a timeout
        (sqlite3.OperationalError("no such table: meeting"), False),
        (_PgError("42P01"), False),  # undefined table
    ],
)
def test_is_busy(original, busy):
    assert is_busy(OperationalError("SELECT 1", {}, original)) is busy


# --- refusals on forms ------------------------------------------------------------------------


class _NameForm(ConfirmForm):
    name = StringField()


def test_an_accepted_change_stays_in_the_session(app, platform):
    with app.test_request_context("/", method="POST"):
        form = _NameForm(meta={"csrf": False})
        with refusals_on(form) as outcome:
            platform.name = "Na"
        assert outcome.accepted and outcome.refusal is None
        assert form.errors == {} and form.form_errors == []
        db.session.commit()
    assert _stored_name(platform.id) == "Na"


def test_a_refused_change_is_rolled_back_and_shown_on_its_field(app, platform):
    with app.test_request_context("/", method="POST"):
        form = _NameForm(meta={"csrf": False})
        with refusals_on(form) as outcome:
            platform.name = "Na"
            db.session.flush()
            raise Refusal(_l("Vul een naam in."), field="name")
        assert not outcome.accepted
        assert form.name.errors == ["Vul een naam in."]
        db.session.commit()  # what the commit point does after the view re-renders the form
    assert _stored_name(platform.id) == "Voor"


def test_a_refusal_without_a_form_is_flashed(app, platform):
    with app.test_request_context("/", method="POST"):
        with refusals_on() as outcome:
            raise Refusal(_l("Vul een naam in."))
        assert not outcome.accepted
        assert get_flashed_messages(with_categories=True) == [("error", "Vul een naam in.")]


def test_other_errors_pass_through(app):
    with (
        app.test_request_context("/", method="POST"),
        pytest.raises(ValueError, match="a bug"),
        refusals_on(),
    ):
        raise ValueError("a bug")


def test_a_stale_csrf_token_answers_400(app):
    with app.test_request_context("/", method="POST", data={"csrf_token": "stale"}):
        form = ConfirmForm()
        assert not form.validate()
        assert form_status(form) == 400
    with app.test_request_context("/", method="POST"):
        form = _NameForm(meta={"csrf": False})
        form.name.errors = ["Vul een naam in."]
        assert form_status(form) == 200


# --- pagination -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, number",
    [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-3", 1), ("abc", 1), ("99999999", 1_000_000)],
)
def test_page_number(raw, number):
    assert page_number(raw) == number


def test_paginate_counts_and_clamps(app):
    statement = sa.select(OrganisationType).order_by(OrganisationType.id)
    total = len(db.session.scalars(statement).all())
    assert total > 3
    first = paginate(statement, 1, 3)
    assert (first.total, first.pages, first.page) == (total, -(-total // 3), 1)
    assert len(first.items) == 3 and not first.has_prev and first.has_next
    assert (first.first_index, first.last_index) == (1, 3)
    last = paginate(statement, 999, 3)  # past the end: the last page
    assert last.page == last.pages and not last.has_next and last.has_prev
    assert last.last_index == total


def test_an_empty_page():
    page: Page[int] = Page(items=[], page=1, per_page=20, total=0)
    assert page.pages == 1
    assert (page.first_index, page.last_index) == (0, 0)
    assert not page.has_prev and not page.has_next
