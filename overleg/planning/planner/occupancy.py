"""What the search works on: the period's days, the meetings to place, who is taken when.

A person's day is a bit mask of quarters (bit q: the quarter starting q * 15 minutes after
midnight is taken); days are indices from the first day of the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from overleg.lib.calendar_rules import BlockedDay, blocked_days
from overleg.planning.planner.problem import MunicipalityRequest, PlanningProblem, iso_week

Slot = tuple[int, int, int]  # (own penalty, day ordinal, start minute)


@dataclass
class Meeting:
    """One meeting to place: the `number`-th of its municipality in the period."""

    request: MunicipalityRequest
    number: int
    people: tuple[int, ...]  # dense person indices
    candidates: list[Slot]  # sorted: cheapest own penalty first
    length_q: int  # its length in quarters


class Period:
    """The days of the period: which are blocked, which are free weekdays, their week numbers."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.start_ord = problem.start.toordinal()
        self.end_ord = problem.end.toordinal()
        self.blocked: dict[date, list[BlockedDay]] = (
            blocked_days(problem.start, problem.end, problem.rules)
            if problem.end >= problem.start
            else {}
        )
        all_days = [date.fromordinal(o) for o in range(self.start_ord, self.end_ord + 1)]
        self.free_days = [d for d in all_days if d not in self.blocked and d.isoweekday() <= 5]
        iso_weeks = sorted({iso_week(d) for d in all_days})
        week_number = {w: i for i, w in enumerate(iso_weeks)}
        self.week_of = [week_number[iso_week(d)] for d in all_days]  # day index -> 0, 1, ...

    def days(self, weekdays: frozenset[int]) -> list[date]:
        """The days a meeting may use: free weekdays, and unblocked weekend days it prefers."""
        days = [d for d in self.free_days if d.isoweekday() in weekdays]
        if weekdays - set(range(1, 6)):
            for o in range(self.start_ord, self.end_ord + 1):
                d = date.fromordinal(o)
                if d.isoweekday() in weekdays and d.isoweekday() > 5 and d not in self.blocked:
                    days.append(d)
            days.sort()
        return days


class Occupancy:
    """The occupancy of every person per day, and the days of every municipality."""

    def __init__(self, problem: PlanningProblem, n_persons: int, weeks: list[int]) -> None:
        n_days = (problem.end - problem.start).days + 1
        self.start_ord = problem.start.toordinal()
        self.max_per_day = problem.max_per_day
        self.week_of = weeks  # day index -> week number (0, 1, ...)
        self.masks = [[0] * n_days for _ in range(n_persons)]
        self.counts = [[0] * n_days for _ in range(n_persons)]
        self.week_load = [[0] * (max(weeks, default=0) + 1) for _ in range(n_persons)]
        # Who occupies a person's day (for explanations): (person, day index) -> (mask, label).
        self.labels: dict[tuple[int, int], list[tuple[int, str]]] = {}
        self.municipality_days: dict[int, list[int]] = {
            m.id: sorted(d.toordinal() for d in m.existing) for m in problem.municipalities
        }
        self.numbered: dict[tuple[int, int], int] = {}  # (municipality, number) -> day ordinal

    def occupy(self, person: int, day_ord: int, first_q: int, length_q: int, label: str) -> None:
        index = day_ord - self.start_ord
        mask = ((1 << length_q) - 1) << first_q
        self.masks[person][index] |= mask
        self.counts[person][index] += 1
        self.week_load[person][self.week_of[index]] += 1
        self.labels.setdefault((person, index), []).append((mask, label))

    def release(self, person: int, day_ord: int, first_q: int, length_q: int, label: str) -> None:
        index = day_ord - self.start_ord
        mask = ((1 << length_q) - 1) << first_q
        self.masks[person][index] &= ~mask
        self.counts[person][index] -= 1
        self.week_load[person][self.week_of[index]] -= 1
        self.labels[(person, index)].remove((mask, label))
