"""Minutes services without HTTP: notes, locking, workflow, carry-over, distribution."""

from __future__ import annotations

import email
import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm.exc import StaleDataError

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.settings import MailSettings
from overleg.meetings.services import load_meeting_page
from overleg.minutes import services
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    AgendaItemKind,
    Attendance,
    AuditEntry,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    OutboxMessage,
)
from tests import factories

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
MAIL = MailSettings(base_url="http://x", mail_from="overleg@example.be")


def _meeting(world, days_ago: int = 30, **kwargs):
    start = (NOW - timedelta(days=days_ago)).replace(hour=13)
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
        **kwargs,
    )
    factories.AgendaItemFactory(meeting=meeting, title="Verwelkoming", kind=AgendaItemKind.WELCOME)
    factories.AgendaItemFactory(
        meeting=meeting, title="Opvolging actiepunten", kind=AgendaItemKind.FOLLOW_UP
    )
    factories.AgendaItemFactory(
        meeting=meeting, title="Lokale toewijzingsreglementen", kind=AgendaItemKind.THEME
    )
    return load_meeting_page(meeting.id)


def _save(minutes, **kwargs):
    kwargs.setdefault("notes", [])
    return services.save_minutes(
        minutes, expected_version=minutes.version, user=None, now=NOW, **kwargs
    )


def test_notes_decisions_and_action_points_are_saved_and_audited(app, world):
    meeting = _meeting(world)
    organisation = factories.organisation_serving(world.north, name="Woonmaatschappij Kempen")
    minutes = services.ensure_minutes(meeting)
    theme = meeting.agenda_items[2]

    result = _save(
        minutes,
        notes=[services.NoteData(theme.id, "De **raad** bespreekt.", "Regel A\nRegel B")],
        action_points=[
            services.ActionPointData(
                None,
                "Ontwerpreglement opmaken",
                agenda_item_id=theme.id,
                owner=f"org:{organisation.id}",
                due_date=date(2026, 6, 1),
            ),
            services.ActionPointData(None, ""),  # an empty row of the form is ignored
        ],
    )
    db.session.commit()

    assert result.notes_changed == 1 and result.points_added == 1
    note = minutes.notes[0]
    assert note.decisions == "Regel A\nRegel B"
    point = db.session.scalars(sa.select(ActionPoint)).one()
    assert point.owner_organisation_id == organisation.id
    assert point.municipality_id == world.north.id
    assert point.due_date == date(2026, 6, 1)
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"minutes.create", "minutes.update"} <= actions


def test_a_save_on_an_older_version_is_a_conflict_and_changes_nothing(app, world):
    meeting = _meeting(world)
    minutes = services.ensure_minutes(meeting)
    db.session.commit()
    loaded_version = minutes.version
    item = meeting.agenda_items[2]
    _save(minutes, notes=[services.NoteData(item.id, "Eerste schrijver")])
    db.session.commit()
    assert minutes.version == loaded_version + 1

    with pytest.raises(services.MinutesConflict) as caught:
        services.save_minutes(
            minutes,
            notes=[services.NoteData(item.id, "Tweede schrijver")],
            expected_version=loaded_version,
            user=None,
            now=NOW,
        )
    db.session.rollback()

    assert caught.value.current_version == loaded_version + 1
    assert minutes.notes[0].discussion == "Eerste schrijver"


def test_the_version_column_stops_a_write_that_raced_past_the_check(app, world):
    meeting = _meeting(world)
    minutes = services.ensure_minutes(meeting)
    db.session.commit()
    item = meeting.agenda_items[2]
    # Another process commits after we loaded the minutes: our copy still has the old version,
    # so the check passes, and the service's flush finds the row changed.
    with db.session.no_autoflush:
        db.session.execute(
            sa.update(Minutes.__table__)
            .where(Minutes.__table__.c.id == minutes.id)
            .values(version=Minutes.__table__.c.version + 1)
        )
    with pytest.raises(services.MinutesConflict) as caught:
        _save(minutes, notes=[services.NoteData(item.id, "Mijn tekst")])
    assert isinstance(caught.value.__context__, StaleDataError)
    db.session.rollback()
    assert minutes.notes == []


