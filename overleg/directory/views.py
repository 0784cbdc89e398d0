"""Municipalities, organisations, contacts, standing invitee lists and themes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from overleg.auth.permissions import (
    Access,
    access,
    can_archive_organisation,
    can_create_municipality,
    can_edit_directory,
    can_edit_municipality,
    can_edit_organisation,
    can_edit_themes,
    current_account,
    get_contact,
    get_municipality,
    get_organisation,
    get_theme,
    municipality_scope,
    visible_municipalities,
)
from overleg.directory import lineage, mergers, services
from overleg.directory.forms import (
    ROLE_LABELS,
    WEEKDAY_LABELS,
    ContactForm,
    DeleteContactForm,
    MergerForm,
    MunicipalityForm,
    OrganisationForm,
    OrganisationSearchForm,
    StandingInviteeForm,
    StandingInviteeRoleForm,
    ThemeForm,
    ThemeInviteeForm,
)
from overleg.meetings import theme_invitees
from overleg.models import Contact, Municipality, Organisation, StandingInvitee, Theme
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm, SelectChoice, choices
from overleg.web.pagination import page_number
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse
from overleg.web.versions import RowConflict, VersionedForm, conflict_shown

bp = Blueprint("directory", __name__)

T = TypeVar("T")


@bp.app_context_processor
def directory_labels() -> dict[str, Any]:
    """Dutch labels of invitee roles and weekdays, for every template (the audit page too)."""
    return {"role_labels": ROLE_LABELS, "weekday_labels": WEEKDAY_LABELS}


@dataclass(frozen=True)
class Saved:
    """What a form page says and where it goes once its change is accepted."""

    message: str
    location: str


def _form_page(
    form: FlaskForm,
    save: Callable[[], Saved],
    template: str,
    *,
    stored: Callable[[], VersionedForm] | None = None,
    **context: Any,
) -> ViewResponse:
    """The shape of every create and edit page: a valid form is saved (a refusal lands on the
    form), then the page redirects; otherwise the form is shown again, 422 when it has errors.
    An edit page gives `stored`, the form filled from its row as stored now: a save from an
    older version shows what the other person changed (409, overleg.web.versions)."""
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            saved = save()
        if outcome.accepted:
            flash(saved.message, "success")
            return redirect(saved.location)
        if (
            stored is not None
            and isinstance(form, VersionedForm)
            and conflict_shown(form, outcome, stored)
        ):
            return render_template(template, form=form, **context), 409
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _confirmed(change: Callable[[], bool], message: Callable[[], str], location: str) -> Response:
    """The shape of every one-button change (archive, activate): confirmed by a CSRF-only POST,
    flashed when it changed something, back to the object's page."""
    if ConfirmForm().validate_on_submit() and change():
        flash(message(), "success")
    return redirect(location)


# --- municipalities -----------------------------------------------------------------------


@bp.route("/municipalities")
@access(Access.USER)
def municipalities() -> ViewResponse:
    user = current_account()
    return render_template(
        "directory/municipalities.html",
        rows=services.municipality_overview(user, utcnow()),
        can_create=can_create_municipality(user),
        can_merge=can_create_municipality(user),
    )


def _given(value: T | None) -> T:
    """The value of a validated field that its InputRequired validator made sure of."""
    if value is None:
        raise ValueError("a required field has no value: validate the form first")
    return value


def _settings(form: MunicipalityForm) -> services.MunicipalitySettings:
    return services.MunicipalitySettings(
        name=form.name.data or "",
        nis_code=form.nis_code.data or None,
        meetings_per_year=_given(form.meetings_per_year.data),
        preferred_weekdays=tuple(form.preferred_weekdays.data or ()),
        window_start=_given(form.window_start.data),
        window_end=_given(form.window_end.data),
        usual_location=form.usual_location.data or "",
        min_spacing_days=_given(form.min_spacing_days.data),
        meeting_duration_minutes=_given(form.meeting_duration_minutes.data),
    )


def _municipality_url(municipality: Municipality, anchor: str = "") -> str:
    return url_for("directory.municipality", slug=municipality.slug) + anchor


