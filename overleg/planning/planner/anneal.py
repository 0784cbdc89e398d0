"""Simulated annealing on the full objective: the slots' own penalties plus the weekly load.

A move takes one meeting to another of its cheap candidate slots (at most `ANNEAL_SLACK` above
its cheapest, the cheaper ones drawn more often); a move that breaks a hard rule is never made,
one that lowers the penalty always, one that raises it by `delta` with probability
exp(-delta / T), T cooling geometrically from `ANNEAL_HOT` to `ANNEAL_COLD` over `ANNEAL_MOVES`
moves per meeting. Equal-cost moves are always made, so the search drifts over the plateaus of
the weekly load. The random generator has a fixed seed (and the number of moves is fixed), so
the same problem gives the same plan; the best plan seen is kept, so the penalty never goes up.

Why annealing: the plan of the first steps is stuck in a local optimum of the weekly load (two
meetings of a shared person in one week cost 3, moving one a week away from last year's date
costs 2, and a better plan needs several such moves in a row); see docs/planner.md.

The walk is the planner's hot loop (hundreds of thousands of moves on the national benchmark):
it reads the occupancy arrays directly instead of going through `Planner.place`.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from typing import TYPE_CHECKING, NamedTuple

from overleg.planning.planner.occupancy import Meeting, Slot
from overleg.planning.planner.problem import QUARTER

if TYPE_CHECKING:
    from overleg.planning.planner.search import Planner

# Tuned on bench/planner.py: moves per meeting, the temperatures in penalty points, how far
# above a meeting's cheapest slot it may move, the seed.
ANNEAL_MOVES = 250
ANNEAL_HOT = 2.0
ANNEAL_COLD = 0.2
ANNEAL_SLACK = 6
ANNEAL_SEED = 20270101


class Moves(NamedTuple):
    """What moving one meeting needs to know."""

    pool: list[Slot]  # the slots it may move to, cheapest first
    size: int
    people: tuple[int, ...]
    bits: int  # its length as a mask of quarters, starting at quarter 0
    siblings: list[tuple[int, bool]]  # (index of another meeting of its municipality, later?)
    existing: tuple[int, ...]  # the day ordinals of the municipality's existing meetings
    spacing: int


def anneal(planner: Planner, slots: list[Slot]) -> None:
    """Anneal `slots` (one per meeting of the planner) in place; the planner's state follows."""
    n = len(planner.meetings)
    if not n:
        return
    walk = Walk(planner, slots)
    walk.run(ANNEAL_MOVES * n)
    # Back to the best plan seen, with the full state (labels, days) rebuilt for it.
    slots[:] = walk.best
    planner.replace_all(slots)


def move_table(meetings: list[Meeting]) -> list[Moves]:
    """Per meeting (in the planner's order): its pool of slots and the rules a move must keep."""
    index_of = {(m.request.id, m.number): i for i, m in enumerate(meetings)}
    table = []
    for meeting in meetings:
        candidates = meeting.candidates  # sorted by their own penalty
        pool = candidates[: bisect_right(candidates, (candidates[0][0] + ANNEAL_SLACK + 1,))]
        siblings = []
        for number in range(1, meeting.request.count + 1):
            j = index_of.get((meeting.request.id, number))
            if j is not None and number != meeting.number:
                siblings.append((j, number > meeting.number))
        table.append(
            Moves(
                pool,
                len(pool),
                meeting.people,
                (1 << meeting.length_q) - 1,
                siblings,
                tuple(d.toordinal() for d in meeting.request.existing),
                meeting.request.min_spacing_days,
            )
        )
    return table


