"""What the user sees when the database is busy: a 503 to try again, never a 500.

A write that waits too long for a lock (SQLite's "database is locked" after the busy timeout;
PostgreSQL's lock timeout, a deadlock or a serialization failure) is rolled back as a whole, so
nothing is half written, and the user is asked to try again in a moment.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from overleg.extensions import db

bp = Blueprint("faults", __name__)

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


@bp.app_errorhandler(OperationalError)
def database_busy(error: OperationalError):  # type: ignore[no-untyped-def]
    db.session.rollback()
    if not is_busy(error):
        raise error
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        return {"error": "Service Unavailable", "status": 503}, 503, headers
    message = _(
        "De databank is even bezet. Er werd niets bewaard: ga terug en verstuur het formulier "
        "over enkele seconden opnieuw."
    )
    return render_template("errors/error.html", code=503, message=message), 503, headers
