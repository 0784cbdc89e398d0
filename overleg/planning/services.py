"""Planning with the database: propose a plan, check a plan adjusted by hand, confirm it.

The planner page, the poll pages and `flask plan` all go through the same three steps:
- `propose(settings, now=..., poll=...)`: load the planner's input (`load_problem`), narrow it to
  the poll's slots and answers when there is a poll, and plan;
- `check(settings, assignments, ...)`: the same input, and the hard rules a table of
  (municipality, start) breaks;
- `confirm(problem, assignments, ...)`: check again, create every meeting (standard agenda,
  standing invitees) and close the poll, in the caller's transaction; a refusal when any rule
  is broken, and then nothing is added.

The planner itself (`overleg.planning.planner`) never touches the database. Nothing here
commits: the request's commit point (or the CLI command) does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.auth.permissions import meeting_of_municipality
from overleg.directory.lineage import not_retired
from overleg.extensions import db
from overleg.lib.calendar_rules import BlockedDay
from overleg.lib.dates import BRUSSELS
from overleg.lib.refusal import Refusal
from overleg.meetings import joint
from overleg.meetings.services import REQUIRED_ROLES, create_meeting
from overleg.models import (
    AvailabilityPoll,
    Contact,
    Invitation,
    Meeting,
    MeetingStatus,
    Municipality,
    StandingInvitee,
    User,
)
from overleg.planning import polls
from overleg.planning.planner import (
    Assignment,
    Busy,
    MunicipalityRequest,
    Plan,
    PlanningProblem,
    Proposal,
    Violation,
    check_assignments,
    plan_period,
)
from overleg.planning.settings import PlanSettings, period_bounds

# --- propose, check, confirm ---------------------------------------------------------------------


@dataclass(frozen=True)
class Proposed:
    """A plan and the input it was made from."""

    problem: PlanningProblem
    plan: Plan


@dataclass(frozen=True)
class Checked:
    """A table of assignments, checked against the database as it is now."""

    problem: PlanningProblem
    assignments: list[Assignment]
    violations: list[Violation]


def planning_problem(
    settings: PlanSettings, *, now: datetime, poll: AvailabilityPoll | None = None
) -> PlanningProblem:
    """The planner's input for `settings`, with the poll's slots and answers when there is one."""
    problem = load_problem(settings, now=now)
    return polls.with_answers(problem, poll) if poll is not None else problem


def propose(
    settings: PlanSettings, *, now: datetime, poll: AvailabilityPoll | None = None
) -> Proposed:
    """A plan for every meeting still missing, or the problems that prevent one."""
    problem = planning_problem(settings, now=now, poll=poll)
    return Proposed(problem, plan_period(problem))


def check(
    settings: PlanSettings,
    assignments: Sequence[Assignment],
    *,
    now: datetime,
    poll: AvailabilityPoll | None = None,
) -> Checked:
    """The hard rules `assignments` (as adjusted by hand) break, given the database now."""
    problem = planning_problem(settings, now=now, poll=poll)
    return Checked(problem, list(assignments), plan_violations(problem, assignments))


def confirm(
    problem: PlanningProblem,
    assignments: Iterable[Assignment],
    *,
    user: User | None,
    now: datetime,
    poll: AvailabilityPoll | None = None,
    actor_label: str = "",
) -> list[Meeting]:
    """Create every meeting of the plan and close its poll; does not commit.

    The plan is checked again first (against `problem`, as loaded in this transaction): when any
    hard rule is broken nothing is added and the change is refused.
    """
    created = apply_plan(problem, assignments, user=user, now=now, actor_label=actor_label)
    if poll is not None:
        polls.close_poll(poll, user=user, now=now)
    return created


def plan_violations(problem: PlanningProblem, assignments: Sequence[Assignment]) -> list[Violation]:
    """The hard rules `assignments` break, plus more meetings than a municipality still needs."""
    violations = check_assignments(problem, assignments)
    needed = {m.slug: m.count for m in problem.municipalities}
    seen: dict[str, int] = defaultdict(int)
    for a in sorted(assignments, key=lambda a: (a.start, a.slug)):
        seen[a.slug] += 1
        if a.slug in needed and seen[a.slug] > needed[a.slug]:
            violations.append(
                Violation("too_many", a.slug, seen[a.slug], {"needed": needed[a.slug]})
            )
    return violations


def apply_plan(
    problem: PlanningProblem,
    assignments: Iterable[Assignment],
    *,
    user: User | None,
    now: datetime,
    actor_label: str = "",
) -> list[Meeting]:
    """Create every meeting of the plan (one transaction for the whole plan, not committed)."""
    items = sorted(assignments, key=lambda a: (a.start, a.slug))
    if not items:
        raise Refusal(_l("Er is geen voorstel om te bevestigen."))
    if plan_violations(problem, items):
        raise Refusal(_l("Het plan breekt harde regels."))
    durations = {m.slug: m.duration_minutes for m in problem.municipalities}
    partners = {m.slug: m.partners for m in problem.municipalities if m.partners}
    municipalities = {
        m.slug: m
        for m in db.session.scalars(
            sa.select(Municipality).where(Municipality.slug.in_([a.slug for a in items]))
        )
    }
    created = [
        _create_meeting(municipalities[a.slug], a, durations[a.slug], user, now, actor_label)
        for a in items
    ]
    for assignment, meeting in zip(items, created, strict=True):
        if assignment.slug in partners:
            joint.set_partners(meeting, partners[assignment.slug], user=user)
    audit.record(
        user,
        "planning.apply",
        created[0],
        summary=f"Planning bevestigd: {len(created)} vergaderingen "
        f"({problem.start.isoformat()} - {problem.end.isoformat()})",
        details={"meeting_ids": [m.id for m in created]},
        actor_label=actor_label if user is None else "",
    )
    return created


def _create_meeting(
    municipality: Municipality,
    assignment: Assignment,
    duration_minutes: int,
    user: User | None,
    now: datetime,
    actor_label: str,
) -> Meeting:
    """One planned meeting with the standard agenda and the standing invitees."""
    start = assignment.start.astimezone(UTC)
    end = start + timedelta(minutes=duration_minutes)
    try:
        meeting = create_meeting(municipality, start_at=start, end_at=end, now=now, user=user)
    except Refusal as refusal:
        raise Refusal(
            _l("%(name)s: %(reason)s", name=municipality.name, reason=refusal.message)
        ) from refusal
    if user is None:
        audit.record(
            None,
            "meeting.create",
            meeting,
            municipality_id=municipality.id,
            summary=f"{meeting.title} (planner)",
            actor_label=actor_label or "planner",
        )
    return meeting


def proposals_json(proposals: Iterable[Proposal]) -> list[dict[str, object]]:
    """The machine-readable plan: municipality slug, start, end (ISO 8601 with offset), people."""
    return [
        {
            "municipality": p.slug,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "required_contact_ids": list(p.people),
            "penalty": p.penalty,
        }
        for p in proposals
    ]


# --- the planner's input -------------------------------------------------------------------------


def meetings_needed(per_year: int, half: int | None, in_period: int, in_year: int) -> int:
    """How many meetings are still missing in the period.

    The whole year: the yearly number minus the year's meetings. The first half takes its share
    (half of the yearly number, rounded up); the second half whatever the year still misses.
    """
    if half == 1:
        return max(0, math.ceil(per_year / 2) - in_period)
    return max(0, per_year - in_year)


@dataclass(frozen=True)
class _Period:
    """The days the input is read for."""

    start: date  # the period chosen
    end: date
    plan_start: date  # the first day a meeting may be proposed: tomorrow at the earliest
    year_start: date
    year_end: date

    @classmethod
    def of(cls, settings: PlanSettings, now: datetime) -> _Period:
        start, end = period_bounds(settings.year, settings.half)
        # Never propose a meeting in the past: the period starts tomorrow at the earliest.
        tomorrow = now.astimezone(BRUSSELS).date() + timedelta(days=1)
        year_start, year_end = date(settings.year, 1, 1), date(settings.year, 12, 31)
        return cls(start, end, max(start, tomorrow), year_start, year_end)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BRUSSELS).astimezone(UTC)


def load_problem(settings: PlanSettings, *, now: datetime) -> PlanningProblem:
    """The planner's input for `settings`, read in a constant number of queries."""
    period = _Period.of(settings, now)
    municipalities = _municipalities(settings, period)
    days = _meeting_days(municipalities, period)
    people, names = _required_people(municipalities)
    everybody = set().union(*people.values()) if people else set()
    requests = joined(
        [_request(m, settings, period, days.get(m.id, []), people[m.id]) for m in municipalities],
        settings.together,
    )
    return PlanningProblem(
        start=period.plan_start,
        end=period.end,
        municipalities=tuple(requests),
        busy=_busy(everybody, period),
        rules=settings.rules,
        max_per_day=settings.max_per_day,
        slot_step_minutes=settings.slot_step_minutes,
        person_names=names,
    )


