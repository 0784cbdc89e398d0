"""What the coordinator chose for a plan (on the planner page, in a poll, on the command line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from overleg.lib.calendar_rules import CalendarRules


@dataclass(frozen=True)
class PlanSettings:
    """The period, the calendar rules and the platform of a plan."""

    year: int
    half: int | None = None  # None: the whole year
    rules: CalendarRules = field(default_factory=CalendarRules)
    max_per_day: int = 2
    slot_step_minutes: int = 30
    platform_ids: tuple[int, ...] | None = None  # None: every platform
    exclude: frozenset[str] = frozenset()  # municipality slugs left out of this plan
    # Municipalities to plan one joint meeting for (docs/municipalities.md): the first by slug
    # hosts it; fewer than two: none.
    together: frozenset[str] = frozenset()


def period_bounds(year: int, half: int | None) -> tuple[date, date]:
    """First and last day (inclusive) of the year or of its first or second half."""
    if half == 1:
        return date(year, 1, 1), date(year, 6, 30)
    if half == 2:
        return date(year, 7, 1), date(year, 12, 31)
    return date(year, 1, 1), date(year, 12, 31)
