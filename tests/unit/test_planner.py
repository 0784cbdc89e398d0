"""The planner on random instances (hypothesis) and on hand-made ones.

The hard rules are checked here by a validator of the test's own (plain pairwise comparisons),
not by the planner's `check_assignments`, so the planner cannot mark its own homework. On tiny
instances a brute-force search over the same slot grid tells whether a plan exists at all: the
planner must then find one.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overleg.lib.calendar_rules import CalendarRules, is_blocked
from overleg.lib.dates import BRUSSELS
from overleg.planning.planner import (
    Absence,
    Assignment,
    Busy,
    Dislike,
    MunicipalityRequest,
    Note,
    PlanningProblem,
    Weights,
    check_assignments,
    local_datetime,
    plan_penalty,
    plan_period,
)
from overleg.planning.planner.search import Planner

# --- the test's own statement of the hard rules -------------------------------------------


def hard_rule_breaks(problem: PlanningProblem, slots: list[tuple[str, datetime]]) -> list[str]:
    by_slug = {m.slug: m for m in problem.municipalities}
    meetings = []  # (slug, start, end)
    breaks: list[str] = []
    for slug, start in slots:
        m = by_slug[slug]
        local = start.astimezone(BRUSSELS)
        meetings.append((slug, local, local + timedelta(minutes=m.duration_minutes)))
        breaks.extend(single_meeting_breaks(problem, m, *meetings[-1]))
    breaks.extend(people_breaks(problem, by_slug, meetings))
    breaks.extend(spacing_breaks(by_slug, meetings))
    return breaks


def single_meeting_breaks(
    problem: PlanningProblem, m: MunicipalityRequest, slug: str, start: datetime, end: datetime
) -> list[str]:
    day = start.date()
    checks = [
        (not problem.start <= day <= problem.end, "outside period"),
        (is_blocked(day, problem.rules), "on a blocked day"),
        (day.isoweekday() > 5 and day.isoweekday() not in m.weekdays, "in the weekend"),
        (
            start.time() < m.window_start or end.date() != day or end.time() > m.window_end,
            "outside its window",
        ),
        (
            any(
                a.person in m.people and a.start < end and start < a.end
                for a in problem.unavailable
            ),
            "at a time a required person cannot",
        ),
        (
            m.id in problem.offered and start not in problem.offered[m.id],
            "on a slot the poll did not offer",
        ),
        (
            any(abs((day - e).days) < m.min_spacing_days for e in m.existing),
            "too close to an existing meeting",
        ),
    ]
    return [f"{slug} {what}" for broken, what in checks if broken]


def people_breaks(
    problem: PlanningProblem,
    by_slug: dict[str, MunicipalityRequest],
    meetings: list[tuple[str, datetime, datetime]],
) -> list[str]:
    breaks: list[str] = []
    # Existing meetings may already clash among themselves: only the plan's meetings count.
    per_person: dict[int, list[tuple[datetime, datetime, bool]]] = {}
    for b in problem.busy:
        per_person.setdefault(b.person, []).append((b.start, b.end, False))
    for slug, start, end in meetings:
        for p in by_slug[slug].people:
            per_person.setdefault(p, []).append((start, end, True))
    for p, intervals in per_person.items():
        for (s1, e1, new1), (s2, e2, new2) in itertools.combinations(intervals, 2):
            if (new1 or new2) and s1 < e2 and s2 < e1:
                breaks.append(f"person {p} double booked")
        days = Counter(s.astimezone(BRUSSELS).date() for s, _, _ in intervals)
        new_days = {s.astimezone(BRUSSELS).date() for s, _, new in intervals if new}
        if any(days[d] > problem.max_per_day for d in new_days):
            breaks.append(f"person {p} above the daily maximum")
    return breaks


def spacing_breaks(
    by_slug: dict[str, MunicipalityRequest], meetings: list[tuple[str, datetime, datetime]]
) -> list[str]:
    breaks: list[str] = []
    for (a_slug, a_start, _), (b_slug, b_start, _) in itertools.combinations(meetings, 2):
        if a_slug == b_slug:
            spacing = by_slug[a_slug].min_spacing_days
            if abs((a_start.date() - b_start.date()).days) < spacing:
                breaks.append(f"{a_slug} meetings too close together")
    return breaks


def grid(problem: PlanningProblem, m: MunicipalityRequest) -> list[datetime]:
    """Every slot the planner may use for `m` (its domain), hard rules of a single meeting kept."""
    result = []
    day = problem.start
    while day <= problem.end:
        weekday_ok = day.isoweekday() <= 5 or day.isoweekday() in m.weekdays
        if weekday_ok and not is_blocked(day, problem.rules):
            minute = m.window_start.hour * 60 + m.window_start.minute
            last = m.window_end.hour * 60 + m.window_end.minute - m.duration_minutes
            while minute <= last:
                result.append(
                    datetime.combine(day, time(minute // 60, minute % 60), tzinfo=BRUSSELS)
                )
                minute += problem.slot_step_minutes
        day += timedelta(days=1)
    if m.id in problem.offered:
        result = [s for s in result if s in problem.offered[m.id]]
    return result


def brute_force_exists(problem: PlanningProblem) -> bool | None:
    """Whether any plan keeps every hard rule; None when the instance is too big to enumerate."""
    needs = [m for m in problem.municipalities for _ in range(m.count)]
    domains = [grid(problem, m) for m in needs]
    size = 1
    for d in domains:
        size *= max(1, len(d))
    if size > 3_000:
        return None
    for combo in itertools.product(*domains):
        if not hard_rule_breaks(problem, [(m.slug, s) for m, s in zip(needs, combo, strict=True)]):
            return True
    return False


# --- random instances -----------------------------------------------------------------------


@st.composite
def problems(draw: st.DrawFn) -> PlanningProblem:
    start = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 1)))
    length = draw(st.integers(min_value=0, max_value=45))
    end = start + timedelta(days=length)
    people = list(range(1, draw(st.integers(1, 4)) + 1))
    municipalities = []
    for i in range(draw(st.integers(1, 4))):
        first = draw(st.integers(7 * 4, 15 * 4)) * 15
        window = draw(st.integers(1, 16)) * 15
        duration = draw(st.integers(1, 8)) * 15
        existing = tuple(
            draw(st.lists(st.dates(start - timedelta(days=30), end), max_size=1, unique=True))
        )
        municipalities.append(
            MunicipalityRequest(
                id=i + 1,
                slug=f"m{i}",
                name=f"Gemeente {i}",
                count=draw(st.integers(0, 2)),
                people=frozenset(draw(st.lists(st.sampled_from(people), min_size=1, max_size=3))),
                weekdays=tuple(sorted(draw(st.sets(st.integers(1, 7), min_size=1, max_size=4)))),
                window_start=time(first // 60, first % 60),
                window_end=time(min(23, (first + window) // 60), (first + window) % 60)
                if first + window < 24 * 60
                else time(23, 45),
                duration_minutes=duration,
                min_spacing_days=draw(st.integers(0, 21)),
                existing=existing,
                last_year=tuple(
                    draw(
                        st.lists(
                            st.dates(start - timedelta(days=370), end - timedelta(days=360)),
                            max_size=2,
                        )
                    )
                ),
            )
        )
    busy = []
    for _ in range(draw(st.integers(0, 3))):
        day = draw(st.dates(start, end))
        hour = draw(st.integers(7, 17))
        begin = datetime.combine(day, time(hour), tzinfo=BRUSSELS)
        busy.append(
            Busy(
                draw(st.sampled_from(people)),
                begin,
                begin + timedelta(minutes=draw(st.integers(1, 6)) * 30),
            )
        )
    unavailable = []
    for _ in range(draw(st.integers(0, 3))):
        begin = datetime.combine(
            draw(st.dates(start, end)), time(draw(st.integers(7, 18))), tzinfo=BRUSSELS
        )
        unavailable.append(
            Absence(draw(st.sampled_from(people)), begin, begin + timedelta(hours=3))
        )
    # Availability poll: some municipalities offered a few slots of their grid; some of those
    # slots do not suit an invitee who is not required.
    offered: dict[int, frozenset[datetime]] = {}
    disliked = []
    partial = PlanningProblem(start, end, tuple(municipalities))
    for m in municipalities:
        slots = grid(partial, m)
        if slots and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(slots), min_size=1, max_size=4, unique=True))
            offered[m.id] = frozenset(chosen)
            for slot in chosen:
                if draw(st.integers(0, 3)) == 0:
                    disliked.append(Dislike(m.id, slot, draw(st.integers(1, 2))))
    return PlanningProblem(
        start=start,
        end=end,
        municipalities=tuple(municipalities),
        busy=tuple(busy),
        offered=offered,
        disliked=tuple(disliked),
        rules=CalendarRules(
            avoid_public_holidays=draw(st.booleans()),
            avoid_flemish_holiday=draw(st.booleans()),
            avoid_school_holidays=draw(st.booleans()),
        ),
        max_per_day=draw(st.integers(1, 2)),
        slot_step_minutes=draw(st.sampled_from([30, 60])),
        unavailable=tuple(unavailable),
        search_limit=3_000,
    )


SETTINGS = settings(
    max_examples=100,
    derandomize=True,  # the same examples on every run: no flaky suite
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(problems())
def test_every_plan_keeps_every_hard_rule_or_nothing_is_planned(problem):
    plan = plan_period(problem)
    if plan.feasible:
        slots = [(p.slug, p.start) for p in plan.proposals]
        assert hard_rule_breaks(problem, slots) == []
        assert check_assignments(problem, [Assignment(s, t) for s, t in slots]) == []
        wanted = Counter({m.slug: m.count for m in problem.municipalities if m.count})
        assert Counter(p.slug for p in plan.proposals) == wanted
        assert all(p.start.tzinfo is not None and p.end > p.start for p in plan.proposals)
        assert plan.penalty == plan_penalty(problem, [Assignment(s, t) for s, t in slots])
    else:
        assert plan.proposals == ()
        assert all(p.code for p in plan.problems)


@SETTINGS
@given(problems())
def test_same_input_same_plan(problem):
    assert plan_period(problem) == plan_period(problem)


@SETTINGS
@given(problems())
def test_a_plan_is_found_whenever_one_exists(problem):
    exists = brute_force_exists(problem)
    plan = plan_period(problem)
    if exists is True:
        # Complete unless the search limit was hit, and then it must say so.
        assert plan.feasible or all(p.params.get("limit_reached") for p in plan.problems), (
            plan.problems
        )
    if exists is False:
        assert not plan.feasible


@st.composite
def crowded_problems(draw: st.DrawFn) -> PlanningProblem:
    """Many meetings sharing a few people in a short period: the local search has work to do."""
    start = date(2027, 1, 4) + timedelta(days=draw(st.integers(0, 300)))
    end = start + timedelta(days=draw(st.integers(20, 90)))
    people = list(range(1, draw(st.integers(2, 6)) + 1))
    windows = [(time(9), time(12)), (time(13, 30), time(17)), (time(9), time(17))]
    municipalities = []
    for i in range(draw(st.integers(4, 14))):
        window = draw(st.sampled_from(windows))
        count = draw(st.integers(1, 3))
        municipalities.append(
            MunicipalityRequest(
                id=i + 1,
                slug=f"m{i:02d}",
                name=f"Gemeente {i}",
                count=count,
                people=frozenset(draw(st.lists(st.sampled_from(people), min_size=1, max_size=3))),
                weekdays=tuple(sorted(draw(st.sets(st.integers(1, 5), min_size=1, max_size=3)))),
                window_start=window[0],
                window_end=window[1],
                duration_minutes=draw(st.sampled_from([60, 120])),
                min_spacing_days=draw(st.integers(0, 14)),
                existing=tuple(
                    draw(st.lists(st.dates(start - timedelta(days=20), end), max_size=1))
                ),
                last_year=tuple(
                    sorted(
                        draw(
                            st.lists(
                                st.dates(start - timedelta(days=364), end - timedelta(days=364)),
                                max_size=count,
                            )
                        )
                    )
                ),
            )
        )
    busy = []
    for _ in range(draw(st.integers(0, 4))):
        begin = datetime.combine(draw(st.dates(start, end)), time(10), tzinfo=BRUSSELS)
        busy.append(Busy(draw(st.sampled_from(people)), begin, begin + timedelta(hours=2)))
    unavailable = []
    for _ in range(draw(st.integers(0, 4))):
        day_start = datetime.combine(draw(st.dates(start, end)), time(0), tzinfo=BRUSSELS)
        unavailable.append(
            Absence(draw(st.sampled_from(people)), day_start, day_start + timedelta(days=1))
        )
    return PlanningProblem(
        start=start,
        end=end,
        municipalities=tuple(municipalities),
        busy=tuple(busy),
        max_per_day=draw(st.integers(1, 2)),
        slot_step_minutes=draw(st.sampled_from([30, 60])),
        unavailable=tuple(unavailable),
        search_limit=3_000,
    )


@settings(SETTINGS, max_examples=60)
@given(crowded_problems())
def test_annealing_never_worsens_the_plan_nor_breaks_a_hard_rule(problem):
    planner = Planner(problem)
    if planner.build():
        return
    planner.order_meetings()
    slots = planner.search()
    if slots is None:
        return
    planner.improve(slots)
    before = planner.total_penalty(slots)
    planner.anneal(slots)
    assignments = [
        Assignment(meeting.request.slug, local_datetime(date.fromordinal(day), start))
        for meeting, (_, day, start) in zip(planner.meetings, slots, strict=True)
    ]
    assert hard_rule_breaks(problem, [(a.slug, a.start) for a in assignments]) == []
    assert check_assignments(problem, assignments) == []
    after = planner.total_penalty(slots)
    assert after <= before
    # The planner's bookkeeping after the moves is that of the plan it returns.
    assert after == plan_penalty(problem, assignments)


@settings(SETTINGS, max_examples=30)
@given(crowded_problems())
def test_same_crowded_input_same_plan(problem):
    assert plan_period(problem) == plan_period(problem)


# --- hand-made instances --------------------------------------------------------------------


def _m(slug: str, people: set[int], **kwargs) -> MunicipalityRequest:  # type: ignore[no-untyped-def]
    defaults = {"id": abs(hash(slug)) % 10_000, "name": slug.title(), "count": 1}
    defaults.update(kwargs)
    return MunicipalityRequest(slug=slug, people=frozenset(people), **defaults)  # type: ignore[arg-type]


def test_shared_person_never_in_two_places():
    # Seven municipalities share one woonmaatschappij contact (person 1), one preferred day.
    ms = tuple(
        _m(f"g{i}", {1, 100 + i}, id=i, weekdays=(2,), window_start=time(9), window_end=time(12))
        for i in range(7)
    )
    problem = PlanningProblem(date(2027, 3, 1), date(2027, 3, 31), ms, max_per_day=1)
    plan = plan_period(problem)
    assert plan.feasible
    days = [p.start.date() for p in plan.proposals]
    assert len(set(days)) == 7  # one a day at most for the shared person
    given_up = [p for p in plan.proposals if any(n.code == "weekday_given_up" for n in p.notes)]
    assert given_up  # only four Tuesdays in March 2027: some had to give up the preferred day
    assert all(n.code != "all_preferences_kept" for p in given_up for n in p.notes)


def test_every_day_a_holiday_is_reported_by_name():
    # 20 July to 20 August: summer holidays (and 21 July) everywhere.
    problem = PlanningProblem(date(2027, 7, 20), date(2027, 8, 20), (_m("a", {1}),))
    plan = plan_period(problem)
    assert not plan.feasible and plan.proposals == ()
    assert [p.code for p in plan.problems] == ["no_free_day"]
    allowed = PlanningProblem(
        date(2027, 7, 20),
        date(2027, 8, 20),
        (_m("a", {1}),),
        rules=CalendarRules(avoid_school_holidays=False),
    )
    assert plan_period(allowed).feasible


def test_bad_settings_are_named():
    problem = PlanningProblem(
        date(2027, 3, 1),
        date(2027, 4, 30),
        (
            _m("zonder", set()),
            _m("kort", {1}, window_start=time(9), window_end=time(10), duration_minutes=120),
            _m("nul", {2}, window_start=time(9), window_end=time(9)),
            _m("krap", {3}, count=3, min_spacing_days=90),
        ),
    )
    plan = plan_period(problem)
    codes = {(p.code, p.municipalities) for p in plan.problems}
    assert ("no_required_people", ("zonder",)) in codes
    assert ("window_too_short", ("kort",)) in codes
    assert ("window_too_short", ("nul",)) in codes
    assert ("spacing_impossible", ("krap",)) in codes
    assert plan.proposals == ()


def test_overloaded_person_is_named_with_the_municipalities():
    ms = tuple(_m(f"g{i}", {1}, id=i) for i in range(6))
    problem = PlanningProblem(
        date(2027, 3, 1), date(2027, 3, 2), ms, max_per_day=2, person_names={1: "An Peeters"}
    )
    plan = plan_period(problem)
    [issue] = plan.problems
    assert issue.code == "person_overloaded"
    assert issue.params["person"] == "An Peeters"
    assert issue.municipalities == tuple(f"g{i}" for i in range(6))


def test_existing_meetings_block_people_and_spacing():
    busy_start = datetime(2027, 3, 2, 9, tzinfo=BRUSSELS)
    problem = PlanningProblem(
        date(2027, 3, 1),
        date(2027, 3, 5),
        (_m("a", {1}, weekdays=(2,), window_start=time(9), window_end=time(11)),),
        busy=(Busy(1, busy_start, busy_start + timedelta(hours=2), "elders"),),
    )
    plan = plan_period(problem)
    assert plan.feasible and plan.proposals[0].start.date() != date(2027, 3, 2)
    spaced = PlanningProblem(
        date(2027, 3, 1),
        date(2027, 3, 31),
        (_m("a", {1}, existing=(date(2027, 2, 20),), min_spacing_days=30),),
    )
    [proposal] = plan_period(spaced).proposals
    assert proposal.start.date() >= date(2027, 3, 22)


def test_last_years_rhythm_is_followed():
    problem = PlanningProblem(
        date(2027, 1, 1),
        date(2027, 12, 31),
        (_m("a", {1}, count=2, last_year=(date(2026, 3, 17), date(2026, 10, 13))),),
    )
    plan = plan_period(problem)
    assert [p.start.date() for p in plan.proposals] == [date(2027, 3, 16), date(2027, 10, 12)]
    assert all(any(n.code == "rhythm_kept" for n in p.notes) for p in plan.proposals)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def test_a_polled_municipality_gets_an_offered_slot_that_suits_every_required_person():
    monday, tuesday, wednesday = date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3)
    offered = frozenset({_at(monday, 9), _at(tuesday, 9), _at(wednesday, 10)})
    problem = PlanningProblem(
        monday,
        date(2027, 3, 5),
        (_m("a", {1, 2}, id=1, weekdays=(1, 2, 3)),),
        offered={1: offered},
        # Person 2 cannot make Monday morning; Tuesday does not suit an optional invitee.
        unavailable=(Absence(2, _at(monday, 8), _at(monday, 12)),),
        disliked=(Dislike(1, _at(tuesday, 9)),),
    )
    [proposal] = plan_period(problem).proposals
    # Tuesday 9:00 is the preferred time, but the optional "no" costs more than an hour later.
    assert proposal.start == _at(wednesday, 10)
    assert Note("poll_slot", {"declined": 0}) in proposal.notes
    # By hand: the slot person 2 declined breaks a hard rule, the disliked one only costs.
    monday_slot = check_assignments(problem, [Assignment("a", _at(monday, 9))])
    assert [v.code for v in monday_slot] == ["person_unavailable"]
    assert check_assignments(problem, [Assignment("a", _at(tuesday, 9))]) == []
    assert plan_penalty(problem, [Assignment("a", _at(tuesday, 9))]) == (
        plan_penalty(problem, [Assignment("a", _at(monday, 9))]) + Weights().poll_declined
    )


def test_an_absence_also_keeps_other_municipalities_of_that_person_away():
    monday = date(2027, 3, 1)
    problem = PlanningProblem(
        monday,
        monday,
        (_m("b", {2}, id=2, window_start=time(9), window_end=time(17)),),
        unavailable=(Absence(2, _at(monday, 9), _at(monday, 13)),),
    )
    [proposal] = plan_period(problem).proposals
    assert proposal.start >= _at(monday, 13)


def test_no_offered_slot_for_every_required_person_names_who_cannot():
    monday = date(2027, 3, 1)
    problem = PlanningProblem(
        monday,
        date(2027, 3, 5),
        (_m("a", {1, 2}, id=1),),
        offered={1: frozenset({_at(monday, 9)})},
        unavailable=(Absence(2, _at(monday, 9), _at(monday, 11)),),
        person_names={1: "An", 2: "Bert Peeters"},
    )
    plan = plan_period(problem)
    assert plan.proposals == ()
    [issue] = plan.problems
    assert issue.code == "poll_no_common_slot"
    assert issue.params["people"] == ["Bert Peeters"]


def test_collision_names_the_municipalities_and_people():
    # Two municipalities need person 1 on the only free morning, one meeting per day at most.
    ms = (
        _m("a", {1}, id=1, window_start=time(9), window_end=time(11)),
        _m("b", {1}, id=2, window_start=time(9), window_end=time(11)),
    )
    problem = PlanningProblem(
        date(2027, 3, 1),
        date(2027, 3, 2),
        ms,
        max_per_day=1,
        unavailable=(Absence(1, _at(date(2027, 3, 2), 0), _at(date(2027, 3, 3), 0)),),
        person_names={1: "An Peeters"},
    )
    plan = plan_period(problem)
    assert plan.proposals == ()
    [issue] = plan.problems
    assert issue.code in ("collision", "person_overloaded")
    assert set(issue.municipalities) == {"a", "b"}
