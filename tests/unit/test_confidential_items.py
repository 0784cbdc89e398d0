"""Confidential agenda items (issue 16 item 2), without HTTP: the public view every output reads,
the notes kept apart, who is named on the item and who may read it, the personal-data export."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from overleg.auth.permissions import may_read_confidential
from overleg.dataio.data_rights import personal_data
from overleg.extensions import db
from overleg.lib import ical
from overleg.lib.refusal import Refusal
from overleg.mail.settings import MailSettings
from overleg.meetings import invitations
from overleg.minutes import confidential, services
from overleg.models import (
    AgendaItemNote,
    ConfidentialNote,
    InviteeRole,
    MeetingStatus,
    MinutesStatus,
    OutboxMessage,
    Role,
)
from overleg.models.types import utcnow
from tests import factories

SECRET_TITLE = "Uithuiszetting familie Peeters"
SECRET_NOTE = "Huurachterstand van 4.300 euro bij Peeters"


def _meeting_with_taker(world):  # type: ignore[no-untyped-def]
    meeting = factories.HeldMeetingFactory(municipality=world.north)
    organisation = factories.organisation_serving(world.north)
    taker = factories.ContactFactory(organisation=organisation, email=world.secretary.email)
    other = factories.ContactFactory(organisation=organisation, email="invitee@example.be")
    factories.InvitationFactory(meeting=meeting, contact=taker, role=InviteeRole.SECRETARY)
    factories.InvitationFactory(meeting=meeting, contact=other)
    item = factories.AgendaItemFactory(meeting=meeting, title=SECRET_TITLE, notes="Dossier X")
    db.session.commit()
    return meeting, item, taker, other


def _mark(world, item):  # type: ignore[no-untyped-def]
    confidential.mark_confidential(item, "Persoonlijke situatie", user=world.coordinator)
    confidential.save_confidential_note(
        item, SECRET_NOTE, "Afbetalingsplan voor Peeters", user=world.coordinator
    )
    db.session.commit()


def test_the_public_view_of_a_confidential_item_says_only_that(world):
    meeting, item, _taker, _other = _meeting_with_taker(world)
    assert item.public.title == SECRET_TITLE and item.public.notes == "Dossier X"
    _mark(world, item)
    public = item.public
    assert public.confidential and public.title == "Vertrouwelijk punt"
    assert (public.notes, public.presenter, public.theme) == ("", "", None)
    assert public.duration_minutes == item.duration_minutes
    assert [p.title for p in meeting.public_agenda] == ["Vertrouwelijk punt"]


def test_the_default_readers_are_the_coordinators_the_marker_and_the_minute_taker(world):
    _meeting, item, taker, _other = _meeting_with_taker(world)
    _mark(world, item)
    names = {r.name for r in confidential.readers(item)}
    assert names == {world.coordinator.name, taker.full_name}
    assert may_read_confidential(world.coordinator, item)
    # the secretary is the minute taker (same address): named through the contact
    assert may_read_confidential(world.secretary, item)
    assert not may_read_confidential(world.reader, item)
    assert not may_read_confidential(world.outsider, item)


def test_another_user_of_the_platform_can_be_named_and_taken_off(world):
    _meeting, item, _taker, _other = _meeting_with_taker(world)
    _mark(world, item)
    assert world.reader in confidential.candidates(item)
    assert world.outsider not in confidential.candidates(item)
    confidential.name_reader(item, world.reader, user=world.coordinator)
    assert may_read_confidential(world.reader, item)
    with pytest.raises(Refusal):
        confidential.name_reader(item, world.outsider, user=world.coordinator)
    [row] = [r for r in confidential.readers(item) if r.name == world.reader.name]
    confidential.remove_reader(item, row.id, user=world.coordinator)
    assert not may_read_confidential(world.reader, item)


def test_the_last_reader_stays(world):
    _meeting, item, _taker, _other = _meeting_with_taker(world)
    _mark(world, item)
    rows = confidential.readers(item)
    for row in rows[:-1]:
        confidential.remove_reader(item, row.id, user=world.coordinator)
    with pytest.raises(Refusal):
        confidential.remove_reader(item, rows[-1].id, user=world.coordinator)


def test_a_reason_is_required(world):
    _meeting, item, _taker, _other = _meeting_with_taker(world)
    with pytest.raises(Refusal) as refused:
        confidential.mark_confidential(item, "  ", user=world.coordinator)
    assert refused.value.field == "reason"


def test_notes_written_before_move_apart_and_the_minutes_never_take_new_ones(world):
    meeting, item, _taker, _other = _meeting_with_taker(world)
    minutes = services.ensure_minutes(meeting)
    services.save_minutes(
        minutes,
        notes=[services.NoteData(item.id, SECRET_NOTE, "Besluit Peeters")],
        expected_version=minutes.version,
        user=world.coordinator,
        now=utcnow(),
    )
    db.session.commit()
    _mark(world, item)
    assert db.session.scalar(sa.select(sa.func.count(AgendaItemNote.id))) == 0
    note = db.session.scalars(sa.select(ConfidentialNote)).one()
    assert note.discussion == SECRET_NOTE  # saved again on its own page
    services.save_minutes(
        minutes,
        notes=[services.NoteData(item.id, "via het verslag", "nee")],
        expected_version=minutes.version,
        user=world.coordinator,
        now=utcnow(),
    )
    assert db.session.scalar(sa.select(sa.func.count(AgendaItemNote.id))) == 0


def test_the_verslag_says_only_that_a_confidential_item_was_discussed(world):
    meeting, item, _taker, _other = _meeting_with_taker(world)
    minutes = services.ensure_minutes(meeting)
    _mark(world, item)
    html = services.minutes_html(meeting, minutes)
    assert "Vertrouwelijk punt" in html
    assert "Dit punt werd vertrouwelijk besproken" in html
    for secret in (SECRET_TITLE, SECRET_NOTE, "Afbetalingsplan", "Dossier X", "Persoonlijke"):
        assert secret not in html


def test_the_word_verslag_says_only_that_a_confidential_item_was_discussed(world):
    import io
    import zipfile

    from overleg.minutes.word import minutes_docx

    meeting, item, _taker, _other = _meeting_with_taker(world)
    minutes = services.ensure_minutes(meeting)
    _mark(world, item)
    with zipfile.ZipFile(io.BytesIO(minutes_docx(meeting, minutes))) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "Vertrouwelijk punt" in xml and "Dit punt werd vertrouwelijk besproken" in xml
    for secret in (SECRET_TITLE, SECRET_NOTE, "Afbetalingsplan", "Persoonlijke"):
        assert secret not in xml


def test_the_invitation_ics_and_mail_show_only_vertrouwelijk_punt(world):
    meeting, item, _taker, _other = _meeting_with_taker(world)
    meeting.start_at = utcnow() + timedelta(days=10)
    meeting.end_at = meeting.start_at + timedelta(hours=2)
    meeting.status = MeetingStatus.PLANNED
    _mark(world, item)
    assert "Vertrouwelijk punt" in ical.agenda_text(meeting)
    assert SECRET_TITLE not in ical.agenda_text(meeting)
    settings = MailSettings.from_config(current_app.config)
    invitations.send_invitations(meeting, user=world.coordinator, now=utcnow(), settings=settings)
    raws = [m.raw for m in db.session.scalars(sa.select(OutboxMessage))]
    assert raws
    for raw in raws:
        text = raw.decode("utf-8", "replace")
        assert SECRET_TITLE not in text and "Dossier X" not in text


def test_unmarking_is_refused_once_something_confidential_was_written(world):
    _meeting, item, _taker, _other = _meeting_with_taker(world)
    _mark(world, item)
    with pytest.raises(Refusal):
        confidential.unmark_confidential(item, user=world.coordinator)
    fresh = factories.AgendaItemFactory(meeting=item.meeting)
    confidential.mark_confidential(fresh, "Misschien", user=world.coordinator)
    confidential.unmark_confidential(fresh, user=world.coordinator)
    assert not fresh.confidential and confidential.readers(fresh) == []


def test_the_personal_data_export_includes_it_for_a_person_named_on_it_only(world):
    _meeting, item, taker, other = _meeting_with_taker(world)
    _mark(world, item)
    [mine] = personal_data(world.coordinator, taker)["confidential_items"]
    assert mine["title"] == SECRET_TITLE and mine["discussion"] == SECRET_NOTE
    assert personal_data(world.coordinator, other)["confidential_items"] == []
    assert SECRET_NOTE not in str(personal_data(world.coordinator, other))


def test_a_coordinator_is_no_reader_of_another_platform(world):
    item = factories.AgendaItemFactory(
        meeting=factories.MeetingFactory(municipality=world.elsewhere)
    )
    outsider = world.outsider
    assert outsider.role is Role.COORDINATOR
    confidential.mark_confidential(item, "Persoonlijk", user=outsider)
    db.session.commit()
    assert may_read_confidential(outsider, item)
    assert not may_read_confidential(world.coordinator, item)


def test_approved_minutes_keep_it_out_of_the_frozen_pdf(world):
    meeting, item, _taker, _other = _meeting_with_taker(world)
    minutes = services.ensure_minutes(meeting)
    _mark(world, item)
    minutes.status = MinutesStatus.DRAFT
    html = services.minutes_html(meeting, minutes)
    assert SECRET_NOTE not in html


def test_outputs_read_the_agenda_only_through_its_public_view():
    """The mechanism: templates and the output modules (iCalendar, feeds, API, exports, mail)
    never read `agenda_items` themselves but `public_agenda` (a test of `if ... agenda_items`
    for an empty agenda aside), so a new output cannot show a confidential item by mistake."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readers = []
    for template in (root / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            uses = line.count("agenda_items")
            tests = line.count("if meeting.agenda_items") + line.count(
                "and meeting.agenda_items %}"
            )
            if uses > tests:
                readers.append(f"{template.relative_to(root)}:{number}")
    for template in (root / "templates").rglob("*.txt"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if "agenda_items" in line and "and meeting.agenda_items %}" not in line:
                readers.append(f"{template.relative_to(root)}:{number}")
    for folder in ("lib", "feeds", "api", "dataio", "mail"):
        for module in (root / "overleg" / folder).rglob("*.py"):
            for number, line in enumerate(module.read_text().splitlines(), 1):
                if ".agenda_items" in line and "load(" not in line:
                    readers.append(f"{module.relative_to(root)}:{number}")
    assert not readers, readers
