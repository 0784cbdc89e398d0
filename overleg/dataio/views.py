"""Import and export of the directory, personal data export and erasure, `backup` command."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from overleg.auth.permissions import Access, access, current_account, get_contact
from overleg.dataio import data_rights, services
from overleg.dataio.forms import ConfirmImportForm, EraseForm, UploadForm
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse

bp = Blueprint("dataio", __name__)


@bp.route("/organisations/import", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def import_directory() -> ViewResponse:
    """Upload shows a preview of every row; the confirmation (the checked text sent back) imports
    it, checked again."""
    if request.method == "POST" and "payload" in request.form:
        return _confirm_import()
    upload = UploadForm()
    confirm = ConfirmImportForm(formdata=None)
    preview = None
    status = 200
    if upload.validate_on_submit():
        data = upload.file.data.read(services.MAX_IMPORT_BYTES + 1)
        with refusals_on(upload) as outcome:
            text = services.decode_upload(data)
            preview = services.preview_import(current_account(), text)
        if outcome.accepted:
            confirm.payload.data = text
        status = 200 if preview is not None and preview.valid else 422
    elif request.method == "POST":
        status = 400 if upload.errors.get("csrf_token") else 422
    return _import_page(upload, confirm, preview, status)


def _confirm_import() -> ViewResponse:
    upload = UploadForm()
    confirm = ConfirmImportForm()
    if not confirm.validate_on_submit():
        upload.form_errors.append(_("Het formulier was verlopen. Laad het bestand opnieuw."))
        return _import_page(upload, confirm, None, 400 if confirm.errors.get("csrf_token") else 422)
    with refusals_on(upload) as outcome:
        result = services.apply_import(current_account(), confirm.payload.data or "")
    if not outcome.accepted:
        return _import_page(upload, confirm, None, 422)
    flash(
        _(
            "Ingelezen: %(orgs)s nieuwe organisatie(s), %(contacts)s nieuwe "
            "contactperso(o)n(en), %(links)s nieuwe koppeling(en) met gemeenten.",
            orgs=result.organisations_created,
            contacts=result.contacts_created,
            links=result.organisations_linked,
        ),
        "success",
    )
    return redirect(url_for("dataio.import_directory"))


def _import_page(
    upload: UploadForm,
    confirm: ConfirmImportForm,
    preview: services.ImportPreview | None,
    status: int,
) -> ViewResponse:
    return render_template(
        "dataio/import.html",
        upload=upload,
        confirm=confirm,
        preview=preview,
        columns=services.COLUMNS,
    ), status


@bp.route("/organisations/export.csv")
@access(Access.EDITOR)
def export_directory() -> ViewResponse:
    body = services.export_csv(current_account())
    filename = f"woonactoren-{utcnow():%Y%m%d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/contacts/<int:contact_id>/personal-data.json", methods=["POST"])
@access(Access.COORDINATOR)
def personal_data(contact_id: int) -> ViewResponse:
    """Answering an access request is the coordinator's duty: only someone who sees the whole
    platform can answer it completely (a secretary's export would be partial or a leak).

    A POST: the export is recorded in the audit trail, and no GET changes anything."""
    user = current_account()
    contact = get_contact(user, contact_id, edit=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    export = data_rights.personal_data_export(user, contact)
    body = json.dumps(export, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="persoonsgegevens-{contact.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/contacts/<int:contact_id>/erase", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def erase(contact_id: int) -> ViewResponse:
    contact = get_contact(current_account(), contact_id, edit=True)
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        organisation_id = contact.organisation_id
        with refusals_on(form) as outcome:
            data_rights.confirm_erasure(contact, form.confirm_name.data or "")
            result = data_rights.erase_contact(current_account(), contact, utcnow())
        if outcome.accepted:
            _flash_erased(result)
            return redirect(url_for("directory.organisation", organisation_id=organisation_id))
        status = 422
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 422
    return render_template(
        "dataio/erase.html",
        contact=contact,
        form=form,
        frozen=data_rights.erasure_impact(contact),
    ), status


def _flash_erased(result: data_rights.ErasureResult) -> None:
    flash(
        _(
            "De persoonsgegevens zijn gewist. Op %(count)s uitnodiging(en) en in de "
            "verslagen staat nu 'verwijderde persoon'.",
            count=result.invitations,
        ),
        "success",
    )
    if result.frozen_minutes_versions:
        flash(
            _(
                "%(count)s goedgekeurde verslagversie(s) (PDF) blijven als officieel "
                "document ongewijzigd bewaard.",
                count=result.frozen_minutes_versions,
            ),
            "info",
        )
