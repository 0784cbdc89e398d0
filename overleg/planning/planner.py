"""The twice-yearly planner: propose a date and time for every missing meeting, all at once.

Pure and deterministic: the planner works on the plain dataclasses below, never on the database
(`overleg.planning.services` loads a `PlanningProblem` from the database). The same problem always
gives the same plan.

Hard rules (a plan that breaks one is never returned):
- no two meetings overlap for a person invited as required or chair (existing meetings included);
- no blocked day (Belgian public holidays, 11 July, Flemish school holidays; each switchable);
- the meeting lies inside the municipality's time window, on a weekday (a weekend day only when the
  municipality lists it as preferred), inside the period;
- at most `max_per_day` meetings per day per person;
- at least `min_spacing_days` between two meetings of one municipality (existing ones included);
- a time a required person said does not suit them (availability poll) is not used, and a
  municipality that was polled gets one of the slots offered in the poll.

Soft preferences (a penalty each; the plan minimises their sum): preferred weekdays, preferred
start time, last year's rhythm (the same week as last year), an even load over the weeks per
person (meetings beyond the person's fair share of a week), and the invitees who are not required
but said in the poll that a slot does not suit them.

The algorithm, chosen on the benchmark in bench/planner.py:
1. every meeting gets its candidate slots (allowed days x start times on a grid), sorted by their
   own penalty;
2. a depth-first search places the meetings, most constrained municipality first, each on its
   cheapest feasible slot; on a dead end it backtracks (bounded by `search_limit` nodes), so small
   instances are solved completely and large ones are solved by the first, greedy, descent;
3. a local search moves one meeting at a time to a cheaper feasible slot until nothing improves;
4. simulated annealing on the full objective (the weekly load included) moves single meetings
   between their cheap slots, also uphill at first, with a fixed seed and a fixed number of moves
   per meeting (deterministic), keeps the best plan seen; a last pass of step 3 polishes it.
When no plan exists, the answer names the rules that collide for which municipalities and holds no
proposals: never a partial plan.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from overleg.lib.calendar_rules import CalendarRules, blocked_days

BRUSSELS = ZoneInfo("Europe/Brussels")
QUARTER = 15  # minutes: the resolution of the occupancy masks
QUARTERS_PER_DAY = 24 * 60 // QUARTER
# Simulated annealing (`_Planner.anneal`), tuned on bench/planner.py: moves per meeting, the
# temperatures in penalty points, how far above a meeting's cheapest slot it may move, the seed.
ANNEAL_MOVES = 250
ANNEAL_HOT = 2.0
ANNEAL_COLD = 0.2
ANNEAL_SLACK = 6
ANNEAL_SEED = 20270101


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """Penalty points per given-up preference."""

    weekday: int = 10  # a day that is not one of the preferred weekdays
    time_per_half_hour: int = 1  # per 30 minutes away from the preferred start time
    rhythm_per_week: int = 2  # per week away from last year's date
    rhythm_cap_weeks: int = 8
    load: int = 3  # per meeting a person has beyond their fair share of a week
    poll_declined: int = 4  # per invitee who is not required and said an offered slot does not suit


@dataclass(frozen=True)
class MunicipalityRequest:
    """What one municipality needs in the period, and how it likes its meetings."""

    id: int
    slug: str
    name: str
    count: int  # meetings to place in the period
    people: frozenset[int]  # contacts invited as required or chair
    weekdays: tuple[int, ...] = (1, 2, 3, 4)  # preferred ISO weekdays (1 = Monday)
    window_start: time = time(9, 0)
    window_end: time = time(17, 0)
    duration_minutes: int = 120
    min_spacing_days: int = 90
    preferred_start: time | None = None  # None: the start of the window
    existing: tuple[date, ...] = ()  # local dates of its non-cancelled meetings (for the spacing)
    last_year: tuple[date, ...] = ()  # local dates of last year's meetings (for the rhythm)


@dataclass(frozen=True)
class Busy:
    """A person is taken by an existing meeting (counts for overlap and the daily maximum)."""

    person: int
    start: datetime
    end: datetime
    label: str = ""


@dataclass(frozen=True)
class Absence:
    """A required person cannot be there from `start` to `end` (their answer to a poll): hard."""

    person: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Dislike:
    """`people` invitees who are not required said an offered slot does not suit them: soft."""

    municipality_id: int
    start: datetime
    people: int = 1


@dataclass(frozen=True)
class PlanningProblem:
    start: date  # first day of the period
    end: date  # last day of the period (inclusive)
    municipalities: tuple[MunicipalityRequest, ...]
    busy: tuple[Busy, ...] = ()
    rules: CalendarRules = field(default_factory=CalendarRules)
    max_per_day: int = 2
    slot_step_minutes: int = 30
    # Availability poll: per polled municipality the starts it offered (only these are used) ...
    offered: Mapping[int, frozenset[datetime]] = field(default_factory=dict)
    # ... the times required people cannot make (hard) ...
    unavailable: tuple[Absence, ...] = ()
    # ... and the offered slots other invitees cannot make (a preference).
    disliked: tuple[Dislike, ...] = ()
    person_names: Mapping[int, str] = field(default_factory=dict)
    weights: Weights = field(default_factory=Weights)
    search_limit: int = 20_000


# --- output --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One line of an explanation or of a problem; `code` selects the Dutch sentence."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    municipality_id: int
    slug: str
    name: str
    number: int  # 1, 2, ... within the municipality in this plan
    start: datetime  # Europe/Brussels, timezone-aware
    end: datetime
    people: tuple[int, ...]
    penalty: int
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Why no plan exists: the rule(s) that collide, for which municipalities."""

    code: str
    municipalities: tuple[str, ...] = ()  # slugs
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    proposals: tuple[Proposal, ...]
    problems: tuple[Problem, ...]
    penalty: int
    nodes: int = 0  # search nodes used (for the benchmark)

    @property
    def feasible(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Violation:
    """A hard rule broken by a (hand-adjusted) proposal."""

    code: str
    slug: str
    number: int
    params: Mapping[str, object] = field(default_factory=dict)


# --- helpers -------------------------------------------------------------------------------


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def local_datetime(day: date, minute_of_day: int) -> datetime:
    """A Brussels wall-clock time as an aware datetime."""
    return datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), tzinfo=BRUSSELS)


