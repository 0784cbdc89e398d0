"""Construction: every meeting to place with its candidate slots, and what rules out a plan early.

A candidate slot is a (day, start time) inside the municipality's window on the slot grid, on a
day it may use, that no required person declined in a poll (and, for a polled municipality, one
of the slots it offered); its own penalty counts the preferences it gives up.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from overleg.planning.planner.occupancy import Meeting, Occupancy, Period, Slot
from overleg.planning.planner.problem import (
    QUARTER,
    MunicipalityRequest,
    PlanningProblem,
    allowed_weekdays,
    dislike_counts,
    local_key,
    minutes,
    rhythm_targets,
    rhythm_weeks,
    start_minutes,
)
from overleg.planning.planner.result import Problem

DayOff = tuple[int, int, int]  # (day ordinal, first minute, minute after the last) of an absence
DaySlot = tuple[int, int]  # (day ordinal, start minute)


@dataclass(frozen=True)
class PollAnswers:
    """The answers of an availability poll on the Brussels wall clock."""

    absences: dict[int, set[DayOff]]  # person -> the parts of days they cannot
    dislikes: dict[int, dict[DaySlot, int]]  # municipality id -> offered slot -> people against

    @classmethod
    def of(cls, problem: PlanningProblem) -> PollAnswers:
        absences: dict[int, set[DayOff]] = {}
        for a in problem.unavailable:
            first_day, first_minute = local_key(a.start)
            last_day, last_minute = local_key(a.end)
            for day_ord in range(first_day, last_day + 1):
                begin = first_minute if day_ord == first_day else 0
                until = last_minute if day_ord == last_day else 24 * 60
                absences.setdefault(a.person, set()).add((day_ord, begin, until))
        dislikes: dict[int, dict[DaySlot, int]] = {}
        for (mid, start), n in dislike_counts(problem).items():
            dislikes.setdefault(mid, {})[local_key(start)] = n
        return cls(absences, dislikes)


class MeetingBuilder:
    """Builds the meetings of every municipality that needs some, with their candidate slots."""

    def __init__(
        self,
        problem: PlanningProblem,
        period: Period,
        persons: Mapping[int, int],
        answers: PollAnswers,
    ) -> None:
        self.problem = problem
        self.period = period
        self.persons = persons  # person id -> dense index
        self.answers = answers
        self.cache: dict[tuple[object, ...], list[Slot]] = {}

    def build(self) -> tuple[list[Meeting], list[Problem]]:
        """The meetings in slug order; a problem for each municipality left without a slot."""
        meetings: list[Meeting] = []
        issues: list[Problem] = []
        for m in sorted(self.problem.municipalities, key=lambda r: r.slug):
            if m.count <= 0 or not m.people:
                continue
            offered = self._offered(m)
            own = self._meetings_of(m, offered)
            meetings.extend(own)
            if not own[-1].candidates:
                issues.append(self._no_candidate_problem(m, offered))
        return meetings, issues

    def _offered(self, m: MunicipalityRequest) -> frozenset[DaySlot] | None:
        """The slots offered in the poll, or None when the municipality was not polled."""
        if m.id not in self.problem.offered:
            return None
        return frozenset(local_key(s) for s in self.problem.offered[m.id])

    def _meetings_of(
        self, m: MunicipalityRequest, offered: frozenset[DaySlot] | None
    ) -> list[Meeting]:
        people = tuple(self.persons[p] for p in sorted(m.people))
        absences = self.answers.absences
        person_off = frozenset().union(*(absences.get(p, set()) for p in m.people))
        disliked = self.answers.dislikes.get(m.id, {})
        targets = rhythm_targets(m, self.problem.start, self.problem.end)
        length_q = math.ceil(m.duration_minutes / QUARTER)
        result = []
        for number, target in enumerate(targets, start=1):
            # Meetings with the same settings share their (read-only) list of candidates.
            key = (
                m.weekdays,
                m.window_start,
                m.window_end,
                m.duration_minutes,
                m.preferred_start,
                target,
                person_off,
                offered,
                frozenset(disliked.items()),
            )
            if key not in self.cache:
                self.cache[key] = self._candidates(m, target, person_off, offered, disliked)
            result.append(Meeting(m, number, people, self.cache[key], length_q))
        return result

    def _candidates(
        self,
        m: MunicipalityRequest,
        target: date | None,
        person_off: frozenset[DayOff],
        offered: frozenset[DaySlot] | None,
        disliked: Mapping[DaySlot, int],
    ) -> list[Slot]:
        """Every slot the municipality may use, with its own penalty, cheapest first.

        Polled: only the offered slots; never a time a required person cannot make.
        """
        w = self.problem.weights
        starts = start_minutes(m, self.problem.slot_step_minutes)
        pref_start = minutes(m.preferred_start or m.window_start)
        time_cost = {s: w.time_per_half_hour * math.ceil(abs(s - pref_start) / 30) for s in starts}
        off_by_day: dict[int, list[tuple[int, int]]] = {}
        for day_ord, begin, until in person_off:
            off_by_day.setdefault(day_ord, []).append((begin, until))
        result = []
        for day in self.period.days(allowed_weekdays(m)):
            ordinal = day.toordinal()
            day_cost = self._day_cost(m, day, target)
            off = off_by_day.get(ordinal)
            for s in starts:
                if offered is not None and (ordinal, s) not in offered:
                    continue
                if off and any(
                    begin < s + m.duration_minutes and s < until for begin, until in off
                ):
                    continue
                cost = day_cost + time_cost[s]
                if disliked:
                    cost += w.poll_declined * disliked.get((ordinal, s), 0)
                result.append((cost, ordinal, s))
        result.sort()
        return result

    def _day_cost(self, m: MunicipalityRequest, day: date, target: date | None) -> int:
        """The day's share of a slot's penalty: the weekday, and the distance to last year."""
        w = self.problem.weights
        cost = 0 if day.isoweekday() in m.weekdays else w.weekday
        if target is not None:
            weeks = min(rhythm_weeks(day.toordinal() - target.toordinal()), w.rhythm_cap_weeks)
            cost += w.rhythm_per_week * weeks
        return cost

    def _no_candidate_problem(
        self, m: MunicipalityRequest, offered: frozenset[DaySlot] | None
    ) -> Problem:
        problem = self.problem
        if not start_minutes(m, problem.slot_step_minutes):
            return Problem("window_too_short", (m.slug,), {"name": m.name})
        if offered is not None:
            # Who said no to which offered slot (the slots may also be blocked by the rules).
            duration = timedelta(minutes=m.duration_minutes)
            declined = sorted(
                {
                    problem.person_name(a.person)
                    for a in problem.unavailable
                    if a.person in m.people
                    and any(a.start < s + duration and s < a.end for s in problem.offered[m.id])
                }
            )
            return Problem("poll_no_common_slot", (m.slug,), {"name": m.name, "people": declined})
        return Problem("no_free_day", (m.slug,), {"start": problem.start, "end": problem.end})


def capacity_problems(
    problem: PlanningProblem,
    meetings: list[Meeting],
    occupancy: Occupancy,
    person_ids: list[int],
) -> list[Problem]:
    """A person needed at more meetings than their free days can hold (cheap necessary test)."""
    issues: list[Problem] = []
    demand: Counter[int] = Counter()
    days_of: dict[int, set[int]] = {}
    slugs_of: dict[int, set[str]] = {}
    for meeting in meetings:
        for p in meeting.people:
            demand[p] += 1
            days_of.setdefault(p, set()).update(c[1] for c in meeting.candidates)
            slugs_of.setdefault(p, set()).add(meeting.request.slug)
    start_ord = problem.start.toordinal()
    for p, needed in sorted(demand.items()):
        free = sum(
            max(0, problem.max_per_day - occupancy.counts[p][o - start_ord])
            for o in days_of.get(p, ())
        )
        if needed > free:
            issues.append(
                Problem(
                    "person_overloaded",
                    tuple(sorted(slugs_of[p])),
                    {
                        "person": problem.person_name(person_ids[p]),
                        "needed": needed,
                        "capacity": free,
                        "max_per_day": problem.max_per_day,
                    },
                )
            )
    return issues


def fair_shares(period: Period, meetings: list[Meeting], occupancy: Occupancy) -> list[int]:
    """Per person: the meetings per week an even spread would give (at least one)."""
    weeks = {period.week_of[d.toordinal() - period.start_ord] for d in period.free_days} or {0}
    n_persons = len(occupancy.counts)
    demand: Counter[int] = Counter()
    for meeting in meetings:
        demand.update(meeting.people)
    for p in range(n_persons):
        demand[p] += sum(occupancy.counts[p])
    return [max(1, math.ceil(demand[p] / len(weeks))) for p in range(n_persons)]
