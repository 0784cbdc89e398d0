"""The independent check of a plan: the hard rules it breaks, and its soft penalty.

Written apart from the search (plain pairwise comparisons on datetimes, no occupancy masks), so
that a plan adjusted by hand is re-checked by the same rules before it is confirmed, and the
search can be tested against it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import NamedTuple

from overleg.lib.calendar_rules import blocked_days
from overleg.lib.dates import BRUSSELS, later
from overleg.planning.planner.occupancy import Period
from overleg.planning.planner.problem import (
    Assignment,
    MunicipalityRequest,
    PlanningProblem,
    allowed_weekdays,
    dislike_counts,
    iso_week,
    minutes,
    overlaps_absence,
    rhythm_target,
    rhythm_weeks,
)
from overleg.planning.planner.result import Violation

# A person's meeting on a day: start, end, the municipality's slug (or the busy label), number.
_Taken = tuple[datetime, datetime, str, int]


class _Placed(NamedTuple):
    """An assignment of a known municipality, numbered within it by date, on the local clock."""

    slug: str
    number: int
    start: datetime
    end: datetime
    request: MunicipalityRequest


def _in_order(assignments: Iterable[Assignment]) -> list[Assignment]:
    return sorted(assignments, key=lambda a: (a.start, a.slug))


def check_assignments(
    problem: PlanningProblem, assignments: Iterable[Assignment]
) -> list[Violation]:
    """Every hard rule each assignment breaks, given the existing meetings and the others."""
    by_slug = {m.slug: m for m in problem.municipalities}
    numbers: Counter[str] = Counter()
    placed: list[_Placed] = []
    violations: list[Violation] = []
    for a in _in_order(assignments):
        numbers[a.slug] += 1
        m = by_slug.get(a.slug)
        if m is None:
            violations.append(Violation("unknown_municipality", a.slug, numbers[a.slug]))
            continue
        if a.start.tzinfo is None:
            raise ValueError("naive datetime")
        start = a.start.astimezone(BRUSSELS)
        one = _Placed(a.slug, numbers[a.slug], start, later(start, m.duration_minutes), m)
        placed.append(one)
        violations.extend(_own_rules(problem, one))
    violations.extend(_people_rules(problem, placed))
    violations.extend(_spacing_rules(placed))
    return _one_per_party(violations)


def _own_rules(problem: PlanningProblem, one: _Placed) -> list[Violation]:
    """The rules of a single meeting: period, free day, weekday, window, poll, spacing."""
    m, start, end = one.request, one.start, one.end
    day = start.date()
    found: list[Violation] = []

    def add(code: str, **params: object) -> None:
        found.append(Violation(code, one.slug, one.number, params))

    if not problem.start <= day <= problem.end:
        add("outside_period", day=day)
    for reason in blocked_days(day, day, problem.rules).get(day, []):
        add("blocked_day", day=day, reason=reason.name)
    if day.isoweekday() not in allowed_weekdays(m):
        add("weekend", day=day)
    if start.time() < m.window_start or (end.date() != day or end.time() > m.window_end):
        add("outside_window", window_start=m.window_start, window_end=m.window_end)
    for person in sorted(m.people):
        if overlaps_absence(problem.unavailable, person, start, end):
            add("person_unavailable", person=problem.person_name(person))
    for other in m.existing:
        if abs((day - other).days) < m.min_spacing_days:
            add("spacing_existing", other=other, spacing=m.min_spacing_days)
    return found


def _busy_days(problem: PlanningProblem) -> dict[tuple[int, date], list[_Taken]]:
    """(person, local day) -> the existing meetings that take them."""
    taken: dict[tuple[int, date], list[_Taken]] = {}
    for busy in problem.busy:
        local = busy.start.astimezone(BRUSSELS)
        taken.setdefault((busy.person, local.date()), []).append(
            (local, busy.end.astimezone(BRUSSELS), busy.label or "", 0)
        )
    return taken


def _people_rules(problem: PlanningProblem, placed: list[_Placed]) -> list[Violation]:
    """Overlaps and the daily maximum per person, against the existing meetings and each other."""
    taken = _busy_days(problem)
    violations: list[Violation] = []
    for one in placed:
        for person in sorted(one.request.people):
            entries = taken.setdefault((person, one.start.date()), [])
            name = problem.person_name(person)
            for o_start, o_end, o_slug, _o_number in entries:
                if _overlap((o_start, o_end), (one.start, one.end)):
                    violations.append(
                        Violation(
                            "overlap", one.slug, one.number, {"person": name, "other": o_slug}
                        )
                    )
            if len(entries) >= problem.max_per_day:
                params = {
                    "person": name,
                    "max_per_day": problem.max_per_day,
                    "day": one.start.date(),
                }
                violations.append(Violation("max_per_day", one.slug, one.number, params))
            entries.append((one.start, one.end, one.slug, one.number))
    return violations


def _overlap(one: tuple[datetime, datetime], other: tuple[datetime, datetime]) -> bool:
    """Whether two (start, end) periods overlap, compared as UTC instants: Brussels times with
    the same zone compare by their wall clock, and 02:30 happens twice the night summer time
    ends."""
    (start, end), (other_start, other_end) = (
        (a.astimezone(UTC), b.astimezone(UTC)) for a, b in (one, other)
    )
    return start < other_end and other_start < end


def _spacing_rules(placed: list[_Placed]) -> list[Violation]:
    """The minimal spacing between the assigned meetings of one municipality."""
    violations: list[Violation] = []
    days_of: dict[str, list[date]] = {}
    for one in placed:
        spacing = one.request.min_spacing_days
        for other_day in days_of.get(one.slug, []):
            if abs((one.start.date() - other_day).days) < spacing:
                params = {"other": other_day, "spacing": spacing}
                violations.append(Violation("spacing", one.slug, one.number, params))
        days_of.setdefault(one.slug, []).append(one.start.date())
    return violations


def _one_per_party(violations: list[Violation]) -> list[Violation]:
    """One message per rule, proposal and other party is enough."""
    unique: dict[tuple[object, ...], Violation] = {}
    for v in violations:
        unique.setdefault((v.code, v.slug, v.number, tuple(sorted(map(str, v.params.values())))), v)
    return list(unique.values())


# --- the soft penalty ----------------------------------------------------------------------------


def plan_penalty(problem: PlanningProblem, assignments: Iterable[Assignment]) -> int:
    """The soft score of any complete plan (the objective the planner and CP-SAT minimise)."""
    load, fair = _existing_load(problem)
    by_slug = {m.slug: m for m in problem.municipalities}
    numbers: Counter[str] = Counter()
    declined = dislike_counts(problem)
    total = 0
    for a in _in_order(assignments):
        m = by_slug[a.slug]
        numbers[a.slug] += 1
        day = a.start.astimezone(BRUSSELS).date()
        total += _own_penalty(problem, m, numbers[a.slug], a.start)
        total += problem.weights.poll_declined * declined.get((m.id, a.start), 0)
        for p in m.people:
            load[(p, iso_week(day))] += 1
    excess = sum(max(0, n - fair[p]) for (p, _), n in load.items())
    return total + problem.weights.load * excess


def _existing_load(
    problem: PlanningProblem,
) -> tuple[Counter[tuple[int, tuple[int, int]]], dict[int, int]]:
    """Per (person, ISO week) their existing meetings in the period; per person the fair share
    of a week (their meetings to come and existing, spread over the weeks with a free day)."""
    weeks = {iso_week(d) for d in Period(problem).free_days} or {(0, 0)}
    demand: Counter[int] = Counter()
    for m in problem.municipalities:
        if m.count > 0:
            for p in m.people:
                demand[p] += m.count
    load: Counter[tuple[int, tuple[int, int]]] = Counter()
    for busy in problem.busy:
        if busy.person in demand:
            day = busy.start.astimezone(BRUSSELS).date()
            if problem.start <= day <= problem.end:
                load[(busy.person, iso_week(day))] += 1
    for (person, _week), n in load.items():
        demand[person] += n
    fair = {p: max(1, math.ceil(n / len(weeks))) for p, n in demand.items()}
    return load, fair


def _own_penalty(
    problem: PlanningProblem, m: MunicipalityRequest, number: int, at: datetime
) -> int:
    """The weekday, start time and rhythm points of meeting `number` of `m` starting `at`."""
    w = problem.weights
    start = at.astimezone(BRUSSELS)
    day = start.date()
    total = 0 if day.isoweekday() in m.weekdays else w.weekday
    pref = minutes(m.preferred_start or m.window_start)
    total += w.time_per_half_hour * math.ceil(abs(minutes(start.time()) - pref) / 30)
    target = rhythm_target(m, number, problem.start, problem.end)
    if target is not None:
        total += w.rhythm_per_week * min(rhythm_weeks((day - target).days), w.rhythm_cap_weeks)
    return total
