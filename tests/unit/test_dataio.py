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
from overleg.lib.tokens import new_token
from overleg.models import (
    AuditEntry,
    Contact,
    Invitation,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    PollAnswer,
    PollRespondent,
    StandingInvitee,
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


def _contact_with_history(world):  # type: ignore[no-untyped-def]
    contact = world.north.standing_invitees[0].contact
    meeting = factories.MeetingFactory(municipality=world.north)
    invitation = factories.InvitationFactory(
        meeting=meeting, contact=contact, token="secret-token", rsvp_comment="Ik kom met Piet"
    )
    db.session.add(
        OutboxMessage(
            kind="invitation",
            to_address=contact.email,
            subject="Uitnodiging",
            message_id="<1@test>",
            raw=b"...",
            status=OutboxStatus.QUEUED,
        )
    )
    db.session.commit()
    return contact, invitation


def _poll_answer(world, contact):  # type: ignore[no-untyped-def]
    poll = factories.availability_poll(world.north)
    respondent = PollRespondent(contact=contact, token=new_token(), comment="Niet op dinsdag")
    respondent.answers.append(PollAnswer(slot=poll.slots[0], suits=False))
    poll.respondents.append(respondent)
    db.session.commit()
    return respondent


def test_personal_data_holds_everything_about_the_person(world):
    contact, _invitation = _contact_with_history(world)
    _poll_answer(world, contact)
    data = services.personal_data(contact)
    [poll] = data["availability_polls"]
    assert poll["comment"] == "Niet op dinsdag"
    assert poll["answers"] == [
        {"municipality": "Noorderdorp", "start": "2027-03-02T09:00:00+00:00", "suits": False}
    ]
    assert data["contact"]["email"] == contact.email
    assert data["standing_invitee_of"] == [{"municipality": "Noorderdorp", "role": "required"}]
    assert data["invitations"][0]["rsvp_comment"] == "Ik kom met Piet"
    assert data["mails"][0]["subject"] == "Uitnodiging"


def test_erasure_replaces_the_person_and_keeps_the_records(world):
    contact, invitation = _contact_with_history(world)
    respondent_id = _poll_answer(world, contact).id
    old_email = contact.email
    result = services.erase_contact(world.coordinator, contact, NOW)
    assert result.invitations == 1 and result.standing_entries_removed == 1
    assert result.mails_removed == 1

    contact = db.session.get(Contact, contact.id)
    assert contact.full_name == services.ERASED_NAME
    assert (contact.email, contact.phone, contact.job_title) == ("", "", "")
    assert contact.erased_at == NOW
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.display_name == services.ERASED_NAME
    assert invitation.token is None and invitation.rsvp_comment == ""
    assert _count(StandingInvitee) == 3  # only this person's entry is gone (the poll added one)
    assert db.session.get(PollRespondent, respondent_id) is None  # answers and comment too
    assert _count(PollAnswer) == 0
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.to_address == old_email)
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contact.erase")
    ).one()
    assert old_email not in str(entry.details) and old_email not in entry.summary


def test_erasure_refuses_a_naive_time(world):
    with pytest.raises(ValueError, match="timezone-aware"):
        services.erase_contact(
            world.coordinator,
            world.north.standing_invitees[0].contact,
            datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
        )


def test_the_import_leaves_the_commit_to_the_request(world):
    text = HEADER + "Vzw Noord;caw;Noorderdorp;Ann;Claes;;ann@example.be;\n"
    before = _count(Organisation), _count(Contact)
    assert services.apply_import(world.coordinator, text).contacts_created == 1
    db.session.rollback()  # a request that fails later writes nothing of it
    assert (_count(Organisation), _count(Contact)) == before


def test_erasure_wants_the_persons_name_typed(world):
    contact = world.north.standing_invitees[0].contact
    services.confirm_erasure(contact, f"  {contact.first_name.upper()}   {contact.last_name} ")
    with pytest.raises(Refusal) as refused:
        services.confirm_erasure(contact, "Iemand Anders")
    assert (str(refused.value), refused.value.field) == (
        "Dit is niet de naam van deze persoon.",
        "confirm_name",
    )


def test_a_personal_data_export_is_audited(world):
    contact = world.north.standing_invitees[0].contact
    data = services.personal_data_export(world.secretary, contact)
    assert data == services.personal_data(contact)
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contact.export")
    )
    assert entry.user_id == world.secretary.id
    assert entry.summary == "Persoonsgegevens uitgevoerd (inzageverzoek)"
