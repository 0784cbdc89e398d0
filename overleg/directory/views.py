"""Municipalities, organisations, contacts, standing invitee lists and themes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from overleg.auth.permissions import (
    Access,
    access,
    can_archive_organisation,
    can_create_municipality,
    can_edit_directory,
    can_edit_municipality,
    can_edit_organisation,
    can_edit_themes,
    get_contact,
    get_municipality,
    get_organisation,
    visible_municipalities,
)
from overleg.directory import services
from overleg.directory.forms import (
    ROLE_LABELS,
    WEEKDAY_LABELS,
    ContactForm,
    DeleteContactForm,
    MunicipalityForm,
    OrganisationForm,
    OrganisationSearchForm,
    StandingInviteeForm,
    StandingInviteeRoleForm,
    ThemeForm,
    choices,
)
from overleg.extensions import db
from overleg.models import Contact, Theme
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.pagination import page_number

bp = Blueprint("directory", __name__)

# Why a service refused a change, as the Dutch message shown next to the field.
ERRORS = {
    "name_taken": _l("Deze naam is al in gebruik."),
    "organisation_name_taken": _l(
        "Er bestaat al een organisatie met deze naam. Zoek ze op in de lijst of vraag de "
        "coördinator om ze aan je gemeente te koppelen."
    ),
    "unknown_contact": _l("Kies een persoon van een organisatie die voor deze gemeente werkt."),
    "already_listed": _l("Deze persoon staat al op de vaste uitnodigingslijst."),
    "unknown_municipality": _l("Kies alleen gemeenten die je kunt beheren."),
    "no_municipality": _l("Kies minstens één van je gemeenten."),
    "email_taken": _l("Iemand van deze organisatie heeft dit e-mailadres al."),
    "contact_in_use": _l(
        "Deze persoon staat op uitnodigingen of in verslagen en kan niet verwijderd worden. "
        "Archiveer de persoon."
    ),
}


def _field_error(form: FlaskForm, error: services.DirectoryError) -> None:
    """Show a service's refusal next to its field (or above the form)."""
    message = str(ERRORS.get(error.message, error.message))
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


@bp.app_context_processor
def directory_labels() -> dict:
    """Dutch labels of invitee roles and weekdays, for every template (the audit page too)."""
    return {"role_labels": ROLE_LABELS, "weekday_labels": WEEKDAY_LABELS}


# --- municipalities -----------------------------------------------------------------------


@bp.route("/municipalities")
@access(Access.USER)
def municipalities():  # type: ignore[no-untyped-def]
    return render_template(
        "directory/municipalities.html",
        rows=services.municipality_overview(current_user, utcnow()),
        can_create=can_create_municipality(current_user),
    )


def _settings(form: MunicipalityForm) -> services.MunicipalitySettings:
    return services.MunicipalitySettings(
        name=form.name.data or "",
        nis_code=form.nis_code.data or None,
        meetings_per_year=form.meetings_per_year.data,
        preferred_weekdays=tuple(form.preferred_weekdays.data or ()),
        window_start=form.window_start.data,
        window_end=form.window_end.data,
        usual_location=form.usual_location.data or "",
        min_spacing_days=form.min_spacing_days.data,
        meeting_duration_minutes=form.meeting_duration_minutes.data,
    )


def _candidate_choices(candidates: list[Contact]) -> list[SelectChoice]:
    return choices((c.id, f"{c.full_name} — {c.organisation.name}") for c in candidates)