def _municipalities(settings: PlanSettings, period: _Period) -> list[Municipality]:
    """The municipalities of the chosen platforms that still exist when the period starts
    (a merged one has no duty after its merger: directory/mergers.py), with their standing
    invitees."""
    query = (
        sa.select(Municipality)
        .where(not_retired(period.start))
        .options(
            selectinload(Municipality.standing_invitees)
            .selectinload(StandingInvitee.contact)
            .selectinload(Contact.organisation)
        )
    )
    if settings.platform_ids is not None:
        query = query.where(Municipality.platform_id.in_(settings.platform_ids))
    return list(db.session.scalars(query.order_by(Municipality.slug)))


def _meeting_days(municipalities: list[Municipality], period: _Period) -> dict[int, list[date]]:
    """Per municipality the local dates of its non-cancelled meetings from a year before the
    period (for last year's rhythm) to beyond it (for the spacing)."""
    max_spacing = max((m.min_spacing_days for m in municipalities), default=0)
    window_from = _utc_midnight(
        min(period.year_start, period.start) - timedelta(days=max(max_spacing, 366))
    )
    window_to = _utc_midnight(max(period.year_end, period.end) + timedelta(days=max_spacing + 1))
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            meeting_of_municipality([m.id for m in municipalities]),
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.start_at >= window_from,
            Meeting.start_at < window_to,
        )
        .options(selectinload(Meeting.partners))
        .order_by(Meeting.start_at)
    )
    days: dict[int, list[date]] = defaultdict(list)
    for meeting in meetings:
        # A joint meeting counts once for each of its municipalities.
        for held_by in meeting.all_municipalities:
            days[held_by.id].append(meeting.start_at.astimezone(BRUSSELS).date())
    return days