def allowed_weekdays(request: MunicipalityRequest) -> frozenset[int]:
    """Monday to Friday, plus a weekend day the municipality explicitly prefers."""
    return frozenset(range(1, 6)) | {d for d in request.weekdays if d in (6, 7)}


def start_minutes(request: MunicipalityRequest, step: int) -> list[int]:
    """Possible start times (minutes after midnight) inside the window, on the step grid."""
    first = _minutes(request.window_start)
    last = _minutes(request.window_end) - request.duration_minutes
    if request.duration_minutes <= 0 or last < first:
        return []
    return list(range(first, last + 1, step))


def rhythm_targets(request: MunicipalityRequest, start: date, end: date) -> list[date | None]:
    """Per meeting to place, last year's date moved one year on (same weekday), if any."""
    targets = [d + timedelta(days=364) for d in sorted(request.last_year)]
    spacing = request.min_spacing_days
    usable = [
        t
        for t in targets
        if start <= t <= end and all(abs((t - e).days) >= spacing for e in request.existing)
    ]
    return [usable[i] if i < len(usable) else None for i in range(request.count)]


def rhythm_weeks(days_off: int) -> int:
    """Weeks away from last year's date, each started week counting (same day: 0)."""
    return (abs(days_off) + 6) // 7


def _local_key(moment: datetime) -> tuple[int, int]:
    """(day ordinal, minute of the day) of a moment on the Brussels wall clock."""
    local = moment.astimezone(BRUSSELS)
    return local.date().toordinal(), local.hour * 60 + local.minute


def _overlaps_absence(
    absences: Iterable[Absence], person: int, start: datetime, end: datetime
) -> bool:
    return any(a.person == person and a.start < end and start < a.end for a in absences)


def dislike_counts(problem: PlanningProblem) -> dict[tuple[int, datetime], int]:
    """(municipality id, offered start) -> how many invitees who are not required cannot."""
    counts: dict[tuple[int, datetime], int] = {}
    for d in problem.disliked:
        key = (d.municipality_id, d.start)
        counts[key] = counts.get(key, 0) + d.people
    return counts


def _iso_week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


# --- validation of the input ---------------------------------------------------------------


def _input_problems(problem: PlanningProblem, free_days: list[date]) -> list[Problem]:
    issues: list[Problem] = []
    if problem.end < problem.start:
        return [Problem("period_reversed", params={"start": problem.start, "end": problem.end})]
    if problem.max_per_day < 1:
        issues.append(Problem("max_per_day_invalid", params={"value": problem.max_per_day}))
    if problem.slot_step_minutes < QUARTER or problem.slot_step_minutes % QUARTER:
        issues.append(Problem("step_invalid", params={"value": problem.slot_step_minutes}))
        return issues
    needing = [m for m in problem.municipalities if m.count > 0]
    if needing and not free_days:
        issues.append(
            Problem(
                "no_free_day",
                tuple(m.slug for m in needing),
                {"start": problem.start, "end": problem.end},
            )
        )
        return issues
    for m in needing:
        if not m.people:
            issues.append(Problem("no_required_people", (m.slug,), {"name": m.name}))
        if any(d < 1 or d > 7 for d in m.weekdays):
            issues.append(Problem("weekday_invalid", (m.slug,), {"name": m.name}))
        if m.duration_minutes <= 0 or m.duration_minutes % QUARTER:
            issues.append(
                Problem(
                    "duration_invalid", (m.slug,), {"name": m.name, "minutes": m.duration_minutes}
                )
            )
        elif _minutes(m.window_end) - _minutes(m.window_start) < m.duration_minutes:
            issues.append(
                Problem(
                    "window_too_short",
                    (m.slug,),
                    {
                        "name": m.name,
                        "window_start": m.window_start,
                        "window_end": m.window_end,
                        "minutes": m.duration_minutes,
                    },
                )
            )
        if m.min_spacing_days < 0:
            issues.append(Problem("spacing_invalid", (m.slug,), {"name": m.name}))
        elif m.count > 1:
            span = (problem.end - problem.start).days
            if (m.count - 1) * m.min_spacing_days > span:
                issues.append(
                    Problem(
                        "spacing_impossible",
                        (m.slug,),
                        {
                            "name": m.name,
                            "count": m.count,
                            "spacing": m.min_spacing_days,
                            "days": span + 1,
                        },
                    )
                )
    return issues


# --- the search ----------------------------------------------------------------------------


@dataclass
class _Meeting:
    request: MunicipalityRequest
    number: int
    people: tuple[int, ...]  # dense person indices
    candidates: list[tuple[int, int, int]]  # (own penalty, day ordinal, start minute), sorted
    length_q: int


class _State:
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


Slot = tuple[int, int, int]  # (own penalty, day ordinal, start minute)


