"""Minutes: attendance register, notes, decisions, action points, approval and the PDFs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("minutes", __name__)

from overleg.minutes import (  # noqa: E402, F401  (registers the routes)
    confidential_views,
    remark_views,
    views,
)
