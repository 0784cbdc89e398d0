"""Read-only JSON API, version 1 (the contract in DESIGN.md).

Only what the logged-in user may see; anonymous requests get 401 (overleg.auth.permissions),
unknown or invisible municipalities 404, malformed parameters 400, each as JSON.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from overleg.api import services
from overleg.auth.permissions import Access, access, current_account
from overleg.lib.refusal import Refusal
from overleg.web.types import ViewResponse

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str) -> ViewResponse:
    return jsonify({"error": message, "status": status}), status


@bp.route("/municipalities")
@access(Access.USER)
def municipalities() -> ViewResponse:
    return jsonify(services.municipalities(current_account()))


@bp.route("/meetings")
@access(Access.USER)
def meetings() -> ViewResponse:
    try:
        query = services.parse_meeting_query(
            request.args.get("municipality"), request.args.get("year")
        )
    except Refusal as bad:
        return _error(400, str(bad.message))
    try:
        result = services.meetings(current_account(), query)
    except services.UnknownMunicipality:
        return _error(404, _("Onbekende gemeente: %(slug)s", slug=query.municipality or ""))
    return jsonify(result)