class Walk:
    """The annealing walk: the plan it changes, its penalty, and the best plan seen."""

    def __init__(self, planner: Planner, slots: list[Slot]) -> None:
        state = planner.state
        self.masks, self.counts, self.load = state.masks, state.counts, state.week_load
        self.week_of, self.start_ord = planner.week_of, planner.start_ord
        self.fair, self.weight = planner.fair_share, planner.weights.load
        self.cap = planner.problem.max_per_day
        self.moves = move_table(planner.meetings)
        self.slots = slots
        self.total = planner.total_penalty(slots)
        self.best_total, self.best = self.total, list(slots)

    def run(self, iterations: int) -> None:
        """`iterations` proposed moves, cooling from hot to cold."""
        moves, slots = self.moves, self.slots
        n = len(moves)
        # A fixed seed: same input, same plan.
        rng = random.Random(ANNEAL_SEED ^ n)  # noqa: S311  # nosec B311 - search, not security
        rand = rng.random
        cooling = (ANNEAL_COLD / ANNEAL_HOT) ** (1.0 / iterations)
        temperature = ANNEAL_HOT
        log = math.log
        allowed, delta_of, make = self.allowed, self.delta, self.make
        for _ in range(iterations):
            temperature *= cooling
            i = int(rand() * n)
            move = moves[i]
            r = rand()
            cand = move.pool[int(r * r * move.size)]  # cheap slots favoured
            cur = slots[i]
            if cand == cur or not allowed(move, cur, cand):
                continue
            delta = delta_of(move, cur, cand)
            if delta > 0 and delta >= -temperature * log(1.0 - rand()):
                continue
            make(i, move, cur, cand, delta)

    def allowed(self, move: Moves, cur: Slot, cand: Slot) -> bool:
        """Whether moving the meeting from `cur` to `cand` keeps every hard rule."""
        d1, s1 = cand[1], cand[2]
        x1 = d1 - self.start_ord
        new_mask = move.bits << (s1 // QUARTER)
        masks = self.masks
        if cur[1] == d1:  # the same day: only the quarters it does not hold yet may clash
            old_mask = move.bits << (cur[2] // QUARTER)
            for p in move.people:
                if masks[p][x1] & ~old_mask & new_mask:
                    return False
        else:
            counts, cap = self.counts, self.cap
            for p in move.people:
                if masks[p][x1] & new_mask or counts[p][x1] >= cap:
                    return False
        spacing = move.spacing
        slots = self.slots
        for j, later in move.siblings:
            dj = slots[j][1]
            if ((d1 >= dj) if later else (d1 <= dj)) or abs(d1 - dj) < spacing:
                return False
        return not (move.existing and any(abs(d1 - e) < spacing for e in move.existing))

    def delta(self, move: Moves, cur: Slot, cand: Slot) -> int:
        """The change of the penalty: the slots' own penalties and the weekly load."""
        delta = cand[0] - cur[0]
        w1 = self.week_of[cand[1] - self.start_ord]
        w0 = self.week_of[cur[1] - self.start_ord]
        if w1 != w0:
            load, fair, weight = self.load, self.fair, self.weight
            for p in move.people:
                lp = load[p]
                f = fair[p]
                if lp[w0] > f:
                    delta -= weight
                if lp[w1] >= f:
                    delta += weight
        return delta

    def make(self, i: int, move: Moves, cur: Slot, cand: Slot, delta: int) -> None:
        """Move meeting `i` from `cur` to `cand`; keep the plan if it is the best so far."""
        x0, x1 = cur[1] - self.start_ord, cand[1] - self.start_ord
        old_mask = move.bits << (cur[2] // QUARTER)
        new_mask = move.bits << (cand[2] // QUARTER)
        w0, w1 = self.week_of[x0], self.week_of[x1]
        for p in move.people:
            mp = self.masks[p]
            cp = self.counts[p]
            mp[x0] &= ~old_mask
            cp[x0] -= 1
            mp[x1] |= new_mask
            cp[x1] += 1
            if w1 != w0:
                lp = self.load[p]
                lp[w0] -= 1
                lp[w1] += 1
        self.slots[i] = cand
        self.total += delta
        if self.total < self.best_total:
            self.best_total = self.total
            self.best = list(self.slots)