def test_minutes_of_a_cancelled_meeting_cannot_be_started_or_saved(app, world):
    meeting = _meeting(world)
    minutes = services.ensure_minutes(meeting)
    db.session.commit()
    meeting.status = MeetingStatus.CANCELLED
    db.session.commit()

    with pytest.raises(Refusal, match="geannuleerd"):
        _save(minutes, notes=[services.NoteData(meeting.agenda_items[0].id, "tekst")])
    other = _meeting(world, days_ago=10)
    other.status = MeetingStatus.CANCELLED
    with pytest.raises(Refusal, match="geannuleerd"):
        services.ensure_minutes(other)


def test_over_long_text_and_too_many_action_points_are_refused_clearly(app, world):
    meeting = _meeting(world)
    minutes = services.ensure_minutes(meeting)
    item = meeting.agenda_items[0]
    with pytest.raises(Refusal, match="te lang") as caught:
        _save(minutes, notes=[services.NoteData(item.id, "x" * (services.DISCUSSION_MAX + 1))])
    assert caught.value.field == "discussion"
    with force_locale("en"):  # the message is read in the reader's language
        assert str(caught.value) == "The discussion is too long: 20001 characters, at most 20000."
    many = [
        services.ActionPointData(None, f"Actie {n}") for n in range(services.MAX_ACTION_POINTS + 1)
    ]
    with pytest.raises(Refusal, match="hoogstens"):
        _save(minutes, action_points=many)


