"""The import, export, personal data and erasure pages over HTTP."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import AuditEntry, Contact, Organisation
from tests import factories
from tests.conftest import csrf_token, login, post_form

GOOD = (
    "\ufefforganisatie;type;gemeenten;voornaam;achternaam;email\r\n"
    "Huurdersbond Kempen;huurdersbond;Noorderdorp;Lies;Mertens;lies@huurders.example.be\r\n"
)


def _upload(client, content: bytes, name: str = "actoren.csv"):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/organisations/import",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _orgs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))


def test_upload_previews_and_confirm_imports(client, world):
    login(client, world.coordinator)
    before = _orgs()
    response = _upload(client, GOOD.encode("utf-8"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Het bestand is in orde" in html and "Lies Mertens" in html
    assert _orgs() == before  # nothing imported yet

    payload = GOOD.lstrip("\ufeff")
    response = post_form(client, "/organisations/import", {"payload": payload})
    assert response.status_code == 302
    assert _orgs() == before + 1
    contact = db.session.scalars(sa.select(Contact).where(Contact.first_name == "Lies")).one()
    assert contact.organisation.name == "Huurdersbond Kempen"
    page = client.get("/organisations/import").get_data(as_text=True)
    assert "1 nieuwe organisatie" in page


def test_a_bad_file_shows_every_error_by_line_and_imports_nothing(client, world):
    login(client, world.coordinator)
    content = (
        b"organisatie,type,gemeenten,voornaam,achternaam,email\n"
        b"Goede Vzw,caw,Noorderdorp,An,Smet,an@example.be\n"
        b"Slechte Vzw,geen-type,Noorderdorp,An,,niet-een-adres\n"
    )
    before = _orgs()
    response = _upload(client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Er wordt niets ingelezen" in html
    assert "Onbekend type" in html and "geen geldig e-mailadres" in html
    assert "Alles inlezen" not in html
    # A tampered confirmation is checked again and refused.
    response = post_form(client, "/organisations/import", {"payload": content.decode()})
    assert response.status_code == 422
    assert _orgs() == before


def test_a_file_in_another_encoding_is_refused_in_dutch(client, world):
    login(client, world.coordinator)
    response = _upload(client, "organisatie\nCAW Kempen é\n".encode("cp1252"))
    assert response.status_code == 422
    assert "niet in UTF-8" in response.get_data(as_text=True)


def test_upload_without_a_file_says_so(client, world):
    login(client, world.coordinator)
    response = post_form(client, "/organisations/import", {})
    assert response.status_code == 422
    assert "Kies een CSV-bestand" in response.get_data(as_text=True)


def test_upload_without_csrf_is_refused(client, world):
    login(client, world.coordinator)
    response = client.post(
        "/organisations/import",
        data={"file": (io.BytesIO(GOOD.encode()), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_export_is_a_csv_attachment(client, world):
    login(client, world.secretary)
    response = client.get("/organisations/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8-sig")
    assert body.startswith("organisatie;type;gemeenten")
    assert "Woonmaatschappij Noorderdorp" in body and "Zuiderdorp" not in body


def test_personal_data_download_is_json_and_audited(client, world):
    contact = world.north.standing_invitees[0].contact
    login(client, world.coordinator)
    response = post_form(client, f"/contacts/{contact.id}/personal-data.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    assert data["contact"]["email"] == contact.email
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "contact.export")
    )


def test_erasure_needs_the_typed_name_then_erases(client, world):
    contact = world.north.standing_invitees[0].contact
    name, contact_id = contact.full_name, contact.id
    login(client, world.coordinator)
    page = client.get(f"/contacts/{contact_id}/erase")
    assert page.status_code == 200 and name in page.get_data(as_text=True)

    wrong = post_form(
        client,
        f"/contacts/{contact_id}/erase",
        {"confirm_name": "Iemand Anders", "confirm": "y"},
    )
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "niet de naam van deze persoon" in html and 'value="Iemand Anders"' in html
    assert db.session.get(Contact, contact_id).erased_at is None

    done = post_form(
        client,
        f"/contacts/{contact_id}/erase",
        {"confirm_name": f" {name.upper()} ", "confirm": "y"},
    )
    assert done.status_code == 302
    erased = db.session.get(Contact, contact_id)
    assert erased.erased_at is not None and erased.full_name == "verwijderde persoon"
    # The person is gone from the contact pages.
    assert client.get(f"/contacts/{contact_id}/erase").status_code == 404


def test_a_secretary_may_not_erase(client, world):
    contact = world.north.standing_invitees[0].contact
    login(client, world.secretary)
    response = client.post(
        f"/contacts/{contact.id}/erase",
        data={"csrf_token": csrf_token(client), "confirm_name": contact.full_name, "confirm": "y"},
    )
    assert response.status_code == 403
    assert db.session.get(Contact, contact.id).erased_at is None


def test_contact_page_links_to_the_data_rights_pages(client, world):
    contact = world.north.standing_invitees[0].contact
    login(client, world.coordinator)
    html = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f"/contacts/{contact.id}/personal-data.json" in html
    assert f"/contacts/{contact.id}/erase" in html
    client.delete_cookie("session")
    login(client, world.secretary)
    html = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    # The export and erasure are the coordinator's (issue 11).
    assert f"/contacts/{contact.id}/personal-data.json" not in html
    assert f"/contacts/{contact.id}/erase" not in html


def test_a_secretary_may_not_export_a_person_who_serves_other_municipalities(client, world):
    """Issue 11: a secretary read other municipalities' data through this export."""
    shared = factories.organisation_serving(world.north, world.south)
    contact = factories.ContactFactory(organisation=shared)
    for municipality in (world.north, world.south):
        factories.InvitationFactory(
            meeting=factories.MeetingFactory(municipality=municipality),
            contact=contact,
            rsvp_comment=f"Opmerking voor {municipality.name}",
        )
    db.session.commit()
    path = f"/contacts/{contact.id}/personal-data.json"
    login(client, world.secretary)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Noorderdorp" in page and "Zuiderdorp" not in page
    refused = post_form(client, path)
    assert refused.status_code == 403 and "Zuiderdorp" not in refused.get_data(as_text=True)
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "contact.export")
    )
    client.delete_cookie("session")
    login(client, world.coordinator)
    data = json.loads(post_form(client, path).get_data(as_text=True))
    assert [i["rsvp_comment"] for i in data["invitations"]] == [
        "Opmerking voor Noorderdorp",
        "Opmerking voor Zuiderdorp",
    ]


def test_organisations_page_links_to_import_and_export(client, world):
    login(client, world.coordinator)
    html = client.get("/organisations").get_data(as_text=True)
    assert "/organisations/import" in html and "/organisations/export.csv" in html
