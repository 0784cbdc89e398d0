"""Organisation and contact pages: search, create, edit, archive, delete."""

from __future__ import annotations

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import AuditEntry, Contact, Organisation
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import login, post_form


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _org_data(world, **overrides) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "name": "CAW De Kempen",
        "type_id": factories.organisation_type("caw").id,
        "email": "onthaal@caw.example.be",
        "phone": "014 00 00 00",
        "website": "https://caw.example.be",
        "municipalities": [world.north.id],
    }
    data.update(overrides)
    return data


def _audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the list -----------------------------------------------------------------------------


def test_the_list_searches_names_contacts_and_emails(client, world):
    caw = factories.organisation_serving(
        world.north, name="CAW De Kempen", type=factories.organisation_type("caw")
    )
    factories.ContactFactory(
        organisation=caw, first_name="Lotte", last_name="Van Hove", email="lotte@caw.example.be"
    )
    login(client, world.coordinator)

    everything = _text(client.get("/organisations"))
    assert "CAW De Kempen" in everything and "Woonmaatschappij Zuiderdorp" in everything

    by_person = _text(client.get("/organisations?q=lotte+van"))
    assert "CAW De Kempen" in by_person
    assert "Woonmaatschappij Noorderdorp" not in by_person
    assert "lotte@caw.example.be" in by_person  # the matching contact is listed
    assert 'value="lotte van"' in by_person  # the search is kept

    by_type = _text(client.get("/organisations?type=caw"))
    assert "CAW De Kempen" in by_type and "Woonmaatschappij Noorderdorp" not in by_type

    by_municipality = _text(client.get("/organisations?municipality=zuiderdorp"))
    assert "Woonmaatschappij Zuiderdorp" in by_municipality
    assert "CAW De Kempen" not in by_municipality

    nothing = _text(client.get("/organisations?q=bestaat-niet"))
    assert "Geen organisaties gevonden voor deze zoekopdracht." in nothing


def test_unknown_filters_get_a_message_instead_of_an_error(client, world):
    login(client, world.secretary)
    response = client.get("/organisations?municipality=zuiderdorp&type=koning&page=abc")
    body = _text(response)
    assert response.status_code == 200
    assert "Onbekende gemeente." in body
    assert "Maak een geldige keuze." in body
    # The filters are ignored: her own organisations are listed, Zuiderdorp's are not.
    assert "Woonmaatschappij Noorderdorp" in body
    assert "Woonmaatschappij Zuiderdorp" not in body


def test_archived_organisations_are_hidden_unless_asked_for(client, world):
    factories.organisation_serving(world.north, name="Oude vzw", archived_at=utcnow())
    login(client, world.coordinator)
    assert "Oude vzw" not in _text(client.get("/organisations"))
    with_archived = _text(client.get("/organisations?archived=y"))
    assert "Oude vzw" in with_archived and "gearchiveerd" in with_archived


def test_the_list_pages(client, world):
    for i in range(55):
        factories.organisation_serving(world.north, name=f"Actor {i:02d}")
    login(client, world.coordinator)
    first = _text(client.get("/organisations?q=actor"))
    assert "Actor 49" in first and "Actor 50" not in first
    assert "Pagina 1 van 2" in first
    second = _text(client.get("/organisations?q=actor&page=2"))
    assert "Actor 54" in second and "Actor 00" not in second
    assert "?q=actor&amp;page=1" in second  # the link back keeps the search


# --- create and edit ----------------------------------------------------------------------


def test_a_secretary_creates_an_organisation_for_her_municipality(client, world):
    login(client, world.secretary)
    form = _text(client.get("/organisations/new"))
    assert "Noorderdorp" in form and "Zuiderdorp" not in form
    response = post_form(client, "/organisations/new", _org_data(world))
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Organisation).where(Organisation.name == "CAW De Kempen"))
    assert [m.slug for m in created.municipalities] == ["noorderdorp"]
    assert response.headers["Location"].endswith(f"/organisations/{created.id}")
    page = _text(client.get(f"/organisations/{created.id}"))
    assert "onthaal@caw.example.be" in page and "Noorderdorp" in page
    assert _audit_actions() == ["organisation.create"]


