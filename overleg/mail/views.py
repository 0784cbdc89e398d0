"""The outbox pages (coordinators): the queue with failures and resend, the development mailbox.

Without SMTP_HOST nothing leaves the machine: the development mailbox shows every message as it
would have been sent, with its attachments (the .ics, the agenda PDF) downloadable.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.sql.elements import ColumnElement
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
from overleg.lib.dates import short_date
from overleg.mail import outbox, replies, services
from overleg.mail.forms import OutboxFilterForm
from overleg.models import Meeting, OutboxStatus
from overleg.web.forms import ConfirmForm, query_args
from overleg.web.i18n import current_locale
from overleg.web.pagination import page_number
from overleg.web.types import ViewResponse

bp = Blueprint("mail", __name__, url_prefix="/outbox")

_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _page_number() -> int:
    return page_number(request.args.get("pagina"))


def _meeting_label(meeting: services.MeetingWithMail) -> str:
    where = "" if meeting.municipality in meeting.title else f" ({meeting.municipality})"
    return f"{short_date(meeting.start_at, current_locale())} \u2013 {meeting.title}{where}"


def _filter_form(visible: ColumnElement[bool]) -> OutboxFilterForm:
    """The outbox's filter from the query string, validated (its choices: the meetings with
    mail this user may see)."""
    form = OutboxFilterForm(request.args)
    meetings = services.meetings_with_mail(visible, chosen=form.chosen_meeting())
    form.meeting.choices = [("", _("Alle vergaderingen"))] + [
        (str(meeting.id), _meeting_label(meeting)) for meeting in meetings
    ]
    form.validate()  # each filter that is valid applies; the others show their message
    return form


@bp.route("")
@access(Access.COORDINATOR)
def index() -> ViewResponse:
    """The outbox, filtered by meeting, recipient and status, a page at a time."""
    everything = outbox_filter(current_user)
    form = _filter_form(everything)
    visible = services.narrowed(
        everything,
        meeting_id=form.valid_meeting(),
        recipient=form.valid_recipient(),
    )
    status = form.valid_status()
    filter_args = query_args(form, request.args)
    return render_template(
        "mail/index.html",
        page=services.list_messages(visible, status=status, page=_page_number()),
        counts=services.counts(visible),
        status=status.value if status else "",
        filter_form=form,
        filter_args=filter_args,
        other_filters={k: v for k, v in filter_args.items() if k != "status"},
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
