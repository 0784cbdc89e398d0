from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from overleg.dashboard.services import (
    municipalities_without_meeting,
    remember_language,
    upcoming_meetings,
)
from overleg.extensions import db
from overleg.lib.dates import half_year_bounds
from overleg.models import MeetingStatus, User
from tests import factories


def test_half_year_bounds_are_brussels_midnights():
    start, end = half_year_bounds(date(2026, 3, 17))
    assert start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 1 January, CET
    assert end == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # 1 July, CEST
    second_start, second_end = half_year_bounds(date(2026, 11, 23))
    assert second_start == end
    assert second_end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_upcoming_meetings_only_what_the_user_may_see(world):
    now = datetime.now(UTC)
    own = factories.MeetingFactory(municipality=world.north, start_at=now + timedelta(days=3))
    other = factories.MeetingFactory(municipality=world.south, start_at=now + timedelta(days=2))
    factories.MeetingFactory(municipality=world.elsewhere, start_at=now + timedelta(days=1))
    factories.MeetingFactory(
        municipality=world.north,
        start_at=now + timedelta(days=4),
        status=MeetingStatus.CANCELLED,
    )
    factories.MeetingFactory(municipality=world.north, start_at=now - timedelta(days=4))

    assert upcoming_meetings(world.secretary, now) == [own]
    assert upcoming_meetings(world.coordinator, now) == [other, own]
    assert upcoming_meetings(world.outsider, now)[0].municipality == world.elsewhere


def test_municipalities_without_meeting_this_half_year(world):
    start, end = half_year_bounds(date(2026, 3, 17))
    factories.MeetingFactory(
        municipality=world.north, start_at=datetime(2026, 3, 17, 13, 0, tzinfo=UTC)
    )
    factories.MeetingFactory(
        municipality=world.south,
        start_at=datetime(2026, 4, 20, 13, 0, tzinfo=UTC),
        status=MeetingStatus.CANCELLED,
    )
    assert municipalities_without_meeting(world.coordinator, start, end) == [world.south]
    assert municipalities_without_meeting(world.secretary, start, end) == []


def test_the_language_is_written_at_once(world):
    # Flushed, not only changed: a busy database refuses inside the call, before the language
    # view touches the session cookie (tests/system/test_faults.py shows the 503).
    remember_language(world.reader, "en")
    assert world.reader not in db.session.dirty
    with db.session.no_autoflush:
        stored = db.session.scalar(sa.select(User.locale).where(User.id == world.reader.id))
    assert stored == "en"