@bp.route("/municipalities/new", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def municipality_new():  # type: ignore[no-untyped-def]
    form = MunicipalityForm()
    if form.validate_on_submit():
        try:
            municipality = services.create_municipality(current_user, _settings(form))
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("Gemeente %(name)s aangemaakt.", name=municipality.name), "success")
            return redirect(url_for("directory.municipality", slug=municipality.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("directory/municipality_form.html", form=form, municipality=None), status


@bp.route("/municipalities/<slug>")
@access(Access.USER)
def municipality(slug: str):  # type: ignore[no-untyped-def]
    found = get_municipality(current_user, slug)
    detail = services.municipality_detail(found)
    add_form = StandingInviteeForm()
    add_form.contact.choices = _candidate_choices(detail.candidates)
    return render_template(
        "directory/municipality.html",
        detail=detail,
        municipality=found,
        can_edit=can_edit_municipality(current_user, found),
        add_form=add_form,
        role_form=StandingInviteeRoleForm(formdata=None),
        confirm_form=ConfirmForm(),
    )


@bp.route("/municipalities/<slug>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def municipality_edit(slug: str):  # type: ignore[no-untyped-def]
    found = get_municipality(current_user, slug, edit=True)
    form = MunicipalityForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.preferred_weekdays.data = found.preferred_weekday_list
    if form.validate_on_submit():
        try:
            services.update_municipality(current_user, found, _settings(form))
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("De instellingen van %(name)s zijn bewaard.", name=found.name), "success")
            return redirect(url_for("directory.municipality", slug=found.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "directory/municipality_form.html", form=form, municipality=found
    ), status


@bp.route("/municipalities/<slug>/invitees", methods=["POST"])
@access(Access.EDITOR)
def standing_invitee_add(slug: str):  # type: ignore[no-untyped-def]
    found = get_municipality(current_user, slug, edit=True)
    detail = services.municipality_detail(found)
    form = StandingInviteeForm()
    form.contact.choices = _candidate_choices(detail.candidates)
    if form.validate_on_submit():
        try:
            entry = services.add_standing_invitee(
                current_user, found, form.contact.data, form.role.data
            )
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(
                _("%(name)s staat op de vaste uitnodigingslijst.", name=entry.contact.full_name),
                "success",
            )
            return redirect(url_for("directory.municipality", slug=found.slug) + "#invitees")
    return render_template(
        "directory/municipality.html",
        detail=detail,
        municipality=found,
        can_edit=True,
        add_form=form,
        role_form=StandingInviteeRoleForm(formdata=None),
        confirm_form=ConfirmForm(),
    ), 422


def _standing_entry(slug: str, entry_id: int):  # type: ignore[no-untyped-def]
    found = get_municipality(current_user, slug, edit=True)
    entry = services.get_standing_invitee(found, entry_id)
    if entry is None:
        abort(404)
    return found, entry


@bp.route("/municipalities/<slug>/invitees/<int:entry_id>/role", methods=["POST"])
@access(Access.EDITOR)
def standing_invitee_role(slug: str, entry_id: int):  # type: ignore[no-untyped-def]
    found, entry = _standing_entry(slug, entry_id)
    form = StandingInviteeRoleForm()
    if form.validate_on_submit():
        if services.change_standing_invitee_role(current_user, entry, form.role.data):
            flash(
                _(
                    "De rol van %(name)s is nu: %(role)s.",
                    name=entry.contact.full_name,
                    role=ROLE_LABELS[entry.role],
                ),
                "success",
            )
    else:
        flash(_("Kies een geldige rol."), "error")
    return redirect(url_for("directory.municipality", slug=found.slug) + "#invitees")


@bp.route("/municipalities/<slug>/invitees/<int:entry_id>/remove", methods=["POST"])
@access(Access.EDITOR)
def standing_invitee_remove(slug: str, entry_id: int):  # type: ignore[no-untyped-def]
    found, entry = _standing_entry(slug, entry_id)
    if ConfirmForm().validate_on_submit():
        name = entry.contact.full_name
        services.remove_standing_invitee(current_user, entry)
        flash(_("%(name)s staat niet meer op de vaste uitnodigingslijst.", name=name), "success")
    return redirect(url_for("directory.municipality", slug=found.slug) + "#invitees")


# --- organisations ------------------------------------------------------------------------


@bp.route("/organisations")
@access(Access.USER)
def organisations():  # type: ignore[no-untyped-def]
    form = OrganisationSearchForm(request.args)
    types = services.organisation_types()
    visible = visible_municipalities(current_user)
    form.type.choices = choices([("", _("Alle soorten")), *[(t.code, t.name) for t in types]])
    form.municipality.choices = choices(
        [("", _("Alle gemeenten")), *[(m.slug, m.name) for m in visible]]
    )
    search = services.OrganisationSearch()
    if form.validate():
        by_slug = {m.slug: m.id for m in visible}
        search = services.OrganisationSearch(
            q=form.q.data or "",
            type_code=form.type.data or "",
            municipality_id=by_slug.get(form.municipality.data or ""),
            include_archived=bool(form.archived.data),
        )
    page = services.search_organisations(
        current_user, search, page_number(request.args.get("page"))
    )
    return render_template(
        "directory/organisations.html",
        form=form,
        page=page,
        searching=bool(search.q or search.type_code or search.municipality_id),
        can_create=can_edit_directory(current_user),
    )


def _organisation_form(organisation=None) -> OrganisationForm:  # type: ignore[no-untyped-def]
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    form.type_id.choices = choices((t.id, t.name) for t in services.organisation_types())
    form.municipalities.choices = choices(
        (m.id, m.name) for m in visible_municipalities(current_user)
    )
    if request.method == "GET" and organisation is not None:
        form.municipalities.data = [m.id for m in organisation.municipalities]
    return form


def _organisation_fields(form: OrganisationForm) -> services.OrganisationFields:
    return services.OrganisationFields(
        name=form.name.data or "",
        type_id=form.type_id.data,
        email=form.email.data or "",
        phone=form.phone.data or "",
        website=form.website.data or "",
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@access(Access.EDITOR)
def organisation_new():  # type: ignore[no-untyped-def]
    form = _organisation_form()
    if request.method == "GET":
        preselect = request.args.get("municipality")
        form.municipalities.data = [
            c.value for c in form.municipalities.choices if str(c.value) == preselect
        ]
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                current_user, _organisation_fields(form), set(form.municipalities.data or [])
            )
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("Organisatie %(name)s aangemaakt.", name=organisation.name), "success")
            return redirect(url_for("directory.organisation", organisation_id=organisation.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("directory/organisation_form.html", form=form, organisation=None), status


@bp.route("/organisations/<int:organisation_id>")
@access(Access.USER)
def organisation(organisation_id: int):  # type: ignore[no-untyped-def]
    found = services.load_organisation_page(get_organisation(current_user, organisation_id))
    visible = {m.id for m in visible_municipalities(current_user)}
    return render_template(
        "directory/organisation.html",
        organisation=found,
        municipalities=[m for m in found.municipalities if m.id in visible],
        hidden_municipalities=len([m for m in found.municipalities if m.id not in visible]),
        contacts=[c for c in found.contacts if c.erased_at is None],
        can_edit=can_edit_organisation(current_user, found),
        can_archive=can_archive_organisation(current_user, found),
        confirm_form=ConfirmForm(),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def organisation_edit(organisation_id: int):  # type: ignore[no-untyped-def]
    found = get_organisation(current_user, organisation_id, edit=True)
    form = _organisation_form(found)
    if form.validate_on_submit():
        try:
            services.update_organisation(
                current_user, found, _organisation_fields(form), set(form.municipalities.data or [])
            )
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("Organisatie %(name)s bewaard.", name=found.name), "success")
            return redirect(url_for("directory.organisation", organisation_id=found.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "directory/organisation_form.html", form=form, organisation=found
    ), status


def _archive_organisation(organisation_id: int, archived: bool):  # type: ignore[no-untyped-def]
    found = get_organisation(current_user, organisation_id, edit=True)
    if not can_archive_organisation(current_user, found):
        abort(403)
    if ConfirmForm().validate_on_submit() and services.set_organisation_archived(
        current_user, found, archived, utcnow()
    ):
        message = (
            _("Organisatie %(name)s gearchiveerd.", name=found.name)
            if archived
            else _("Organisatie %(name)s is terug actief.", name=found.name)
        )
        flash(message, "success")
    return redirect(url_for("directory.organisation", organisation_id=found.id))


@bp.route("/organisations/<int:organisation_id>/archive", methods=["POST"])
@access(Access.EDITOR)
def organisation_archive(organisation_id: int):  # type: ignore[no-untyped-def]
    return _archive_organisation(organisation_id, True)


@bp.route("/organisations/<int:organisation_id>/unarchive", methods=["POST"])
@access(Access.EDITOR)
def organisation_unarchive(organisation_id: int):  # type: ignore[no-untyped-def]
    return _archive_organisation(organisation_id, False)


# --- contacts -----------------------------------------------------------------------------


def _contact_fields(form: ContactForm) -> services.ContactFields:
    return services.ContactFields(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        job_title=form.job_title.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
    )


@bp.route("/organisations/<int:organisation_id>/contacts/new", methods=["GET", "POST"])
@access(Access.EDITOR)
def contact_new(organisation_id: int):  # type: ignore[no-untyped-def]
    found = get_organisation(current_user, organisation_id, edit=True)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = services.create_contact(current_user, found, _contact_fields(form))
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("%(name)s toegevoegd.", name=contact.full_name), "success")
            return redirect(url_for("directory.organisation", organisation_id=found.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "directory/contact_form.html", form=form, organisation=found, contact=None
    ), status


@bp.route("/contacts/<int:contact_id>")
@access(Access.USER)
def contact(contact_id: int):  # type: ignore[no-untyped-def]
    found = get_contact(current_user, contact_id)
    detail = services.contact_detail(current_user, found)
    return render_template(
        "directory/contact.html",
        detail=detail,
        contact=found,
        can_edit=can_edit_organisation(current_user, found.organisation),
        confirm_form=ConfirmForm(),
        delete_form=DeleteContactForm(formdata=None),
    )


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def contact_edit(contact_id: int):  # type: ignore[no-untyped-def]
    found = get_contact(current_user, contact_id, edit=True)
    form = ContactForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_contact(current_user, found, _contact_fields(form))
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("%(name)s bewaard.", name=found.full_name), "success")
            return redirect(url_for("directory.contact", contact_id=found.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "directory/contact_form.html", form=form, organisation=found.organisation, contact=found
    ), status


def _archive_contact(contact_id: int, archived: bool):  # type: ignore[no-untyped-def]
    found = get_contact(current_user, contact_id, edit=True)
    if ConfirmForm().validate_on_submit() and services.set_contact_archived(
        current_user, found, archived, utcnow()
    ):
        message = (
            _("%(name)s gearchiveerd.", name=found.full_name)
            if archived
            else _("%(name)s is terug actief.", name=found.full_name)
        )
        flash(message, "success")
    return redirect(url_for("directory.contact", contact_id=found.id))


@bp.route("/contacts/<int:contact_id>/archive", methods=["POST"])
@access(Access.EDITOR)
def contact_archive(contact_id: int):  # type: ignore[no-untyped-def]
    return _archive_contact(contact_id, True)


@bp.route("/contacts/<int:contact_id>/unarchive", methods=["POST"])
@access(Access.EDITOR)
def contact_unarchive(contact_id: int):  # type: ignore[no-untyped-def]
    return _archive_contact(contact_id, False)


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@access(Access.EDITOR)
def contact_delete(contact_id: int):  # type: ignore[no-untyped-def]
    found = get_contact(current_user, contact_id, edit=True)
    form = DeleteContactForm()
    if not form.validate_on_submit():
        flash(_("Vink de bevestiging aan om deze persoon te verwijderen."), "error")
        return redirect(url_for("directory.contact", contact_id=found.id))
    organisation_id, name = found.organisation_id, found.full_name
    try:
        services.delete_contact(current_user, found)
    except services.DirectoryError as error:
        flash(str(ERRORS[error.message]), "error")
        return redirect(url_for("directory.contact", contact_id=found.id))
    flash(_("%(name)s is verwijderd.", name=name), "success")
    return redirect(url_for("directory.organisation", organisation_id=organisation_id))


# --- themes -------------------------------------------------------------------------------


def _theme_or_404(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        abort(404)
    return theme


@bp.route("/themes")
@access(Access.USER)
def themes():  # type: ignore[no-untyped-def]
    return render_template(
        "directory/themes.html",
        usages=services.theme_catalogue(current_user, utcnow()),
        can_edit=can_edit_themes(current_user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/themes/<int:theme_id>")
@access(Access.USER)
def theme(theme_id: int):  # type: ignore[no-untyped-def]
    found = _theme_or_404(theme_id)
    return render_template(
        "directory/theme.html",
        theme=found,
        page=services.theme_meetings(current_user, found, page_number(request.args.get("page"))),
        can_edit=can_edit_themes(current_user),
        confirm_form=ConfirmForm(),
    )


def _theme_fields(form: ThemeForm) -> services.ThemeFields:
    return services.ThemeFields(
        name=form.name.data or "",
        description=form.description.data or "",
        is_mandatory=bool(form.is_mandatory.data),
        active=bool(form.active.data),
        sort_order=form.sort_order.data,
    )


@bp.route("/themes/new", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def theme_new():  # type: ignore[no-untyped-def]
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            created = services.create_theme(current_user, _theme_fields(form))
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("Thema %(name)s aangemaakt.", name=created.name), "success")
            return redirect(url_for("directory.themes"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("directory/theme_form.html", form=form, theme=None), status


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def theme_edit(theme_id: int):  # type: ignore[no-untyped-def]
    found = _theme_or_404(theme_id)
    form = ThemeForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_theme(current_user, found, _theme_fields(form))
        except services.DirectoryError as error:
            _field_error(form, error)
        else:
            flash(_("Thema %(name)s bewaard.", name=found.name), "success")
            return redirect(url_for("directory.theme", theme_id=found.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("directory/theme_form.html", form=form, theme=found), status


def _theme_active(theme_id: int, active: bool):  # type: ignore[no-untyped-def]
    found = _theme_or_404(theme_id)
    if ConfirmForm().validate_on_submit() and services.set_theme_active(
        current_user, found, active
    ):
        message = (
            _("Thema %(name)s is terug actief.", name=found.name)
            if active
            else _("Thema %(name)s is gedeactiveerd.", name=found.name)
        )
        flash(message, "success")
    return redirect(url_for("directory.theme", theme_id=found.id))


@bp.route("/themes/<int:theme_id>/deactivate", methods=["POST"])
@access(Access.COORDINATOR)
def theme_deactivate(theme_id: int):  # type: ignore[no-untyped-def]
    return _theme_active(theme_id, False)


@bp.route("/themes/<int:theme_id>/activate", methods=["POST"])
@access(Access.COORDINATOR)
def theme_activate(theme_id: int):  # type: ignore[no-untyped-def]
    return _theme_active(theme_id, True)