def test_attendance_register_guests_and_substitutes(app, world):
    meeting = _meeting(world)
    present = factories.InvitationFactory(meeting=meeting)
    replaced = factories.InvitationFactory(meeting=meeting)
    meeting = load_meeting_page(meeting.id)
    minutes = services.ensure_minutes(meeting)

    services.save_attendance(
        minutes,
        [services.AttendanceData(present.id, Attendance.PRESENT)],
        chair_invitation_id=present.id,
        minute_taker_invitation_id=None,
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    services.add_guest(
        minutes, name="Sofie Vervanger", substitute_for_id=replaced.id, user=None, now=NOW
    )
    services.add_guest(
        minutes, name="Gast Zonder Uitnodiging", organisation="Huurdersbond", user=None, now=NOW
    )
    db.session.commit()

    meeting = load_meeting_page(meeting.id)
    groups = {g.label: g for g in services.attendance_groups(meeting)}
    present_names = [n for _org, names in groups["Aanwezig"].by_organisation for n in names]
    assert present.contact.full_name in present_names
    assert any("Sofie Vervanger (vervangt" in n for n in present_names)
    assert "Gast Zonder Uitnodiging (gast)" in present_names
    excused = [n for _org, names in groups["Verontschuldigd"].by_organisation for n in names]
    assert replaced.contact.full_name in excused
    assert minutes.chair_invitation_id == present.id
    with pytest.raises(Refusal):
        services.add_guest(minutes, name="  ", user=None, now=NOW)


def test_approval_freezes_the_pdf_locks_and_a_correction_makes_a_new_version(app, world):
    meeting = _meeting(world)
    next_one = _meeting(world, days_ago=10)  # held: minutes are approved at a held meeting
    minutes = services.ensure_minutes(meeting)
    _save(minutes, notes=[services.NoteData(meeting.agenda_items[2].id, "Besproken.", "Akkoord")])
    services.circulate(minutes, expected_version=minutes.version, user=world.secretary, now=NOW)
    version = services.approve(
        minutes,
        expected_version=minutes.version,
        at_meeting=next_one,
        user=world.coordinator,
        now=NOW,
    )
    db.session.commit()

    assert minutes.status is MinutesStatus.APPROVED
    assert minutes.approved_at_meeting_id == next_one.id
    assert [v.status for v in minutes.versions] == [
        MinutesStatus.CIRCULATED,
        MinutesStatus.APPROVED,
    ]
    assert version.sha256 == hashlib.sha256(version.pdf).hexdigest()
    assert version.pdf.startswith(b"%PDF-")
    assert services.minutes_pdf(meeting, minutes) == version.pdf  # the frozen one

    with pytest.raises(Refusal, match="vergrendeld"):
        _save(minutes, notes=[services.NoteData(meeting.agenda_items[2].id, "Stiekem")])
    db.session.rollback()
    with pytest.raises(Refusal, match="reden"):
        services.start_correction(
            minutes, reason=" ", expected_version=minutes.version, user=None, now=NOW
        )

    services.start_correction(
        minutes,
        reason="Naam verkeerd gespeld",
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    _save(minutes, notes=[services.NoteData(meeting.agenda_items[2].id, "Besproken, verbeterd.")])
    with pytest.raises(Refusal, match="reden"):
        services.approve(
            minutes, expected_version=minutes.version, at_meeting=None, user=None, now=NOW
        )
    second = services.approve(
        minutes,
        expected_version=minutes.version,
        at_meeting=None,
        reason="Naam verkeerd gespeld",
        user=None,
        now=NOW + timedelta(days=1),
    )
    db.session.commit()

    assert [v.number for v in minutes.versions] == [1, 2, 3]
    assert second.reason == "Naam verkeerd gespeld"
    assert second.sha256 != version.sha256
    assert version.pdf == db.session.get(type(version), version.id).pdf  # history kept


def test_approval_at_an_earlier_meeting_is_refused(app, world):
    meeting = _meeting(world)
    earlier = _meeting(world, days_ago=200)
    minutes = services.ensure_minutes(meeting)
    with pytest.raises(Refusal, match="latere vergadering"):
        services.approve(
            minutes, expected_version=minutes.version, at_meeting=earlier, user=None, now=NOW
        )


def test_open_action_points_come_back_until_they_are_closed(app, world):
    first = _meeting(world, days_ago=300)
    second = _meeting(world, days_ago=150)
    third = _meeting(world, days_ago=10)
    minutes = services.ensure_minutes(first)
    _save(
        minutes,
        action_points=[
            services.ActionPointData(None, "Leegstandsregister actualiseren"),
            services.ActionPointData(None, "Cijfers wachtlijst bezorgen"),
            services.ActionPointData(None, "Al afgewerkt", status=ActionPointStatus.DONE),
        ],
    )
    db.session.commit()
    register, figures, _done = services.action_points_of(first)

    follow = services.follow_up_points(second)
    assert [p.description for p in follow] == [register.description, figures.description]

    second_minutes = services.ensure_minutes(second)
    _save(
        second_minutes,
        follow_ups=[
            services.FollowUpData(register.id, ActionPointStatus.DONE, "Register is bijgewerkt"),
            services.FollowUpData(figures.id, ActionPointStatus.OPEN, "Volgt in juni"),
        ],
    )
    db.session.commit()

    assert register.status is ActionPointStatus.DONE
    assert register.closed_at_meeting_id == second.id
    assert register.closed_at == NOW
    # The meeting where it was closed still shows it; the next one only shows what is open.
    assert {p.id for p in services.follow_up_points(second)} == {register.id, figures.id}
    assert [p.id for p in services.follow_up_points(third)] == [figures.id]
    assert figures.follow_up_note == "Volgt in juni"
    # Other municipalities never see them.
    elsewhere = factories.MeetingFactory(municipality=world.south)
    assert services.follow_up_points(elsewhere) == []


def test_distribution_queues_one_mail_per_invitee_and_one_for_the_agency(app, world):
    meeting = _meeting(world)
    invited = [factories.InvitationFactory(meeting=meeting) for _n in range(3)]
    factories.GuestInvitationFactory(meeting=meeting)  # no address: not mailed
    meeting = load_meeting_page(meeting.id)
    minutes = services.ensure_minutes(meeting)
    with pytest.raises(Refusal, match="ontwerp"):
        services.distribute(minutes, mail=MAIL, user=None, now=NOW)

    services.circulate(minutes, expected_version=minutes.version, user=None, now=NOW)
    sent = services.distribute(minutes, mail=MAIL, user=None, now=NOW)
    db.session.commit()

    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    addresses = [row.to_address for row in rows]
    assert addresses == [i.contact.email for i in invited] + [world.platform.agency_email]
    assert sent.count == 4
    assert all(row.kind == "minutes" and row.meeting_id == meeting.id for row in rows)
    message = email.message_from_bytes(rows[-1].raw)
    assert MAIL.mail_from in message["From"]  # the platform's sender, as for every mail
    assert world.platform.organiser_email in message["Reply-To"]
    attachments = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_payload(decode=True) == minutes.versions[-1].pdf
    assert minutes.sent_to_agency_at == NOW


def test_nul_characters_are_dropped_from_notes(app, world):
    meeting = _meeting(world)
    minutes = services.ensure_minutes(meeting)
    item = meeting.agenda_items[0]
    _save(minutes, notes=[services.NoteData(item.id, "een\x00twee", "besluit\x00")])
    db.session.commit()
    assert minutes.notes[0].discussion == "eentwee"
    assert minutes.notes[0].decisions == "besluit"