def test_a_duplicate_name_and_bad_fields_are_shown_next_to_the_fields(client, world):
    login(client, world.coordinator)
    response = post_form(
        client,
        "/organisations/new",
        _org_data(
            world,
            name="woonmaatschappij noorderdorp",
            email="geen-mailadres",
            website="caw",
            phone="0" * 41,
        ),
    )
    body = _text(response)
    assert response.status_code == 422
    assert "Dit is geen geldig e-mailadres." in body
    assert "Dit is geen geldig webadres (begin met https://)." in body
    assert "Maximaal 40 tekens." in body
    assert 'value="geen-mailadres"' in body  # what was typed is kept
    # The name is checked once the fields are valid.
    again = post_form(
        client, "/organisations/new", _org_data(world, name="woonmaatschappij noorderdorp")
    )
    assert again.status_code == 422
    assert "Er bestaat al een organisatie met deze naam." in _text(again)
    assert 'value="woonmaatschappij noorderdorp"' in _text(again)


def test_over_long_names_and_foreign_choices_are_refused(client, world):
    login(client, world.secretary)
    response = post_form(
        client,
        "/organisations/new",
        _org_data(world, name="n" * 201, type_id="abc", municipalities=[world.south.id]),
    )
    body = _text(response)
    assert response.status_code == 422
    assert "Maximaal 200 tekens." in body
    assert "Maak een geldige keuze." in body
    assert "Kies alleen gemeenten uit de lijst." in body
    nothing_chosen = post_form(client, "/organisations/new", _org_data(world, municipalities=[]))
    assert nothing_chosen.status_code == 422
    assert "Kies minstens één van je gemeenten." in _text(nothing_chosen)
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 3


def test_editing_keeps_municipalities_the_secretary_cannot_see(client, world):
    shared = factories.organisation_serving(
        world.north, world.south, name="Woonmaatschappij Kempen"
    )
    login(client, world.secretary)
    form = _text(client.get(f"/organisations/{shared.id}/edit"))
    assert 'value="Woonmaatschappij Kempen"' in form
    page = _text(client.get(f"/organisations/{shared.id}"))
    assert "en 1 andere gemeente" in page and "Zuiderdorp" not in page
    response = post_form(
        client,
        f"/organisations/{shared.id}/edit",
        {**_org_data(world, name="Woonmaatschappij De Kempen"), "version": shared.version},
    )
    assert response.status_code == 302
    org = db.session.get(Organisation, shared.id)
    assert org.name == "Woonmaatschappij De Kempen"
    assert sorted(m.slug for m in org.municipalities) == ["noorderdorp", "zuiderdorp"]


def test_organisations_of_other_municipalities_are_not_found(client, world):
    south_org = world.south.organisations[0]
    other_platform = world.elsewhere.organisations[0]
    login(client, world.secretary)
    assert client.get(f"/organisations/{south_org.id}").status_code == 404
    assert client.get(f"/organisations/{south_org.id}/edit").status_code == 404
    assert post_form(client, f"/organisations/{south_org.id}/archive").status_code == 404
    assert client.get(f"/organisations/{south_org.id}/contacts/new").status_code == 404
    client.delete_cookie("session")
    login(client, world.coordinator)
    assert client.get(f"/organisations/{other_platform.id}").status_code == 404
    assert client.get("/organisations/999999").status_code == 404


def test_a_reader_sees_but_does_not_change(client, world):
    org = world.north.organisations[0]
    login(client, world.reader)
    page = _text(client.get(f"/organisations/{org.id}"))
    assert org.name in page and "Archiveren" not in page and "Wijzigen" not in page
    assert client.get("/organisations/new").status_code == 403
    assert post_form(client, f"/organisations/{org.id}/archive").status_code == 403
    assert db.session.get(Organisation, org.id).archived_at is None


def test_archive_and_bring_back_an_organisation(client, world):
    org = world.north.organisations[0]
    login(client, world.secretary)
    response = post_form(client, f"/organisations/{org.id}/archive", follow_redirects=True)
    assert "gearchiveerd" in _text(response)
    assert db.session.get(Organisation, org.id).archived_at is not None
    # Archived, the organisation is no longer offered on the municipality page.
    assert org.name not in _text(client.get("/municipalities/noorderdorp")).split("Woonactoren")[1]
    post_form(client, f"/organisations/{org.id}/unarchive")
    assert db.session.get(Organisation, org.id).archived_at is None
    assert _audit_actions() == ["organisation.archive", "organisation.unarchive"]


