"""Meetings, their agenda and invitee list.

Thin views: parse the form, authorise through overleg.auth.permissions, call
overleg.meetings.services, render. A refused change is shown on its form (overleg.web.refusals);
the request's one commit point (overleg.web.application) commits what was accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from overleg.auth.permissions import (
    Access,
    access,
    can_edit_municipality,
    can_view_municipality_id,
    current_account,
    get_agenda_item,
    get_invitation,
    get_meeting,
    get_theme,
    may_edit_visible_municipalities,
    visible_municipalities,
    visible_themes_filter,
)
from overleg.extensions import db
from overleg.lib.dates import brussels_instant, parse_day, to_local
from overleg.lib.refusal import EditConflict
from overleg.mail.report import flash_not_mailed
from overleg.meetings import forms, joint, services, theme_invitees
from overleg.meetings.search import search_meetings, theme_choices
from overleg.meetings.services import AgendaItemData
from overleg.models import (
    AgendaItem,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Theme,
)
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm, SelectChoice, flash_repeated_times, query_args
from overleg.web.pagination import page_number, paginate
from overleg.web.refusals import form_status, refusals_on
from overleg.web.types import ViewResponse
from overleg.web.versions import RowConflict, conflict_shown

bp = Blueprint("meetings", __name__)

PER_PAGE = 25


def _conflict_rows(meeting: Meeting) -> list[tuple[services.Conflict, bool]]:
    """Conflicts with whether the user may open the other meeting."""
    user = current_account()
    return [
        (
            conflict,
            (other := conflict.other_meeting) is not None
            and can_view_municipality_id(user, other.municipality_id, other.platform_id),
        )
        for conflict in services.meeting_conflicts(meeting)
    ]


def _flash_conflicts(meeting: Meeting) -> None:
    count = len(services.meeting_conflicts(meeting))
    if count:
        flash(
            ngettext(
                "Let op: er is een waarschuwing voor deze datum. Je vindt ze hieronder.",
                "Let op: er zijn %(num)d waarschuwingen voor deze datum. Je vindt ze hieronder.",
                count,
            ),
            "warning",
        )


def _to_meeting(meeting_id: int) -> Response:
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


# --- list ---------------------------------------------------------------------------------


@bp.route("/meetings")
@access(Access.USER)
def index() -> ViewResponse:
    """The meeting list and its search (title, municipality, theme, year, dates, status)."""
    municipalities = services.municipality_choices(current_user)
    form = forms.MeetingFilterForm(request.args)
    form.municipality.choices = [("", _("Alle gemeenten"))] + [
        (m.slug, m.name) for m in municipalities
    ]
    form.theme.choices = [("", _("Alle thema's"))] + [
        (str(t.id), t.name) for t in theme_choices(current_user)
    ]
    form.validate()  # each filter that is valid applies; the others show their message
    search = form.search({m.slug: m.id for m in municipalities})
    page = paginate(
        search_meetings(current_user, search), page_number(request.args.get("page")), PER_PAGE
    )
    filter_args = query_args(form, request.args)
    return render_template(
        "meetings/index.html",
        form=form,
        page=page,
        counts=services.invitation_counts([m.id for m in page.items]),
        filter_args=filter_args,
        can_create=bool(municipalities) and may_edit_visible_municipalities(current_user),
    )


# --- create and edit ----------------------------------------------------------------------


def _times(
    form: forms.MeetingCreateForm | forms.MeetingEditForm, municipality: Municipality
) -> tuple[datetime, datetime]:
    """Start and end (UTC) from the Brussels date and times typed (the form requires the date).

    Blank times are the platform's default hours, else the municipality's usual start and the
    usual duration later (counted in UTC: a meeting over the change to or from summer time lasts
    what it says); services.meeting_hours decides.
    Raises Refusal when the usual start does not exist that day (summer time starts).
    """
    day = form.date.data
    if day is None:  # the form's InputRequired refuses a blank date before this is called
        abort(400)
    clock, until = services.meeting_hours(municipality, form.start_time.data, form.end_time.data)
    start = brussels_instant(day, clock, field="start_time")
    if until is not None:
        end = brussels_instant(day, until, field="end_time")
    else:
        end = start + timedelta(minutes=municipality.meeting_duration_minutes)
    return start, end


def _prefill_create(form: forms.MeetingCreateForm, editable: list[Municipality]) -> None:
    """The municipality and date a link to the new-meeting page suggests (or the only choice)."""
    chosen = request.args.get("municipality", "")
    if chosen in {m.slug for m in editable}:
        form.municipality.data = chosen
    elif len(editable) == 1:
        form.municipality.data = editable[0].slug
    day = request.args.get("date", "")
    if day:
        form.date.process_data(parse_day(day))


@bp.route("/meetings/new", methods=["GET", "POST"])
@access(Access.EDITOR)
def create() -> ViewResponse:
    editable = [
        m for m in visible_municipalities(current_user) if can_edit_municipality(current_user, m)
    ]
    by_slug = {m.slug: m for m in editable}
    form = forms.MeetingCreateForm()
    form.municipality.choices = [("", _("Kies een gemeente"))] + [
        (m.slug, m.name) for m in editable
    ]
    if request.method == "GET":
        _prefill_create(form, editable)
    if form.validate_on_submit():
        municipality = by_slug[form.municipality.data]
        with refusals_on(form) as outcome:
            start_at, end_at = _times(form, municipality)
            meeting = services.create_meeting(
                municipality,
                start_at=start_at,
                end_at=end_at,
                now=utcnow(),
                title=(form.title.data or "").strip() or None,
                location=(form.location.data or "").strip() or None,
                status=MeetingStatus(form.status.data),
                user=current_user,
            )
        if outcome.accepted:
            flash(_("De vergadering is aangemaakt."), "success")
            flash_repeated_times(start_at, end_at)
            _flash_conflicts(meeting)
            return _to_meeting(meeting.id)
    return render_template(
        "meetings/form.html",
        form=form,
        meeting=None,
        municipalities=editable,
    ), form_status(form)


@bp.route("/meetings/<int:meeting_id>")
@access(Access.USER)
def detail(meeting_id: int) -> ViewResponse:
    # The page's rows first (kept in `meeting`: the session holds loaded objects only weakly),
    # so that the check finds the meeting and its municipality in the session: no second load.
    meeting = services.find_meeting_page(meeting_id)
    get_meeting(current_user, meeting_id)  # 404 (also when there is no such meeting) or 403
    if meeting is None:  # not reached: get_meeting answered 404
        abort(404)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        invitations=services.sorted_invitations(meeting),
        conflicts=_conflict_rows(meeting),
        can_edit=can_edit_municipality(current_user, meeting.municipality),
        has_started=meeting.start_at <= utcnow(),
        held_form=ConfirmForm(),
        total_minutes=sum(item.duration_minutes for item in meeting.agenda_items),
    )


def _prefill_times(form: forms.MeetingEditForm, meeting: Meeting) -> None:
    start, end = to_local(meeting.start_at), to_local(meeting.end_at)
    form.date.data = start.date()
    form.start_time.data = start.time()
    form.end_time.data = end.time()


def _flash_update(meeting: Meeting, change: services.MeetingChange) -> None:
    if not change.changed:
        flash(_("Er was niets gewijzigd."), "info")
    elif change.needs_new_sequence and meeting.invitations_sent_at is not None:
        flash(
            _(
                "De vergadering is gewijzigd. Wie al uitgenodigd was, krijgt een "
                "bijgewerkte uitnodiging."
            ),
            "success",
        )
    else:
        flash(_("De vergadering is gewijzigd."), "success")
    flash_not_mailed(change.mail)
    if change.time_changed:
        _flash_conflicts(meeting)


def _meeting_form(meeting: Meeting) -> forms.MeetingEditForm:
    """The edit form filled from the meeting as stored, started from its version."""
    form = forms.MeetingEditForm(formdata=None, obj=meeting)
    _prefill_times(form, meeting)
    form.start_from(meeting.version)
    return form


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def edit(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if (locked := _locked(meeting)) is not None:
        return locked
    form = _meeting_form(meeting) if request.method == "GET" else forms.MeetingEditForm()
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            start_at, end_at = _times(form, meeting.municipality)
            change = services.update_meeting(
                meeting,
                title=form.title.data or "",
                start_at=start_at,
                end_at=end_at,
                location=form.location.data or "",
                now=utcnow(),
                user=current_user,
                expected_version=form.expected_version(),
            )
        if outcome.accepted:
            _flash_update(meeting, change)
            if change.time_changed:
                flash_repeated_times(start_at, end_at)
            return _to_meeting(meeting.id)
        if conflict_shown(form, outcome, lambda: _meeting_form(_stored_meeting(meeting_id))):
            return _edit_page(form, _stored_meeting(meeting_id)), 409
    return _edit_page(form, meeting), form_status(form)


def _edit_page(form: forms.MeetingEditForm, meeting: Meeting) -> str:
    return render_template("meetings/form.html", form=form, meeting=meeting, municipalities=[])


def _stored_meeting(meeting_id: int) -> Meeting:
    """The meeting as stored now (after a rolled back change); 404 when it is gone."""
    return get_meeting(current_user, meeting_id, edit=True)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@access(Access.EDITOR)
def cancel(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.HELD):
        flash(_("Deze vergadering kan niet (meer) geannuleerd worden."), "error")
        return _to_meeting(meeting.id)
    form = forms.CancelForm()
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            change = services.cancel_meeting(
                meeting, reason=form.reason.data or "", now=utcnow(), user=current_user
            )
        if outcome.accepted:
            flash(_("De vergadering is geannuleerd."), "success")
            flash_not_mailed(change.mail)
            return _to_meeting(meeting.id)
    return render_template("meetings/cancel.html", form=form, meeting=meeting), form_status(form)


@bp.route("/meetings/<int:meeting_id>/held", methods=["POST"])
@access(Access.EDITOR)
def held(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusals_on() as outcome:
        services.mark_held(meeting, now=utcnow(), user=current_user)
    if outcome.accepted:
        flash(_("De vergadering staat geregistreerd als gehouden."), "success")
    return _to_meeting(meeting_id)


# --- joint meetings -------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/joint", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def joint_meeting(meeting_id: int) -> ViewResponse:
    """Which other municipalities hold the meeting with its host (a joint woonoverleg)."""
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if (locked := _locked(meeting)) is not None:
        return locked
    form = forms.JointForm()
    form.partners.choices = [SelectChoice(m.id, m.name) for m in joint.partner_candidates(meeting)]
    if request.method == "GET":
        form.partners.data = [m.id for m in meeting.partners]
    elif form.validate_on_submit():
        with refusals_on(form) as outcome:
            chosen = joint.set_partners(meeting, form.partners.data or (), user=current_user)
        if outcome.accepted:
            names = ", ".join(m.name for m in chosen)
            message = (
                _("Gezamenlijk woonoverleg met %(names)s.", names=names)
                if chosen
                else _("De vergadering is niet meer gezamenlijk.")
            )
            flash(message, "success")
            return _to_meeting(meeting.id)
    return render_template("meetings/joint.html", form=form, meeting=meeting), form_status(form)


# --- agenda -------------------------------------------------------------------------------


def _theme_choices() -> list[tuple[str, str]]:
    themes = db.session.scalars(
        db.select(Theme)
        .where(visible_themes_filter(current_account()), Theme.active.is_(True))
        .order_by(Theme.sort_order, Theme.name)
    )
    return [("", _("Geen thema"))] + [
        (str(t.id), f"{t.name} ({_('verplicht')})" if t.is_mandatory else t.name) for t in themes
    ]


def _item_data(form: forms.AgendaItemForm, meeting: Meeting) -> AgendaItemData:
    theme = get_theme(current_account(), int(form.theme.data)) if form.theme.data else None
    marks = tuple(form.for_municipalities.data or ()) if meeting.is_joint else None
    return AgendaItemData(
        title=form.title.data or "",
        duration_minutes=form.duration_minutes.data or 0,
        presenter=form.presenter.data or "",
        notes=form.notes.data or "",
        theme=theme,
        municipality_ids=marks,
    )


def _item_choices(form: forms.AgendaItemForm, meeting: Meeting) -> forms.AgendaItemForm:
    """The theme choices and, for a joint meeting, the municipalities an item can be for."""
    form.theme.choices = _theme_choices()
    form.for_municipalities.choices = (
        [SelectChoice(m.id, m.name) for m in meeting.all_municipalities] if meeting.is_joint else []
    )
    return form


def _locked(meeting: Meeting) -> Response | None:
    if meeting.status is MeetingStatus.CANCELLED:
        flash(_("Een geannuleerde vergadering kan niet meer gewijzigd worden."), "error")
        return _to_meeting(meeting.id)
    return None


def _to_agenda(meeting_id: int) -> Response:
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["GET", "POST"])
@access(Access.EDITOR)
def agenda(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if (locked := _locked(meeting)) is not None:
        return locked
    form = _item_choices(forms.AgendaItemForm(), meeting)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with refusals_on(form) as outcome:
                item = services.add_agenda_item(
                    meeting, _item_data(form, meeting), user=current_user
                )
            if outcome.accepted:
                flash(_("Agendapunt “%(title)s” toegevoegd.", title=item.title), "success")
                return _to_agenda(meeting.id)
        status = form_status(form)
    return _render_agenda(meeting, form, forms.ReorderForm()), status


def _render_agenda(meeting: Meeting, form: forms.AgendaItemForm, reorder: forms.ReorderForm) -> str:
    meeting = services.load_meeting_page(meeting.id)
    items = meeting.agenda_items
    moves = {
        item.id: (
            services.moved_order(items, item.id, -1),
            services.moved_order(items, item.id, 1),
        )
        for item in items
    }
    return render_template(
        "meetings/agenda.html",
        meeting=meeting,
        form=form,
        reorder_form=reorder,
        delete_form=ConfirmForm(),
        moves=moves,
        versions=",".join(f"{item.id}:{item.version}" for item in items),
        total_minutes=sum(item.duration_minutes for item in items),
    )


@bp.route("/meetings/<int:meeting_id>/agenda/reorder", methods=["POST"])
@access(Access.EDITOR)
def agenda_reorder(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if (locked := _locked(meeting)) is not None:
        return locked
    reorder = forms.ReorderForm()
    code: int | None = 422
    if reorder.validate_on_submit():
        code = _reorder(meeting, reorder)
        if code is None:
            flash(_("De volgorde van de agenda is aangepast."), "success")
            return _to_agenda(meeting.id)
    elif reorder.errors.get("csrf_token"):
        code = 400
    form = _item_choices(forms.AgendaItemForm(formdata=None), meeting)
    return _render_agenda(meeting, form, reorder), code or 422


def _reorder(meeting: Meeting, reorder: forms.ReorderForm) -> int | None:
    """Save the order posted; None when saved, else the status of the page that says why (409
    when the agenda changed since the page was loaded: it then shows the agenda as it is now,
    to move from again; nothing was typed that could be kept)."""
    ids = reorder.ids()
    if ids is None:
        reorder.order.errors = [_("De volgorde is onleesbaar.")]
        return 422
    with refusals_on(reorder) as outcome:
        services.reorder_agenda(
            meeting, ids, user=current_user, expected_versions=reorder.expected_versions()
        )
    if outcome.accepted:
        return None
    if isinstance(outcome.refusal, EditConflict):
        reorder.order.errors = [
            _(
                "Iemand anders heeft de agenda intussen gewijzigd. Hieronder staat ze zoals ze "
                "nu is: verschuif opnieuw als dat nog nodig is."
            )
        ]
        return 409
    return 422


def _item_form(item: AgendaItem) -> forms.AgendaItemForm:
    """The edit form filled from the agenda item as stored, started from its version."""
    form = _item_choices(forms.AgendaItemForm(formdata=None, obj=item), item.meeting)
    form.theme.data = str(item.theme_id) if item.theme_id else ""
    form.for_municipalities.data = [m.id for m in item.municipalities]
    form.start_from(item.version)
    return form


@bp.route("/meetings/<int:meeting_id>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def agenda_item_edit(meeting_id: int, item_id: int) -> ViewResponse:
    item = get_agenda_item(current_user, meeting_id, item_id, edit=True)
    if (locked := _locked(item.meeting)) is not None:
        return locked
    if request.method == "GET":
        form = _item_form(item)
    else:
        form = _item_choices(forms.AgendaItemForm(), item.meeting)
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            services.update_agenda_item(
                item,
                _item_data(form, item.meeting),
                user=current_user,
                expected_version=form.expected_version(),
            )
        if outcome.accepted:
            flash(_("Het agendapunt is gewijzigd."), "success")
            return _to_agenda(meeting_id)

        def stored() -> AgendaItem:
            return get_agenda_item(current_user, meeting_id, item_id, edit=True)

        if conflict_shown(form, outcome, lambda: _item_form(stored())):
            return _item_page(form, stored()), 409
    return _item_page(form, item), form_status(form)


def _item_page(form: forms.AgendaItemForm, item: AgendaItem) -> str:
    return render_template("meetings/agenda_item.html", form=form, item=item, meeting=item.meeting)


@bp.route("/meetings/<int:meeting_id>/agenda/<int:item_id>/delete", methods=["POST"])
@access(Access.EDITOR)
def agenda_item_delete(meeting_id: int, item_id: int) -> ViewResponse:
    item = get_agenda_item(current_user, meeting_id, item_id, edit=True)
    if (locked := _locked(item.meeting)) is not None:
        return locked
    if not ConfirmForm().validate_on_submit():
        abort(400)
    title = item.title
    with refusals_on() as outcome:
        services.remove_agenda_item(item, user=current_user)
    if outcome.accepted:
        flash(_("Agendapunt “%(title)s” verwijderd.", title=title), "success")
    return _to_agenda(meeting_id)


# --- invitees -----------------------------------------------------------------------------


def _to_invitees(meeting_id: int) -> Response:
    return redirect(url_for("meetings.invitees", meeting_id=meeting_id))


def _invite(meeting: Meeting, form: forms.InviteeAddForm) -> bool:
    """Invite the contact chosen on `form`; False, with the reason on the form, when refused."""
    contact_id = form.contact_id.data
    contact = (
        services.invitable_contact(current_user, meeting, contact_id)
        if contact_id is not None
        else None
    )
    if contact is None:
        form.contact_id.errors = [_("Deze contactpersoon bestaat niet of is niet zichtbaar.")]
        return False
    with refusals_on(form) as outcome:
        invitation = services.add_invitee(
            meeting, contact, InviteeRole(form.role.data), user=current_user
        )
    if outcome.accepted:
        _flash_invited(meeting, invitation)
    return outcome.accepted


def _flash_invited(meeting: Meeting, invitation: Invitation) -> None:
    """Whether the new invitee got the invitation by mail (once invitations went out)."""
    name = invitation.display_name
    if meeting.invitations_sent_at is None:
        flash(_("%(name)s is uitgenodigd.", name=name), "success")
    elif invitation.sent_at is not None:
        flash(
            _("%(name)s is uitgenodigd en krijgt de uitnodiging per e-mail.", name=name), "success"
        )
    else:
        flash(
            _(
                "%(name)s is uitgenodigd, maar krijgt geen mail: geen bruikbaar e-mailadres.",
                name=name,
            ),
            "warning",
        )


@bp.route("/meetings/<int:meeting_id>/invitees", methods=["GET", "POST"])
@access(Access.EDITOR)
def invitees(meeting_id: int) -> ViewResponse:
    meeting = get_meeting(current_user, meeting_id, edit=True)
    if (locked := _locked(meeting)) is not None:
        return locked
    form = forms.InviteeAddForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and _invite(meeting, form):
            return _to_invitees(meeting.id)
        status = form_status(form)
    return _invitees_page(meeting.id, form), status


def _invitees_page(
    meeting_id: int,
    form: forms.InviteeAddForm,
    role_conflict: RowConflict[forms.InviteeRoleForm] | None = None,
) -> str:
    search = forms.ContactSearchForm(request.args)
    query = (search.q.data or "") if search.validate() else ""
    meeting = services.load_meeting_page(meeting_id)
    return render_template(
        "meetings/invitees.html",
        meeting=meeting,
        form=form,
        search=search,
        results=services.search_contacts(current_user, meeting, query) if query else None,
        suggestions=services.suggested_contacts(meeting),
        invitations=services.sorted_invitations(meeting),
        brought_by=theme_invitees.brought_by(meeting),
        role_choices=forms.role_choices(),
        role_conflict=role_conflict,
        delete_form=ConfirmForm(),
    )


def _role_form(invitation: Invitation) -> forms.InviteeRoleForm:
    """The role form of one invitee as stored, started from the invitation's version."""
    form = forms.InviteeRoleForm(formdata=None, role=invitation.role.value)
    form.start_from(invitation.version)
    return form