def _required_people(
    municipalities: list[Municipality],
) -> tuple[dict[int, frozenset[int]], dict[int, str]]:
    """Per municipality its current required (and chair) standing invitees; their names."""
    people: dict[int, frozenset[int]] = {}
    names: dict[int, str] = {}
    for m in municipalities:
        required = [
            s.contact
            for s in m.standing_invitees
            if s.role in REQUIRED_ROLES
            and s.contact.archived_at is None
            and s.contact.erased_at is None
        ]
        people[m.id] = frozenset(c.id for c in required)
        for c in required:
            names[c.id] = f"{c.full_name} ({c.organisation.name})"
    return people, names


def _busy(everybody: set[int], period: _Period) -> tuple[Busy, ...]:
    """Existing meetings of these people (any municipality) in the period make them busy."""
    rows = db.session.execute(
        sa.select(Invitation.contact_id, Meeting.start_at, Meeting.end_at, Municipality.slug)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .join(Municipality, Municipality.id == Meeting.municipality_id)
        .where(
            Invitation.contact_id.in_(everybody),
            Invitation.role.in_(REQUIRED_ROLES),
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.start_at >= _utc_midnight(period.plan_start),
            Meeting.start_at < _utc_midnight(period.end + timedelta(days=1)),
        )
        .order_by(Meeting.start_at, Invitation.contact_id)
    ).all()
    return tuple(
        Busy(person=person, start=start, end=end, label=slug)
        for person, start, end, slug in rows
        if person is not None
    )


def _request(
    m: Municipality,
    settings: PlanSettings,
    period: _Period,
    days: list[date],
    people: frozenset[int],
) -> MunicipalityRequest:
    """What the municipality needs in the period, from its settings and its meetings."""
    in_period = sum(1 for d in days if period.start <= d <= period.end)
    in_year = sum(1 for d in days if period.year_start <= d <= period.year_end)
    last_year_from = period.start.replace(year=period.start.year - 1)
    last_year_to = period.end.replace(year=period.end.year - 1)
    count = meetings_needed(m.meetings_per_year, settings.half, in_period, in_year)
    return MunicipalityRequest(
        id=m.id,
        slug=m.slug,
        name=m.name,
        count=0 if m.slug in settings.exclude else count,
        people=people,
        weekdays=tuple(m.preferred_weekday_list) or (1, 2, 3, 4, 5),
        window_start=m.window_start,
        window_end=m.window_end,
        duration_minutes=m.meeting_duration_minutes,
        min_spacing_days=m.min_spacing_days,
        existing=tuple(days),
        last_year=tuple(d for d in days if last_year_from <= d <= last_year_to),
    )


