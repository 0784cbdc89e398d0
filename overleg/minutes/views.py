"""Minutes pages: overview and history, attendance register, editor, workflow, PDFs.

Thin views: parse the form, authorise through overleg.auth.permissions, call
overleg.minutes.services, commit, render.
"""

from __future__ import annotations

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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from overleg.auth.permissions import Access, access, can_edit_municipality, get_meeting
from overleg.extensions import db
from overleg.mail.messages import Sender
from overleg.meetings.agenda_pdf import agenda_pdf_filename, render_agenda_pdf
from overleg.minutes import bp, forms, services
from overleg.minutes.documents import minutes_pdf_filename
from overleg.models import (
    ActionPointStatus,
    Attendance,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    MinutesVersion,
    RsvpStatus,
)
from overleg.models.types import utcnow


def _meeting(meeting_id: int, *, edit: bool = False) -> Meeting:
    get_meeting(current_user, meeting_id, edit=edit)  # 404 / 403 as the rules say
    meeting = services.load_meeting(meeting_id)
    if meeting is None:  # deleted between the two reads
        abort(404)
    return meeting


def _pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _overview(meeting: Meeting) -> Any:
    return redirect(url_for("minutes.overview", meeting_id=meeting.id))


def _refused(meeting: Meeting, error: services.MinutesError) -> Any:
    db.session.rollback()
    flash(error.message, "error")
    return _overview(meeting)


def _conflict_flash(meeting: Meeting) -> Any:
    db.session.rollback()
    flash(
        _(
            "Iemand anders heeft het verslag intussen gewijzigd. Bekijk de laatste versie en "
            "probeer opnieuw."
        ),
        "error",
    )
    return _overview(meeting)


def _later_meetings(meeting: Meeting) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.municipality_id == meeting.municipality_id,
                Meeting.start_at > meeting.start_at,
                Meeting.status != MeetingStatus.CANCELLED,
            )
            .order_by(Meeting.start_at)
            .limit(12)
        )
    )


def _approve_form(meeting: Meeting, minutes: Minutes | None) -> forms.ApproveForm:
    form = forms.ApproveForm()
    later = _later_meetings(meeting)
    form.approved_at_meeting.choices = forms.choices(
        [(str(m.id), f"{m.title} ({_short(m.start_at)})") for m in later]
        + [("", _("— buiten een vergadering —"))]
    )
    if not form.is_submitted():
        form.approved_at_meeting.data = str(later[0].id) if later else ""
        form.version.data = str(minutes.version) if minutes else ""
    return form


def _short(value: datetime) -> str:
    from overleg.lib.dates import short_date
    from overleg.web.i18n import current_locale

    return short_date(value, current_locale())