@bp.route("/meetings/<int:meeting_id>/invitees/<int:invitation_id>/role", methods=["POST"])
@access(Access.EDITOR)
def invitee_role(meeting_id: int, invitation_id: int) -> ViewResponse:
    invitation = get_invitation(current_user, meeting_id, invitation_id, edit=True)
    if (locked := _locked(invitation.meeting)) is not None:
        return locked
    form = forms.InviteeRoleForm()
    if not form.validate_on_submit():
        flash(_("Kies een geldige rol."), "error")
        return _to_invitees(meeting_id)
    with refusals_on() as outcome:
        changed = services.change_invitee_role(
            invitation,
            InviteeRole(form.role.data),
            user=current_user,
            expected_version=form.expected_version(),
        )
    if outcome.accepted and changed:
        flash(_("De rol van %(name)s is gewijzigd.", name=invitation.display_name), "success")

    def stored() -> forms.InviteeRoleForm:
        return _role_form(get_invitation(current_user, meeting_id, invitation_id, edit=True))

    if conflict_shown(form, outcome, stored):
        label = _("Rol van %(name)s", name=invitation.display_name)
        role_conflict = RowConflict(invitation_id, form, label)
        return _invitees_page(meeting_id, forms.InviteeAddForm(formdata=None), role_conflict), 409
    return _to_invitees(meeting_id)


@bp.route("/meetings/<int:meeting_id>/invitees/<int:invitation_id>/delete", methods=["POST"])
@access(Access.EDITOR)
def invitee_delete(meeting_id: int, invitation_id: int) -> ViewResponse:
    invitation = get_invitation(current_user, meeting_id, invitation_id, edit=True)
    if (locked := _locked(invitation.meeting)) is not None:
        return locked
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = invitation.display_name
    with refusals_on() as outcome:
        mail = services.remove_invitee(invitation, user=current_user)
    if outcome.accepted:
        if mail.count:
            message = _("%(name)s is niet langer uitgenodigd en krijgt een annulering.", name=name)
        else:
            message = _("%(name)s is niet langer uitgenodigd.", name=name)
        flash(message, "success")
        flash_not_mailed(mail)
    return _to_invitees(meeting_id)
