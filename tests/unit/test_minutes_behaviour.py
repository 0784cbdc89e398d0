"""Minutes that behave (issue 14, item 5), through the services without HTTP: chair and minute
taker from the invitee roles, the register saved with a guest, action point rows that are not
silently dropped, and approval at the held meeting, never a future one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.meetings.services import load_meeting_page
from overleg.minutes import services
from overleg.models import ActionPoint, AgendaItemKind, Attendance, InviteeRole, MeetingStatus
from tests import factories

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


def _meeting(world, days_ago: int = 30, status: MeetingStatus = MeetingStatus.HELD):
    start = (NOW - timedelta(days=days_ago)).replace(hour=13)
    meeting = factories.MeetingFactory(
        municipality=world.north, start_at=start, end_at=start + timedelta(hours=2), status=status
    )
    factories.AgendaItemFactory(meeting=meeting, title="Wachtlijsten", kind=AgendaItemKind.THEME)
    return meeting


def test_minutes_start_with_the_chair_and_the_secretary_of_the_invitations(app, world):
    meeting = _meeting(world)
    factories.InvitationFactory(meeting=meeting)
    chair = factories.InvitationFactory(meeting=meeting, role=InviteeRole.CHAIR)
    secretary = factories.InvitationFactory(meeting=meeting, role=InviteeRole.SECRETARY)

    minutes = services.ensure_minutes(load_meeting_page(meeting.id))

    assert minutes.chair_invitation_id == chair.id
    assert minutes.minute_taker_invitation_id == secretary.id


def test_without_those_roles_the_fields_stay_empty(app, world):
    meeting = _meeting(world)
    factories.InvitationFactory(meeting=meeting)
    factories.InvitationFactory(meeting=meeting, role=InviteeRole.CHAIR)
    factories.InvitationFactory(meeting=meeting, role=InviteeRole.CHAIR)  # two: not guessed

    minutes = services.ensure_minutes(load_meeting_page(meeting.id))

    assert minutes.chair_invitation_id is None
    assert minutes.minute_taker_invitation_id is None


def test_the_register_and_a_substitute_are_saved_together(app, world):
    meeting = _meeting(world)
    present = factories.InvitationFactory(meeting=meeting)
    replaced = factories.InvitationFactory(meeting=meeting)
    meeting = load_meeting_page(meeting.id)
    minutes = services.ensure_minutes(meeting)

    services.save_attendance(
        minutes,
        [
            services.AttendanceData(present.id, Attendance.PRESENT),
            services.AttendanceData(replaced.id, Attendance.ABSENT),
        ],
        chair_invitation_id=present.id,
        minute_taker_invitation_id=None,
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    guest = services.add_guest(
        minutes, name="Sofie Vervanger", substitute_for_id=replaced.id, user=None, now=NOW
    )
    db.session.commit()

    assert present.attendance is Attendance.PRESENT
    assert replaced.attendance is Attendance.ABSENT  # a choice made is kept, not made excused
    assert guest.attendance is Attendance.PRESENT


@pytest.mark.parametrize("typed", ["due_date", "owner"])
def test_an_action_point_with_an_owner_or_a_date_but_no_text_is_refused_on_its_row(
    app, world, typed
):
    meeting = load_meeting_page(_meeting(world).id)
    minutes = services.ensure_minutes(meeting)
    owner = next(key for key, _label in services.owner_choices(meeting) if key)
    bad = services.ActionPointData(
        id=None,
        description="  ",
        owner=owner if typed == "owner" else "",
        due_date=date(2026, 5, 1) if typed == "due_date" else None,
    )
    rows = [
        services.ActionPointData(id=None, description="Iets doen"),
        services.ActionPointData(id=None, description=""),
        bad,
    ]

    with pytest.raises(Refusal) as refused:
        services.save_minutes(
            minutes,
            notes=[],
            action_points=rows,
            expected_version=minutes.version,
            user=None,
            now=NOW,
        )

    assert refused.value.field == "action_points-2-description"
    assert "Beschrijf het actiepunt" in str(refused.value)
    db.session.rollback()
    assert db.session.query(ActionPoint).count() == 0


def test_empty_rows_are_still_skipped(app, world):
    meeting = load_meeting_page(_meeting(world).id)
    minutes = services.ensure_minutes(meeting)

    result = services.save_minutes(
        minutes,
        notes=[],
        action_points=[services.ActionPointData(id=None, description="")] * 3,
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )

    assert result.points_added == 0


def test_the_approval_defaults_to_the_held_next_meeting_never_a_future_one(app, world):
    meeting = _meeting(world, days_ago=60)
    held = _meeting(world, days_ago=10)
    _meeting(world, days_ago=-20, status=MeetingStatus.INVITED)

    assert services.approval_meeting(meeting, now=NOW) == held
    assert services.approval_meeting(held, now=NOW) is None  # its next one is still ahead


def test_approval_at_a_future_meeting_is_refused_clearly(app, world):
    meeting = load_meeting_page(_meeting(world).id)
    future = _meeting(world, days_ago=-20, status=MeetingStatus.INVITED)
    minutes = services.ensure_minutes(meeting)

    with pytest.raises(Refusal, match="moet nog plaatsvinden") as refused:
        services.approve(
            minutes, expected_version=minutes.version, at_meeting=future, user=None, now=NOW
        )

    assert refused.value.field == "approved_at_meeting"
