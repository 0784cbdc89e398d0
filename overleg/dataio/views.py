"""Import and export of the directory, personal data export and erasure, `backup` command."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from overleg.audit import services as audit
from overleg.auth.permissions import Access, access, get_contact
from overleg.dataio import services
from overleg.dataio.forms import ConfirmImportForm, EraseForm, UploadForm
from overleg.extensions import db
from overleg.models.types import utcnow

bp = Blueprint("dataio", __name__)


@bp.route("/organisations/import", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def import_directory():  # type: ignore[no-untyped-def]
    upload = UploadForm()
    confirm = ConfirmImportForm(formdata=None)
    preview = None
    status = 200
    if request.method == "POST" and "payload" in request.form:
        confirm = ConfirmImportForm()
        if confirm.validate_on_submit():
            try:
                result = services.apply_import(current_user, confirm.payload.data or "")
            except services.ImportFileError as error:
                upload.form_errors.append(str(error))
                status = 422
            else:
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
        else:
            upload.form_errors.append(_("Het formulier was verlopen. Laad het bestand opnieuw."))
            status = 400 if confirm.errors.get("csrf_token") else 422
    elif upload.validate_on_submit():
        data = upload.file.data.read(services.MAX_IMPORT_BYTES + 1)
        try:
            text = services.decode_upload(data)
            preview = services.preview_import(current_user, text)
        except services.ImportFileError as error:
            upload.file.errors = [str(error)]
            status = 422
        else:
            confirm.payload.data = text
            status = 200 if preview.valid else 422
    elif request.method == "POST":
        status = 400 if upload.errors.get("csrf_token") else 422
    return render_template(
        "dataio/import.html",
        upload=upload,
        confirm=confirm,
        preview=preview,
        columns=services.COLUMNS,
    ), status


@bp.route("/organisations/export.csv")
@access(Access.EDITOR)
def export_directory():  # type: ignore[no-untyped-def]
    body = services.export_csv(current_user)
    filename = f"woonactoren-{utcnow():%Y%m%d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/contacts/<int:contact_id>/personal-data.json")
@access(Access.EDITOR)
def personal_data(contact_id: int):  # type: ignore[no-untyped-def]
    contact = get_contact(current_user, contact_id, edit=True)
    data = services.personal_data(contact)
    audit.record(
        current_user,
        "contact.export",
        contact,
        summary=_("Persoonsgegevens uitgevoerd (inzageverzoek)"),
    )
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
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
def erase(contact_id: int):  # type: ignore[no-untyped-def]
    contact = get_contact(current_user, contact_id, edit=True)
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        typed = " ".join((form.confirm_name.data or "").split()).lower()
        if typed != " ".join(contact.full_name.split()).lower():
            form.confirm_name.errors = [_("Dit is niet de naam van deze persoon.")]
            status = 422
        else:
            organisation_id = contact.organisation_id
            result = services.erase_contact(current_user, contact, utcnow())
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
            return redirect(url_for("directory.organisation", organisation_id=organisation_id))
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 422
    return render_template(
        "dataio/erase.html",
        contact=contact,
        form=form,
        frozen=services.erasure_impact(contact),
    ), status
