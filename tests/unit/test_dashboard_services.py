from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from overleg.dashboard.services import (
    kept_overview,
    municipalities_without_meeting,
    overview,
    remember_language,
    upcoming_meetings,
)
from overleg.dashboard.waiting import Settings
from overleg.extensions import db
from overleg.lib.dates import half_year_bounds
from overleg.models import Meeting, MeetingStatus, User
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


# --- the kept overview: never behind the data ---------------------------------------------------

SETTINGS = Settings(notice_days=8)


def _titles(overview) -> set[str]:  # type: ignore[no-untyped-def]
    return {meeting.title for meeting in overview.upcoming}


def _kept(user: User, now: datetime, keep_seconds: int = 60, language: str = "nl"):  # type: ignore[no-untyped-def]
    return kept_overview(user, now, SETTINGS, language=language, keep_seconds=keep_seconds)


def test_the_kept_overview_is_reused_until_a_change_is_committed(world):
    now = datetime.now(UTC)
    _kept(world.coordinator, now)
    start = now + timedelta(days=5)
    db.session.add(
        Meeting(
            municipality=world.north,
            title="Nieuw overleg",
            start_at=start,
            end_at=start + timedelta(hours=2),
        )
    )
    db.session.flush()
    assert "Nieuw overleg" in _titles(overview(world.coordinator, now, SETTINGS))
    assert "Nieuw overleg" not in _titles(_kept(world.coordinator, now))  # not committed yet
    assert "Nieuw overleg" in _titles(_kept(world.coordinator, now, keep_seconds=0))
    db.session.commit()
    assert "Nieuw overleg" in _titles(_kept(world.coordinator, now))


def test_each_person_and_language_has_an_overview_of_their_own(world):
    now = datetime.now(UTC)
    factories.MeetingFactory(
        municipality=world.south, title="Overleg Zuiderdorp", start_at=now + timedelta(days=3)
    )
    assert "Overleg Zuiderdorp" in _titles(_kept(world.coordinator, now))
    assert "Overleg Zuiderdorp" not in _titles(_kept(world.secretary, now))
    dutch = _kept(world.coordinator, now).waiting
    with force_locale("en"):
        english = _kept(world.coordinator, now, language="en").waiting
    assert dutch and english
    assert {line.text for line in dutch}.isdisjoint({line.text for line in english})


def test_a_joint_meeting_is_listed_with_all_its_municipalities(world):
    now = datetime.now(UTC)
    start = now + timedelta(days=4)
    factories.joint_meeting(
        world.north, world.south, title="Samen", start_at=start, end_at=start + timedelta(hours=2)
    )
    db.session.commit()
    [listed] = overview(world.secretary, now, SETTINGS).upcoming  # the secretary of Noorderdorp
    assert (listed.title, listed.municipality_names) == ("Samen", "Noorderdorp, Zuiderdorp")
