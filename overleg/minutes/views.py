"""Minutes pages: overview and history, attendance register, editor, workflow, PDFs, Word.

Thin views: parse the form, authorise through overleg.auth.permissions, call
overleg.minutes.services and render. The request's commit point commits; a refusal (a
`MinutesConflict` too) is rolled back and shown by overleg.web.refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import NoResultFound

from overleg.auth.permissions import (
    Access,
    access,
    can_edit_municipality,
    current_account,
    get_meeting,
    verslag_municipalities,
    verslag_municipality,
)
from overleg.extensions import db
from overleg.lib.dates import short_date
from overleg.mail.report import flash_not_mailed
from overleg.mail.settings import MailSettings
from overleg.meetings.agenda_pdf import agenda_pdf_filename, render_agenda_pdf
from overleg.meetings.services import load_meeting_page
from overleg.minutes import bp, forms, remarks, services
from overleg.minutes.documents import minutes_docx_filename, minutes_pdf_filename, pdf_response
from overleg.minutes.word import DOCX_MIMETYPE
from overleg.minutes.word import minutes_docx as minutes_docx_file
from overleg.models import (
    ActionPointStatus,
    Attendance,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    MinutesVersion,
    Municipality,
    RsvpStatus,
)
from overleg.models.types import utcnow
from overleg.web.forms import choices
from overleg.web.i18n import current_locale
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse


def _meeting(meeting_id: int, *, edit: bool = False) -> Meeting:
    get_meeting(current_account(), meeting_id, edit=edit)  # 404 / 403 as the rules say
    try:
        return load_meeting_page(meeting_id)
    except NoResultFound:  # deleted between the two reads
        abort(404)


def _overview(meeting: Meeting) -> ViewResponse:
    return redirect(url_for("minutes.overview", meeting_id=meeting.id))


def _existing_minutes(meeting: Meeting) -> Minutes | None:
    """The meeting's minutes, or None with a message when none were started."""
    minutes = services.get_minutes(meeting)
    if minutes is None:
        flash(_("Er is nog geen verslag voor deze vergadering."), "error")
    return minutes


def _editable_minutes(meeting: Meeting) -> Minutes | None:
    """The minutes to edit, or None with the reason flashed: none started yet (only the POST of
    "Verslag starten" creates them, never a GET), or they may no longer change (a cancelled
    meeting, approved minutes)."""
    minutes = services.get_minutes(meeting)
    if minutes is None:
        flash(_("Er is nog geen verslag van deze vergadering: start het eerst."), "info")
        return None
    with refusals_on() as outcome:
        services.check_editable(minutes)
    return minutes if outcome.accepted else None


def _conflict_message(minutes: Minutes) -> str:
    change = services.last_change(minutes)
    if change is not None and change.user is not None:
        return str(
            _(
                "%(name)s heeft dit verslag intussen gewijzigd. Uw invoer staat hieronder nog; "
                "controleer ze en bewaar opnieuw.",
                name=change.user.name,
            )
        )
    return str(
        _(
            "Iemand anders heeft dit verslag intussen gewijzigd. Uw invoer staat hieronder nog; "
            "controleer ze en bewaar opnieuw."
        )
    )


def _show_conflict(meeting_id: int, form: forms.VersionedForm) -> tuple[Meeting, Minutes]:
    """After a conflict (rolled back): the meeting and minutes as stored now, and the form set
    to save on top of them, with a message that says who changed them."""
    meeting = _meeting(meeting_id, edit=True)
    minutes = services.get_minutes(meeting)
    if minutes is None:  # deleted in the meantime
        abort(404)
    form.version.data = str(minutes.version)
    form.form_errors.append(_conflict_message(minutes))
    return meeting, minutes


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _short(value: datetime) -> str:
    return short_date(value, current_locale())