@bp.route("/municipalities/new", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def municipality_new() -> ViewResponse:
    form = MunicipalityForm()

    def save() -> Saved:
        created = services.create_municipality(current_account(), _settings(form))
        message = _("Gemeente %(name)s aangemaakt.", name=created.name)
        return Saved(message, _municipality_url(created))

    return _form_page(form, save, "directory/municipality_form.html", municipality=None)


def _municipality_page(
    municipality: Municipality,
    add_form: StandingInviteeForm,
    detail: services.MunicipalityDetail,
    role_conflict: RowConflict[StandingInviteeRoleForm] | None = None,
) -> str:
    return render_template(
        "directory/municipality.html",
        detail=detail,
        municipality=municipality,
        can_edit=can_edit_municipality(current_account(), municipality),
        add_form=add_form,
        role_form=StandingInviteeRoleForm(formdata=None),
        role_conflict=role_conflict,
        confirm_form=ConfirmForm(),
    )


def _candidate_choices(candidates: list[Contact]) -> list[SelectChoice]:
    return choices((c.id, f"{c.full_name} — {c.organisation.name}") for c in candidates)


@bp.route("/municipalities/merge", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def municipality_merge() -> ViewResponse:
    """Record a merger: the former municipalities, the new one and the date."""
    user = current_account()
    candidates = [m for m in visible_municipalities(user) if m.merged_into_id is None]
    form = MergerForm()
    form.former.choices = choices((m.id, m.name) for m in candidates)

    def save() -> Saved:
        chosen = set(form.former.data or ())
        merger = mergers.record_merger(
            user,
            user.platform_id,
            [m for m in candidates if m.id in chosen],
            form.new_name.data or "",
            _given(form.merged_on.data),
            nis_code=form.nis_code.data or None,
        )
        message = _("De samenvoeging tot %(name)s is bewaard.", name=merger.municipality.name)
        return Saved(message, _municipality_url(merger.municipality))

    return _form_page(form, save, "directory/merger_form.html")


@bp.route("/municipalities/<slug>")
@access(Access.USER)
def municipality(slug: str) -> ViewResponse:
    found = get_municipality(current_account(), slug)
    successor = lineage.current_successor(found, lineage.brussels_today(utcnow()))
    if successor is not found:
        # A former municipality's links keep working: its history is shown under the new one.
        return redirect(_municipality_url(successor), 308)
    detail = services.municipality_detail(found, lineage.predecessors(found))
    add_form = StandingInviteeForm()
    add_form.contact.choices = _candidate_choices(detail.candidates)
    return _municipality_page(found, add_form, detail)


def _municipality_form(found: Municipality) -> MunicipalityForm:
    """The settings form filled from the municipality as stored, started from its version."""
    form = MunicipalityForm(formdata=None, obj=found)
    form.preferred_weekdays.data = found.preferred_weekday_list
    form.start_from(found.version)
    return form


@bp.route("/municipalities/<slug>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def municipality_edit(slug: str) -> ViewResponse:
    found = get_municipality(current_account(), slug, edit=True)
    form = _municipality_form(found) if request.method == "GET" else MunicipalityForm()

    def save() -> Saved:
        services.update_municipality(
            current_account(), found, _settings(form), expected_version=form.expected_version()
        )
        message = _("De instellingen van %(name)s zijn bewaard.", name=found.name)
        return Saved(message, _municipality_url(found))

    def stored() -> MunicipalityForm:
        return _municipality_form(get_municipality(current_account(), slug, edit=True))

    return _form_page(
        form, save, "directory/municipality_form.html", stored=stored, municipality=found
    )


@bp.route("/municipalities/<slug>/invitees", methods=["POST"])
@access(Access.EDITOR)
def standing_invitee_add(slug: str) -> ViewResponse:
    found = get_municipality(current_account(), slug, edit=True)
    detail = services.municipality_detail(found)
    form = StandingInviteeForm()
    form.contact.choices = _candidate_choices(detail.candidates)
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            entry = services.add_standing_invitee(
                current_account(), found, form.contact.data, form.role.data
            )
        if outcome.accepted:
            name = entry.contact.full_name
            flash(_("%(name)s staat op de vaste uitnodigingslijst.", name=name), "success")
            return redirect(_municipality_url(found, "#invitees"))
    return _municipality_page(found, form, detail), 422


def _standing_entry(slug: str, entry_id: int) -> tuple[Municipality, StandingInvitee]:
    found = get_municipality(current_account(), slug, edit=True)
    entry = services.get_standing_invitee(found, entry_id)
    if entry is None:
        abort(404)
    return found, entry


def _standing_role_form(entry: StandingInvitee) -> StandingInviteeRoleForm:
    """The role form of one standing invitee as stored, started from the entry's version."""
    form = StandingInviteeRoleForm(formdata=None, role=entry.role)
    form.start_from(entry.version)
    return form


@bp.route("/municipalities/<slug>/invitees/<int:entry_id>/role", methods=["POST"])
@access(Access.EDITOR)
def standing_invitee_role(slug: str, entry_id: int) -> ViewResponse:
    found, entry = _standing_entry(slug, entry_id)
    form = StandingInviteeRoleForm()
    if not form.validate_on_submit():
        flash(_("Kies een geldige rol."), "error")
        return redirect(_municipality_url(found, "#invitees"))
    with refusals_on() as outcome:
        changed = services.change_standing_invitee_role(
            current_account(), entry, form.role.data, expected_version=form.expected_version()
        )
    if outcome.accepted and changed:
        flash(
            _(
                "De rol van %(name)s is nu: %(role)s.",
                name=entry.contact.full_name,
                role=ROLE_LABELS[entry.role],
            ),
            "success",
        )

    def stored() -> StandingInviteeRoleForm:
        return _standing_role_form(_standing_entry(slug, entry_id)[1])

    if conflict_shown(form, outcome, stored):
        found = get_municipality(current_account(), slug, edit=True)
        detail = services.municipality_detail(found)
        add_form = StandingInviteeForm(formdata=None)
        add_form.contact.choices = _candidate_choices(detail.candidates)
        label = _("Rol van %(name)s", name=entry.contact.full_name)
        return _municipality_page(found, add_form, detail, RowConflict(entry_id, form, label)), 409
    return redirect(_municipality_url(found, "#invitees"))


@bp.route("/municipalities/<slug>/invitees/<int:entry_id>/remove", methods=["POST"])
@access(Access.EDITOR)
def standing_invitee_remove(slug: str, entry_id: int) -> ViewResponse:
    found, entry = _standing_entry(slug, entry_id)
    if ConfirmForm().validate_on_submit():
        name = entry.contact.full_name
        services.remove_standing_invitee(current_account(), entry)
        flash(_("%(name)s staat niet meer op de vaste uitnodigingslijst.", name=name), "success")
    return redirect(_municipality_url(found, "#invitees"))


# --- organisations ------------------------------------------------------------------------


@bp.route("/organisations")
@access(Access.USER)
def organisations() -> ViewResponse:
    user = current_account()
    form = OrganisationSearchForm(request.args)
    types = services.organisation_types()
    visible = visible_municipalities(user)
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
    page = services.search_organisations(user, search, page_number(request.args.get("page")))
    return render_template(
        "directory/organisations.html",
        form=form,
        page=page,
        searching=bool(search.q or search.type_code or search.municipality_id),
        can_create=can_edit_directory(user),
    )


def _organisation_form(
    organisation: Organisation | None = None, *, stored: bool = False
) -> OrganisationForm:
    """The organisation form with its choices; on GET (or `stored`: after a conflict) filled
    from `organisation` and started from its version, or for a new one with the municipality
    of the query string (?municipality=<id>) ticked."""
    fill = stored or request.method == "GET"
    if stored:
        form = OrganisationForm(formdata=None, obj=organisation)
    else:
        form = OrganisationForm(obj=organisation if fill else None)
    form.type_id.choices = choices((t.id, t.name) for t in services.organisation_types())
    visible = visible_municipalities(current_account())
    form.municipalities.choices = choices((m.id, m.name) for m in visible)
    if fill and organisation is not None:
        shown = {m.id for m in visible}
        form.municipalities.data = [m.id for m in organisation.municipalities if m.id in shown]
        form.start_from(organisation.version)
    elif fill:
        preselect = request.args.get("municipality")
        form.municipalities.data = [m.id for m in visible if str(m.id) == preselect]
    return form


def _organisation_fields(form: OrganisationForm) -> services.OrganisationFields:
    return services.OrganisationFields(
        name=form.name.data or "",
        type_id=form.type_id.data,
        email=form.email.data or "",
        phone=form.phone.data or "",
        website=form.website.data or "",
    )


def _organisation_url(organisation_id: int) -> str:
    return url_for("directory.organisation", organisation_id=organisation_id)


@bp.route("/organisations/new", methods=["GET", "POST"])
@access(Access.EDITOR)
def organisation_new() -> ViewResponse:
    form = _organisation_form()

    def save() -> Saved:
        fields, served = _organisation_fields(form), set(form.municipalities.data or [])
        created = services.create_organisation(current_account(), fields, served)
        message = _("Organisatie %(name)s aangemaakt.", name=created.name)
        return Saved(message, _organisation_url(created.id))

    return _form_page(form, save, "directory/organisation_form.html", organisation=None)


@bp.route("/organisations/<int:organisation_id>")
@access(Access.USER)
def organisation(organisation_id: int) -> ViewResponse:
    user = current_account()
    found = services.load_organisation_page(get_organisation(user, organisation_id))
    scope = municipality_scope(user)
    return render_template(
        "directory/organisation.html",
        organisation=found,
        municipalities=scope.shown(found.municipalities),
        hidden_municipalities=scope.hidden(found.municipalities),
        contacts=[c for c in found.contacts if c.erased_at is None],
        can_edit=can_edit_organisation(user, found),
        can_archive=can_archive_organisation(user, found),
        confirm_form=ConfirmForm(),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def organisation_edit(organisation_id: int) -> ViewResponse:
    found = get_organisation(current_account(), organisation_id, edit=True)
    form = _organisation_form(found)

    def save() -> Saved:
        fields, served = _organisation_fields(form), set(form.municipalities.data or [])
        services.update_organisation(
            current_account(), found, fields, served, expected_version=form.expected_version()
        )
        message = _("Organisatie %(name)s bewaard.", name=found.name)
        return Saved(message, _organisation_url(found.id))

    def stored() -> OrganisationForm:
        again = get_organisation(current_account(), organisation_id, edit=True)
        return _organisation_form(again, stored=True)

    return _form_page(
        form, save, "directory/organisation_form.html", stored=stored, organisation=found
    )


def _archive_organisation(organisation_id: int, archived: bool) -> Response:
    user = current_account()
    found = get_organisation(user, organisation_id, edit=True)
    if not can_archive_organisation(user, found):
        abort(403)
    return _confirmed(
        lambda: services.set_organisation_archived(user, found, archived, utcnow()),
        lambda: (
            _("Organisatie %(name)s gearchiveerd.", name=found.name)
            if archived
            else _("Organisatie %(name)s is terug actief.", name=found.name)
        ),
        _organisation_url(found.id),
    )


@bp.route("/organisations/<int:organisation_id>/archive", methods=["POST"])
@access(Access.EDITOR)
def organisation_archive(organisation_id: int) -> ViewResponse:
    return _archive_organisation(organisation_id, True)


@bp.route("/organisations/<int:organisation_id>/unarchive", methods=["POST"])
@access(Access.EDITOR)
def organisation_unarchive(organisation_id: int) -> ViewResponse:
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


def _contact_url(contact_id: int) -> str:
    return url_for("directory.contact", contact_id=contact_id)


@bp.route("/organisations/<int:organisation_id>/contacts/new", methods=["GET", "POST"])
@access(Access.EDITOR)
def contact_new(organisation_id: int) -> ViewResponse:
    found = get_organisation(current_account(), organisation_id, edit=True)
    form = ContactForm()

    def save() -> Saved:
        created = services.create_contact(current_account(), found, _contact_fields(form))
        return Saved(_("%(name)s toegevoegd.", name=created.full_name), _organisation_url(found.id))

    return _form_page(form, save, "directory/contact_form.html", organisation=found, contact=None)


@bp.route("/contacts/<int:contact_id>")
@access(Access.USER)
def contact(contact_id: int) -> ViewResponse:
    user = current_account()
    found = get_contact(user, contact_id)
    return render_template(
        "directory/contact.html",
        detail=services.contact_detail(user, found),
        contact=found,
        can_edit=can_edit_organisation(user, found.organisation),
        confirm_form=ConfirmForm(),
        delete_form=DeleteContactForm(formdata=None),
    )


def _contact_form(found: Contact) -> ContactForm:
    """The contact form filled from the contact as stored, started from its version."""
    form = ContactForm(formdata=None, obj=found)
    form.start_from(found.version)
    return form


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@access(Access.EDITOR)
def contact_edit(contact_id: int) -> ViewResponse:
    found = get_contact(current_account(), contact_id, edit=True)
    form = _contact_form(found) if request.method == "GET" else ContactForm()

    def save() -> Saved:
        fields = _contact_fields(form)
        version = form.expected_version()
        services.update_contact(current_account(), found, fields, expected_version=version)
        return Saved(_("%(name)s bewaard.", name=found.full_name), _contact_url(found.id))

    def stored() -> ContactForm:
        return _contact_form(get_contact(current_account(), contact_id, edit=True))

    return _form_page(
        form,
        save,
        "directory/contact_form.html",
        stored=stored,
        organisation=found.organisation,
        contact=found,
    )


def _archive_contact(contact_id: int, archived: bool) -> Response:
    user = current_account()
    found = get_contact(user, contact_id, edit=True)
    return _confirmed(
        lambda: services.set_contact_archived(user, found, archived, utcnow()),
        lambda: (
            _("%(name)s gearchiveerd.", name=found.full_name)
            if archived
            else _("%(name)s is terug actief.", name=found.full_name)
        ),
        _contact_url(found.id),
    )


@bp.route("/contacts/<int:contact_id>/archive", methods=["POST"])
@access(Access.EDITOR)
def contact_archive(contact_id: int) -> ViewResponse:
    return _archive_contact(contact_id, True)


@bp.route("/contacts/<int:contact_id>/unarchive", methods=["POST"])
@access(Access.EDITOR)
def contact_unarchive(contact_id: int) -> ViewResponse:
    return _archive_contact(contact_id, False)


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@access(Access.EDITOR)
def contact_delete(contact_id: int) -> ViewResponse:
    found = get_contact(current_account(), contact_id, edit=True)
    if not DeleteContactForm().validate_on_submit():
        flash(_("Vink de bevestiging aan om deze persoon te verwijderen."), "error")
        return redirect(_contact_url(found.id))
    organisation_id, name = found.organisation_id, found.full_name
    with refusals_on() as outcome:
        services.delete_contact(current_account(), found)
    if not outcome.accepted:
        return redirect(_contact_url(contact_id))
    flash(_("%(name)s is verwijderd.", name=name), "success")
    return redirect(_organisation_url(organisation_id))


# --- themes -------------------------------------------------------------------------------


def _theme_or_404(theme_id: int, *, edit: bool = False) -> Theme:
    return get_theme(current_account(), theme_id, edit=edit)


@bp.route("/themes")
@access(Access.USER)
def themes() -> ViewResponse:
    user = current_account()
    return render_template(
        "directory/themes.html",
        usages=services.theme_catalogue(user, utcnow()),
        can_edit=can_edit_themes(user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/themes/<int:theme_id>")
@access(Access.USER)
def theme(theme_id: int) -> ViewResponse:
    user = current_account()
    found = _theme_or_404(theme_id)
    return render_template(
        "directory/theme.html",
        theme=found,
        page=services.theme_meetings(user, found, page_number(request.args.get("page"))),
        can_edit=can_edit_themes(user),
        confirm_form=ConfirmForm(),
        invitees=theme_invitees.of_theme(found),
        invitee_form=_theme_invitee_form(user) if can_edit_themes(user) else None,
        role_labels=ROLE_LABELS,
    )


def _theme_fields(form: ThemeForm) -> services.ThemeFields:
    return services.ThemeFields(
        name=form.name.data or "",
        description=form.description.data or "",
        is_mandatory=bool(form.is_mandatory.data),
        active=bool(form.active.data),
        sort_order=_given(form.sort_order.data),
        mandatory_from_year=form.mandatory_from_year.data,
        mandatory_until_year=form.mandatory_until_year.data,
    )


def _theme_url(theme_id: int) -> str:
    return url_for("directory.theme", theme_id=theme_id)


@bp.route("/themes/new", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def theme_new() -> ViewResponse:
    form = ThemeForm()

    def save() -> Saved:
        created = services.create_theme(current_account(), _theme_fields(form))
        message = _("Thema %(name)s aangemaakt.", name=created.name)
        return Saved(message, url_for("directory.themes"))

    return _form_page(form, save, "directory/theme_form.html", theme=None)


def _theme_form(found: Theme) -> ThemeForm:
    """The theme form filled from the theme as stored, started from its version."""
    form = ThemeForm(formdata=None, obj=found)
    form.start_from(found.version)
    return form


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def theme_edit(theme_id: int) -> ViewResponse:
    found = _theme_or_404(theme_id, edit=True)
    form = _theme_form(found) if request.method == "GET" else ThemeForm()

    def save() -> Saved:
        services.update_theme(
            current_account(), found, _theme_fields(form), expected_version=form.expected_version()
        )
        return Saved(_("Thema %(name)s bewaard.", name=found.name), _theme_url(found.id))

    return _form_page(
        form,
        save,
        "directory/theme_form.html",
        stored=lambda: _theme_form(_theme_or_404(theme_id, edit=True)),
        theme=found,
    )


def _theme_active(theme_id: int, active: bool) -> Response:
    found = _theme_or_404(theme_id, edit=True)
    return _confirmed(
        lambda: services.set_theme_active(current_account(), found, active),
        lambda: (
            _("Thema %(name)s is terug actief.", name=found.name)
            if active
            else _("Thema %(name)s is gedeactiveerd.", name=found.name)
        ),
        _theme_url(found.id),
    )


@bp.route("/themes/<int:theme_id>/deactivate", methods=["POST"])
@access(Access.COORDINATOR)
def theme_deactivate(theme_id: int) -> ViewResponse:
    return _theme_active(theme_id, False)


@bp.route("/themes/<int:theme_id>/activate", methods=["POST"])
@access(Access.COORDINATOR)
def theme_activate(theme_id: int) -> ViewResponse:
    return _theme_active(theme_id, True)


# --- invitees by theme (issue 16) ---------------------------------------------------------


def _theme_invitee_form(user: Any) -> ThemeInviteeForm:
    """The form with the platform's people and organisations and its municipalities."""
    form = ThemeInviteeForm()
    organisations = services.organisations_for_choice(user)
    people = [
        (f"c:{c.id}", f"{c.full_name} ({o.name})")
        for o in organisations
        for c in o.contacts
        if c.archived_at is None and c.erased_at is None
    ]
    whole = [(f"o:{o.id}", _("%(name)s (alle personen)", name=o.name)) for o in organisations]
    form.who.choices = choices([("", "—"), *people, *whole])
    form.municipality.choices = choices(
        [("", _("alle gemeenten")), *((m.slug, m.name) for m in visible_municipalities(user))]
    )
    return form


def _theme_invitee_target(user: Any, who: str) -> dict[str, Any]:
    kind, _sep, number = who.partition(":")
    if kind == "c":
        return {"contact": get_contact(user, int(number))}
    return {"organisation": get_organisation(user, int(number))}


@bp.route("/themes/<int:theme_id>/invitees", methods=["POST"])
@access(Access.COORDINATOR)
def theme_invitee_add(theme_id: int) -> ViewResponse:
    user = current_account()
    found = _theme_or_404(theme_id, edit=True)
    form = _theme_invitee_form(user)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(_theme_url(found.id))
    slug = form.municipality.data or ""
    with refusals_on() as outcome:
        theme_invitees.add(
            user,
            found,
            **_theme_invitee_target(user, form.who.data or ""),
            municipality=get_municipality(user, slug) if slug else None,
            role=form.role.data,
        )
    if outcome.accepted:
        flash(_("Bewaard: dit thema brengt voortaan ook deze genodigde mee."), "success")
    return redirect(_theme_url(found.id))


@bp.route("/themes/<int:theme_id>/invitees/<int:row_id>/remove", methods=["POST"])
@access(Access.COORDINATOR)
def theme_invitee_remove(theme_id: int, row_id: int) -> ViewResponse:
    found = _theme_or_404(theme_id, edit=True)
    return _confirmed(
        lambda: theme_invitees.remove(current_account(), found, row_id),
        lambda: _("Dit thema brengt die genodigde niet langer mee."),
        _theme_url(found.id),
    )
