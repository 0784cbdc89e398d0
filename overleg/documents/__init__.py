"""Meeting documents: files per agenda item and per meeting, their versions, and their downloads
by staff and, through the personal link, by the invitees."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)

from overleg.documents import views  # noqa: E402, F401  (registers the routes)
