from datetime import date

from overleg.lib.calendar_rules import (
    CalendarRules,
    DayKind,
    blocked_days,
    is_blocked,
    reasons_to_avoid,
)


def test_public_holiday_is_blocked():
    reasons = reasons_to_avoid(date(2026, 5, 1), CalendarRules(avoid_school_holidays=False))
    assert [r.kind for r in reasons] == [DayKind.PUBLIC_HOLIDAY]
    assert "Arbeid" in reasons[0].name


def test_eleven_july_is_added_by_hand():
    kinds = {r.kind for r in reasons_to_avoid(date(2027, 7, 11))}
    assert DayKind.FLEMISH_HOLIDAY in kinds
    only_flemish = CalendarRules(avoid_public_holidays=False, avoid_school_holidays=False)
    assert is_blocked(date(2027, 7, 11), only_flemish)


def test_school_holidays_can_be_switched_off():
    krokus = date(2026, 2, 18)  # a Wednesday in the krokusvakantie
    assert is_blocked(krokus)
    assert not is_blocked(krokus, CalendarRules(avoid_school_holidays=False))


def test_ordinary_day_is_free():
    assert reasons_to_avoid(date(2026, 3, 17)) == []


def test_blocked_days_range_is_inclusive_and_sorted():
    days = blocked_days(date(2026, 12, 24), date(2027, 1, 2))
    assert date(2026, 12, 25) in days and date(2027, 1, 1) in days
    assert list(days) == sorted(days)
