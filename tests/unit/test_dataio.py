"""CSV import/export of the directory and a contact's personal data, without HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from overleg.dataio import services
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    AuditEntry,
    Contact,
    Organisation,
)
from tests import factories

NOW = datetime(2026, 3, 17, 13, 0, tzinfo=UTC)
HEADER = "organisatie;type;gemeenten;voornaam;achternaam;functie;email;telefoon\n"


@pytest.fixture(autouse=True)
def dutch(app):  # type: ignore[no-untyped-def]
    """The services' messages are lazy: read them in Dutch, as a Dutch page would."""
    with force_locale("nl"):
        yield


def _errors(row: services.ImportRow) -> str:
    return " ".join(str(e) for e in row.errors)


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_decode_accepts_utf8_with_and_without_bom():
    text = "organisatie\nWoonzorg Zuiderkempen\n"
    assert services.decode_upload(text.encode()) == text
    assert services.decode_upload(b"\xef\xbb\xbf" + text.encode()) == text


def test_decode_refuses_other_encodings_and_oversized_files_in_dutch():
    with pytest.raises(Refusal, match="niet in UTF-8"):
        services.decode_upload("organisatie\nCAW Kempen é\n".encode("cp1252"))
    with pytest.raises(Refusal, match="te groot"):
        services.decode_upload(b"x" * (services.MAX_IMPORT_BYTES + 1))
    with pytest.raises(Refusal, match="leeg"):
        services.decode_upload(b"  \n")


def test_separator_is_detected_from_the_header():
    assert services.detect_separator("organisatie;type\n") == ";"
    assert services.detect_separator("organisatie,type\n") == ","
    assert services.detect_separator('organisatie,"a;b"\n') == ","


def test_a_valid_file_previews_then_imports_everything(world):
    text = (
        HEADER + "CAW De Kempen;caw;Noorderdorp|Zuiderdorp;Els;Janssens;Maatschappelijk werker;"
        "els@caw.example.be;014 12 34 56\n"
        "CAW De Kempen;caw;Noorderdorp;Jan;Wouters;;JAN@caw.example.be;\n"
        "Politiezone Noord;politie;Noorderdorp;;;;;\n"
    )
    before_orgs, before_contacts = _count(Organisation), _count(Contact)
    preview = services.preview_import(world.coordinator, text)
    assert preview.valid, [_errors(r) for r in preview.rows]
    assert (preview.new_organisations, preview.new_contacts) == (2, 2)
    # The preview writes nothing.
    assert (_count(Organisation), _count(Contact)) == (before_orgs, before_contacts)

    result = services.apply_import(world.coordinator, text)
    assert (result.organisations_created, result.contacts_created) == (2, 2)
    caw = db.session.scalar(sa.select(Organisation).where(Organisation.name == "CAW De Kempen"))
    assert caw.type.code == "caw"
    assert sorted(m.name for m in caw.municipalities) == ["Noorderdorp", "Zuiderdorp"]
    assert {c.email.lower() for c in caw.contacts} == {"els@caw.example.be", "jan@caw.example.be"}
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("contact.import") == 2 and actions.count("organisation.import") == 2

    # Importing the same file again adds nothing: every contact already exists.
    again = services.preview_import(world.coordinator, text)
    assert again.valid and again.new_contacts == 0 and again.existing == 2
    assert services.apply_import(world.coordinator, text).contacts_created == 0


def test_one_bad_row_means_nothing_is_imported_and_every_error_is_reported(world):
    text = (
        "organisatie,type,gemeenten,voornaam,achternaam,email\n"
        "Nieuwe Vzw,caw,Noorderdorp,Ann,Claes,ann@example.be\n"
        "Andere Vzw,onbekend,Atlantis,Piet,,geen-adres\n"
        "Nieuwe Vzw,caw,Noorderdorp,Ann,Claes,ann@example.be\n"
        ",caw,Noorderdorp,,,\n"
    )
    before = _count(Organisation)
    preview = services.preview_import(world.coordinator, text)
    assert not preview.valid
    errors = {row.number: _errors(row) for row in preview.rows}
    assert errors[2] == ""
    assert "Onbekend type 'onbekend'" in errors[3]
    assert "Onbekende gemeente 'Atlantis'" in errors[3]
    assert "voornaam en een achternaam" in errors[3]
    assert "geen geldig e-mailadres" in errors[3]
    assert "ook al op regel 2" in errors[4]
    assert "organisatie ontbreekt" in errors[5]
    with pytest.raises(Refusal, match="niets ingelezen"):
        services.apply_import(world.coordinator, text)
    assert _count(Organisation) == before


def test_a_secretary_may_only_import_for_own_municipalities(world):
    text = HEADER + "Vzw Zuid;caw;Zuiderdorp;Ann;Claes;;ann@example.be;\n"
    preview = services.preview_import(world.secretary, text)
    assert "niet beheren" in _errors(preview.rows[0])


def test_a_file_without_the_organisation_column_is_refused():
    with pytest.raises(Refusal, match="organisatie"):
        services.parse_csv("naam;email\nAnn;ann@example.be\n")


def test_overlong_values_are_reported_not_truncated(world):
    text = HEADER + f"{'x' * 201};caw;Noorderdorp;;;;;\n"
    preview = services.preview_import(world.coordinator, text)
    assert "langer dan 200" in _errors(preview.rows[0])


def test_export_escapes_formulas_and_round_trips_through_the_import(world):
    org = factories.OrganisationFactory(platform=world.platform, name="=HYPERLINK(1)")
    org.municipalities.append(world.north)
    factories.ContactFactory(
        organisation=org, first_name="@Ann", last_name="-Claes", phone="+32 14 00 00 00"
    )
    db.session.commit()
    data = services.export_csv(world.coordinator)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == services.COLUMNS
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(1)" in cells and "'@Ann" in cells and "'-Claes" in cells
    assert "'+32 14 00 00 00" in cells
    assert not any(cell.startswith(services.FORMULA_START) for cell in cells)

    # What we export, we can read back: nothing new, and the escaping is undone.
    preview = services.preview_import(world.coordinator, data.decode("utf-8-sig"))
    assert preview.valid, [_errors(r) for r in preview.rows]
    assert preview.new_contacts == 0 and preview.new_organisations == 0
    row = next(r for r in preview.rows if r.values["voornaam"] == "@Ann")
    assert row.values["organisatie"] == "=HYPERLINK(1)"


def test_export_only_holds_what_the_user_may_see(world):
    data = services.export_csv(world.secretary).decode("utf-8-sig")
    assert "Woonmaatschappij Noorderdorp" in data
    assert "Woonmaatschappij Zuiderdorp" not in data
    assert "Woonmaatschappij Verweg" not in data


def test_the_import_leaves_the_commit_to_the_request(world):
    text = HEADER + "Vzw Noord;caw;Noorderdorp;Ann;Claes;;ann@example.be;\n"
    before = _count(Organisation), _count(Contact)
    assert services.apply_import(world.coordinator, text).contacts_created == 1
    db.session.rollback()  # a request that fails later writes nothing of it
    assert (_count(Organisation), _count(Contact)) == before
