"""The outbox pages (coordinators): the queue with failures and resend, the development mailbox.

Without SMTP_HOST nothing leaves the machine: the development mailbox shows every message as it
would have been sent, with its attachments (the .ics, the agenda PDF) downloadable.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from overleg.audit import services as audit
from overleg.auth.permissions import (
    Access,
    access,
    get_outbox_message,
    outbox_filter,
    set_aside_replies_filter,
)
from overleg.extensions import db
from overleg.mail import outbox, replies, services
from overleg.models import Meeting, OutboxStatus
from overleg.web.forms import ConfirmForm
from overleg.web.pagination import page_number
from overleg.web.types import ViewResponse

bp = Blueprint("mail", __name__, url_prefix="/outbox")

_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _page_number() -> int:
    return page_number(request.args.get("pagina"))


def _status_filter() -> OutboxStatus | None:
    raw = request.args.get("status", "")
    return OutboxStatus(raw) if raw in {s.value for s in OutboxStatus} else None


@bp.route("")
@access(Access.COORDINATOR)
def index() -> ViewResponse:
    visible = outbox_filter(current_user)
    status = _status_filter()
    return render_template(
        "mail/index.html",
        page=services.list_messages(visible, status=status, page=_page_number()),
        counts=services.counts(visible),
        status=status.value if status else "",
        smtp_configured=bool(current_app.config.get("SMTP_HOST")),
        form=ConfirmForm(),
    )


@bp.route("/mailbox")
@access(Access.COORDINATOR)
def mailbox() -> ViewResponse:
    visible = outbox_filter(current_user)
    return render_template(
        "mail/mailbox.html",
        page=services.list_messages(visible, page=_page_number()),
        smtp_configured=bool(current_app.config.get("SMTP_HOST")),
    )


@bp.route("/replies")
@access(Access.COORDINATOR)
def set_aside_replies() -> ViewResponse:
    """Calendar answers that changed nothing, with the reason (overleg.mail.replies)."""
    return render_template(
        "mail/replies.html",
        page=replies.set_aside_page(set_aside_replies_filter(current_user), _page_number()),
        reason_text=replies.reason_text,
        status="",
    )


@bp.route("/<int:message_id>")
@access(Access.COORDINATOR)
def show(message_id: int) -> ViewResponse:
    row = get_outbox_message(current_user, message_id)
    return render_template(
        "mail/show.html", row=row, parsed=services.parsed(row), form=ConfirmForm()
    )


@bp.route("/<int:message_id>/html")
@access(Access.COORDINATOR)
def html_part(message_id: int) -> Response:
    row = get_outbox_message(current_user, message_id)
    html = services.html_body(row)
    if html is None:
        abort(404)
    response = Response(html, mimetype="text/html")
    # Shown as the recipient would see it, but sandboxed: no scripts, no requests, no forms.
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<int:message_id>/bijlagen/<int:index>")
@access(Access.COORDINATOR)
def attachment(message_id: int, index: int) -> Response:
    row = get_outbox_message(current_user, message_id)
    found = services.attachment(row, index)
    if found is None:
        abort(404)
    filename, content_type, content = found
    safe = _SAFE_FILENAME.sub("_", filename) or "bijlage"
    return Response(
        content,
        mimetype=content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


@bp.route("/<int:message_id>/bericht.eml")
@access(Access.COORDINATOR)
def raw(message_id: int) -> Response:
    row = get_outbox_message(current_user, message_id)
    return Response(
        row.raw,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="bericht-{row.id}.eml"'},
    )


@bp.route("/<int:message_id>/opnieuw", methods=["POST"])
@access(Access.COORDINATOR)
def resend(message_id: int) -> Response:
    row = get_outbox_message(current_user, message_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if row.status is OutboxStatus.SENDING:
            flash(_("Dit bericht wordt net verstuurd."), "warning")
        else:
            copy = outbox.resend(row)
            db.session.flush()
            meeting = db.session.get(Meeting, row.meeting_id) if row.meeting_id else None
            audit.record(
                current_user,
                "mail.resend",
                row,
                municipality_id=meeting.municipality_id if meeting else None,
                summary=f"{row.subject} → {row.to_address}",
                details={"new_id": copy.id if copy is not row else None},
            )
            flash(_("Het bericht staat opnieuw in de wachtrij."), "success")
    if request.form.get("back") == "show":
        return redirect(url_for("mail.show", message_id=row.id))
    return redirect(url_for("mail.index"))
