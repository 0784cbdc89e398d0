"""Days a woonoverleg should not fall on: Belgian public holidays, 11 July, Flemish school holidays.

Built on the `holidays` package; 11 July (Feest van de Vlaamse Gemeenschap) is added by hand.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays


class DayKind(enum.StrEnum):
    PUBLIC_HOLIDAY = "public_holiday"
    FLEMISH_HOLIDAY = "flemish_holiday"  # 11 July
    SCHOOL_HOLIDAY = "school_holiday"


@dataclass(frozen=True)
class CalendarRules:
    """Which kinds of days to avoid; each can be switched off."""

    avoid_public_holidays: bool = True
    avoid_flemish_holiday: bool = True
    avoid_school_holidays: bool = True


@dataclass(frozen=True)
class BlockedDay:
    day: date
    kind: DayKind
    name: str


@lru_cache(maxsize=64)
def _year_table(year: int) -> dict[date, tuple[BlockedDay, ...]]:
    table: dict[date, list[BlockedDay]] = {}
    public = holidays.country_holidays(
        "BE", subdiv="Flemish", language="nl", categories=("public",), years=year
    )
    for day, name in public.items():
        table.setdefault(day, []).append(BlockedDay(day, DayKind.PUBLIC_HOLIDAY, name))
    july_11 = date(year, 7, 11)
    table.setdefault(july_11, []).append(
        BlockedDay(july_11, DayKind.FLEMISH_HOLIDAY, "Feest van de Vlaamse Gemeenschap")
    )
    school = holidays.country_holidays(
        "BE", subdiv="Flemish", language="nl", categories=("school",), years=year
    )
    for day, name in school.items():
        table.setdefault(day, []).append(BlockedDay(day, DayKind.SCHOOL_HOLIDAY, name))
    return {day: tuple(entries) for day, entries in table.items()}


def _enabled(kind: DayKind, rules: CalendarRules) -> bool:
    return {
        DayKind.PUBLIC_HOLIDAY: rules.avoid_public_holidays,
        DayKind.FLEMISH_HOLIDAY: rules.avoid_flemish_holiday,
        DayKind.SCHOOL_HOLIDAY: rules.avoid_school_holidays,
    }[kind]


def _kept(entries: Iterable[BlockedDay], rules: CalendarRules) -> list[BlockedDay]:
    """The entries `rules` avoid, each name once.

    The school calendar lists the public holidays schools are closed on under the same name
    (1 May, Ascension, Whit Monday, 11 November): one day, one holiday, named once. The first
    entry (the public holiday) is kept, so switching school holidays off leaves it blocked and
    switching public holidays off still avoids the school's day off.
    """
    kept: list[BlockedDay] = []
    names: set[str] = set()
    for entry in entries:
        if _enabled(entry.kind, rules) and entry.name not in names:
            names.add(entry.name)
            kept.append(entry)
    return kept


def reasons_to_avoid(day: date, rules: CalendarRules | None = None) -> list[BlockedDay]:
    """Why `day` should be avoided under `rules` (empty when it is a normal day)."""
    return _kept(_year_table(day.year).get(day, ()), rules or CalendarRules())


def is_blocked(day: date, rules: CalendarRules | None = None) -> bool:
    return bool(reasons_to_avoid(day, rules))


def blocked_days(
    start: date, end: date, rules: CalendarRules | None = None
) -> dict[date, list[BlockedDay]]:
    """Every blocked day from start to end inclusive, with its reasons."""
    rules = rules or CalendarRules()
    result: dict[date, list[BlockedDay]] = {}
    for year in range(start.year, end.year + 1):
        for day, entries in _year_table(year).items():
            if start <= day <= end:
                kept = _kept(entries, rules)
                if kept:
                    result[day] = kept
    return dict(sorted(result.items()))
