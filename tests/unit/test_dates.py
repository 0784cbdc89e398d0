"""Brussels dates and times (issue 11, findings 6 and 9): the accepted range, and summer time.

The property tests run over every change of the Brussels offset from 2020 to 2040, found by
scanning the days (not taken from the code under test): on each, any wall-clock time of the day
either converts to an instant that reads back as the same wall-clock time, or is refused because
the clock skips it; a time the clock shows twice is its first reading.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from overleg.lib.dates import (
    BRUSSELS,
    FIRST_DAY,
    LAST_DAY,
    brussels_instant,
    check_day,
    check_instant,
    check_year,
    is_repeated,
    later,
    long_datetime,
    parse_day,
    repeated_time_note,
    short_datetime,
    time_only,
)
from overleg.lib.refusal import Refusal
from tests.english import dutch_words

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def _offset_changes(first_year: int, last_year: int) -> list[date]:
    """The days on which the Brussels offset at noon differs from the day before."""
    days = []
    day = date(first_year, 1, 1)
    while day.year <= last_year:
        today = datetime.combine(day, time(12), tzinfo=BRUSSELS).utcoffset()
        yesterday = datetime.combine(day - timedelta(days=1), time(12), tzinfo=BRUSSELS)
        if today != yesterday.utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return days


CHANGES = _offset_changes(2020, 2040)
SPRING = [d for d in CHANGES if d.month == 3]
AUTUMN = [d for d in CHANGES if d.month == 10]
CLOCKS = st.builds(time, st.integers(0, 23), st.integers(0, 59))


def _elapsed(day: date, start: time, end: time) -> timedelta:
    """The real time between two existing wall-clock times, by POSIX timestamps."""
    return timedelta(
        seconds=brussels_instant(day, end).timestamp() - brussels_instant(day, start).timestamp()
    )


# --- the changes themselves -------------------------------------------------------------------


def test_two_changes_a_year_on_the_last_sundays_of_march_and_october():
    assert len(CHANGES) == 42
    for day in CHANGES:
        assert day.isoweekday() == 7 and (day + timedelta(days=7)).month != day.month
    assert len(SPRING) == len(AUTUMN) == 21


@pytest.mark.parametrize("day", SPRING)
def test_spring_skips_exactly_the_hour_from_two_to_three(day):
    for minute in range(24 * 60):
        clock = time(minute // 60, minute % 60)
        skipped = time(2) <= clock < time(3)
        if skipped:
            with pytest.raises(Refusal, match="bestaat niet") as caught:
                brussels_instant(day, clock, field="start_time")
            assert caught.value.field == "start_time"
        else:
            brussels_instant(day, clock)
        assert not is_repeated(day, clock)


@pytest.mark.parametrize("day", AUTUMN)
def test_autumn_repeats_exactly_the_hour_from_two_to_three(day):
    for minute in range(24 * 60):
        clock = time(minute // 60, minute % 60)
        assert is_repeated(day, clock) == (time(2) <= clock < time(3))
    first = brussels_instant(day, time(2, 30))
    assert first.astimezone(BRUSSELS).utcoffset() == timedelta(hours=2)  # summer time
    assert first.astimezone(BRUSSELS).fold == 0


# --- properties over every change -------------------------------------------------------------


@PROPERTY
@given(day=st.sampled_from(CHANGES), clock=CLOCKS)
def test_an_accepted_time_reads_back_as_typed_and_a_refused_one_does_not_exist(day, clock):
    wall = datetime.combine(day, clock)
    readings = {wall.replace(fold=fold, tzinfo=BRUSSELS).astimezone(UTC) for fold in (0, 1)}
    exists = [r for r in readings if r.astimezone(BRUSSELS).replace(tzinfo=None) == wall]
    if not exists:
        with pytest.raises(Refusal):
            brussels_instant(day, clock)
        return
    instant = brussels_instant(day, clock)
    assert instant.tzinfo is UTC
    assert instant.astimezone(BRUSSELS).replace(tzinfo=None) == wall
    assert instant == min(exists)  # the first reading of a time shown twice
    assert is_repeated(day, clock) == (len(exists) == 2)
    assert time_only(instant).startswith(f"{clock:%H:%M}")
    assert time_only(instant).endswith("(UTC+2)") == is_repeated(day, clock)


@PROPERTY
@given(day=st.sampled_from(CHANGES), start=CLOCKS, end=CLOCKS)
def test_durations_are_real_elapsed_time(day, start, end):
    try:
        begin, finish = brussels_instant(day, start), brussels_instant(day, end)
    except Refusal:
        return
    assert finish - begin == _elapsed(day, start, end)
    wall = datetime.combine(day, end) - datetime.combine(day, start)
    change = timedelta(hours=1) if day.month == 3 else -timedelta(hours=1)
    # Over the change the wall clock gains (March) or loses (October) an hour; before or after
    # it the elapsed time is what the clock shows.
    assert (finish - begin) in (wall, wall - change, wall + change)
    if max(start, end) < time(2) or min(start, end) >= time(3):
        assert finish - begin == wall


@PROPERTY
@given(day=st.sampled_from(AUTUMN), start=st.integers(120, 179), end=st.integers(180, 240))
def test_from_the_repeated_hour_past_three_lasts_an_hour_longer_than_the_clock_shows(
    day, start, end
):
    begin = brussels_instant(day, time(start // 60, start % 60))
    finish = brussels_instant(day, time(end // 60, end % 60))
    assert finish - begin == timedelta(minutes=end - start + 60)


@PROPERTY
@given(day=st.sampled_from(CHANGES), clock=CLOCKS, minutes=st.integers(0, 600))
def test_later_adds_real_time_on_the_brussels_clock(day, clock, minutes):
    try:
        start = brussels_instant(day, clock).astimezone(BRUSSELS)
    except Refusal:
        return
    end = later(start, minutes)
    assert end.tzinfo is BRUSSELS
    assert end.timestamp() - start.timestamp() == minutes * 60
    assert end.astimezone(UTC) == start.astimezone(UTC) + timedelta(minutes=minutes)


def test_later_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="naive"):
        later(datetime(2031, 10, 26, 1, 30), 60)  # noqa: DTZ001 - the naive one refused


# --- what the user reads ----------------------------------------------------------------------


def test_the_refusal_of_a_skipped_time_names_the_time_the_day_and_the_jump():
    with pytest.raises(Refusal) as caught:
        brussels_instant(date(2031, 3, 30), time(2, 30))
    message = str(caught.value.message)
    assert message.startswith("02:30 bestaat niet op zondag 30 maart 2031")
    assert "van 02:00 naar 03:00" in message


def test_a_repeated_time_gets_a_note_that_says_which_one_was_taken():
    note = repeated_time_note(date(2031, 10, 26), time(2, 30))
    assert note is not None
    assert "02:30 komt op zondag 26 oktober 2031 twee keer voor" in str(note)
    assert "om 03:00 terug naar 02:00" in str(note) and "(UTC+2)" in str(note)
    assert repeated_time_note(date(2031, 10, 26), time(3, 30)) is None
    assert repeated_time_note(date(2031, 10, 25), time(2, 30)) is None


def test_the_messages_read_in_english(app):
    with force_locale("en"):
        with pytest.raises(Refusal) as caught:
            brussels_instant(date(2031, 3, 30), time(2, 30))
        skipped = str(caught.value.message)
        repeated = str(repeated_time_note(date(2031, 10, 26), time(2, 30)))
        with pytest.raises(Refusal) as out_of_range:
            check_day(date(1999, 12, 31))
        with pytest.raises(Refusal) as bad_year:
            check_year(2101)
        messages = [skipped, repeated, str(out_of_range.value), str(bad_year.value)]
    for message in messages:
        assert not dutch_words(message), message
    assert "Sunday 30 March 2031" in skipped


def test_pages_show_the_offset_of_a_time_shown_twice():
    first = datetime(2031, 10, 26, 0, 30, tzinfo=UTC)
    second = first + timedelta(hours=1)
    assert time_only(first) == "02:30 (UTC+2)"
    assert time_only(second) == "02:30 (UTC+1)"
    assert long_datetime(first) == "zondag 26 oktober 2031 om 02:30 (UTC+2)"
    assert short_datetime(second, "en").endswith("02:30 (UTC+1)")
    assert time_only(datetime(2031, 10, 26, 2, 30, tzinfo=UTC)) == "03:30"


def test_formatted_times_are_remembered_per_instant_not_per_wall_clock():
    """The formatted times are cached: the two readings of a repeated Brussels time compare
    equal as datetimes of that zone, yet they are different instants and read differently."""
    first = datetime(2031, 10, 26, 2, 30, tzinfo=BRUSSELS)  # fold 0: still summer time
    second = first.replace(fold=1)
    assert first == second
    for _ in range(2):  # formatted, then from the cache
        assert time_only(first) == "02:30 (UTC+2)"
        assert time_only(second) == "02:30 (UTC+1)"
        assert long_datetime(second) == "zondag 26 oktober 2031 om 02:30 (UTC+1)"
        assert short_datetime(first, "en").endswith("02:30 (UTC+2)")
        assert short_datetime(second, "en").endswith("02:30 (UTC+1)")
    assert long_datetime(first, "en") != long_datetime(first, "nl")
    with pytest.raises(ValueError, match="naive"):
        time_only(datetime(2031, 10, 26, 2, 30))  # noqa: DTZ001 - naive on purpose


# --- the accepted range -----------------------------------------------------------------------


def test_winter_and_summer_wall_clock_times_are_stored_in_utc():
    winter = brussels_instant(date(2026, 3, 17), time(14, 0))
    summer = brussels_instant(date(2026, 6, 16), time(14, 0))
    assert winter == datetime(2026, 3, 17, 13, 0, tzinfo=UTC)
    assert summer == datetime(2026, 6, 16, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "day", [date.min, date(1, 1, 1), date(1999, 12, 31), date(2101, 1, 1), date.max]
)
def test_days_outside_the_range_are_refused_never_an_overflow(day):
    for clock in (time(0), time(23, 59)):
        with pytest.raises(Refusal, match="Kies een datum tussen 1 januari 2000"):
            brussels_instant(day, clock, field="date")
    with pytest.raises(Refusal):
        check_day(day)


def test_the_edges_of_the_range_are_accepted():
    assert brussels_instant(FIRST_DAY, time(0)) == datetime(1999, 12, 31, 23, tzinfo=UTC)
    assert brussels_instant(LAST_DAY, time(23, 59)) == datetime(2100, 12, 31, 22, 59, tzinfo=UTC)
    assert check_year(2000) == 2000 and check_year(2100) == 2100
    for year in (1999, 2101, 0, -1, 10**20):
        with pytest.raises(Refusal):
            check_year(year)


@pytest.mark.parametrize(
    "instant",
    [
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
        datetime(1999, 12, 31, 22, 59, tzinfo=UTC),
        datetime(2100, 12, 31, 23, 0, tzinfo=UTC),
    ],
)
def test_instants_outside_the_range_are_refused_without_converting_them(instant):
    with pytest.raises(Refusal):
        check_instant(instant)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2027-03-16", date(2027, 3, 16)),
        (" 2027-03-16 ", date(2027, 3, 16)),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("2027-02-30", None),
        ("16-03-2027", None),
        ("", None),
        ("\x00", None),
    ],
)
def test_parse_day_accepts_iso_dates_in_range_only(raw, expected):
    assert parse_day(raw) == expected
