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


def test_a_holiday_the_school_calendar_repeats_is_named_once():
    """11 November is a public holiday and a school day off under the same name: one reason."""
    for day in (date(2026, 11, 11), date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 25)):
        names = [r.name for r in reasons_to_avoid(day)]
        assert len(names) == len(set(names)) == 1, (day, names)
        assert [r.name for r in blocked_days(day, day)[day]] == names
    assert [r.name for r in reasons_to_avoid(date(2026, 11, 11))] == ["Wapenstilstand"]


def test_the_school_day_off_still_counts_when_public_holidays_are_allowed():
    only_school = CalendarRules(avoid_public_holidays=False, avoid_flemish_holiday=False)
    reasons = reasons_to_avoid(date(2026, 11, 11), only_school)
    assert [(r.kind, r.name) for r in reasons] == [(DayKind.SCHOOL_HOLIDAY, "Wapenstilstand")]


def test_different_names_on_one_day_are_all_kept():
    names = [r.name for r in reasons_to_avoid(date(2026, 12, 25))]
    assert names == ["Kerstmis", "Kerstvakantie"]
