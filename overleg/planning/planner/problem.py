"""The planner's input: the plain dataclasses a `PlanningProblem` is made of, and their checks.

`overleg.planning.services` fills them from the database; the planner never reads it. Times are
on the Brussels wall clock; a day is cut in quarters of an hour (`QUARTER`), the resolution of the
occupancy masks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from overleg.lib.calendar_rules import CalendarRules
from overleg.lib.dates import BRUSSELS
from overleg.planning.planner.result import Problem

QUARTER = 15  # minutes: the resolution of the occupancy masks
QUARTERS_PER_DAY = 24 * 60 // QUARTER


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
    # A joint meeting planned for this municipality as host: the ids of the others that hold it.
    partners: tuple[int, ...] = ()


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

    def person_name(self, person: int) -> str:
        """The person's name as the explanations show it ('#id' when unknown)."""
        return self.person_names.get(person, f"#{person}")


@dataclass(frozen=True)
class Assignment:
    """A meeting as the coordinator wants it: municipality and local start."""

    slug: str
    start: datetime


# --- the clock and the calendar ----------------------------------------------------------------


def minutes(t: time) -> int:
    """Minutes after midnight."""
    return t.hour * 60 + t.minute


def as_time(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)


def local_datetime(day: date, minute_of_day: int) -> datetime:
    """A Brussels wall-clock time as an aware datetime."""
    return datetime.combine(day, as_time(minute_of_day), tzinfo=BRUSSELS)


def local_key(moment: datetime) -> tuple[int, int]:
    """(day ordinal, minute of the day) of a moment on the Brussels wall clock."""
    local = moment.astimezone(BRUSSELS)
    return local.date().toordinal(), local.hour * 60 + local.minute


def iso_week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


def allowed_weekdays(request: MunicipalityRequest) -> frozenset[int]:
    """Monday to Friday, plus a weekend day the municipality explicitly prefers."""
    return frozenset(range(1, 6)) | {d for d in request.weekdays if d in (6, 7)}


def start_minutes(request: MunicipalityRequest, step: int) -> list[int]:
    """Possible start times (minutes after midnight) inside the window, on the step grid."""
    first = minutes(request.window_start)
    last = minutes(request.window_end) - request.duration_minutes
    if request.duration_minutes <= 0 or last < first:
        return []
    return list(range(first, last + 1, step))


RHYTHM_DAYS = 364  # last year's date moved on by 52 weeks: the same weekday


def rhythm_targets(request: MunicipalityRequest, start: date, end: date) -> list[date | None]:
    """Per meeting to place, last year's date moved one year on (same weekday), if any."""
    targets = [d + timedelta(days=RHYTHM_DAYS) for d in sorted(request.last_year)]
    spacing = request.min_spacing_days
    usable = [
        t
        for t in targets
        if start <= t <= end and all(abs((t - e).days) >= spacing for e in request.existing)
    ]
    return [usable[i] if i < len(usable) else None for i in range(request.count)]


def rhythm_target(request: MunicipalityRequest, number: int, start: date, end: date) -> date | None:
    """Last year's date for meeting `number` (1, 2, ...) of the municipality, if any."""
    targets = rhythm_targets(request, start, end)
    return targets[number - 1] if number - 1 < len(targets) else None


def rhythm_weeks(days_off: int) -> int:
    """Weeks away from last year's date, each started week counting (same day: 0)."""
    return (abs(days_off) + 6) // 7


def overlaps_absence(
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


# --- checks of the input -----------------------------------------------------------------------


def input_problems(problem: PlanningProblem, free_days: list[date]) -> list[Problem]:
    """Settings no plan can satisfy, found before any search: the period, then each municipality."""
    if problem.end < problem.start:
        return [Problem("period_reversed", params={"start": problem.start, "end": problem.end})]
    issues = _setting_problems(problem)
    if any(issue.code == "step_invalid" for issue in issues):
        return issues
    needing = [m for m in problem.municipalities if m.count > 0]
    if needing and not free_days:
        period = {"start": problem.start, "end": problem.end}
        return [*issues, Problem("no_free_day", tuple(m.slug for m in needing), period)]
    span = (problem.end - problem.start).days
    for m in needing:
        issues.extend(_request_problems(m, span))
    return issues


def _setting_problems(problem: PlanningProblem) -> list[Problem]:
    issues: list[Problem] = []
    if problem.max_per_day < 1:
        issues.append(Problem("max_per_day_invalid", params={"value": problem.max_per_day}))
    if problem.slot_step_minutes < QUARTER or problem.slot_step_minutes % QUARTER:
        issues.append(Problem("step_invalid", params={"value": problem.slot_step_minutes}))
    return issues


def _request_problems(m: MunicipalityRequest, span: int) -> list[Problem]:
    """What is wrong with one municipality's settings; `span`: the period's days minus one."""
    issues: list[Problem] = []
    if not m.people:
        issues.append(Problem("no_required_people", (m.slug,), {"name": m.name}))
    if any(d < 1 or d > 7 for d in m.weekdays):
        issues.append(Problem("weekday_invalid", (m.slug,), {"name": m.name}))
    duration = _duration_problem(m)
    if duration is not None:
        issues.append(duration)
    spacing = _spacing_problem(m, span)
    if spacing is not None:
        issues.append(spacing)
    return issues


def _duration_problem(m: MunicipalityRequest) -> Problem | None:
    if m.duration_minutes <= 0 or m.duration_minutes % QUARTER:
        return Problem(
            "duration_invalid", (m.slug,), {"name": m.name, "minutes": m.duration_minutes}
        )
    if minutes(m.window_end) - minutes(m.window_start) < m.duration_minutes:
        return Problem(
            "window_too_short",
            (m.slug,),
            {
                "name": m.name,
                "window_start": m.window_start,
                "window_end": m.window_end,
                "minutes": m.duration_minutes,
            },
        )
    return None


def _spacing_problem(m: MunicipalityRequest, span: int) -> Problem | None:
    if m.min_spacing_days < 0:
        return Problem("spacing_invalid", (m.slug,), {"name": m.name})
    if m.count > 1 and (m.count - 1) * m.min_spacing_days > span:
        return Problem(
            "spacing_impossible",
            (m.slug,),
            {"name": m.name, "count": m.count, "spacing": m.min_spacing_days, "days": span + 1},
        )
    return None