class _Planner:
    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.weights = problem.weights
        self.start_ord = problem.start.toordinal()
        self.end_ord = problem.end.toordinal()
        self.blocked = (
            blocked_days(problem.start, problem.end, problem.rules)
            if problem.end >= problem.start
            else {}
        )
        all_days = [date.fromordinal(o) for o in range(self.start_ord, self.end_ord + 1)]
        self.free_days = [d for d in all_days if d not in self.blocked and d.isoweekday() <= 5]
        iso_weeks = sorted({_iso_week(d) for d in all_days})
        week_number = {w: i for i, w in enumerate(iso_weeks)}
        self.week_of = [week_number[_iso_week(d)] for d in all_days]
        self.nodes = 0
        self.deepest = 0
        self.dead_end = 0

    # -- set-up

    def build(self) -> list[Problem]:
        problem = self.problem
        issues = _input_problems(problem, self.free_days)
        if issues:
            return issues
        ids = sorted({p for m in problem.municipalities if m.count > 0 for p in m.people})
        self.person_ids = ids
        self.persons = {p: i for i, p in enumerate(ids)}
        self.reset_state()
        # Poll answers on the Brussels wall clock: absences per person as (day, start, end)
        # in minutes, offered and disliked slots per municipality as (day, start minute).
        absences: dict[int, set[tuple[int, int, int]]] = {}
        for a in problem.unavailable:
            first_day, first_minute = _local_key(a.start)
            last_day, last_minute = _local_key(a.end)
            for day_ord in range(first_day, last_day + 1):
                begin = first_minute if day_ord == first_day else 0
                until = last_minute if day_ord == last_day else 24 * 60
                absences.setdefault(a.person, set()).add((day_ord, begin, until))
        # Kept for the explanations: (municipality id) -> {(day, start minute): people}.
        self.dislikes: dict[int, dict[tuple[int, int], int]] = {}
        for (mid, start), n in dislike_counts(problem).items():
            self.dislikes.setdefault(mid, {})[_local_key(start)] = n
        self.meetings: list[_Meeting] = []
        issues = []
        cache: dict[tuple, list[Slot]] = {}
        for m in sorted(problem.municipalities, key=lambda r: r.slug):
            if m.count <= 0 or not m.people:
                continue
            people = tuple(self.persons[p] for p in sorted(m.people))
            person_off = frozenset().union(*(absences.get(p, set()) for p in m.people))
            offered = (
                frozenset(_local_key(s) for s in problem.offered[m.id])
                if m.id in problem.offered
                else None
            )
            disliked = self.dislikes.get(m.id, {})
            targets = rhythm_targets(m, problem.start, problem.end)
            length_q = math.ceil(m.duration_minutes / QUARTER)
            for number, target in enumerate(targets, start=1):
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
                if key not in cache:
                    cache[key] = self._candidates(m, target, person_off, offered, disliked)
                self.meetings.append(_Meeting(m, number, people, cache[key], length_q))
            if not self.meetings[-1].candidates:
                issues.append(self._no_candidate_problem(m, offered))
        if issues:
            return issues
        issues.extend(self._capacity_problems())
        self._fair_shares()
        return issues

    def reset_state(self) -> None:
        self.state = _State(self.problem, len(self.persons), self.week_of)
        for busy in sorted(self.problem.busy, key=lambda b: (b.start, b.end, b.person)):
            self._add_busy(busy)

    def _add_busy(self, busy: Busy) -> None:
        if busy.person not in self.persons:
            return
        local_start = busy.start.astimezone(BRUSSELS)
        local_end = busy.end.astimezone(BRUSSELS)
        day = local_start.date()
        if not self.start_ord <= day.toordinal() <= self.end_ord:
            return
        first_q = (local_start.hour * 60 + local_start.minute) // QUARTER
        if local_end.date() != day:
            last_q = QUARTERS_PER_DAY
        else:
            last_q = math.ceil((local_end.hour * 60 + local_end.minute) / QUARTER)
        self.state.occupy(
            self.persons[busy.person],
            day.toordinal(),
            first_q,
            max(1, last_q - first_q),
            busy.label,
        )

    def _candidates(
        self,
        m: MunicipalityRequest,
        target: date | None,
        person_off: frozenset[tuple[int, int, int]],
        offered: frozenset[tuple[int, int]] | None,
        disliked: Mapping[tuple[int, int], int],
    ) -> list[Slot]:
        """Every slot the municipality may use, with its own penalty, cheapest first.

        Polled: only the offered slots; never a time a required person cannot make.
        """
        w = self.weights
        weekdays = allowed_weekdays(m)
        preferred = set(m.weekdays)
        starts = start_minutes(m, self.problem.slot_step_minutes)
        pref_start = _minutes(m.preferred_start or m.window_start)
        time_cost = {s: w.time_per_half_hour * math.ceil(abs(s - pref_start) / 30) for s in starts}
        off_by_day: dict[int, list[tuple[int, int]]] = {}
        for day_ord, begin, until in person_off:
            off_by_day.setdefault(day_ord, []).append((begin, until))
        result = []
        for day in self._days(weekdays):
            ordinal = day.toordinal()
            day_cost = 0 if day.isoweekday() in preferred else w.weekday
            if target is not None:
                weeks = min(rhythm_weeks(ordinal - target.toordinal()), w.rhythm_cap_weeks)
                day_cost += w.rhythm_per_week * weeks
            off = off_by_day.get(ordinal, ())
            for s in starts:
                if offered is not None and (ordinal, s) not in offered:
                    continue
                if any(begin < s + m.duration_minutes and s < until for begin, until in off):
                    continue
                cost = day_cost + time_cost[s] + w.poll_declined * disliked.get((ordinal, s), 0)
                result.append((cost, ordinal, s))
        result.sort()
        return result

    def _days(self, weekdays: frozenset[int]) -> list[date]:
        days = [d for d in self.free_days if d.isoweekday() in weekdays]
        if weekdays - set(range(1, 6)):
            for o in range(self.start_ord, self.end_ord + 1):
                d = date.fromordinal(o)
                if d.isoweekday() in weekdays and d.isoweekday() > 5 and d not in self.blocked:
                    days.append(d)
            days.sort()
        return days

    def _no_candidate_problem(
        self, m: MunicipalityRequest, offered: frozenset[tuple[int, int]] | None
    ) -> Problem:
        if not start_minutes(m, self.problem.slot_step_minutes):
            return Problem("window_too_short", (m.slug,), {"name": m.name})
        if offered is not None:
            # Who said no to which offered slot (the slots may also be blocked by the rules).
            declined = sorted(
                {
                    self.problem.person_names.get(a.person, f"#{a.person}")
                    for a in self.problem.unavailable
                    if a.person in m.people
                    and any(
                        a.start < s + timedelta(minutes=m.duration_minutes) and s < a.end
                        for s in self.problem.offered[m.id]
                    )
                }
            )
            return Problem("poll_no_common_slot", (m.slug,), {"name": m.name, "people": declined})
        return Problem(
            "no_free_day", (m.slug,), {"start": self.problem.start, "end": self.problem.end}
        )

    def _capacity_problems(self) -> list[Problem]:
        """A person needed at more meetings than their free days can hold (cheap necessary test)."""
        issues: list[Problem] = []
        demand: Counter[int] = Counter()
        days_of: dict[int, set[int]] = {}
        slugs_of: dict[int, set[str]] = {}
        for meeting in self.meetings:
            for p in meeting.people:
                demand[p] += 1
                days_of.setdefault(p, set()).update(c[1] for c in meeting.candidates)
                slugs_of.setdefault(p, set()).add(meeting.request.slug)
        for p, needed in sorted(demand.items()):
            free = sum(
                max(0, self.problem.max_per_day - self.state.counts[p][o - self.start_ord])
                for o in days_of.get(p, ())
            )
            if needed > free:
                person_id = self.person_ids[p]
                issues.append(
                    Problem(
                        "person_overloaded",
                        tuple(sorted(slugs_of[p])),
                        {
                            "person": self.problem.person_names.get(person_id, f"#{person_id}"),
                            "needed": needed,
                            "capacity": free,
                            "max_per_day": self.problem.max_per_day,
                        },
                    )
                )
        return issues

    def _fair_shares(self) -> None:
        """Per person: the meetings per week an even spread would give (at least one)."""
        weeks = {self.week_of[d.toordinal() - self.start_ord] for d in self.free_days} or {0}
        demand: Counter[int] = Counter()
        for meeting in self.meetings:
            demand.update(meeting.people)
        for p in range(len(self.persons)):
            demand[p] += sum(self.state.counts[p])
        self.fair_share = [
            max(1, math.ceil(demand[p] / len(weeks))) for p in range(len(self.persons))
        ]

    # -- feasibility and cost

    def feasible(self, meeting: _Meeting, day_ord: int, start: int) -> bool:
        state = self.state
        index = day_ord - self.start_ord
        mask = ((1 << meeting.length_q) - 1) << (start // QUARTER)
        for p in meeting.people:
            if state.masks[p][index] & mask or state.counts[p][index] >= state.max_per_day:
                return False
        mid = meeting.request.id
        before = state.numbered.get((mid, meeting.number - 1))
        if before is not None and day_ord <= before:
            return False
        after = state.numbered.get((mid, meeting.number + 1))
        if after is not None and day_ord >= after:
            return False
        spacing = meeting.request.min_spacing_days
        return all(abs(day_ord - other) >= spacing for other in state.municipality_days[mid])

    def load_cost(self, meeting: _Meeting, day_ord: int) -> int:
        week = self.week_of[day_ord - self.start_ord]
        loads = self.state.week_load
        fair = self.fair_share
        return self.weights.load * sum(1 for p in meeting.people if loads[p][week] >= fair[p])

    def place(self, meeting: _Meeting, slot: Slot) -> None:
        _, day_ord, start = slot
        for p in meeting.people:
            self.state.occupy(p, day_ord, start // QUARTER, meeting.length_q, meeting.request.slug)
        self.state.municipality_days[meeting.request.id].append(day_ord)
        self.state.numbered[(meeting.request.id, meeting.number)] = day_ord

    def unplace(self, meeting: _Meeting, slot: Slot) -> None:
        _, day_ord, start = slot
        for p in meeting.people:
            self.state.release(p, day_ord, start // QUARTER, meeting.length_q, meeting.request.slug)
        self.state.municipality_days[meeting.request.id].remove(day_ord)
        del self.state.numbered[(meeting.request.id, meeting.number)]

    def best_slot(self, meeting: _Meeting) -> tuple[int, Slot] | None:
        """The cheapest feasible slot now (its own penalty plus the load), or None."""
        best: tuple[int, Slot] | None = None
        for slot in meeting.candidates:
            if best is not None and slot[0] >= best[0]:
                break
            if not self.feasible(meeting, slot[1], slot[2]):
                continue
            total = slot[0] + self.load_cost(meeting, slot[1])
            if best is None or total < best[0]:
                best = (total, slot)
        return best

    def ordered_feasible(self, meeting: _Meeting) -> list[Slot]:
        """Every feasible slot now, cheapest first (for backtracking)."""
        scored = [
            (slot[0] + self.load_cost(meeting, slot[1]), slot)
            for slot in meeting.candidates
            if self.feasible(meeting, slot[1], slot[2])
        ]
        scored.sort()
        return [slot for _, slot in scored]

    # -- the phases

    def order_meetings(self) -> None:
        """Most constrained first: few candidates, then people shared with many municipalities."""
        share: Counter[int] = Counter()
        for meeting in self.meetings:
            if meeting.number == 1:
                share.update(meeting.people)

        def key(meeting: _Meeting) -> tuple:
            degree = sum(share[p] for p in meeting.people)
            return (len(meeting.candidates), -degree, meeting.request.slug, meeting.number)

        self.meetings.sort(key=key)

    def search(self) -> list[Slot] | None:
        """Depth-first with chronological backtracking; the first descent is the greedy plan."""
        n = len(self.meetings)
        assigned: list[Slot | None] = [None] * n
        # Per depth: the slots still to try, and whether the full list has been computed (the
        # first visit only computes the greedy choice, which is all a plan without dead ends needs).
        todo: list[list[Slot] | None] = [None] * n
        expanded = [False] * n
        i = 0
        while 0 <= i < n:
            meeting = self.meetings[i]
            if todo[i] is None or (not todo[i] and not expanded[i] and assigned[i] is not None):
                self.nodes += 1
                if self.nodes > self.problem.search_limit:
                    return None
                if todo[i] is None:
                    best = self.best_slot(meeting)
                    todo[i] = [best[1]] if best else []
                    expanded[i] = best is None
                else:
                    tried = assigned[i]
                    todo[i] = [s for s in self.ordered_feasible(meeting) if s != tried]
                    expanded[i] = True
                assigned[i] = None
            if todo[i]:
                slot = todo[i].pop(0)  # type: ignore[union-attr]
                self.place(meeting, slot)
                assigned[i] = slot
                i += 1
                if i > self.deepest:
                    self.deepest = i
                continue
            if i >= self.deepest:
                self.dead_end = i
            todo[i] = None
            expanded[i] = False
            assigned[i] = None
            i -= 1
            if i >= 0:
                prev = assigned[i]
                if prev is None:  # every meeting before i is placed; cannot happen
                    raise RuntimeError("planner search lost a placed meeting")
                self.unplace(self.meetings[i], prev)
                # Keep `assigned[i]` as the slot just tried, so the expansion can skip it.
        if i < 0:
            return None
        return [slot for slot in assigned if slot is not None]

    def improve(self, slots: list[Slot], max_passes: int = 8) -> None:
        """Move one meeting at a time to a cheaper feasible slot while that helps.

        (Swapping with the one proposal that blocks a cheaper slot was tried on the benchmark
        and gained nothing there: the remaining penalty is the weekly load, not single blockers.)
        """
        for _ in range(max_passes):
            changed = False
            for i, meeting in enumerate(self.meetings):
                current = slots[i]
                self.unplace(meeting, current)
                current_total = current[0] + self.load_cost(meeting, current[1])
                best = self.best_slot(meeting)
                if best is not None and best[0] < current_total:
                    slots[i] = best[1]
                    changed = True
                self.place(meeting, slots[i])
            if not changed:
                break

    def anneal(self, slots: list[Slot]) -> None:
        """Simulated annealing on the full objective: own penalties plus the weekly load.

        A move takes one meeting to another of its cheap candidate slots (at most
        `ANNEAL_SLACK` above its cheapest, the cheaper ones drawn more often); a move that breaks
        a hard rule is never made, one that lowers the penalty always, one that raises it by
        `delta` with probability exp(-delta / T), T cooling geometrically from `ANNEAL_HOT` to
        `ANNEAL_COLD` over `ANNEAL_MOVES` moves per meeting. Equal-cost moves are always made,
        so the search drifts over the plateaus of the weekly load. The random generator has a
        fixed seed (and the number of moves is fixed), so the same problem gives the same plan;
        the best plan seen is kept, so the penalty never goes up.
        """
        meetings = self.meetings
        n = len(meetings)
        if not n:
            return
        iterations = ANNEAL_MOVES * n
        # A fixed seed: same input, same plan.
        rng = random.Random(ANNEAL_SEED ^ n)  # noqa: S311  # nosec B311 - search, not security
        rand = rng.random
        state = self.state
        masks, counts, load = state.masks, state.counts, state.week_load
        week_of, start_ord, fair = self.week_of, self.start_ord, self.fair_share
        weight = self.weights.load
        cap = self.problem.max_per_day
        index_of = {(m.request.id, m.number): i for i, m in enumerate(meetings)}
        info = []
        for meeting in meetings:
            candidates = meeting.candidates  # sorted by their own penalty
            pool = candidates[: bisect_right(candidates, (candidates[0][0] + ANNEAL_SLACK + 1,))]
            siblings = []
            for number in range(1, meeting.request.count + 1):
                j = index_of.get((meeting.request.id, number))
                if j is not None and number != meeting.number:
                    siblings.append((j, number > meeting.number))
            existing = tuple(d.toordinal() for d in meeting.request.existing)
            info.append(
                (
                    pool,
                    len(pool),
                    meeting.people,
                    (1 << meeting.length_q) - 1,
                    siblings,
                    existing,
                    meeting.request.min_spacing_days,
                )
            )
        total = self.total_penalty(slots)
        best_total, best = total, list(slots)
        cooling = (ANNEAL_COLD / ANNEAL_HOT) ** (1.0 / iterations)
        temperature = ANNEAL_HOT
        log = math.log
        for _ in range(iterations):
            temperature *= cooling
            i = int(rand() * n)
            pool, size, people, bits, siblings, existing, spacing = info[i]
            r = rand()
            cand = pool[int(r * r * size)]  # the pool is sorted by penalty: cheap ones favoured
            cur = slots[i]
            if cand == cur:
                continue
            c1, d1, s1 = cand
            c0, d0, s0 = cur
            x1 = d1 - start_ord
            x0 = d0 - start_ord
            new_mask = bits << (s1 // QUARTER)
            old_mask = bits << (s0 // QUARTER)
            ok = True
            if x1 == x0:
                for p in people:
                    if masks[p][x1] & ~old_mask & new_mask:
                        ok = False
                        break
            else:
                for p in people:
                    if masks[p][x1] & new_mask or counts[p][x1] >= cap:
                        ok = False
                        break
            if not ok:
                continue
            for j, later in siblings:
                dj = slots[j][1]
                if ((d1 >= dj) if later else (d1 <= dj)) or abs(d1 - dj) < spacing:
                    ok = False
                    break
            if not ok:
                continue
            if existing and any(abs(d1 - e) < spacing for e in existing):
                continue
            delta = c1 - c0
            w1 = week_of[x1]
            w0 = week_of[x0]
            if w1 != w0:
                for p in people:
                    lp = load[p]
                    f = fair[p]
                    if lp[w0] > f:
                        delta -= weight
                    if lp[w1] >= f:
                        delta += weight
            if delta > 0 and delta >= -temperature * log(1.0 - rand()):
                continue
            for p in people:
                mp = masks[p]
                cp = counts[p]
                mp[x0] &= ~old_mask
                cp[x0] -= 1
                mp[x1] |= new_mask
                cp[x1] += 1
                if w1 != w0:
                    lp = load[p]
                    lp[w0] -= 1
                    lp[w1] += 1
            slots[i] = cand
            total += delta
            if total < best_total:
                best_total = total
                best = list(slots)
        # Back to the best plan seen, with the full state (labels, days) rebuilt for it.
        slots[:] = best
        self.reset_state()
        for meeting, slot in zip(meetings, slots, strict=True):
            self.place(meeting, slot)

    # -- explaining

    def total_penalty(self, slots: list[Slot]) -> int:
        static = sum(slot[0] for slot in slots)
        excess = sum(
            max(0, load - self.fair_share[p])
            for p, weeks in enumerate(self.state.week_load)
            for load in weeks
        )
        return static + self.weights.load * excess

    def explain(self, meeting: _Meeting, slot: Slot) -> tuple[list[Note], int]:
        """Why this slot, which preferences were given up; and the slot's penalty."""
        m = meeting.request
        _, day_ord, start = slot
        day = date.fromordinal(day_ord)
        notes: list[Note] = []
        if day.isoweekday() in m.weekdays:
            notes.append(Note("weekday_kept", {"day": day}))
        else:
            notes.append(Note("weekday_given_up", {"day": day, "preferred": m.weekdays}))
        pref = _minutes(m.preferred_start or m.window_start)
        if start == pref:
            notes.append(Note("time_kept", {"time": _as_time(start)}))
        else:
            notes.append(
                Note("time_given_up", {"time": _as_time(start), "preferred": _as_time(pref)})
            )
        targets = rhythm_targets(m, self.problem.start, self.problem.end)
        target = targets[meeting.number - 1] if meeting.number - 1 < len(targets) else None
        if target is not None:
            weeks = rhythm_weeks(day_ord - target.toordinal())
            code = "rhythm_kept" if weeks == 0 else "rhythm_given_up"
            notes.append(Note(code, {"target": target, "weeks": weeks}))
        if m.id in self.problem.offered:
            declined = self.dislikes.get(m.id, {}).get((day_ord, start), 0)
            notes.append(Note("poll_slot", {"declined": declined}))
        # Why not a cheaper slot: what blocks the cheaper candidates in the final plan.
        self.unplace(meeting, slot)
        load = self.load_cost(meeting, day_ord)
        blockers: Counter[str] = Counter()
        rules: set[str] = set()
        for cand in meeting.candidates:
            if cand[0] >= slot[0]:
                break
            reason = self._blocking(meeting, cand[1], cand[2])
            if reason is None:
                continue
            rule, who = reason
            rules.add(rule)
            blockers.update(who)
        self.place(meeting, slot)
        if slot[0] == 0:
            notes.insert(0, Note("all_preferences_kept"))
        elif rules:
            by = tuple(s for s, _ in blockers.most_common(3))
            notes.insert(0, Note("better_slots_taken", {"rules": tuple(sorted(rules)), "by": by}))
        else:
            notes.insert(0, Note("quieter_week"))
        if load:
            notes.append(Note("busy_week", {"people": load // max(1, self.weights.load)}))
        return notes, slot[0] + load

    def _blocking(
        self, meeting: _Meeting, day_ord: int, start: int
    ) -> tuple[str, list[str]] | None:
        state = self.state
        index = day_ord - self.start_ord
        mask = ((1 << meeting.length_q) - 1) << (start // QUARTER)
        mid = meeting.request.id
        spacing = meeting.request.min_spacing_days
        if any(abs(day_ord - o) < spacing for o in state.municipality_days[mid]):
            return ("spacing", [])
        before = state.numbered.get((mid, meeting.number - 1))
        after = state.numbered.get((mid, meeting.number + 1))
        if (before is not None and day_ord <= before) or (after is not None and day_ord >= after):
            return ("spacing", [])
        for p in meeting.people:
            if state.masks[p][index] & mask:
                labels = [lab for bits, lab in state.labels.get((p, index), []) if bits & mask]
                return ("overlap", [lab for lab in labels if lab])
            if state.counts[p][index] >= state.max_per_day:
                labels = [lab for _, lab in state.labels.get((p, index), [])]
                return ("max_per_day", [lab for lab in labels if lab])
        return None

    def dead_end_problem(self) -> Problem:
        """Which municipalities, people and rules collide where the search got stuck."""
        index = min(self.dead_end, len(self.meetings) - 1)
        meeting = self.meetings[index]
        # Rebuild the greedy placements of the meetings before it, to see who blocks it.
        self.reset_state()
        for earlier in self.meetings[:index]:
            best = self.best_slot(earlier)
            if best is not None:
                self.place(earlier, best[1])
        rules: set[str] = set()
        blockers: Counter[str] = Counter()
        people: Counter[int] = Counter()
        for cand in meeting.candidates:
            reason = self._blocking(meeting, cand[1], cand[2])
            if reason is None:
                continue
            rule, who = reason
            rules.add(rule)
            blockers.update(who)
            if rule != "spacing":
                idx = cand[1] - self.start_ord
                for p in meeting.people:
                    if self.state.counts[p][idx]:
                        people[p] += 1
        others = [s for s, _ in blockers.most_common(6) if s != meeting.request.slug]
        names = tuple(
            self.problem.person_names.get(self.person_ids[p], f"#{self.person_ids[p]}")
            for p, _ in people.most_common(3)
        )
        return Problem(
            "collision",
            (meeting.request.slug, *others),
            {
                "name": meeting.request.name,
                "number": meeting.number,
                "rules": tuple(sorted(rules)),
                "people": names,
                "limit_reached": self.nodes > self.problem.search_limit,
            },
        )


def _as_time(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)


def plan_period(problem: PlanningProblem) -> Plan:
    """Propose a slot for every meeting to place, or explain why the hard rules collide."""
    planner = _Planner(problem)
    issues = planner.build()
    if issues:
        return Plan((), tuple(issues), 0)
    if not planner.meetings:
        return Plan((), (), 0)
    planner.order_meetings()
    slots = planner.search()
    if slots is None:
        return Plan((), (planner.dead_end_problem(),), 0, planner.nodes)
    planner.improve(slots)
    planner.anneal(slots)
    planner.improve(slots, max_passes=2)
    proposals: list[Proposal] = []
    for meeting, slot in zip(planner.meetings, slots, strict=True):
        _, day_ord, start = slot
        begin = local_datetime(date.fromordinal(day_ord), start)
        notes, penalty = planner.explain(meeting, slot)
        proposals.append(
            Proposal(
                municipality_id=meeting.request.id,
                slug=meeting.request.slug,
                name=meeting.request.name,
                number=meeting.number,
                start=begin,
                end=begin + timedelta(minutes=meeting.request.duration_minutes),
                people=tuple(sorted(meeting.request.people)),
                penalty=penalty,
                notes=tuple(notes),
            )
        )
    proposals.sort(key=lambda p: (p.start, p.slug))
    return Plan(tuple(proposals), (), planner.total_penalty(slots), planner.nodes)


def alternative_slots(
    problem: PlanningProblem, assignments: Iterable[Assignment], per_meeting: int = 2
) -> dict[tuple[str, datetime], list[datetime]]:
    """Per assignment, up to `per_meeting` other starts that keep every hard rule while the rest
    of the plan stays where it is: the cheapest ones, each on a day of its own.

    Used to offer candidate slots in an availability poll; an assignment the planner cannot map
    (unknown municipality, more meetings than the municipality needs) gets no alternatives.
    """
    planner = _Planner(problem)
    result: dict[tuple[str, datetime], list[datetime]] = {}
    items = sorted(assignments, key=lambda a: (a.start, a.slug))
    for a in items:
        result[(a.slug, a.start)] = []
    if planner.build():
        return result
    by_key = {(m.request.slug, m.number): m for m in planner.meetings}
    numbers: Counter[str] = Counter()
    placed: list[tuple[Assignment, _Meeting, Slot]] = []
    for a in items:
        numbers[a.slug] += 1
        meeting = by_key.get((a.slug, numbers[a.slug]))
        if meeting is None:
            continue
        day_ord, minute = _local_key(a.start)
        own = next((c[0] for c in meeting.candidates if c[1:] == (day_ord, minute)), 0)
        slot = (own, day_ord, minute)
        planner.place(meeting, slot)
        placed.append((a, meeting, slot))
    for a, meeting, slot in placed:
        planner.unplace(meeting, slot)
        taken_days = {slot[1]}
        chosen: list[datetime] = []
        for candidate in planner.ordered_feasible(meeting):
            if len(chosen) >= per_meeting:
                break
            if candidate[1] in taken_days:
                continue
            taken_days.add(candidate[1])
            chosen.append(local_datetime(date.fromordinal(candidate[1]), candidate[2]))
        result[(a.slug, a.start)] = chosen
        planner.place(meeting, slot)
    return result


# --- checking a plan (also after a hand adjustment) ----------------------------------------


@dataclass(frozen=True)
class Assignment:
    """A meeting as the coordinator wants it: municipality and local start."""

    slug: str
    start: datetime


def check_assignments(
    problem: PlanningProblem, assignments: Iterable[Assignment]
) -> list[Violation]:
    """Every hard rule each assignment breaks, given the existing meetings and the others.

    Written independently of the search (plain pairwise comparisons), so that a hand-made change
    is re-checked by the same rules and the search can be tested against it.
    """
    by_slug = {m.slug: m for m in problem.municipalities}
    items = sorted(assignments, key=lambda a: (a.start, a.slug))
    numbers: Counter[str] = Counter()
    placed: list[tuple[str, int, datetime, datetime, MunicipalityRequest]] = []
    violations: list[Violation] = []
    for a in items:
        m = by_slug.get(a.slug)
        numbers[a.slug] += 1
        number = numbers[a.slug]
        if m is None:
            violations.append(Violation("unknown_municipality", a.slug, number))
            continue
        if a.start.tzinfo is None:
            raise ValueError("naive datetime")
        start = a.start.astimezone(BRUSSELS)
        end = start + timedelta(minutes=m.duration_minutes)
        placed.append((a.slug, number, start, end, m))
        day = start.date()

        def add(code: str, slug: str = a.slug, n: int = number, **params: object) -> None:
            violations.append(Violation(code, slug, n, params))

        if not problem.start <= day <= problem.end:
            add("outside_period", day=day)
        for reason in blocked_days(day, day, problem.rules).get(day, []):
            add("blocked_day", day=day, reason=reason.name)
        if day.isoweekday() not in allowed_weekdays(m):
            add("weekend", day=day)
        if start.time() < m.window_start or (end.date() != day or end.time() > m.window_end):
            add("outside_window", window_start=m.window_start, window_end=m.window_end)
        for person in sorted(m.people):
            if _overlaps_absence(problem.unavailable, person, start, end):
                add("person_unavailable", person=problem.person_names.get(person, f"#{person}"))
        for other in m.existing:
            if abs((day - other).days) < m.min_spacing_days:
                add("spacing_existing", other=other, spacing=m.min_spacing_days)
    # Pairwise rules between the assignments and against the existing meetings.
    per_person_day: dict[tuple[int, date], list[tuple[datetime, datetime, str, int]]] = {}
    for busy in problem.busy:
        local = busy.start.astimezone(BRUSSELS)
        per_person_day.setdefault((busy.person, local.date()), []).append(
            (local, busy.end.astimezone(BRUSSELS), busy.label or "", 0)
        )
    for slug, number, start, end, m in placed:
        for person in sorted(m.people):
            entries = per_person_day.setdefault((person, start.date()), [])
            name = problem.person_names.get(person, f"#{person}")
            for o_start, o_end, o_slug, _o_number in entries:
                if o_start < end and start < o_end:
                    violations.append(
                        Violation("overlap", slug, number, {"person": name, "other": o_slug})
                    )
            if len(entries) >= problem.max_per_day:
                violations.append(
                    Violation(
                        "max_per_day",
                        slug,
                        number,
                        {"person": name, "max_per_day": problem.max_per_day, "day": start.date()},
                    )
                )
            entries.append((start, end, slug, number))
    own: dict[str, list[tuple[date, int]]] = {}
    for slug, number, start, _end, m in placed:
        for other_day, _other_number in own.get(slug, []):
            if abs((start.date() - other_day).days) < m.min_spacing_days:
                violations.append(
                    Violation(
                        "spacing", slug, number, {"other": other_day, "spacing": m.min_spacing_days}
                    )
                )
        own.setdefault(slug, []).append((start.date(), number))
    # One message per rule, proposal and other party is enough.
    unique: dict[tuple, Violation] = {}
    for v in violations:
        unique.setdefault((v.code, v.slug, v.number, tuple(sorted(map(str, v.params.values())))), v)
    return list(unique.values())


def plan_penalty(problem: PlanningProblem, assignments: Iterable[Assignment]) -> int:
    """The soft score of any complete plan (the objective the planner and CP-SAT minimise)."""
    w = problem.weights
    by_slug = {m.slug: m for m in problem.municipalities}
    items = sorted(assignments, key=lambda a: (a.start, a.slug))
    planner = _Planner(problem)
    weeks = {_iso_week(d) for d in planner.free_days} or {(0, 0)}
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
                load[(busy.person, _iso_week(day))] += 1
    for (person, _week), n in load.items():
        demand[person] += n
    fair = {p: max(1, math.ceil(n / len(weeks))) for p, n in demand.items()}
    total = 0
    numbers: Counter[str] = Counter()
    declined = dislike_counts(problem)
    for a in items:
        m = by_slug[a.slug]
        numbers[a.slug] += 1
        start = a.start.astimezone(BRUSSELS)
        day = start.date()
        if day.isoweekday() not in m.weekdays:
            total += w.weekday
        pref = _minutes(m.preferred_start or m.window_start)
        total += w.time_per_half_hour * math.ceil(abs(_minutes(start.time()) - pref) / 30)
        targets = rhythm_targets(m, problem.start, problem.end)
        target = targets[numbers[a.slug] - 1] if numbers[a.slug] - 1 < len(targets) else None
        if target is not None:
            weeks_off = min(rhythm_weeks((day - target).days), w.rhythm_cap_weeks)
            total += w.rhythm_per_week * weeks_off
        total += w.poll_declined * declined.get((m.id, a.start), 0)
        for p in m.people:
            load[(p, _iso_week(day))] += 1
    total += w.load * sum(max(0, n - fair[p]) for (p, _), n in load.items())
    return total
