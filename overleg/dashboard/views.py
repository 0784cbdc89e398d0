"""The start page, the health check and the language choice; the layout every page shares."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from overleg.auth import permissions
from overleg.auth.permissions import Access, access, current_account
from overleg.dashboard import services, waiting
from overleg.dashboard.forms import LanguageForm
from overleg.extensions import db
from overleg.models.types import utcnow
from overleg.web.i18n import current_locale
from overleg.web.safety import safe_redirect_target
from overleg.web.types import ViewResponse

bp = Blueprint("dashboard", __name__)


@bp.route("/healthz")
@access(Access.PUBLIC)
def healthz() -> ViewResponse:
    # A connection of its own: the request's session (and its commit point) stays untouched,
    # also when the database is unreachable.
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return "database unreachable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/")
@access(Access.USER)
def dashboard() -> str:
    config = current_app.config
    settings = waiting.Settings(
        notice_days=int(config["INVITATION_NOTICE_DAYS"]),
        topics_per_year=int(config["MANDATORY_TOPICS_PER_YEAR"]),
        at_risk_days=int(config["COMPLIANCE_AT_RISK_DAYS"]),
    )
    overview = services.kept_overview(
        current_account(),
        utcnow(),
        settings,
        language=current_locale(),
        keep_seconds=int(config["DASHBOARD_CACHE_SECONDS"]),
    )
    return render_template("dashboard/dashboard.html", overview=overview)


@bp.route("/taal", methods=["POST"])
@access(Access.PUBLIC)
def set_language() -> ViewResponse:
    form = LanguageForm()
    target = url_for("dashboard.dashboard")
    if form.validate_on_submit():
        language = form.language.data or ""
        if language in current_app.config["LANGUAGES"]:
            # The account first: when that write fails (a busy database answers 503), the
            # session keeps the old language too, so the error page speaks the old one.
            if current_user.is_authenticated:
                services.remember_language(current_user, language)
            session["locale"] = language
        target = safe_redirect_target(form.next.data) or target
    return redirect(target)


@bp.app_context_processor
def layout_context() -> dict[str, Any]:
    def has_endpoint(name: str) -> bool:
        return name in current_app.view_functions

    def may_reach(name: str) -> bool:
        return has_endpoint(name) and permissions.may_reach(current_app, current_user, name)

    return {
        "language_form": LanguageForm(),
        "current_path": request.full_path.rstrip("?"),
        "has_endpoint": has_endpoint,
        "may_reach": may_reach,
        "current_locale": current_locale(),
    }
