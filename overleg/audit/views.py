"""The audit trail page (coordinators)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from overleg.audit import queries
from overleg.audit.forms import AuditFilterForm
from overleg.audit.sentences import sentence
from overleg.auth.permissions import Access, access
from overleg.web.pagination import page_number

bp = Blueprint("audit", __name__)


@bp.route("/audit")
@access(Access.COORDINATOR)
def index() -> str:
    platform_id: int = current_user.platform_id
    choices = queries.audit_filter_choices(platform_id)
    form = AuditFilterForm(request.args)
    form.offer(choices)
    page = queries.audit_entries(
        platform_id, form.filters(choices), page_number(request.args.get("page"))
    )
    return render_template(
        "audit/audit.html",
        form=form,
        page=page,
        municipalities={m.id: m for m in choices.municipalities},
        sentence=sentence,
        object_links=queries.OBJECT_LINKS,
        field_label=queries.field_label,
    )