# --- overview -----------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/minutes")
@access(Access.USER)
def overview(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    minutes = services.get_minutes(meeting)
    can_edit = can_edit_municipality(current_user, meeting.municipality)
    context: dict[str, Any] = {}
    if minutes is not None:
        context = services.document_context(meeting, minutes)
        context["last_change"] = services.last_change(minutes)
    version = str(minutes.version) if minutes else ""
    action_form = forms.ActionForm(formdata=None, version=version)
    correction_form = forms.CorrectionForm(formdata=None, version=version)
    context.update(
        meeting=meeting,
        minutes=minutes,
        can_edit=can_edit,
        action_form=action_form,
        approve_form=_approve_form(meeting, minutes),
        correction_form=correction_form,
        recipients=services.recipients(meeting),
    )
    return render_template("minutes/overview.html", **context)


@bp.route("/meetings/<int:meeting_id>/minutes/start", methods=["POST"])
@access(Access.EDITOR)
def start(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.ensure_minutes(meeting, user=current_user)
    except services.MinutesError as error:
        return _refused(meeting, error)
    db.session.commit()
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
    form.chair.choices = forms.choices(_people_choices(meeting))
    form.minute_taker.choices = forms.choices(_people_choices(meeting))
    return form


def _guest_form(meeting: Meeting, minutes: Minutes) -> forms.GuestForm:
    form = forms.GuestForm(data={"version": str(minutes.version)})
    form.substitute_for.choices = forms.choices(
        [("", _("— geen: gast zonder uitnodiging —"))]
        + [
            (str(i.id), i.display_name)
            for i in sorted(meeting.invitations, key=lambda i: (i.display_name or "").lower())
            if not i.is_guest and i.contact is not None
        ]
    )
    return form


def _render_attendance(meeting: Meeting, minutes: Minutes, form: Any, guest_form: Any) -> Any:
    by_id = {i.id: i for i in meeting.invitations}
    rows = [(entry, by_id.get(_int(entry.form.invitation_id.data))) for entry in form.rows]
    return render_template(
        "minutes/attendance.html",
        meeting=meeting,
        minutes=minutes,
        form=form,
        guest_form=guest_form,
        rows=[(entry, invitation) for entry, invitation in rows if invitation is not None],
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _editable_minutes(meeting: Meeting) -> Minutes:
    """The minutes to edit (created as a draft when missing); raises `MinutesError` when they
    may not change (a cancelled meeting, approved minutes)."""
    minutes = services.ensure_minutes(meeting, user=current_user)
    services.check_editable(minutes)
    return minutes


@bp.route("/meetings/<int:meeting_id>/minutes/attendance", methods=["GET", "POST"])
@access(Access.EDITOR)
def attendance(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    try:
        minutes = _editable_minutes(meeting)
    except services.MinutesError as error:
        return _refused(meeting, error)
    form = _attendance_form(meeting, minutes)
    guest_form = _guest_form(meeting, minutes)
    if form.validate_on_submit():
        entries = [
            services.AttendanceData(
                invitation_id=_int(row.form.invitation_id.data) or 0,
                attendance=(
                    Attendance(row.form.attendance.data) if row.form.attendance.data else None
                ),
            )
            for row in form.rows
        ]
        try:
            services.save_attendance(
                minutes,
                entries,
                chair_invitation_id=_int(form.chair.data),
                minute_taker_invitation_id=_int(form.minute_taker.data),
                expected_version=form.version_number(),
                user=current_user,
                now=utcnow(),
            )
            db.session.commit()
        except services.MinutesConflict as conflict:
            db.session.rollback()
            form.version.data = str(conflict.current_version)
            form.form_errors.append(_conflict_message(minutes))
            return _render_attendance(meeting, minutes, form, guest_form), 409
        except StaleDataError:
            return _conflict_flash(meeting)
        except services.MinutesError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_attendance(meeting, minutes, form, guest_form), 422
        flash(_("De aanwezigheden zijn bewaard."), "success")
        return redirect(url_for("minutes.attendance", meeting_id=meeting.id))
    db.session.commit()  # the draft created on first visit
    return _render_attendance(meeting, minutes, form, guest_form)


def _conflict_message(minutes: Minutes) -> str:
    change = services.last_change(minutes)
    if change is not None and change.user is not None:
        return _(
            "%(name)s heeft dit verslag intussen gewijzigd. Uw invoer staat hieronder nog; "
            "controleer ze en bewaar opnieuw.",
            name=change.user.name,
        )
    return _(
        "Iemand anders heeft dit verslag intussen gewijzigd. Uw invoer staat hieronder nog; "
        "controleer ze en bewaar opnieuw."
    )


@bp.route("/meetings/<int:meeting_id>/minutes/guests", methods=["POST"])
@access(Access.EDITOR)
def add_guest(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    try:
        minutes = _editable_minutes(meeting)
    except services.MinutesError as error:
        return _refused(meeting, error)
    guest_form = _guest_form(meeting, minutes)
    if guest_form.validate_on_submit():
        try:
            services.add_guest(
                minutes,
                name=guest_form.name.data or "",
                organisation=guest_form.organisation.data or "",
                substitute_for_id=_int(guest_form.substitute_for.data),
                user=current_user,
                now=utcnow(),
            )
            db.session.commit()
        except services.MinutesError as error:
            db.session.rollback()
            guest_form.form_errors.append(error.message)
        else:
            flash(_("De aanwezige is toegevoegd."), "success")
            return redirect(url_for("minutes.attendance", meeting_id=meeting.id))
    db.session.commit()
    form = _attendance_form(meeting, minutes)
    return _render_attendance(meeting, minutes, form, guest_form), 422


@bp.route("/meetings/<int:meeting_id>/minutes/guests/<int:invitation_id>/delete", methods=["POST"])
@access(Access.EDITOR)
def remove_guest(meeting_id: int, invitation_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    guest = db.session.get(Invitation, invitation_id)
    if guest is None or guest.meeting_id != meeting.id:
        abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        minutes = _editable_minutes(meeting)
        services.remove_guest(minutes, guest, user=current_user, now=utcnow())
    except services.MinutesError as error:
        return _refused(meeting, error)
    db.session.commit()
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
        (str(item.id), f"{n}. {item.title}") for n, item in enumerate(meeting.agenda_items, 1)
    ]
    owners = services.owner_choices(meeting)
    for entry in form.action_points:
        entry.form.agenda_item_id.choices = forms.choices(item_choices)
        entry.form.owner.choices = forms.choices(owners)
    return form


def _render_editor(
    meeting: Meeting, minutes: Minutes, form: forms.MinutesForm, *, conflict: bool = False
) -> Any:
    items = {item.id: item for item in meeting.agenda_items}
    follow_ups = {p.id: p for p in services.follow_up_points(meeting)}
    stored: dict[int, Any] = {}
    stored_points: list[Any] = []
    if conflict:
        stored = {note.agenda_item_id: note for note in minutes.notes}
        stored_points = services.action_points_of(meeting)
    return render_template(
        "minutes/edit.html",
        meeting=meeting,
        minutes=minutes,
        form=form,
        items=items,
        follow_up_points=follow_ups,
        conflict=conflict,
        stored=stored,
        stored_points=stored_points,
        owner_label=services.owner_label,
        last_change=services.last_change(minutes) if conflict else None,
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
def edit(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    try:
        minutes = _editable_minutes(meeting)
    except services.MinutesError as error:
        return _refused(meeting, error)
    form = _editor_form(meeting, minutes, from_request=True)
    if not form.is_submitted():
        db.session.commit()  # the draft created on first visit
        return _render_editor(meeting, minutes, _editor_form(meeting, minutes, from_request=False))
    if not form.validate():
        return _render_editor(meeting, minutes, form), 422
    try:
        result = services.save_minutes(
            minutes,
            notes=_note_data(form),
            action_points=_action_data(form),
            follow_ups=_follow_up_data(form),
            expected_version=form.version_number(),
            user=current_user,
            now=utcnow(),
        )
        db.session.commit()
    except services.MinutesConflict as conflict:
        db.session.rollback()
        minutes = services.get_minutes(meeting) or minutes
        form.version.data = str(conflict.current_version)
        form.form_errors.append(_conflict_message(minutes))
        return _render_editor(meeting, minutes, form, conflict=True), 409
    except StaleDataError:
        db.session.rollback()
        meeting = services.load_meeting(meeting_id) or meeting
        minutes = services.get_minutes(meeting) or minutes
        form.version.data = str(minutes.version)
        form.form_errors.append(_conflict_message(minutes))
        return _render_editor(meeting, minutes, form, conflict=True), 409
    except services.MinutesError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
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


def _workflow_step(meeting_id: int, step: str) -> Any:
    meeting = _meeting(meeting_id, edit=True)
    minutes = services.get_minutes(meeting)
    if minutes is None:
        flash(_("Er is nog geen verslag voor deze vergadering."), "error")
        return _overview(meeting)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        if step == "circulate":
            services.circulate(
                minutes, expected_version=form.version_number(), user=current_user, now=now
            )
            message = _("Het verslag is rondgestuurd ter opmerkingen.")
        elif step == "to_draft":
            services.back_to_draft(
                minutes, expected_version=form.version_number(), user=current_user, now=now
            )
            message = _("Het verslag is terug een ontwerp.")
        else:
            sent = services.distribute(
                minutes,
                sender=_sender(meeting),
                base_url=current_app.config["BASE_URL"],
                user=current_user,
                now=now,
            )
            message = _(
                "Het verslag staat klaar om te versturen naar %(count)s ontvanger(s).",
                count=len(sent),
            )
        db.session.commit()
    except services.MinutesConflict:
        return _conflict_flash(meeting)
    except StaleDataError:
        return _conflict_flash(meeting)
    except services.MinutesError as error:
        return _refused(meeting, error)
    flash(message, "success")
    return _overview(meeting)


def _sender(meeting: Meeting) -> Sender:
    platform = meeting.municipality.platform
    return Sender(
        address=current_app.config["MAIL_FROM"],
        name=platform.organiser_name or platform.name,
        reply_to=platform.organiser_email or "",
    )


@bp.route("/meetings/<int:meeting_id>/minutes/circulate", methods=["POST"])
@access(Access.EDITOR)
def circulate(meeting_id: int):  # type: ignore[no-untyped-def]
    return _workflow_step(meeting_id, "circulate")


@bp.route("/meetings/<int:meeting_id>/minutes/to-draft", methods=["POST"])
@access(Access.EDITOR)
def to_draft(meeting_id: int):  # type: ignore[no-untyped-def]
    return _workflow_step(meeting_id, "to_draft")


@bp.route("/meetings/<int:meeting_id>/minutes/send", methods=["POST"])
@access(Access.EDITOR)
def send(meeting_id: int):  # type: ignore[no-untyped-def]
    return _workflow_step(meeting_id, "send")


@bp.route("/meetings/<int:meeting_id>/minutes/approve", methods=["POST"])
@access(Access.EDITOR)
def approve(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    minutes = services.get_minutes(meeting)
    if minutes is None:
        flash(_("Er is nog geen verslag voor deze vergadering."), "error")
        return _overview(meeting)
    form = _approve_form(meeting, minutes)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _overview(meeting)
    at_meeting = None
    chosen = _int(form.approved_at_meeting.data)
    if chosen is not None:
        at_meeting = db.session.get(Meeting, chosen)
    try:
        version = services.approve(
            minutes,
            expected_version=form.version_number(),
            at_meeting=at_meeting,
            reason=form.reason.data or "",
            user=current_user,
            now=utcnow(),
        )
        db.session.commit()
    except (services.MinutesConflict, StaleDataError):
        return _conflict_flash(meeting)
    except services.MinutesError as error:
        return _refused(meeting, error)
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
def correct(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id, edit=True)
    minutes = services.get_minutes(meeting)
    if minutes is None:
        flash(_("Er is nog geen verslag voor deze vergadering."), "error")
        return _overview(meeting)
    form = forms.CorrectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _overview(meeting)
    try:
        services.start_correction(
            minutes,
            reason=form.reason.data or "",
            expected_version=form.version_number(),
            user=current_user,
            now=utcnow(),
        )
        db.session.commit()
    except (services.MinutesConflict, StaleDataError):
        return _conflict_flash(meeting)
    except services.MinutesError as error:
        return _refused(meeting, error)
    flash(_("Het verslag is ontgrendeld voor correctie. Keur het daarna opnieuw goed."), "success")
    return redirect(url_for("minutes.edit", meeting_id=meeting.id))


# --- PDFs ---------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/minutes.pdf")
@access(Access.USER)
def minutes_pdf(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    minutes = services.get_minutes(meeting)
    if minutes is None:
        if meeting.status is MeetingStatus.CANCELLED:
            abort(404)
        minutes = Minutes(meeting=meeting, status=MinutesStatus.DRAFT, version=0)
        content = services.render_minutes(meeting, minutes).content
    else:
        content = services.minutes_pdf(meeting, minutes)
    return _pdf_response(content, minutes_pdf_filename(meeting))


@bp.route("/meetings/<int:meeting_id>/minutes/versions/<int:number>.pdf")
@access(Access.USER)
def version_pdf(meeting_id: int, number: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    version = db.session.scalar(
        sa.select(MinutesVersion)
        .join(Minutes, MinutesVersion.minutes_id == Minutes.id)
        .where(Minutes.meeting_id == meeting.id, MinutesVersion.number == number)
    )
    if version is None:
        abort(404)
    name = minutes_pdf_filename(meeting).removesuffix(".pdf") + f"-v{number}.pdf"
    return _pdf_response(version.pdf, name)


@bp.route("/meetings/<int:meeting_id>/agenda.pdf")
@access(Access.USER)
def agenda_pdf(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    return _pdf_response(render_agenda_pdf(meeting), agenda_pdf_filename(meeting))


# --- template helpers for the meeting page's minutes panel ---------------------------------


@bp.app_template_global("minutes_for")
def minutes_for(meeting: Meeting) -> Minutes | None:
    """The meeting's minutes, or None (one query)."""
    return db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))


@bp.app_template_global("minutes_can_edit")
def minutes_can_edit(meeting: Meeting) -> bool:
    return bool(
        current_user.is_authenticated and can_edit_municipality(current_user, meeting.municipality)
    )