def _flash_errors(form: FlaskForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


# --- overview -----------------------------------------------------------------------------


def _approve_form(meeting: Meeting, minutes: Minutes | None) -> forms.ApproveForm:
    form = forms.ApproveForm()
    later = services.later_meetings(meeting, limit=12)
    form.approved_at_meeting.choices = choices(
        [(str(m.id), f"{m.title} ({_short(m.start_at)})") for m in later]
        + [("", _("— buiten een vergadering —"))]
    )
    if not form.is_submitted():
        held = services.approval_meeting(meeting, now=utcnow())
        form.approved_at_meeting.data = str(held.id) if held is not None else ""
        form.version.data = str(minutes.version) if minutes else ""
    return form


@bp.route("/meetings/<int:meeting_id>/minutes")
@access(Access.USER)
def overview(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id)
    minutes = services.get_minutes(meeting)
    context: dict[str, Any] = {}
    if minutes is not None:
        verslag = verslag_municipality(current_account(), meeting)
        context = services.document_context(meeting, minutes, verslag)
        context["last_change"] = services.last_change(minutes)
    version = str(minutes.version) if minutes else ""
    context.update(
        meeting=meeting,
        minutes=minutes,
        can_edit=can_edit_municipality(current_account(), meeting.municipality),
        action_form=forms.ActionForm(formdata=None, version=version),
        approve_form=_approve_form(meeting, minutes),
        correction_form=forms.CorrectionForm(formdata=None, version=version),
        circulate_form=forms.CirculateForm(formdata=None, version=version),
        recipients=services.recipients(meeting),
        **_remarks_context(minutes),
    )
    return render_template("minutes/overview.html", **context)


def _remarks_context(minutes: Minutes | None) -> dict[str, Any]:
    """The members' remarks and the latest round (templates/minutes/_remarks.html)."""
    if minutes is None:
        return {"remarks": [], "remarks_round": None}
    return {"remarks": remarks.remarks_of(minutes), "remarks_round": remarks.current_round(minutes)}


@bp.route("/meetings/<int:meeting_id>/minutes/start", methods=["POST"])
@access(Access.EDITOR)
def start(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    with refusals_on() as outcome:
        services.ensure_minutes(meeting, user=current_account())
    if not outcome.accepted:
        return _overview(meeting)
    return redirect(url_for("minutes.attendance", meeting_id=meeting.id))


# --- attendance register ------------------------------------------------------------------


def _people_choices(meeting: Meeting) -> list[tuple[str, str]]:
    return [("", _("— niet aangeduid —"))] + [
        (str(i.id), i.display_name or _("(gewist)"))
        for i in sorted(meeting.invitations, key=lambda i: (i.display_name or "").lower())
    ]


_FROM_ANSWER = {
    RsvpStatus.ACCEPTED: Attendance.PRESENT.value,
    RsvpStatus.DECLINED: Attendance.EXCUSED.value,
    RsvpStatus.DELEGATED: Attendance.EXCUSED.value,
}


def _suggested(invitation: Invitation) -> str:
    """Before anything is recorded, the register starts from the answers to the invitation."""
    return _FROM_ANSWER.get(invitation.rsvp_status, "")


def _attendance_form(meeting: Meeting, minutes: Minutes) -> forms.AttendanceForm:
    invitations = sorted(
        meeting.invitations, key=lambda i: (i.is_guest, (i.display_name or "").lower())
    )
    data = {
        "version": str(minutes.version),
        "rows": [
            {
                "invitation_id": str(i.id),
                "attendance": i.attendance.value if i.attendance else _suggested(i),
            }
            for i in invitations
        ],
        "chair": str(minutes.chair_invitation_id or ""),
        "minute_taker": str(minutes.minute_taker_invitation_id or ""),
    }
    form = forms.AttendanceForm(data=data)
    form.chair.choices = choices(_people_choices(meeting))
    form.minute_taker.choices = choices(_people_choices(meeting))
    return form


def _attendance_entries(form: forms.AttendanceForm) -> list[services.AttendanceData]:
    return [
        services.AttendanceData(
            invitation_id=_int(row.form.invitation_id.data) or 0,
            attendance=Attendance(row.form.attendance.data) if row.form.attendance.data else None,
        )
        for row in form.rows
    ]


def _guest_form(meeting: Meeting, minutes: Minutes) -> forms.GuestForm:
    form = forms.GuestForm(data={"version": str(minutes.version)})
    form.substitute_for.choices = choices(
        [("", _("— geen: gast zonder uitnodiging —"))]
        + [
            (str(i.id), i.display_name)
            for i in sorted(meeting.invitations, key=lambda i: (i.display_name or "").lower())
            if not i.is_guest and i.contact is not None
        ]
    )
    return form


def _render_attendance(
    meeting: Meeting, minutes: Minutes, form: forms.AttendanceForm, guest_form: forms.GuestForm
) -> str:
    by_id = {i.id: i for i in meeting.invitations}
    rows = [(entry, by_id.get(_int(entry.form.invitation_id.data) or 0)) for entry in form.rows]
    return render_template(
        "minutes/attendance.html",
        meeting=meeting,
        minutes=minutes,
        form=form,
        guest_form=guest_form,
        rows=[(entry, invitation) for entry, invitation in rows if invitation is not None],
    )


def _register_posted() -> bool:
    """Whether the request carries the register (the attendance choices, chair, minute taker):
    the guest button sits in the register's form, so adding a guest saves the choices too."""
    return "chair" in request.form


def _save_register(
    meeting: Meeting,
    minutes: Minutes,
    form: forms.AttendanceForm,
    guest_form: forms.GuestForm,
    *,
    guest: bool,
) -> ViewResponse:
    """Save the register and (when `guest`) add the guest, as one change: on a refusal nothing
    is saved and the page comes back with every choice and name as typed."""
    shown_on = guest_form if guest else form
    with refusals_on(shown_on) as outcome:
        if _register_posted():
            services.save_attendance(
                minutes,
                _attendance_entries(form),
                chair_invitation_id=_int(form.chair.data),
                minute_taker_invitation_id=_int(form.minute_taker.data),
                expected_version=form.version_number(),
                user=current_account(),
                now=utcnow(),
            )
        if guest:
            services.add_guest(
                minutes,
                name=guest_form.name.data or "",
                organisation=guest_form.organisation.data or "",
                substitute_for_id=_int(guest_form.substitute_for.data),
                user=current_account(),
                now=utcnow(),
            )
    if outcome.accepted:
        flash(
            _("De aanwezige is toegevoegd.") if guest else _("De aanwezigheden zijn bewaard."),
            "success",
        )
        return redirect(url_for("minutes.attendance", meeting_id=meeting.id))
    if isinstance(outcome.refusal, services.MinutesConflict):
        meeting, minutes = _show_conflict(meeting.id, form)
        return _render_attendance(meeting, minutes, form, guest_form), 409
    return _render_attendance(meeting, minutes, form, guest_form), 422


@bp.route("/meetings/<int:meeting_id>/minutes/attendance", methods=["GET", "POST"])
@access(Access.EDITOR)
def attendance(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    minutes = _editable_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = _attendance_form(meeting, minutes)
    guest_form = _guest_form(meeting, minutes)
    if not form.validate_on_submit():
        return _render_attendance(meeting, minutes, form, guest_form)
    # Enter in the guest's name field presses the register's first button: add the guest too.
    guest = bool((guest_form.name.data or "").strip())
    if guest and not guest_form.validate():
        return _render_attendance(meeting, minutes, form, guest_form), 422
    return _save_register(meeting, minutes, form, guest_form, guest=guest)


@bp.route("/meetings/<int:meeting_id>/minutes/guests", methods=["POST"])
@access(Access.EDITOR)
def add_guest(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    minutes = _editable_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = _attendance_form(meeting, minutes)
    guest_form = _guest_form(meeting, minutes)
    register_ok = form.validate() if _register_posted() else True
    if guest_form.validate_on_submit() and register_ok:
        return _save_register(meeting, minutes, form, guest_form, guest=True)
    return _render_attendance(meeting, minutes, form, guest_form), 422


@bp.route("/meetings/<int:meeting_id>/minutes/guests/<int:invitation_id>/delete", methods=["POST"])
@access(Access.EDITOR)
def remove_guest(meeting_id: int, invitation_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    guest = db.session.get(Invitation, invitation_id)
    if guest is None or guest.meeting_id != meeting.id:
        abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    minutes = _editable_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    with refusals_on() as outcome:
        services.remove_guest(minutes, guest, user=current_account(), now=utcnow())
    if not outcome.accepted:
        return _overview(meeting)
    flash(_("De aanwezige is verwijderd."), "success")
    return redirect(url_for("minutes.attendance", meeting_id=meeting.id))


# --- editor -------------------------------------------------------------------------------

BLANK_ACTION_ROWS = 3


def _editor_data(meeting: Meeting, minutes: Minutes) -> dict[str, Any]:
    notes = {note.agenda_item_id: note for note in minutes.notes}
    points = services.action_points_of(meeting)
    return {
        "version": str(minutes.version),
        "notes": [
            {
                "agenda_item_id": str(item.id),
                "discussion": notes[item.id].discussion if item.id in notes else "",
                "decisions": notes[item.id].decisions if item.id in notes else "",
            }
            for item in meeting.agenda_items
        ],
        "action_points": [
            {
                "id": str(p.id),
                "description": p.description,
                "agenda_item_id": str(p.agenda_item_id or ""),
                "owner": services.owner_key(p),
                "due_date": p.due_date,
                "status": p.status.value,
            }
            for p in points
        ]
        + [{"status": "open"} for _n in range(BLANK_ACTION_ROWS)],
        "follow_ups": [
            {"action_point_id": str(p.id), "status": p.status.value, "note": p.follow_up_note}
            for p in services.follow_up_points(meeting)
        ],
    }


def _editor_form(meeting: Meeting, minutes: Minutes, *, from_request: bool) -> forms.MinutesForm:
    form = (
        forms.MinutesForm()
        if from_request
        else forms.MinutesForm(formdata=None, data=_editor_data(meeting, minutes))
    )
    item_choices = [("", _("— algemeen —"))] + [
        (str(item.id), f"{n}. {item.title}") for n, item in enumerate(meeting.public_agenda, 1)
    ]
    owners = services.owner_choices(meeting)
    for entry in form.action_points:
        entry.form.agenda_item_id.choices = choices(item_choices)
        entry.form.owner.choices = choices(owners)
    return form


def _render_editor(
    meeting: Meeting, minutes: Minutes, form: forms.MinutesForm, *, conflict: bool = False
) -> str:
    """The editor; on a conflict also what is stored now and who saved it."""
    return render_template(
        "minutes/edit.html",
        meeting=meeting,
        minutes=minutes,
        form=form,
        items={item.id: item for item in meeting.public_agenda},
        follow_up_points={p.id: p for p in services.follow_up_points(meeting)},
        conflict=conflict,
        stored={note.agenda_item_id: note for note in minutes.notes} if conflict else {},
        stored_points=services.action_points_of(meeting) if conflict else [],
        owner_label=services.owner_label,
        last_change=services.last_change(minutes) if conflict else None,
        **_remarks_context(minutes),
    )


def _note_data(form: forms.MinutesForm) -> list[services.NoteData]:
    return [
        services.NoteData(
            agenda_item_id=_int(entry.form.agenda_item_id.data) or 0,
            discussion=entry.form.discussion.data or "",
            decisions=entry.form.decisions.data or "",
        )
        for entry in form.notes
    ]


def _action_data(form: forms.MinutesForm) -> list[services.ActionPointData]:
    return [
        services.ActionPointData(
            id=_int(entry.form.id.data),
            description=entry.form.description.data or "",
            agenda_item_id=_int(entry.form.agenda_item_id.data),
            owner=entry.form.owner.data or "",
            due_date=entry.form.due_date.data,
            status=ActionPointStatus(entry.form.status.data or "open"),
            delete=bool(entry.form.delete.data),
        )
        for entry in form.action_points
    ]


def _follow_up_data(form: forms.MinutesForm) -> list[services.FollowUpData]:
    return [
        services.FollowUpData(
            action_point_id=_int(entry.form.action_point_id.data) or 0,
            status=ActionPointStatus(entry.form.status.data or "open"),
            note=entry.form.note.data or "",
        )
        for entry in form.follow_ups
    ]


@bp.route("/meetings/<int:meeting_id>/minutes/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def edit(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    minutes = _editable_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = _editor_form(meeting, minutes, from_request=True)
    if not form.is_submitted():
        return _render_editor(meeting, minutes, _editor_form(meeting, minutes, from_request=False))
    if not form.validate():
        return _render_editor(meeting, minutes, form), 422
    with refusals_on(form) as outcome:
        result = services.save_minutes(
            minutes,
            notes=_note_data(form),
            action_points=_action_data(form),
            follow_ups=_follow_up_data(form),
            expected_version=form.version_number(),
            user=current_account(),
            now=utcnow(),
        )
    if isinstance(outcome.refusal, services.MinutesConflict):
        meeting, minutes = _show_conflict(meeting_id, form)
        return _render_editor(meeting, minutes, form, conflict=True), 409
    if not outcome.accepted:
        return _render_editor(meeting, minutes, form), 422
    flash(
        _(
            "Het verslag is bewaard (%(notes)s agendapunten, %(added)s nieuwe actiepunten).",
            notes=result.notes_changed,
            added=result.points_added,
        ),
        "success",
    )
    return redirect(url_for("minutes.edit", meeting_id=meeting.id))


# --- workflow -----------------------------------------------------------------------------

# A step changes the minutes and says what it did.
WorkflowStep = Callable[[Minutes, forms.ActionForm], str]


def _workflow_step(meeting_id: int, step: WorkflowStep) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    minutes = _existing_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    with refusals_on() as outcome:
        message = step(minutes, form)
    if outcome.accepted:
        flash(message, "success")
    return _overview(meeting)


def _back_to_draft(minutes: Minutes, form: forms.ActionForm) -> str:
    services.back_to_draft(
        minutes, expected_version=form.version_number(), user=current_account(), now=utcnow()
    )
    return str(_("Het verslag is terug een ontwerp."))


def _send(minutes: Minutes, form: forms.ActionForm) -> str:
    report = services.distribute(
        minutes,
        mail=MailSettings.from_config(current_app.config),
        user=current_account(),
        now=utcnow(),
    )
    flash_not_mailed(report)
    return str(
        _(
            "Het verslag staat klaar om te versturen naar %(count)s ontvanger(s).",
            count=report.count,
        )
    )


@bp.route("/meetings/<int:meeting_id>/minutes/circulate", methods=["POST"])
@access(Access.EDITOR)
def circulate(meeting_id: int) -> ViewResponse:
    """Rondsturen ter opmerkingen: freeze the draft, mail the members, open the round."""
    meeting = _meeting(meeting_id, edit=True)
    minutes = _existing_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = forms.CirculateForm()
    deadline = form.remarks_until.data
    if not form.validate_on_submit() or deadline is None:
        _flash_errors(form)
        return _overview(meeting)
    with refusals_on() as outcome:
        report = remarks.circulate_for_remarks(
            minutes,
            remarks_until=deadline,
            expected_version=form.version_number(),
            mail=MailSettings.from_config(current_app.config),
            user=current_account(),
            now=utcnow(),
        )
    if outcome.accepted:
        flash(
            _(
                "Het ontwerpverslag is rondgestuurd naar %(count)s lid/leden; opmerkingen zijn "
                "welkom tot en met %(date)s.",
                count=report.count,
                date=short_date(deadline, current_locale()),
            ),
            "success",
        )
        flash_not_mailed(report)
    return _overview(meeting)


@bp.route("/meetings/<int:meeting_id>/minutes/to-draft", methods=["POST"])
@access(Access.EDITOR)
def to_draft(meeting_id: int) -> ViewResponse:
    return _workflow_step(meeting_id, _back_to_draft)


@bp.route("/meetings/<int:meeting_id>/minutes/send", methods=["POST"])
@access(Access.EDITOR)
def send(meeting_id: int) -> ViewResponse:
    return _workflow_step(meeting_id, _send)


@bp.route("/meetings/<int:meeting_id>/minutes/approve", methods=["POST"])
@access(Access.EDITOR)
def approve(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    minutes = _existing_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = _approve_form(meeting, minutes)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _overview(meeting)
    chosen = _int(form.approved_at_meeting.data)
    with refusals_on() as outcome:
        version = services.approve(
            minutes,
            expected_version=form.version_number(),
            at_meeting=db.session.get(Meeting, chosen) if chosen is not None else None,
            reason=form.reason.data or "",
            user=current_account(),
            now=utcnow(),
        )
    if outcome.accepted:
        flash(
            _(
                "Het verslag is goedgekeurd en vergrendeld (versie %(number)s).",
                number=version.number,
            ),
            "success",
        )
    return _overview(meeting)


@bp.route("/meetings/<int:meeting_id>/minutes/correct", methods=["POST"])
@access(Access.EDITOR)
def correct(meeting_id: int) -> ViewResponse:
    meeting = _meeting(meeting_id, edit=True)
    minutes = _existing_minutes(meeting)
    if minutes is None:
        return _overview(meeting)
    form = forms.CorrectionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _overview(meeting)
    with refusals_on() as outcome:
        services.start_correction(
            minutes,
            reason=form.reason.data or "",
            expected_version=form.version_number(),
            user=current_account(),
            now=utcnow(),
        )
    if not outcome.accepted:
        return _overview(meeting)
    flash(_("Het verslag is ontgrendeld voor correctie. Keur het daarna opnieuw goed."), "success")
    return redirect(url_for("minutes.edit", meeting_id=meeting.id))


# --- PDFs ---------------------------------------------------------------------------------


def _minutes_document(meeting_id: int) -> tuple[Meeting, Minutes, bool]:
    """The meeting and the minutes its documents show: the stored ones, or (none started yet)
    an empty draft that is not saved; 404 for a cancelled meeting without minutes. The flag
    says whether the minutes are stored."""
    meeting = _meeting(meeting_id)
    minutes = services.get_minutes(meeting)
    if minutes is not None:
        return meeting, minutes, True
    if meeting.status is MeetingStatus.CANCELLED:
        abort(404)
    return meeting, Minutes(meeting=meeting, status=MinutesStatus.DRAFT, version=0), False


def _verslag_of(meeting: Meeting, slug: str) -> Municipality:
    """One of a joint meeting's municipalities whose verslag the user may read; 404 otherwise."""
    chosen = next(
        (m for m in verslag_municipalities(current_account(), meeting) if m.slug == slug), None
    )
    if chosen is None:
        abort(404)
    return chosen


def _pdf_of(meeting_id: int, slug: str | None) -> Response:
    """The minutes PDF: the whole, or one municipality's verslag of a joint meeting (also for a
    reader who sees only some of its municipalities: permissions.verslag_municipality)."""
    meeting, minutes, stored = _minutes_document(meeting_id)
    if slug is None:
        municipality = verslag_municipality(current_account(), meeting)
    else:
        municipality = _verslag_of(meeting, slug)
    if stored:
        content = services.minutes_pdf(meeting, minutes, municipality)
    else:
        content = services.render_minutes(meeting, minutes, municipality).content
    return pdf_response(content, minutes_pdf_filename(meeting, municipality))


def _docx_of(meeting_id: int, slug: str | None) -> Response:
    """The minutes as a Word file, rendered now: the whole or one municipality's verslag."""
    meeting, minutes, _stored = _minutes_document(meeting_id)
    if slug is None:
        municipality = verslag_municipality(current_account(), meeting)
    else:
        municipality = _verslag_of(meeting, slug)
    content = minutes_docx_file(meeting, minutes, municipality=municipality)
    response = Response(content, mimetype=DOCX_MIMETYPE)
    name = minutes_docx_filename(meeting, municipality)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/minutes.pdf")
@access(Access.USER)
def minutes_pdf(meeting_id: int) -> Response:
    return _pdf_of(meeting_id, None)


@bp.route("/meetings/<int:meeting_id>/minutes/<slug>.pdf")
@access(Access.USER)
def verslag_pdf(meeting_id: int, slug: str) -> Response:
    """One municipality's verslag of a joint meeting: its items and those for all."""
    return _pdf_of(meeting_id, slug)


@bp.route("/meetings/<int:meeting_id>/minutes.docx")
@access(Access.USER)
def minutes_docx(meeting_id: int) -> Response:
    return _docx_of(meeting_id, None)


@bp.route("/meetings/<int:meeting_id>/minutes/<slug>.docx")
@access(Access.USER)
def verslag_docx(meeting_id: int, slug: str) -> Response:
    """One municipality's verslag of a joint meeting as a Word file."""
    return _docx_of(meeting_id, slug)


@bp.route("/meetings/<int:meeting_id>/minutes/versions/<int:number>.pdf")
@access(Access.USER)
def version_pdf(meeting_id: int, number: int) -> Response:
    meeting = _meeting(meeting_id)
    if verslag_municipality(current_account(), meeting) is not None:
        abort(404)  # a frozen version is the whole joint meeting: not for one municipality
    version = db.session.scalar(
        sa.select(MinutesVersion)
        .join(Minutes, MinutesVersion.minutes_id == Minutes.id)
        .where(Minutes.meeting_id == meeting.id, MinutesVersion.number == number)
    )
    if version is None:
        abort(404)
    name = minutes_pdf_filename(meeting).removesuffix(".pdf") + f"-v{number}.pdf"
    return pdf_response(version.pdf, name)


@bp.route("/meetings/<int:meeting_id>/agenda.pdf")
@access(Access.USER)
def agenda_pdf(meeting_id: int) -> Response:
    meeting = _meeting(meeting_id)
    return pdf_response(render_agenda_pdf(meeting), agenda_pdf_filename(meeting))


# --- template helpers for the meeting page's minutes panel ---------------------------------


@bp.app_template_global("minutes_for")
def minutes_for(meeting: Meeting) -> Minutes | None:
    """The meeting's minutes, or None (one query)."""
    return db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))


@bp.app_template_global("verslagen_for")
def verslagen_for(meeting: Meeting) -> list[Municipality]:
    """The municipalities of a joint meeting whose verslag the user may download."""
    if not current_user.is_authenticated:
        return []
    return verslag_municipalities(current_account(), meeting)


@bp.app_template_global("minutes_can_edit")
def minutes_can_edit(meeting: Meeting) -> bool:
    return bool(
        current_user.is_authenticated and can_edit_municipality(current_user, meeting.municipality)
    )