# --- contacts -----------------------------------------------------------------------------


def test_add_and_edit_a_contact(client, world):
    org = world.north.organisations[0]
    login(client, world.secretary)
    assert client.get(f"/organisations/{org.id}/contacts/new").status_code == 200
    response = post_form(
        client,
        f"/organisations/{org.id}/contacts/new",
        {
            "first_name": "Jan",
            "last_name": "Janssens",
            "job_title": "Schepen van wonen",
            "email": "jan@noorderdorp.example.be",
        },
    )
    assert response.status_code == 302
    contact = db.session.scalar(sa.select(Contact).where(Contact.last_name == "Janssens"))
    assert contact.organisation_id == org.id
    page = _text(client.get(f"/contacts/{contact.id}"))
    assert "Jan Janssens" in page and "Schepen van wonen" in page
    edited = post_form(
        client,
        f"/contacts/{contact.id}/edit",
        {
            "first_name": "Jan",
            "last_name": "Janssens",
            "email": "",
            "phone": "011 22 33 44",
            "version": contact.version,
        },
    )
    assert edited.status_code == 302
    db.session.refresh(contact)
    assert (contact.email, contact.phone, contact.job_title) == ("", "011 22 33 44", "")
    assert "krijgt geen uitnodigingen per mail" in _text(client.get(f"/contacts/{contact.id}"))
    assert _audit_actions() == ["contact.create", "contact.update"]


def test_contact_form_errors(client, world):
    org = world.north.organisations[0]
    taken = org.contacts[0].email
    login(client, world.coordinator)
    response = post_form(
        client,
        f"/organisations/{org.id}/contacts/new",
        {"first_name": "", "last_name": "x" * 101, "email": "jan@", "job_title": "t" * 201},
    )
    body = _text(response)
    assert response.status_code == 422
    assert "Vul de voornaam in." in body
    assert "Maximaal 100 tekens." in body
    assert "Maximaal 200 tekens." in body
    assert "Dit is geen geldig e-mailadres." in body
    assert 'value="jan@"' in body
    duplicate = post_form(
        client,
        f"/organisations/{org.id}/contacts/new",
        {"first_name": "Tweede", "last_name": "Persoon", "email": taken.upper()},
    )
    assert duplicate.status_code == 422
    assert "Iemand van deze organisatie heeft dit e-mailadres al." in _text(duplicate)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 3


def test_contact_page_lists_standing_lists_and_invitations(client, world):
    contact = world.north.organisations[0].contacts[0]
    meeting = factories.MeetingFactory(municipality=world.north, title="Overleg maart")
    factories.InvitationFactory(contact=contact, meeting=meeting)
    login(client, world.reader)
    page = _text(client.get(f"/contacts/{contact.id}"))
    assert "Noorderdorp" in page and "Overleg maart" in page
    assert "Definitief verwijderen" not in page


def test_contacts_of_other_municipalities_are_not_found(client, world):
    south_contact = world.south.organisations[0].contacts[0]
    erased = factories.ContactFactory(organisation=world.north.organisations[0], erased_at=utcnow())
    login(client, world.secretary)
    assert client.get(f"/contacts/{south_contact.id}").status_code == 404
    assert client.get(f"/contacts/{south_contact.id}/edit").status_code == 404
    assert post_form(client, f"/contacts/{south_contact.id}/archive").status_code == 404
    assert (
        post_form(client, f"/contacts/{south_contact.id}/delete", {"confirm": "y"}).status_code
        == 404
    )
    assert client.get(f"/contacts/{erased.id}").status_code == 404
    assert db.session.get(Contact, south_contact.id) is not None


def test_archive_a_contact(client, world):
    contact = world.north.organisations[0].contacts[0]
    login(client, world.secretary)
    post_form(client, f"/contacts/{contact.id}/archive")
    assert db.session.get(Contact, contact.id).archived_at is not None
    assert "Gearchiveerd op" in _text(client.get(f"/contacts/{contact.id}"))
    post_form(client, f"/contacts/{contact.id}/unarchive")
    assert db.session.get(Contact, contact.id).archived_at is None


