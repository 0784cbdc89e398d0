"""The page of a confidential agenda item: the only page that shows its confidential part, to
the people named on it (overleg.auth.permissions.get_confidential_item)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from overleg.auth.permissions import (
    Access,
    access,
    can_edit_municipality,
    current_account,
    get_confidential_item,
)
from overleg.extensions import db
from overleg.minutes import bp, confidential
from overleg.minutes.forms import (
    ConfidentialMarkForm,
    ConfidentialNoteForm,
    ConfidentialReaderForm,
)
from overleg.models import AgendaItem, User
from overleg.web.forms import ConfirmForm, choices
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse

PAGE = "/meetings/<int:meeting_id>/agenda/<int:item_id>/confidential"


def _page_url(item: AgendaItem) -> str:
    return url_for("minutes.confidential", meeting_id=item.meeting_id, item_id=item.id)


def _reader_form(item: AgendaItem) -> ConfidentialReaderForm:
    form = ConfidentialReaderForm()
    form.user.choices = choices(
        [("", "—"), *((str(u.id), u.name) for u in confidential.candidates(item))]
    )
    return form


def _render(item: AgendaItem, note_form: ConfidentialNoteForm | None = None) -> str:
    user = current_account()
    note = confidential.confidential_note(item) if item.confidential else None
    if note_form is None:
        note_form = ConfidentialNoteForm(
            formdata=None,
            discussion=note.discussion if note else "",
            decisions=note.decisions if note else "",
        )
    return render_template(
        "minutes/confidential.html",
        item=item,
        meeting=item.meeting,
        note=note,
        readers=confidential.readers(item) if item.confidential else [],
        can_edit=can_edit_municipality(user, item.meeting.municipality),
        mark_form=ConfidentialMarkForm(formdata=None, reason=item.confidential_reason),
        note_form=note_form,
        reader_form=_reader_form(item),
        confirm_form=ConfirmForm(),
    )


@bp.route(PAGE, endpoint="confidential", methods=["GET", "POST"])
@access(Access.USER)
def confidential_page(meeting_id: int, item_id: int) -> ViewResponse:
    """GET: the item's confidential part; POST: save its discussion and decisions."""
    edit = request.method == "POST"
    item = get_confidential_item(current_account(), meeting_id, item_id, edit=edit)
    if not edit:
        return _render(item)
    form = ConfidentialNoteForm()
    if not form.validate_on_submit():
        return _render(item, form), 422
    with refusals_on(form) as outcome:
        confidential.save_confidential_note(
            item, form.discussion.data or "", form.decisions.data or "", user=current_account()
        )
    if not outcome.accepted:
        return _render(item, form), 422
    flash(_("Het vertrouwelijke verslag is bewaard."), "success")
    return redirect(_page_url(item))


@bp.route(f"{PAGE}/mark", endpoint="confidential_mark", methods=["POST"])
@access(Access.EDITOR)
def confidential_mark(meeting_id: int, item_id: int) -> ViewResponse:
    item = get_confidential_item(current_account(), meeting_id, item_id, edit=True)
    form = ConfidentialMarkForm()
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(str(message), "error")
        return redirect(_page_url(item))
    with refusals_on() as outcome:
        confidential.mark_confidential(item, form.reason.data or "", user=current_account())
    if outcome.accepted:
        flash(_("Het agendapunt is vertrouwelijk."), "success")
    return redirect(_page_url(item))


@bp.route(f"{PAGE}/unmark", endpoint="confidential_unmark", methods=["POST"])
@access(Access.EDITOR)
def confidential_unmark(meeting_id: int, item_id: int) -> ViewResponse:
    item = get_confidential_item(current_account(), meeting_id, item_id, edit=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusals_on() as outcome:
        confidential.unmark_confidential(item, user=current_account())
    if outcome.accepted:
        flash(_("Het agendapunt is niet langer vertrouwelijk."), "success")
    return redirect(_page_url(item))


@bp.route(f"{PAGE}/readers", endpoint="confidential_reader_add", methods=["POST"])
@access(Access.EDITOR)
def confidential_reader_add(meeting_id: int, item_id: int) -> ViewResponse:
    item = get_confidential_item(current_account(), meeting_id, item_id, edit=True)
    form = _reader_form(item)
    if not item.confidential or not form.validate_on_submit():
        flash(_("Kies iemand van het eigen platform."), "error")
        return redirect(_page_url(item))
    chosen = db.session.get(User, int(form.user.data))
    if chosen is not None:
        with refusals_on() as outcome:
            confidential.name_reader(item, chosen, user=current_account())
        if outcome.accepted:
            flash(_("%(name)s kan dit punt nu lezen.", name=chosen.name), "success")
    return redirect(_page_url(item))


@bp.route(
    f"{PAGE}/readers/<int:reader_id>/remove",
    endpoint="confidential_reader_remove",
    methods=["POST"],
)
@access(Access.EDITOR)
def confidential_reader_remove(meeting_id: int, item_id: int, reader_id: int) -> ViewResponse:
    item = get_confidential_item(current_account(), meeting_id, item_id, edit=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusals_on() as outcome:
        confidential.remove_reader(item, reader_id, user=current_account())
    if outcome.accepted:
        flash(_("Die persoon kan dit punt niet langer lezen."), "success")
    return redirect(_page_url(item))