def joined(
    requests: list[MunicipalityRequest], together: frozenset[str]
) -> list[MunicipalityRequest]:
    """The requests with those of `together` planned as one joint meeting (when two or more are
    chosen): the first by slug hosts it and asks for the most meetings any of them needs, with
    everyone's required people, the days and hours that suit all of them (the host's when none
    do) and everyone's existing meetings for the spacing; the others ask for none."""
    group = [r for r in requests if r.slug in together]
    if len(group) < 2:
        return requests
    host, others = group[0], group[1:]
    weekdays = tuple(d for d in host.weekdays if all(d in r.weekdays for r in others))
    start = max(r.window_start for r in group)
    end = min(r.window_end for r in group)
    merged = replace(
        host,
        name=" + ".join(r.name for r in group),
        count=max(r.count for r in group),
        people=frozenset().union(*(r.people for r in group)),
        weekdays=weekdays or host.weekdays,
        window_start=start if start < end else host.window_start,
        window_end=end if start < end else host.window_end,
        duration_minutes=max(r.duration_minutes for r in group),
        min_spacing_days=max(r.min_spacing_days for r in group),
        existing=tuple(sorted({d for r in group for d in r.existing})),
        last_year=tuple(sorted({d for r in group for d in r.last_year})),
        partners=tuple(r.id for r in others),
    )
    return [merged if r is host else replace(r, count=0) if r in others else r for r in requests]


# --- the calendar on the planner page ------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_period: bool
    blocked: tuple[str, ...]  # names of the holidays that block the day
    entries: tuple[int, ...]  # indices of the plan rows on this day


@dataclass(frozen=True)
class FreeDays:
    """A run of days in one month that one holiday or school holiday blocks."""

    first: date
    last: date
    name: str


@dataclass(frozen=True)
class CalendarMonth:
    first: date
    weeks: tuple[tuple[CalendarDay | None, ...], ...]  # Monday to Sunday; None outside the month
    # The blocked days of the month by name, listed under it: a name does not fit a day's cell.
    free_days: tuple[FreeDays, ...] = ()


def free_days(days: Sequence[CalendarDay]) -> tuple[FreeDays, ...]:
    """The blocked days among `days` (consecutive), as runs of consecutive days per name."""
    runs: list[FreeDays] = []
    open_runs: dict[str, FreeDays] = {}
    for day in days:
        for name in day.blocked:
            run = open_runs.get(name)
            if run is not None and run.last + timedelta(days=1) == day.day:
                open_runs[name] = FreeDays(run.first, day.day, name)
            else:
                if run is not None:
                    runs.append(run)
                open_runs[name] = FreeDays(day.day, day.day, name)
    runs.extend(open_runs.values())
    return tuple(sorted(runs, key=lambda run: (run.first, run.last, run.name)))


def month_calendar(
    start: date,
    end: date,
    row_days: Sequence[date | None],
    blocked: Mapping[date, Sequence[BlockedDay]] | None = None,
) -> list[CalendarMonth]:
    """The months from `start` to `end` as week rows, with the plan rows per day."""
    per_day: dict[date, list[int]] = defaultdict(list)
    for index, day in enumerate(row_days):
        if day is not None:
            per_day[day].append(index)
    blocked = blocked or {}
    months: list[CalendarMonth] = []
    first = start.replace(day=1)
    while first <= end:
        next_first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        weeks: list[tuple[CalendarDay | None, ...]] = []
        week: list[CalendarDay | None] = [None] * (first.isoweekday() - 1)
        day = first
        while day < next_first:
            week.append(
                CalendarDay(
                    day,
                    start <= day <= end,
                    tuple(b.name for b in blocked.get(day, [])),
                    tuple(per_day.get(day, [])),
                )
            )
            if len(week) == 7:
                weeks.append(tuple(week))
                week = []
            day += timedelta(days=1)
        if week:
            weeks.append(tuple(week + [None] * (7 - len(week))))
        days = [d for w in weeks for d in w if d is not None]
        months.append(CalendarMonth(first, tuple(weeks), free_days(days)))
        first = next_first
    return months
