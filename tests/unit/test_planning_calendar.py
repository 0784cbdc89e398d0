"""The planner page's month calendar (planning.services.month_calendar), without HTTP."""

from __future__ import annotations

from datetime import date

from overleg.lib.calendar_rules import blocked_days
from overleg.planning.services import FreeDays, month_calendar


def test_the_blocked_days_of_a_month_are_listed_as_runs_under_it():
    start, end = date(2027, 7, 1), date(2027, 12, 31)
    months = month_calendar(start, end, [date(2027, 9, 1)], blocked_days(start, end))
    july = months[0]
    assert july.first == date(2027, 7, 1)
    assert FreeDays(date(2027, 7, 1), date(2027, 7, 31), "Zomervakantie") in july.free_days
    assert FreeDays(date(2027, 7, 11), date(2027, 7, 11), "Feest van de Vlaamse Gemeenschap") in (
        july.free_days
    )
    assert FreeDays(date(2027, 7, 21), date(2027, 7, 21), "Nationale feestdag") in july.free_days
    november = months[4]
    eleven = [run for run in november.free_days if run.first == date(2027, 11, 11)]
    assert [run.name for run in eleven] == ["Wapenstilstand"]  # once, not twice
    assert months[2].free_days == ()  # September: nothing blocked
    # A run is cut where the name stops: Herfstvakantie does not run into 11 November.
    autumn = [run for run in november.free_days if run.name == "Herfstvakantie"]
    assert len(autumn) == 1 and autumn[0].last < date(2027, 11, 11)


def test_runs_split_when_a_name_comes_back_after_a_gap():
    start, end = date(2027, 1, 1), date(2027, 1, 31)
    blocked = blocked_days(start, end)
    (january,) = month_calendar(start, end, [], blocked)
    names = [run.name for run in january.free_days]
    assert names.count("Kerstvakantie") == 1
    assert all(run.first <= run.last for run in january.free_days)
    day_by_day = {d for run in january.free_days for d in _days(run)}
    assert day_by_day == {d for d, reasons in blocked.items() if reasons}


def _days(run: FreeDays) -> list[date]:
    return [date.fromordinal(n) for n in range(run.first.toordinal(), run.last.toordinal() + 1)]
