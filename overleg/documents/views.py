"""The documents page of a meeting, its upload, replace and remove forms, and the downloads.

Thin views: parse, authorise through overleg.auth.permissions, call overleg.documents.services.
A staff download is a POST (it writes the audit trail, and no GET changes a row); an invitee
downloads with a GET through the personal link, which answers 404 for anything it does not give.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from overleg.auth.permissions import (
    Access,
    access,
    can_edit_municipality,
    current_account,
    get_meeting,
    may_read_confidential,
)
from overleg.documents import bp, checks, downloads, services
from overleg.documents.forms import MEETING_ITSELF, ReplaceForm, UploadForm
from overleg.mail.links import LinkState
from overleg.meetings import invitations
from overleg.models import AgendaItem, Document, Meeting
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    return checks.human_size(size)


@bp.app_context_processor
def document_helpers() -> dict[str, Any]:
    return {"documents_listed": services.listed}


def _settings() -> services.DocumentSettings:
    return services.DocumentSettings.from_config(current_app.config)


def _readable(document: Document) -> bool:
    """A document of a confidential agenda item only for the people named on it."""
    item = document.agenda_item
    return item is None or may_read_confidential(current_account(), item)


def _page(meeting: Meeting, form: UploadForm, status: int = 200) -> ViewResponse:
    documents = [d for d in services.documents_of(meeting) if _readable(d)]
    return (
        render_template(
            "documents/index.html",
            meeting=meeting,
            form=form,
            documents=documents,
            per_item=services.by_item(documents),
            removable=services.removable(documents),
            can_edit=can_edit_municipality(current_account(), meeting.municipality),
            replace_form=ReplaceForm(formdata=None),
            action_form=ConfirmForm(formdata=None),
            settings=_settings(),
            stored=services.stored_bytes(meeting),
        ),
        status,
    )


def _document(meeting_id: int, document_id: int, *, edit: bool) -> Document:
    meeting = get_meeting(current_account(), meeting_id, edit=edit)
    document = services.get_document(meeting, document_id)
    if document is None or not _readable(document):
        abort(404)
    return document


@bp.route("/meetings/<int:meeting_id>/documents")
@access(Access.USER)
def index(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_account(), meeting_id)
    form = UploadForm(formdata=None).for_meeting(meeting)
    form.agenda_item.data = request.args.get("item", MEETING_ITSELF)
    return _page(meeting, form)


def _uploads(files: list[FileStorage], limit: int) -> list[services.Upload]:
    """The chosen files, each read up to one byte past the limit (a larger one is refused
    without reading it all)."""
    return [
        services.Upload(name=file.filename or "", content=file.stream.read(limit + 1))
        for file in files
        if isinstance(file, FileStorage) and file.filename
    ]


def _agenda_item(meeting: Meeting, value: str | None) -> AgendaItem | None:
    return next((item for item in meeting.agenda_items if str(item.id) == value), None)


@bp.route("/meetings/<int:meeting_id>/documents", methods=["POST"])
@access(Access.EDITOR)
def upload(meeting_id: int) -> ViewResponse:
    user = current_account()
    meeting = get_meeting(user, meeting_id, edit=True)
    form = UploadForm().for_meeting(meeting)
    if not form.validate_on_submit():
        return _page(meeting, form, 422)
    settings = _settings()
    with refusals_on(form) as outcome:
        added = services.add_documents(
            meeting,
            _uploads(form.files.data or [], settings.max_bytes),
            agenda_item=_agenda_item(meeting, form.agenda_item.data),
            title=form.title.data or "",
            user=user,
            now=utcnow(),
            settings=settings,
        )
    if not outcome.accepted:
        return _page(get_meeting(user, meeting_id), form, 422)
    flash(
        ngettext("%(num)d document toegevoegd.", "%(num)d documenten toegevoegd.", len(added)),
        "success",
    )
    return redirect(url_for("documents.index", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/documents/<int:document_id>/replace", methods=["POST"])
@access(Access.EDITOR)
def replace(meeting_id: int, document_id: int) -> ViewResponse:
    user = current_account()
    document = _document(meeting_id, document_id, edit=True)
    form = ReplaceForm()
    settings = _settings()
    if form.validate_on_submit():
        uploads = _uploads([form.file.data], settings.max_bytes)
        with refusals_on() as outcome:
            version = services.replace_document(
                document,
                uploads[0] if uploads else services.Upload("", b""),
                title=form.title.data or "",
                user=user,
                now=utcnow(),
                settings=settings,
            )
        if outcome.accepted:
            flash(_("Versie %(number)d staat klaar.", number=version.number), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "error")
    return redirect(url_for("documents.index", meeting_id=meeting_id) + f"#document-{document_id}")


@bp.route("/meetings/<int:meeting_id>/documents/<int:document_id>/remove", methods=["POST"])
@access(Access.EDITOR)
def remove(meeting_id: int, document_id: int) -> ViewResponse:
    user = current_account()
    document = _document(meeting_id, document_id, edit=True)
    if ConfirmForm().validate_on_submit():
        title = document.title
        with refusals_on() as outcome:
            services.remove_document(document, user=user, now=utcnow())
        if outcome.accepted:
            flash(_("Het document %(title)s is verwijderd.", title=title), "success")
    return redirect(url_for("documents.index", meeting_id=meeting_id))


@bp.route(
    "/meetings/<int:meeting_id>/documents/<int:document_id>/versions/<int:number>",
    methods=["POST"],
)
@access(Access.USER)
def download(meeting_id: int, document_id: int, number: int) -> Response:
    """A version of a document, for someone with an account who may see the meeting."""
    user = current_account()
    document = _document(meeting_id, document_id, edit=False)
    version = services.version_of(document, number)
    if version is None:  # (the CSRF token was checked before the view, as for every POST)
        abort(404)
    services.record_download(user, version)
    return downloads.file_response(version)


@bp.route("/rsvp/<token>/documenten/<int:document_id>")
@access(Access.PUBLIC)
def personal(token: str, document_id: int) -> Response:
    """The shown version of a document of the invitee's meeting, through their personal link.

    Anything the link does not give answers 404: an unknown or revoked link, a document of
    another meeting, a removed one."""
    state, invitation = invitations.find_by_token(token)
    if state is not LinkState.VALID or invitation is None:
        abort(404)
    document = services.get_document(invitation.meeting, document_id)
    if document is None or services.on_confidential_item(document):
        abort(404)
    return downloads.file_response(document.current, personal=True)
