"""Every error handler of the app: what a user sees when something is refused or goes wrong.

A save that lost a race with another one for the same row (overleg.models.versioning: the row's
version changed between this request's read and its write, at a flush no edit form guarded) is
rolled back as a whole too and answers 409: nothing of it is written, nothing of the other is lost.

A write that waits too long for a lock (SQLite's "database is locked" after the busy timeout;
PostgreSQL's lock timeout, a deadlock or a serialization failure) is rolled back as a whole, so
nothing is half written, and the user is asked to try again in a moment (503 with Retry-After).
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from overleg.extensions import db
from overleg.web.types import ViewResponse

RETRY_AFTER_SECONDS = 5
# SQLSTATE codes of PostgreSQL for "try again": lock not available, deadlock, serialization,
# statement cancelled by a timeout.
RETRYABLE_SQLSTATES = frozenset({"55P03", "40P01", "40001", "57014"})


def is_busy(error: OperationalError) -> bool:
    """True when the database refused because it was busy, not because it is broken."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database table is locked" in text


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def database_busy(error: OperationalError) -> ViewResponse:
    db.session.rollback()
    if not is_busy(error):
        raise error
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_json():
        return {"error": "Service Unavailable", "status": 503}, 503, headers
    message = _(
        "De databank is even bezet. Er werd niets bewaard: ga terug en verstuur het formulier "
        "over enkele seconden opnieuw."
    )
    return render_template("errors/error.html", code=503, message=message), 503, headers


def lost_race(error: StaleDataError) -> ViewResponse:
    db.session.rollback()
    if _wants_json():
        return {"error": "Conflict", "status": 409}, 409
    message = _(
        "Iemand anders wijzigde dit op hetzelfde moment. Er werd niets bewaard: laad de pagina "
        "opnieuw, bekijk de wijziging en probeer nog eens."
    )
    return render_template("errors/error.html", code=409, message=message), 409


def csrf_error(error: CSRFError) -> ViewResponse:
    db.session.rollback()
    message = _(
        "Het formulier was verlopen of kwam niet van deze site. Laad de pagina opnieuw en "
        "probeer nog eens."
    )
    return render_template("errors/error.html", code=400, message=message), 400


def http_error(error: HTTPException) -> ViewResponse:
    # A failed statement leaves the transaction unusable; the error page (its layout asks who is
    # logged in) must not fail on it in turn.
    db.session.rollback()
    code = error.code or 500
    if _wants_json():
        return {"error": error.name, "status": code}, code
    return render_template("errors/error.html", code=code, message=None), code


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_busy)
    app.register_error_handler(StaleDataError, lost_race)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
