"""Planning with the database: load the planner's input, apply a confirmed plan.

The planner itself (`overleg.planning.planner`) never touches the database; this module turns the
municipalities, standing invitees and existing meetings into a `PlanningProblem`, and a confirmed
list of assignments into meetings (standard agenda, standing invitees) in the caller's transaction.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib.calendar_rules import CalendarRules
from overleg.lib.dates import BRUSSELS
from overleg.lib.refusal import Refusal
from overleg.meetings.services import REQUIRED_ROLES, create_meeting
from overleg.models import (
    Contact,
    Invitation,
    Meeting,
    MeetingStatus,
    Municipality,
    StandingInvitee,
    User,
)
from overleg.planning.planner import (
    Assignment,
    Busy,
    MunicipalityRequest,
    PlanningProblem,
    Violation,
    check_assignments,
)


class PlanError(ValueError):
    """A plan that cannot be applied; `violations` lists the hard rules it breaks."""

    def __init__(self, message: str, violations: Sequence[Violation] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.violations = list(violations)


@dataclass(frozen=True)
class PlanSettings:
    """What the coordinator chose on the planner page or the command line."""

    year: int
    half: int | None = None  # None: the whole year
    rules: CalendarRules = field(default_factory=CalendarRules)
    max_per_day: int = 2
    slot_step_minutes: int = 30
    platform_ids: tuple[int, ...] | None = None  # None: every platform
    exclude: frozenset[str] = frozenset()  # municipality slugs left out of this plan


def period_bounds(year: int, half: int | None) -> tuple[date, date]:
    """First and last day (inclusive) of the year or of its first or second half."""
    if half == 1:
        return date(year, 1, 1), date(year, 6, 30)
    if half == 2:
        return date(year, 7, 1), date(year, 12, 31)
    return date(year, 1, 1), date(year, 12, 31)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BRUSSELS).astimezone(UTC)


def meetings_needed(per_year: int, half: int | None, in_period: int, in_year: int) -> int:
    """How many meetings are still missing in the period.

    The whole year: the yearly number minus the year's meetings. The first half takes its share
    (half of the yearly number, rounded up); the second half whatever the year still misses.
    """
    if half == 1:
        return max(0, math.ceil(per_year / 2) - in_period)
    return max(0, per_year - in_year)


def load_problem(settings: PlanSettings, *, now: datetime) -> PlanningProblem:
    """The planner's input for `settings`, read in a constant number of queries."""
    start, end = period_bounds(settings.year, settings.half)
    # Never propose a meeting in the past: the period starts tomorrow at the earliest.
    tomorrow = now.astimezone(BRUSSELS).date() + timedelta(days=1)
    plan_start = max(start, tomorrow)
    query = sa.select(Municipality).options(
        selectinload(Municipality.standing_invitees)
        .selectinload(StandingInvitee.contact)
        .selectinload(Contact.organisation)
    )
    if settings.platform_ids is not None:
        query = query.where(Municipality.platform_id.in_(settings.platform_ids))
    municipalities = list(db.session.scalars(query.order_by(Municipality.slug)))
    ids = [m.id for m in municipalities]
    max_spacing = max((m.min_spacing_days for m in municipalities), default=0)
    year_start, year_end = date(settings.year, 1, 1), date(settings.year, 12, 31)
    window_from = _utc_midnight(min(year_start, start) - timedelta(days=max(max_spacing, 366)))
    window_to = _utc_midnight(max(year_end, end) + timedelta(days=max_spacing + 1))
    meetings = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.municipality_id.in_(ids),
                Meeting.status != MeetingStatus.CANCELLED,
                Meeting.start_at >= window_from,
                Meeting.start_at < window_to,
            )
            .order_by(Meeting.start_at)
        )
    )
    by_municipality: dict[int, list[date]] = defaultdict(list)
    for meeting in meetings:
        by_municipality[meeting.municipality_id].append(
            meeting.start_at.astimezone(BRUSSELS).date()
        )

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
    everybody = set().union(*people.values()) if people else set()

    # Existing meetings of these people (any municipality) in the period make them busy.
    busy_rows = db.session.execute(
        sa.select(Invitation.contact_id, Meeting.start_at, Meeting.end_at, Municipality.slug)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .join(Municipality, Municipality.id == Meeting.municipality_id)
        .where(
            Invitation.contact_id.in_(everybody),
            Invitation.role.in_(REQUIRED_ROLES),
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.start_at >= _utc_midnight(plan_start),
            Meeting.start_at < _utc_midnight(end + timedelta(days=1)),
        )
        .order_by(Meeting.start_at, Invitation.contact_id)
    ).all()
    busy = tuple(Busy(person=row[0], start=row[1], end=row[2], label=row[3]) for row in busy_rows)

    requests = []
    for m in municipalities:
        days = by_municipality.get(m.id, [])
        in_period = sum(1 for d in days if start <= d <= end)
        in_year = sum(1 for d in days if year_start <= d <= year_end)
        last_year_from, last_year_to = (
            start.replace(year=start.year - 1),
            end.replace(year=end.year - 1),
        )
        last_year = tuple(d for d in days if last_year_from <= d <= last_year_to)
        count = meetings_needed(m.meetings_per_year, settings.half, in_period, in_year)
        if m.slug in settings.exclude:
            count = 0
        requests.append(
            MunicipalityRequest(
                id=m.id,
                slug=m.slug,
                name=m.name,
                count=count,
                people=people[m.id],
                weekdays=tuple(m.preferred_weekday_list) or (1, 2, 3, 4, 5),
                window_start=m.window_start,
                window_end=m.window_end,
                duration_minutes=m.meeting_duration_minutes,
                min_spacing_days=m.min_spacing_days,
                existing=tuple(days),
                last_year=last_year,
            )
        )
    return PlanningProblem(
        start=plan_start,
        end=end,
        municipalities=tuple(requests),
        busy=busy,
        rules=settings.rules,
        max_per_day=settings.max_per_day,
        slot_step_minutes=settings.slot_step_minutes,
        person_names=names,
    )


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
    """Create every meeting of the plan; does not commit (one transaction for the whole plan).

    The plan is checked again first (against the problem as loaded now): when any hard rule is
    broken nothing is added and PlanError lists the violations.
    """
    items = sorted(assignments, key=lambda a: (a.start, a.slug))
    if not items:
        raise PlanError("Er is geen voorstel om te bevestigen.")
    violations = plan_violations(problem, items)
    if violations:
        raise PlanError("Het plan breekt harde regels.", violations)
    by_slug = {m.slug: m for m in problem.municipalities}
    municipalities = {
        m.slug: m
        for m in db.session.scalars(
            sa.select(Municipality).where(Municipality.slug.in_([a.slug for a in items]))
        )
    }
    created: list[Meeting] = []
    for a in items:
        municipality = municipalities[a.slug]
        start = a.start.astimezone(UTC)
        end = start + timedelta(minutes=by_slug[a.slug].duration_minutes)
        try:
            meeting = create_meeting(municipality, start_at=start, end_at=end, now=now, user=user)
        except Refusal as error:
            raise PlanError(f"{municipality.name}: {error.message}") from error
        if user is None:
            audit.record(
                None,
                "meeting.create",
                meeting,
                municipality_id=municipality.id,
                summary=f"{meeting.title} (planner)",
                actor_label=actor_label or "planner",
            )
        created.append(meeting)
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


def proposals_json(proposals: Iterable) -> list[dict[str, object]]:  # type: ignore[type-arg]
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


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_period: bool
    blocked: tuple[str, ...]  # names of the holidays that block the day
    entries: tuple[int, ...]  # indices of the plan rows on this day


@dataclass(frozen=True)
class CalendarMonth:
    first: date
    weeks: tuple[tuple[CalendarDay | None, ...], ...]  # Monday to Sunday; None outside the month


def month_calendar(
    start: date,
    end: date,
    row_days: Sequence[date | None],
    blocked: dict[date, list] | None = None,  # type: ignore[type-arg]
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
        months.append(CalendarMonth(first, tuple(weeks)))
        first = next_first
    return months
