from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from overleg.auth import permissions
from overleg.auth.permissions import Access, access
from overleg.core import audit as audit_service
from overleg.core import services
from overleg.core.forms import AuditFilterForm
from overleg.extensions import db
from overleg.i18n import BRUSSELS, current_locale
from overleg.models.types import utcnow
from overleg.services.pagination import page_number

bp = Blueprint("core", __name__)


class LanguageForm(FlaskForm):
    # Built for every page (base.html). An explicit (never shown) label keeps wtforms from
    # translating a default label, which loads its message catalogue from disk per request.
    language = HiddenField(label="")
    next = HiddenField(label="")


@bp.route("/healthz")
@access(Access.PUBLIC)
def healthz():  # type: ignore[no-untyped-def]
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return "database unreachable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/")
@access(Access.USER)
def dashboard():  # type: ignore[no-untyped-def]
    now = utcnow()
    start, end = services.half_year_bounds(now.astimezone(BRUSSELS).date())
    return render_template(
        "core/dashboard.html",
        upcoming=services.upcoming_meetings(current_user, now),
        unplanned=services.municipalities_without_meeting(current_user, start, end),
        half_start=start,
        half_last_day=end.astimezone(BRUSSELS).date() - timedelta(days=1),
    )


@bp.route("/taal", methods=["POST"])
@access(Access.PUBLIC)
def set_language():  # type: ignore[no-untyped-def]
    form = LanguageForm()
    target = url_for("core.dashboard")
    if form.validate_on_submit():
        if form.language.data in current_app.config["LANGUAGES"]:
            # The account first: when that write fails (a busy database answers 503), the
            # session keeps the old language too, so the error page speaks the old one.
            if current_user.is_authenticated:
                current_user.locale = form.language.data
                db.session.commit()
            session["locale"] = form.language.data
        nxt = form.next.data or ""
        if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
            target = nxt
    return redirect(target)


@bp.app_context_processor
def layout_context() -> dict:
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


@bp.route("/audit")
@access(Access.COORDINATOR)
def audit():  # type: ignore[no-untyped-def]
    platform_id = current_user.platform_id
    municipalities, users, actions = audit_service.audit_filter_choices(platform_id)
    form = AuditFilterForm(request.args)
    prefixes = sorted({a.partition(".")[0] for a in actions})
    form.municipality.choices = [
        ("", _l("Alle gemeenten")),
        *[(m.slug, m.name) for m in municipalities],
    ]
    form.user.choices = [("", _l("Alle gebruikers")), *[(str(u.id), u.name) for u in users]]
    form.action.choices = [
        ("", _l("Alle acties")),
        *[(p, audit_service.action_label(p)) for p in prefixes],
        *[(a, audit_service.action_label(a)) for a in actions],
    ]
    filters = audit_service.AuditFilters()
    if form.validate():
        filters = audit_service.AuditFilters(
            municipality_id={m.slug: m.id for m in municipalities}.get(
                form.municipality.data or ""
            ),
            user_id=int(form.user.data) if form.user.data else None,
            action=form.action.data or "",
        )
    return render_template(
        "core/audit.html",
        form=form,
        page=audit_service.audit_entries(
            platform_id, filters, page_number(request.args.get("page"))
        ),
        municipalities={m.id: m for m in municipalities},
        action_label=audit_service.action_label,
        object_links=audit_service.OBJECT_LINKS,
        field_label=audit_service.field_label,
    )
