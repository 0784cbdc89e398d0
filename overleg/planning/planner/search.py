"""The search: place every meeting on a feasible slot, then make the plan cheaper.

The steps, in the order `plan_period` runs them:
1. construction (`Planner.build`): the meetings and their candidate slots
   (overleg.planning.planner.candidates), or the problems that rule out any plan;
2. `order_meetings`: the most constrained municipality first;
3. `search`: depth-first, each meeting on its cheapest feasible slot; on a dead end it
   backtracks (bounded by `search_limit` nodes), so small instances are solved completely and
   large ones by the first, greedy, descent;
4. `improve`: move one meeting at a time to a cheaper feasible slot until nothing improves;
5. `anneal` (overleg.planning.planner.anneal): simulated annealing on the full objective, the
   weekly load included; a last pass of step 4 polishes its best plan;
6. the explanations (overleg.planning.planner.explain).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from overleg.lib.dates import BRUSSELS, later
from overleg.planning.planner import anneal as annealing
from overleg.planning.planner import explain
from overleg.planning.planner.candidates import (
    MeetingBuilder,
    PollAnswers,
    capacity_problems,
    fair_shares,
)
from overleg.planning.planner.occupancy import Meeting, Occupancy, Period, Slot
from overleg.planning.planner.problem import (
    QUARTER,
    QUARTERS_PER_DAY,
    Assignment,
    Busy,
    PlanningProblem,
    input_problems,
    local_datetime,
    local_key,
)
from overleg.planning.planner.result import Plan, Problem, Proposal


class Planner:
    """One planning run over a problem: its meetings, who is taken when, and the search steps."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.weights = problem.weights
        self.period = Period(problem)
        self.start_ord = self.period.start_ord
        self.free_days = self.period.free_days
        self.week_of = self.period.week_of
        self.nodes = 0  # search nodes used
        self.deepest = 0  # the deepest level the search reached ...
        self.dead_end = 0  # ... and where it got stuck there
        self.person_ids: list[int] = []  # dense person index -> person id
        self.persons: dict[int, int] = {}  # person id -> dense index
        self.meetings: list[Meeting] = []
        self.dislikes: dict[int, dict[tuple[int, int], int]] = {}  # kept for the explanations
        self.fair_share: list[int] = []
        self.state = Occupancy(problem, 0, self.week_of)

    # -- construction

    def build(self) -> list[Problem]:
        """The meetings and their candidates; the problems that rule out a plan, if any."""
        problem = self.problem
        issues = input_problems(problem, self.free_days)
        if issues:
            return issues
        self.person_ids = sorted(
            {p for m in problem.municipalities if m.count > 0 for p in m.people}
        )
        self.persons = {p: i for i, p in enumerate(self.person_ids)}
        self.reset_state()
        answers = PollAnswers.of(problem)
        self.dislikes = answers.dislikes
        self.meetings, issues = MeetingBuilder(problem, self.period, self.persons, answers).build()
        if issues:
            return issues
        issues = capacity_problems(problem, self.meetings, self.state, self.person_ids)
        self.fair_share = fair_shares(self.period, self.meetings, self.state)
        return issues

    def reset_state(self) -> None:
        """Nobody taken but by the existing meetings."""
        self.state = Occupancy(self.problem, len(self.persons), self.week_of)
        for busy in sorted(self.problem.busy, key=lambda b: (b.start, b.end, b.person)):
            self._add_busy(busy)

    def _add_busy(self, busy: Busy) -> None:
        if busy.person not in self.persons:
            return
        local_start = busy.start.astimezone(BRUSSELS)
        local_end = busy.end.astimezone(BRUSSELS)
        day = local_start.date()
        if not self.start_ord <= day.toordinal() <= self.period.end_ord:
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

    # -- feasibility and cost

    def feasible(self, meeting: Meeting, day_ord: int, start: int) -> bool:
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

    def load_cost(self, meeting: Meeting, day_ord: int) -> int:
        week = self.week_of[day_ord - self.start_ord]
        loads = self.state.week_load
        fair = self.fair_share
        return self.weights.load * sum(1 for p in meeting.people if loads[p][week] >= fair[p])

    def place(self, meeting: Meeting, slot: Slot) -> None:
        _, day_ord, start = slot
        for p in meeting.people:
            self.state.occupy(p, day_ord, start // QUARTER, meeting.length_q, meeting.request.slug)
        self.state.municipality_days[meeting.request.id].append(day_ord)
        self.state.numbered[(meeting.request.id, meeting.number)] = day_ord

    def unplace(self, meeting: Meeting, slot: Slot) -> None:
        _, day_ord, start = slot
        for p in meeting.people:
            self.state.release(p, day_ord, start // QUARTER, meeting.length_q, meeting.request.slug)
        self.state.municipality_days[meeting.request.id].remove(day_ord)
        del self.state.numbered[(meeting.request.id, meeting.number)]

    def best_slot(self, meeting: Meeting) -> tuple[int, Slot] | None:
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

    def ordered_feasible(self, meeting: Meeting) -> list[Slot]:
        """Every feasible slot now, cheapest first (for backtracking)."""
        scored = [
            (slot[0] + self.load_cost(meeting, slot[1]), slot)
            for slot in meeting.candidates
            if self.feasible(meeting, slot[1], slot[2])
        ]
        scored.sort()
        return [slot for _, slot in scored]

    def total_penalty(self, slots: list[Slot]) -> int:
        """The objective: the slots' own penalties plus the weekly load beyond the fair shares."""
        static = sum(slot[0] for slot in slots)
        excess = sum(
            max(0, load - self.fair_share[p])
            for p, weeks in enumerate(self.state.week_load)
            for load in weeks
        )
        return static + self.weights.load * excess

    # -- the steps

    def order_meetings(self) -> None:
        """Most constrained first: few candidates, then people shared with many municipalities."""
        share: Counter[int] = Counter()
        for meeting in self.meetings:
            if meeting.number == 1:
                share.update(meeting.people)

        def key(meeting: Meeting) -> tuple[int, int, str, int]:
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
            pending = todo[i]
            if pending is None or (not pending and not expanded[i] and assigned[i] is not None):
                self.nodes += 1
                if self.nodes > self.problem.search_limit:
                    return None
                if pending is None:
                    best = self.best_slot(meeting)
                    pending = [best[1]] if best else []
                    expanded[i] = best is None
                else:
                    tried = assigned[i]
                    pending = [s for s in self.ordered_feasible(meeting) if s != tried]
                    expanded[i] = True
                todo[i] = pending
                assigned[i] = None
            if pending:
                slot = pending.pop(0)
                self.place(meeting, slot)
                assigned[i] = slot
                i += 1
                self.deepest = max(self.deepest, i)
                continue
            i = self._backtrack(i, assigned, todo, expanded)
        if i < 0:
            return None
        return [slot for slot in assigned if slot is not None]

    def _backtrack(
        self,
        i: int,
        assigned: list[Slot | None],
        todo: list[list[Slot] | None],
        expanded: list[bool],
    ) -> int:
        """Nothing left to try at depth `i`: take back the meeting before it; the new depth."""
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
        return i

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
        """Simulated annealing on the full objective (overleg.planning.planner.anneal)."""
        annealing.anneal(self, slots)

    def replace_all(self, slots: list[Slot]) -> None:
        """The full state (occupancy, labels, days) rebuilt for the plan `slots`."""
        self.reset_state()
        for meeting, slot in zip(self.meetings, slots, strict=True):
            self.place(meeting, slot)


def plan_period(problem: PlanningProblem) -> Plan:
    """Propose a slot for every meeting to place, or explain why the hard rules collide."""
    planner = Planner(problem)
    issues = planner.build()
    if issues:
        return Plan((), tuple(issues), 0)
    if not planner.meetings:
        return Plan((), (), 0)
    planner.order_meetings()
    slots = planner.search()
    if slots is None:
        return Plan((), (explain.dead_end_problem(planner),), 0, planner.nodes)
    planner.improve(slots)
    planner.anneal(slots)
    planner.improve(slots, max_passes=2)
    proposals = [
        _proposal(planner, meeting, slot)
        for meeting, slot in zip(planner.meetings, slots, strict=True)
    ]
    proposals.sort(key=lambda p: (p.start, p.slug))
    return Plan(tuple(proposals), (), planner.total_penalty(slots), planner.nodes)


def _proposal(planner: Planner, meeting: Meeting, slot: Slot) -> Proposal:
    _, day_ord, start = slot
    begin = local_datetime(date.fromordinal(day_ord), start)
    notes, penalty = explain.explain(planner, meeting, slot)
    return Proposal(
        municipality_id=meeting.request.id,
        slug=meeting.request.slug,
        name=meeting.request.name,
        number=meeting.number,
        start=begin,
        end=later(begin, meeting.request.duration_minutes),
        people=tuple(sorted(meeting.request.people)),
        penalty=penalty,
        notes=tuple(notes),
    )


def alternative_slots(
    problem: PlanningProblem, assignments: Iterable[Assignment], per_meeting: int = 2
) -> dict[tuple[str, datetime], list[datetime]]:
    """Per assignment, up to `per_meeting` other starts that keep every hard rule while the rest
    of the plan stays where it is: the cheapest ones, each on a day of its own.

    Used to offer candidate slots in an availability poll; an assignment the planner cannot map
    (unknown municipality, more meetings than the municipality needs) gets no alternatives.
    """
    planner = Planner(problem)
    items = sorted(assignments, key=lambda a: (a.start, a.slug))
    result: dict[tuple[str, datetime], list[datetime]] = {(a.slug, a.start): [] for a in items}
    if planner.build():
        return result
    placed = _place_assignments(planner, items)
    for a, meeting, slot in placed:
        planner.unplace(meeting, slot)
        result[(a.slug, a.start)] = _other_days(planner, meeting, slot, per_meeting)
        planner.place(meeting, slot)
    return result


def _place_assignments(
    planner: Planner, items: list[Assignment]
) -> list[tuple[Assignment, Meeting, Slot]]:
    """Put the assignments (in time order) on the planner's meetings, as far as they map."""
    by_key = {(m.request.slug, m.number): m for m in planner.meetings}
    numbers: Counter[str] = Counter()
    placed: list[tuple[Assignment, Meeting, Slot]] = []
    for a in items:
        numbers[a.slug] += 1
        meeting = by_key.get((a.slug, numbers[a.slug]))
        if meeting is None:
            continue
        day_ord, minute = local_key(a.start)
        own = next((c[0] for c in meeting.candidates if c[1:] == (day_ord, minute)), 0)
        slot = (own, day_ord, minute)
        planner.place(meeting, slot)
        placed.append((a, meeting, slot))
    return placed


def _other_days(planner: Planner, meeting: Meeting, slot: Slot, wanted: int) -> list[datetime]:
    """The cheapest feasible starts of `meeting`, each on a day of its own, not `slot`'s day."""
    taken_days = {slot[1]}
    chosen: list[datetime] = []
    for candidate in planner.ordered_feasible(meeting):
        if len(chosen) >= wanted:
            break
        if candidate[1] in taken_days:
            continue
        taken_days.add(candidate[1])
        chosen.append(local_datetime(date.fromordinal(candidate[1]), candidate[2]))
    return chosen