def test_delete_only_with_confirmation_and_only_when_never_invited(client, world):
    org = world.north.organisations[0]
    mistake = factories.ContactFactory(organisation=org, first_name="Fout", last_name="Ingevoerd")
    invited = factories.ContactFactory(organisation=org)
    factories.InvitationFactory(
        contact=invited, meeting=factories.MeetingFactory(municipality=world.north)
    )
    login(client, world.secretary)

    assert "Definitief verwijderen" in _text(client.get(f"/contacts/{mistake.id}"))
    unconfirmed = post_form(client, f"/contacts/{mistake.id}/delete", follow_redirects=True)
    assert "Vink de bevestiging aan" in _text(unconfirmed)
    assert db.session.get(Contact, mistake.id) is not None

    mistake_id = mistake.id
    deleted = post_form(client, f"/contacts/{mistake_id}/delete", {"confirm": "y"})
    assert deleted.status_code == 302
    assert deleted.headers["Location"].endswith(f"/organisations/{org.id}")
    assert db.session.get(Contact, mistake_id) is None

    assert "Definitief verwijderen" not in _text(client.get(f"/contacts/{invited.id}"))
    refused = post_form(
        client, f"/contacts/{invited.id}/delete", {"confirm": "y"}, follow_redirects=True
    )
    assert "kan niet verwijderd worden" in _text(refused)
    assert db.session.get(Contact, invited.id) is not None
    assert _audit_actions() == ["contact.delete"]


def test_data_import_export_and_personal_data_are_linked_for_who_may_use_them(client, world):
    contact = world.north.organisations[0].contacts[0]
    login(client, world.coordinator)
    assert "/organisations/import" in _text(client.get("/organisations"))
    assert f"/contacts/{contact.id}/personal-data.json" in _text(
        client.get(f"/contacts/{contact.id}")
    )
    client.delete_cookie("session")
    login(client, world.secretary)
    listing = _text(client.get("/organisations"))
    assert "/organisations/import" not in listing
    assert "/organisations/export.csv" in listing
    # The personal-data export is the coordinator's (issue 11).
    assert f"/contacts/{contact.id}/personal-data.json" not in _text(
        client.get(f"/contacts/{contact.id}")
    )


def test_the_list_and_its_csv_name_only_municipalities_the_user_sees(client, world):
    """Issue 11: the list and the CSV named municipalities the organisation page hides."""
    factories.organisation_serving(world.north, world.south, name="Woonmaatschappij Kempen")
    login(client, world.secretary)
    listing = _text(client.get("/organisations?q=Kempen"))
    assert "Woonmaatschappij Kempen" in listing
    assert "Noorderdorp" in listing and "en 1 andere" in listing
    assert "Zuiderdorp" not in listing
    csv = client.get("/organisations/export.csv").get_data().decode("utf-8-sig")
    [row] = [line for line in csv.splitlines() if line.startswith("Woonmaatschappij Kempen;")]
    assert row.split(";")[2] == "Noorderdorp" and "Zuiderdorp" not in csv
    client.delete_cookie("session")
    login(client, world.coordinator)
    listing = _text(client.get("/organisations?q=Kempen"))
    assert "Noorderdorp, Zuiderdorp" in listing and "en 1 andere" not in listing
    csv = client.get("/organisations/export.csv").get_data().decode("utf-8-sig")
    assert "Woonmaatschappij Kempen;woonmaatschappij;Noorderdorp | Zuiderdorp;" in csv


def test_a_secretary_cannot_archive_an_organisation_shared_with_other_municipalities(client, world):
    shared = factories.organisation_serving(
        world.north, world.south, name="Woonmaatschappij Kempen"
    )
    login(client, world.secretary)
    page = _text(client.get(f"/organisations/{shared.id}"))
    assert "Wijzigen" in page and "Archiveren" not in page
    assert post_form(client, f"/organisations/{shared.id}/archive").status_code == 403
    assert db.session.get(Organisation, shared.id).archived_at is None
    client.delete_cookie("session")
    login(client, world.coordinator)
    assert post_form(client, f"/organisations/{shared.id}/archive").status_code == 302
    assert db.session.get(Organisation, shared.id).archived_at is not None
