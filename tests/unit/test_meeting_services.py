"""The meeting services, without HTTP: creation, changes, agenda, invitees and conflicts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from bench.pages import count_queries
from overleg.auth.permissions import (
    can_edit_municipality,
    can_view_municipality_id,
    may_edit_visible_municipalities,
    municipality_exists_filter,
    municipality_filter,
)
from overleg.extensions import db
from overleg.lib.calendar_rules import CalendarRules
from overleg.lib.dates import brussels_instant
from overleg.lib.refusal import Refusal
from overleg.meetings import services
from overleg.meetings.services import AgendaItemData, ConflictKind
from overleg.models import (
    AgendaItemKind,
    Attendance,
    AuditEntry,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    StandingInvitee,
    Theme,
)
from tests import factories

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def brussels(day: date, hour: int, minute: int = 0) -> datetime:
    return brussels_instant(day, time(hour, minute))


def new_meeting(world, day: date = date(2026, 3, 17), hour: int = 14, **kwargs) -> Meeting:
    meeting = services.create_meeting(
        world.north,
        start_at=brussels(day, hour),
        end_at=brussels(day, hour + 2),
        now=NOW,
        user=world.coordinator,
        **kwargs,
    )
    db.session.commit()
    return meeting


# --- create -----------------------------------------------------------------------------------


def test_create_meeting_starts_from_standard_agenda_and_standing_invitees(world):
    chair = factories.ContactFactory(organisation=world.north.organisations[0])
    factories.StandingInviteeFactory(
        municipality=world.north, contact=chair, role=InviteeRole.CHAIR
    )
    meeting = new_meeting(world)

    assert meeting.title == "Lokaal woonoverleg Noorderdorp"
    assert meeting.location == world.north.usual_location
    assert meeting.status is MeetingStatus.PLANNED
    assert meeting.ical_sequence == 0
    assert [item.kind for item in meeting.agenda_items] == [
        AgendaItemKind.WELCOME,
        AgendaItemKind.APPROVAL,
        AgendaItemKind.FOLLOW_UP,
        AgendaItemKind.THEME,
        AgendaItemKind.VARIA,
        AgendaItemKind.NEXT_MEETING,
    ]
    assert [item.position for item in meeting.agenda_items] == [0, 1, 2, 3, 4, 5]
    roles = {inv.contact_id: inv.role for inv in meeting.invitations}
    standing = {s.contact_id: s.role for s in world.north.standing_invitees}
    assert roles == standing
    assert roles[chair.id] is InviteeRole.CHAIR
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting.create"))
    assert entry.object_id == meeting.id
    assert entry.municipality_id == world.north.id


def test_create_meeting_skips_archived_standing_invitees(world):
    gone = factories.ContactFactory(
        organisation=world.north.organisations[0], archived_at=NOW - timedelta(days=1)
    )
    factories.StandingInviteeFactory(municipality=world.north, contact=gone)
    meeting = new_meeting(world)
    assert gone.id not in {inv.contact_id for inv in meeting.invitations}
    assert len(meeting.invitations) == 1


def test_create_meeting_does_not_commit(world):
    services.create_meeting(
        world.north,
        start_at=brussels(date(2026, 3, 17), 14),
        end_at=brussels(date(2026, 3, 17), 16),
        now=NOW,
    )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_create_meeting_uses_given_title_and_location(world):
    meeting = new_meeting(world, title="Extra woonoverleg", location="Bib, zaal 2")
    assert (meeting.title, meeting.location) == ("Extra woonoverleg", "Bib, zaal 2")


def test_create_meeting_refuses_end_before_start(world):
    start = brussels(date(2026, 3, 17), 14)
    with pytest.raises(Refusal) as refused:
        services.create_meeting(world.north, start_at=start, end_at=start, now=NOW)
    assert refused.value.field == "end_time"


def test_create_meeting_refuses_planned_meeting_in_the_past(world):
    with pytest.raises(Refusal) as refused:
        services.create_meeting(
            world.north,
            start_at=NOW - timedelta(days=2),
            end_at=NOW - timedelta(days=2, hours=-2),
            now=NOW,
        )
    assert refused.value.field == "date"


def test_a_refusal_reads_in_the_language_of_its_reader(world):
    with pytest.raises(Refusal) as refused:
        new_meeting(world, title="x" * 201)
    with force_locale("en"):
        assert str(refused.value) == "At most 200 characters."
    with force_locale("nl"):
        assert str(refused.value) == "Maximaal 200 tekens."


def test_create_meeting_in_the_past_as_held_is_allowed(world):
    meeting = services.create_meeting(
        world.north,
        start_at=NOW - timedelta(days=30),
        end_at=NOW - timedelta(days=30, hours=-2),
        now=NOW,
        status=MeetingStatus.HELD,
    )
    assert meeting.status is MeetingStatus.HELD


def test_create_meeting_refuses_overlong_title(world):
    with pytest.raises(Refusal) as refused:
        new_meeting(world, title="x" * 201)
    assert refused.value.field == "title"


# --- update and cancel ------------------------------------------------------------------------


def test_update_title_only_raises_sequence_but_asks_nobody_again(world):
    meeting = new_meeting(world)
    change = services.update_meeting(
        meeting,
        title="Nieuwe titel",
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        location=meeting.location,
        now=NOW,
        user=world.coordinator,
    )
    assert change.title_changed and change.needs_new_sequence and not change.asks_again
    assert (meeting.ical_sequence, meeting.significant_sequence) == (1, 0)
    assert meeting.title == "Nieuwe titel"


def test_update_time_raises_sequence_and_reports_old_time(world):
    meeting = new_meeting(world)
    old_start = meeting.start_at
    change = services.update_meeting(
        meeting,
        title=meeting.title,
        start_at=meeting.start_at + timedelta(hours=1),
        end_at=meeting.end_at + timedelta(hours=1),
        location=meeting.location,
        now=NOW,
        user=world.coordinator,
    )
    db.session.commit()
    assert change.time_changed and not change.place_changed
    assert change.old_start_at == old_start
    assert meeting.ical_sequence == 1
    actions = list(db.session.scalars(sa.select(AuditEntry.action)))
    assert "meeting.update" in actions


def test_update_place_raises_sequence(world):
    meeting = new_meeting(world)
    change = services.update_meeting(
        meeting,
        title=meeting.title,
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        location="Elders",
        now=NOW,
    )
    assert change.place_changed and change.needs_new_sequence
    assert meeting.ical_sequence == 1


def test_update_without_change_changes_nothing(world):
    meeting = new_meeting(world)
    change = services.update_meeting(
        meeting,
        title=meeting.title,
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        location=meeting.location,
        now=NOW,
        user=world.coordinator,
    )
    assert not change.changed
    assert meeting.ical_sequence == 0
    assert "meeting.update" not in set(db.session.scalars(sa.select(AuditEntry.action)))


def test_update_refuses_moving_planned_meeting_into_the_past(world):
    meeting = new_meeting(world)
    with pytest.raises(Refusal):
        services.update_meeting(
            meeting,
            title=meeting.title,
            start_at=NOW - timedelta(days=1),
            end_at=NOW - timedelta(hours=22),
            location=meeting.location,
            now=NOW,
        )


def test_cancel_raises_sequence_and_locks_meeting(world):
    meeting = new_meeting(world)
    change = services.cancel_meeting(meeting, reason="Te weinig agendapunten", now=NOW)
    assert change.status_changed and change.needs_new_sequence
    assert change.old_status is MeetingStatus.PLANNED
    assert meeting.status is MeetingStatus.CANCELLED
    assert meeting.cancel_reason == "Te weinig agendapunten"
    assert meeting.ical_sequence == 1
    with pytest.raises(Refusal):
        services.update_meeting(
            meeting,
            title="x",
            start_at=meeting.start_at,
            end_at=meeting.end_at,
            location="",
            now=NOW,
        )
    with pytest.raises(Refusal):
        services.cancel_meeting(meeting, reason="nog eens", now=NOW)
    with pytest.raises(Refusal):
        services.add_agenda_item(meeting, AgendaItemData(title="Te laat"))


def test_cancel_needs_a_reason(world):
    meeting = new_meeting(world)
    with pytest.raises(Refusal) as refused:
        services.cancel_meeting(meeting, reason="  ", now=NOW)
    assert refused.value.field == "reason"
    assert meeting.status is MeetingStatus.PLANNED


# --- agenda -----------------------------------------------------------------------------------


def test_new_agenda_item_goes_before_varia(world):
    meeting = new_meeting(world)
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "kerncijfers"))
    item = services.add_agenda_item(
        meeting,
        AgendaItemData(title="Kerncijfers 2025", theme=theme, presenter="IGS", duration_minutes=20),
        user=world.coordinator,
    )
    db.session.commit()
    titles = [i.title for i in meeting.agenda_items]
    assert titles.index("Kerncijfers 2025") == titles.index("Varia") - 1
    assert item.kind is AgendaItemKind.THEME
    assert [i.position for i in meeting.agenda_items] == list(range(7))


def test_agenda_item_refuses_bad_duration(world):
    meeting = new_meeting(world)
    with pytest.raises(Refusal) as refused:
        services.add_agenda_item(meeting, AgendaItemData(title="Lang", duration_minutes=601))
    assert refused.value.field == "duration_minutes"


def test_remove_agenda_item_renumbers(world):
    meeting = new_meeting(world)
    services.remove_agenda_item(meeting.agenda_items[1], user=world.coordinator)
    db.session.commit()
    assert [i.position for i in meeting.agenda_items] == [0, 1, 2, 3, 4]
    assert "Goedkeuring verslag vorige vergadering" not in [i.title for i in meeting.agenda_items]


def test_reorder_agenda(world):
    meeting = new_meeting(world)
    ids = [item.id for item in meeting.agenda_items]
    new_order = list(reversed(ids))
    services.reorder_agenda(meeting, new_order, user=world.coordinator)
    db.session.commit()
    db.session.expire_all()
    assert [item.id for item in db.session.get(Meeting, meeting.id).agenda_items] == new_order


def test_reorder_refuses_items_of_another_meeting(world):
    meeting = new_meeting(world)
    other = new_meeting(world, day=date(2026, 3, 18))
    ids = [item.id for item in meeting.agenda_items]
    foreign = [*ids[:-1], other.agenda_items[0].id]
    with pytest.raises(Refusal, match="niet bij deze vergadering"):
        services.reorder_agenda(meeting, foreign)
    assert [item.position for item in other.agenda_items] == list(range(6))


def test_reorder_refuses_stale_or_duplicate_lists(world):
    meeting = new_meeting(world)
    ids = [item.id for item in meeting.agenda_items]
    with pytest.raises(Refusal, match="intussen gewijzigd"):
        services.reorder_agenda(meeting, ids[:-1])
    with pytest.raises(Refusal, match="meer dan eens"):
        services.reorder_agenda(meeting, [*ids, ids[0]])


def test_moved_order():
    class Item:
        def __init__(self, item_id: int) -> None:
            self.id = item_id

    items = [Item(1), Item(2), Item(3)]
    assert services.moved_order(items, 2, -1) == [2, 1, 3]
    assert services.moved_order(items, 2, 1) == [1, 3, 2]
    assert services.moved_order(items, 1, -1) is None
    assert services.moved_order(items, 9, 1) is None


# --- invitees ---------------------------------------------------------------------------------


def test_add_change_and_remove_invitee(world):
    meeting = new_meeting(world)
    contact = factories.ContactFactory(organisation=world.north.organisations[0])
    invitation = services.add_invitee(meeting, contact, InviteeRole.OPTIONAL, user=world.secretary)
    db.session.commit()
    assert invitation.role is InviteeRole.OPTIONAL
    with pytest.raises(Refusal, match="al uitgenodigd"):
        services.add_invitee(meeting, contact, InviteeRole.REQUIRED)
    assert services.change_invitee_role(invitation, InviteeRole.CHAIR, user=world.secretary)
    assert not services.change_invitee_role(invitation, InviteeRole.CHAIR)
    services.remove_invitee(invitation, user=world.secretary)
    db.session.commit()
    assert contact.id not in {inv.contact_id for inv in meeting.invitations}
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"invitation.create", "invitation.update", "invitation.delete"} <= actions


def test_remove_invitee_with_recorded_attendance_is_refused(world):
    meeting = new_meeting(world)
    invitation = meeting.invitations[0]
    invitation.attendance = Attendance.PRESENT
    with pytest.raises(Refusal):
        services.remove_invitee(invitation)


# --- conflicts --------------------------------------------------------------------------------


def test_no_conflicts_on_an_ordinary_day(world):
    meeting = new_meeting(world, day=date(2026, 3, 17))
    assert services.meeting_conflicts(meeting) == []


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 11, 11), ConflictKind.PUBLIC_HOLIDAY),
        (date(2026, 7, 11), ConflictKind.FLEMISH_HOLIDAY),
        (date(2026, 11, 3), ConflictKind.SCHOOL_HOLIDAY),
    ],
)
def test_holiday_conflicts(world, day, kind):
    meeting = new_meeting(world, day=day)
    kinds = {conflict.kind for conflict in services.meeting_conflicts(meeting)}
    assert kind in kinds
    assert all(conflict.day == day for conflict in services.meeting_conflicts(meeting))


def test_holiday_rules_can_be_switched_off(world):
    meeting = new_meeting(world, day=date(2026, 11, 3))
    rules = CalendarRules(avoid_school_holidays=False)
    assert services.meeting_conflicts(meeting, rules) == []


def test_holiday_is_judged_on_the_brussels_date(world):
    # 23:30 on 10 November in Brussels is still 10 November, not the holiday of 11 November.
    day = date(2026, 11, 10)
    meeting = services.create_meeting(
        world.north,
        start_at=brussels(day, 22),
        end_at=brussels(day, 23, 30),
        now=NOW,
    )
    assert services.meeting_conflicts(meeting) == []


def test_overlap_with_shared_required_invitee(world):
    shared = world.north.standing_invitees[0].contact
    world.south.standing_invitees.append(StandingInvitee(contact=shared, role=InviteeRole.CHAIR))
    db.session.commit()
    day = date(2026, 3, 17)
    ours = new_meeting(world, day=day, hour=14)
    theirs = services.create_meeting(
        world.south, start_at=brussels(day, 15), end_at=brussels(day, 17), now=NOW
    )
    db.session.commit()
    conflicts = services.meeting_conflicts(ours)
    assert [c.kind for c in conflicts] == [ConflictKind.OVERLAP]
    assert conflicts[0].other_meeting.id == theirs.id
    assert [c.id for c in conflicts[0].contacts] == [shared.id]
    # What the warning shows of the other meeting, and who may open it (by ids).
    assert conflicts[0].day == day
    assert conflicts[0].other_meeting == services.OtherMeeting(
        id=theirs.id,
        title=theirs.title,
        start_at=theirs.start_at,
        end_at=theirs.end_at,
        municipality_id=world.south.id,
        platform_id=world.platform.id,
    )
    other = conflicts[0].other_meeting
    assert can_view_municipality_id(world.coordinator, other.municipality_id, other.platform_id)
    assert not can_view_municipality_id(world.secretary, other.municipality_id, other.platform_id)
    assert can_view_municipality_id(world.secretary, world.north.id, world.platform.id)
    assert not can_view_municipality_id(world.outsider, other.municipality_id, other.platform_id)


def test_overlap_conflicts_take_one_query_however_many_meetings_overlap(world):
    """The overlapping meetings come as plain columns with their invitations in one statement:
    a busy day on a large platform costs no query (and no ORM row) per other meeting."""
    shared = world.north.standing_invitees[0].contact
    day = date(2026, 3, 17)
    ours = new_meeting(world, day=day, hour=14)
    for hour in (13, 14, 15):
        other = services.create_meeting(
            world.south, start_at=brussels(day, hour), end_at=brussels(day, hour + 2), now=NOW
        )
        other.invitations.append(Invitation(contact=shared, role=InviteeRole.REQUIRED))
    db.session.commit()
    ours = services.load_meeting_page(ours.id)  # with its invitees, as the meeting page has it
    with count_queries(db.engine) as statements:
        conflicts = services.overlap_conflicts(ours)
    assert len(statements) == 1
    assert [c.other_meeting.start_at for c in conflicts] == [
        brussels(day, hour) for hour in (13, 14, 15)
    ]
    assert all(c.contacts == (shared,) for c in conflicts)


def test_no_overlap_conflict_when_times_only_touch_or_other_is_cancelled(world):
    shared = world.north.standing_invitees[0].contact
    world.south.standing_invitees.append(StandingInvitee(contact=shared, role=InviteeRole.REQUIRED))
    db.session.commit()
    day = date(2026, 3, 17)
    ours = new_meeting(world, day=day, hour=14)
    services.create_meeting(
        world.south, start_at=brussels(day, 16), end_at=brussels(day, 18), now=NOW
    )
    cancelled = services.create_meeting(
        world.south, start_at=brussels(day, 14), end_at=brussels(day, 16), now=NOW
    )
    services.cancel_meeting(cancelled, reason="Verplaatst", now=NOW)
    db.session.commit()
    assert services.meeting_conflicts(ours) == []


def test_overlap_with_a_meeting_that_started_the_evening_before(world):
    """The overlap check searches meetings by time: one that started up to a day earlier and
    still runs is found (the window the search uses is the longest a meeting may last)."""
    shared = world.north.standing_invitees[0].contact
    world.south.standing_invitees.append(StandingInvitee(contact=shared, role=InviteeRole.CHAIR))
    db.session.commit()
    day = date(2026, 3, 17)
    theirs = services.create_meeting(
        world.south,
        start_at=brussels(day - timedelta(days=1), 16),
        end_at=brussels(day, 15),
        now=NOW,
    )
    ours = new_meeting(world, day=day, hour=14)
    db.session.commit()
    conflicts = services.meeting_conflicts(ours)
    assert [c.other_meeting.id for c in conflicts] == [theirs.id]


def test_a_meeting_lasts_at_most_a_day(world):
    day = date(2026, 10, 25)  # summer time ends: this day counts 25 hours
    longest = services.create_meeting(
        world.north, start_at=brussels(day, 0), end_at=brussels(day, 23, 59), now=NOW
    )
    assert longest.end_at - longest.start_at > timedelta(hours=24)
    with pytest.raises(Refusal) as refused:
        services.create_meeting(
            world.north,
            start_at=brussels(day, 8),
            end_at=brussels(day + timedelta(days=1), 10),
            now=NOW,
        )
    assert refused.value.field == "end_time"
    with pytest.raises(Refusal):
        services.update_meeting(
            longest,
            title=longest.title,
            start_at=longest.start_at,
            end_at=longest.start_at + services.MAX_MEETING_LENGTH + timedelta(minutes=1),
            location="",
            now=NOW,
        )


def test_no_overlap_conflict_for_optional_invitee(world):
    shared = world.north.standing_invitees[0].contact
    world.south.standing_invitees.append(StandingInvitee(contact=shared, role=InviteeRole.OPTIONAL))
    db.session.commit()
    day = date(2026, 3, 17)
    ours = new_meeting(world, day=day, hour=14)
    services.create_meeting(
        world.south, start_at=brussels(day, 15), end_at=brussels(day, 17), now=NOW
    )
    db.session.commit()
    assert services.meeting_conflicts(ours) == []


def test_cancelled_meeting_has_no_conflicts(world):
    meeting = new_meeting(world, day=date(2026, 11, 11))
    services.cancel_meeting(meeting, reason="Feestdag", now=NOW)
    assert services.meeting_conflicts(meeting) == []


# --- held -------------------------------------------------------------------------------------


def test_mark_held_once_started_keeps_sequence(world):
    meeting = new_meeting(world)
    with pytest.raises(Refusal, match="begonnen"):
        services.mark_held(meeting, now=NOW)
    services.mark_held(meeting, now=meeting.start_at + timedelta(minutes=5), user=world.secretary)
    db.session.commit()
    assert meeting.status is MeetingStatus.HELD
    assert meeting.ical_sequence == 0
    assert "meeting.held" in set(db.session.scalars(sa.select(AuditEntry.action)))
    with pytest.raises(Refusal, match="al als gehouden"):
        services.mark_held(meeting, now=meeting.end_at)
    with pytest.raises(Refusal):
        services.cancel_meeting(meeting, reason="te laat", now=meeting.end_at)


def test_cancelled_meeting_cannot_be_marked_held(world):
    meeting = new_meeting(world)
    services.cancel_meeting(meeting, reason="Geen agenda", now=NOW)
    with pytest.raises(Refusal):
        services.mark_held(meeting, now=meeting.end_at)


# --- the meeting list's filter ------------------------------------------------------------------


def test_municipality_choices_are_the_visible_municipalities_by_name(world):
    for user in (world.coordinator, world.secretary, world.reader, world.outsider):
        visible = db.session.scalars(
            sa.select(Municipality)
            .where(municipality_filter(user, Municipality.id))
            .order_by(Municipality.name)
        ).all()
        assert services.municipality_choices(user) == [(m.id, m.slug, m.name) for m in visible]
    assert [c.slug for c in services.municipality_choices(world.secretary)] == [world.north.slug]


def test_may_edit_visible_municipalities_agrees_with_can_edit_municipality(world):
    for user in (world.coordinator, world.secretary, world.reader, world.outsider):
        visible = db.session.scalars(
            sa.select(Municipality).where(municipality_filter(user, Municipality.id))
        ).all()
        assert visible  # every kind of user sees at least one municipality here
        assert all(
            can_edit_municipality(user, m) == may_edit_visible_municipalities(user) for m in visible
        ), user.role
    assert not may_edit_visible_municipalities(world.reader)
    assert may_edit_visible_municipalities(world.secretary)


def test_municipality_exists_filter_keeps_the_rows_municipality_filter_keeps(world):
    for municipality in (world.north, world.south, world.elsewhere):
        factories.MeetingFactory.create_batch(2, municipality=municipality)
    db.session.commit()
    for user in (world.coordinator, world.secretary, world.reader, world.outsider):
        expected = set(
            db.session.scalars(
                sa.select(Meeting.id).where(municipality_filter(user, Meeting.municipality_id))
            )
        )
        kept = set(
            db.session.scalars(
                sa.select(Meeting.id).where(
                    municipality_exists_filter(user, Meeting.municipality_id)
                )
            )
        )
        assert kept == expected and expected, user.role
        # And on the municipality table itself (the alias keeps the two apart).
        assert set(
            db.session.scalars(
                sa.select(Municipality.id).where(municipality_exists_filter(user, Municipality.id))
            )
        ) == set(
            db.session.scalars(
                sa.select(Municipality.id).where(municipality_filter(user, Municipality.id))
            )
        )
    page = services.visible_meetings(world.coordinator)
    assert {m.municipality_id for m in db.session.scalars(page)} == {
        world.north.id,
        world.south.id,
    }
