"""The meeting forms and the dates people type (issue 11, findings 6 and 9), on both databases.

Extreme dates answered 500 (OverflowError); on the night summer time starts a time that does not
exist was silently moved an hour, and on the night it ends 02:30-03:30 read as one hour and was
stored as two.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import Meeting
from overleg.models.types import utcnow
from tests.conftest import login, post_form
from tests.functional.test_meetings import create_data, edit_data, meeting_of, text


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.isoweekday() % 7)


YEAR = utcnow().year + 2  # planned meetings must lie ahead
SPRING = _last_sunday(YEAR, 3)  # 02:00-02:59 does not exist
AUTUMN = _last_sunday(YEAR, 10)  # 02:00-02:59 happens twice

OUT_OF_RANGE = "Kies een datum tussen 1 januari 2000 en 31 december 2100."


def _create(client, day: date, start: str, end: str, **kwargs):  # type: ignore[no-untyped-def]
    data = create_data(day, start_time=start, end_time=end)
    return post_form(client, "/meetings/new", data, **kwargs)


def _duration() -> timedelta:
    meeting = db.session.scalar(sa.select(Meeting))
    return meeting.end_at - meeting.start_at


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Meeting.id))) or 0


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        ("9999-12-31", "23:30", "23:59"),
        ("9999-12-31", "23:30", ""),  # the usual duration would pass the year 9999
        ("9999-12-31", "", ""),
        ("0001-01-01", "00:00", "01:00"),
        ("0001-01-01", "", ""),
        ("1999-12-31", "14:00", "16:00"),
        ("2101-01-01", "14:00", "16:00"),
    ],
)
def test_create_with_an_extreme_date_is_refused_on_the_date(client, world, day, start, end):
    login(client, world.coordinator)
    data = create_data(date(2030, 1, 1), start_time=start, end_time=end, date=day)
    for status in ("planned", "held"):
        response = post_form(client, "/meetings/new", {**data, "status": status})
        assert response.status_code == 200
        assert OUT_OF_RANGE in text(response)
    assert _count() == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_edit_with_an_extreme_date_is_refused_on_the_date(client, world, day):
    meeting = meeting_of(world)
    login(client, world.secretary)
    data = edit_data(meeting, date=day, start_time="23:30", end_time="23:59")
    response = post_form(client, f"/meetings/{meeting.id}/edit", data)
    assert response.status_code == 200
    assert OUT_OF_RANGE in text(response)
    assert db.session.get(Meeting, meeting.id).ical_sequence == 0


def test_the_new_meeting_link_ignores_a_date_out_of_range(client, world):
    login(client, world.coordinator)
    for day in ("9999-12-31", "0001-01-01", "2027-02-30"):
        response = client.get(f"/meetings/new?date={day}")
        assert response.status_code == 200
        assert f'value="{day}"' not in text(response)


# --- summer time starts: 02:00-02:59 does not exist -------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field_message"),
    [
        ("02:00", "02:59", "02:00 bestaat niet op"),
        ("02:30", "04:00", "02:30 bestaat niet op"),
        ("03:00", "02:30", "02:30 bestaat niet op"),  # was stored as 03:00-03:30
        ("02:30", "03:30", "02:30 bestaat niet op"),  # was "the end must be after the start"
    ],
)
def test_a_time_the_clock_skips_is_refused_with_a_message_that_says_so(
    client, world, start, end, field_message
):
    login(client, world.coordinator)
    response = _create(client, SPRING, start, end)
    body = text(response)
    assert response.status_code == 200
    assert field_message in body
    assert "die nacht springt de klok van 02:00 naar 03:00" in body
    assert "Het einde moet na het begin liggen." not in body
    assert _count() == 0


def test_an_edit_into_the_skipped_hour_is_refused(client, world):
    meeting = meeting_of(world)
    login(client, world.secretary)
    data = edit_data(meeting, date=SPRING.isoformat(), start_time="02:15", end_time="04:00")
    response = post_form(client, f"/meetings/{meeting.id}/edit", data)
    assert "02:15 bestaat niet op" in text(response)
    assert db.session.get(Meeting, meeting.id).ical_sequence == 0


def test_the_hours_around_the_skipped_one_are_real_durations(client, world):
    login(client, world.coordinator)
    assert _create(client, SPRING, "01:30", "03:30").status_code == 302
    assert _duration() == timedelta(hours=1)  # the clock skipped one


def test_a_blank_start_takes_the_usual_hour_and_the_duration_in_utc(client, world):
    world.north.meeting_duration_minutes = 120
    db.session.commit()
    login(client, world.coordinator)
    assert _create(client, SPRING, "01:30", "").status_code == 302
    assert _duration() == timedelta(hours=2)


# --- summer time ends: 02:00-02:59 happens twice -----------------------------------------------


def test_a_time_shown_twice_is_the_first_and_the_user_is_told(client, world):
    login(client, world.coordinator)
    response = _create(client, AUTUMN, "02:30", "03:30", follow_redirects=True)
    body = text(response)
    assert response.status_code == 200
    assert "02:30 komt op" in body and "twee keer voor" in body
    assert "Overleg neemt de eerste keer: 02:30 zomertijd (UTC+2)." in body
    assert "om 02:30 (UTC+2)" in body  # the page shows which 02:30
    assert _duration() == timedelta(hours=2)  # 02:30 summer time to 03:30 winter time


def test_end_after_start_is_compared_as_instants(client, world):
    login(client, world.coordinator)
    # 02:45 (first) to 02:15 (first): the end is before the start.
    response = _create(client, AUTUMN, "02:45", "02:15")
    assert "Het einde moet na het begin liggen." in text(response)
    # 01:30 to 02:15 (first): 45 minutes.
    assert _create(client, AUTUMN, "01:30", "02:15").status_code == 302
    assert _duration() == timedelta(minutes=45)


def test_an_ordinary_time_gets_no_note(client, world):
    login(client, world.coordinator)
    response = _create(client, AUTUMN, "14:00", "16:00", follow_redirects=True)
    assert "twee keer voor" not in text(response)
    assert "(UTC+" not in text(response)
