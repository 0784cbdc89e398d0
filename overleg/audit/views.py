"""The audit trail page (coordinators)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from overleg.audit import queries as audit_service
from overleg.audit.forms import AuditFilterForm
from overleg.auth.permissions import Access, access
from overleg.web.pagination import page_number

bp = Blueprint("audit", __name__)


@bp.route("/audit")
@access(Access.COORDINATOR)
def index():  # type: ignore[no-untyped-def]
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
        "audit/audit.html",
        form=form,
        page=audit_service.audit_entries(
            platform_id, filters, page_number(request.args.get("page"))
        ),
        municipalities={m.id: m for m in municipalities},
        action_label=audit_service.action_label,
        object_links=audit_service.OBJECT_LINKS,
        field_label=audit_service.field_label,
    )
