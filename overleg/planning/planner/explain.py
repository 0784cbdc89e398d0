"""Why: the notes of a proposal (which preferences it keeps or gives up, and what blocked the
cheaper slots), and the problem that names who collides when the search finds no plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import takewhile
from typing import TYPE_CHECKING

from overleg.planning.planner.occupancy import Meeting, Slot
from overleg.planning.planner.problem import (
    QUARTER,
    RHYTHM_DAYS,
    as_time,
    minutes,
    rhythm_target,
    rhythm_weeks,
)
from overleg.planning.planner.result import Note, Problem

if TYPE_CHECKING:
    from overleg.planning.planner.search import Planner

Blocking = tuple[str, list[str]]  # (rule, labels of the meetings in the way)


def explain(planner: Planner, meeting: Meeting, slot: Slot) -> tuple[list[Note], int]:
    """Why this slot, which preferences were given up; and the slot's penalty."""
    notes = _preference_notes(planner, meeting, slot)
    # Why not a cheaper slot: what blocks the cheaper candidates in the final plan.
    _, day_ord, _start = slot
    planner.unplace(meeting, slot)
    load = planner.load_cost(meeting, day_ord)
    cheaper = list(takewhile(lambda cand: cand[0] < slot[0], meeting.candidates))
    blocked = _blocked(planner, meeting, cheaper)
    planner.place(meeting, slot)
    notes.insert(0, _headline(slot, bool(cheaper), blocked, load))
    declined = _declined_better(planner, meeting, slot)
    if declined:
        notes.insert(1, Note("poll_declined_better", {"declined": declined}))
    if load:
        notes.append(Note("busy_week", {"people": load // max(1, planner.weights.load)}))
    return notes, slot[0] + load


def _headline(slot: Slot, any_cheaper: bool, blocked: _Blocked, load: int) -> Note:
    """The first note: whether the preferences were kept, and if not, why no better slot.
    "All preferences kept" only when the week is not busy either (that is a preference too)."""
    if slot[0] == 0:
        return Note("preferences_kept_busy_week" if load else "all_preferences_kept")
    if blocked.rules:
        by = tuple(s for s, _ in blocked.by.most_common(3))
        return Note("better_slots_taken", {"rules": tuple(sorted(blocked.rules)), "by": by})
    if any_cheaper:
        return Note("quieter_week")  # a cheaper slot was free: its week was busier
    return Note("no_better_slot")


def _declined_better(planner: Planner, meeting: Meeting, slot: Slot) -> int:
    """How many invitees said in the poll that a slot closer to the preferences does not suit
    them (the most for one such slot); 0 when the poll answers were not the reason."""
    disliked = planner.dislikes.get(meeting.request.id, {})
    if not disliked:
        return 0
    weight = planner.weights.poll_declined

    def declines(cand: Slot) -> int:
        return disliked.get((cand[1], cand[2]), 0)

    def preference(cand: Slot) -> int:
        return cand[0] - weight * declines(cand)

    return max(
        (declines(c) for c in meeting.candidates if preference(c) < preference(slot)), default=0
    )


def _preference_notes(planner: Planner, meeting: Meeting, slot: Slot) -> list[Note]:
    """The weekday, the start time, last year's rhythm and the poll: kept or given up."""
    m = meeting.request
    problem = planner.problem
    _, day_ord, start = slot
    day = date.fromordinal(day_ord)
    notes: list[Note] = []
    if day.isoweekday() in m.weekdays:
        notes.append(Note("weekday_kept", {"day": day}))
    else:
        notes.append(Note("weekday_given_up", {"day": day, "preferred": m.weekdays}))
    pref = minutes(m.preferred_start or m.window_start)
    if start == pref:
        notes.append(Note("time_kept", {"time": as_time(start)}))
    else:
        notes.append(Note("time_given_up", {"time": as_time(start), "preferred": as_time(pref)}))
    target = rhythm_target(m, meeting.number, problem.start, problem.end)
    if target is not None:
        weeks = rhythm_weeks(day_ord - target.toordinal())
        code = "rhythm_kept" if weeks == 0 else "rhythm_given_up"
        last = target - timedelta(days=RHYTHM_DAYS)  # the date last year: never this year's
        notes.append(Note(code, {"target": target, "last": last, "weeks": weeks}))
    if m.id in problem.offered:
        declined = planner.dislikes.get(m.id, {}).get((day_ord, start), 0)
        notes.append(Note("poll_slot", {"declined": declined}))
    return notes


@dataclass
class _Blocked:
    """What keeps a meeting off some of its slots."""

    rules: set[str] = field(default_factory=set)
    by: Counter[str] = field(default_factory=Counter)  # labels of the meetings in the way
    days: list[tuple[int, str]] = field(default_factory=list)  # (day ordinal, rule) per slot


def _blocked(planner: Planner, meeting: Meeting, candidates: Iterable[Slot]) -> _Blocked:
    """The rules, and the meetings, that keep `meeting` off these candidate slots now."""
    blocked = _Blocked()
    for cand in candidates:
        reason = blocking(planner, meeting, cand[1], cand[2])
        if reason is None:
            continue
        rule, who = reason
        blocked.rules.add(rule)
        blocked.by.update(who)
        blocked.days.append((cand[1], rule))
    return blocked


def blocking(planner: Planner, meeting: Meeting, day_ord: int, start: int) -> Blocking | None:
    """The hard rule that keeps `meeting` off this slot now, with who is in the way; or None."""
    state = planner.state
    mid = meeting.request.id
    spacing = meeting.request.min_spacing_days
    if any(abs(day_ord - o) < spacing for o in state.municipality_days[mid]):
        return ("spacing", [])
    before = state.numbered.get((mid, meeting.number - 1))
    after = state.numbered.get((mid, meeting.number + 1))
    if (before is not None and day_ord <= before) or (after is not None and day_ord >= after):
        return ("spacing", [])
    index = day_ord - planner.start_ord
    mask = ((1 << meeting.length_q) - 1) << (start // QUARTER)
    for p in meeting.people:
        if state.masks[p][index] & mask:
            labels = [lab for bits, lab in state.labels.get((p, index), []) if bits & mask]
            return ("overlap", [lab for lab in labels if lab])
        if state.counts[p][index] >= state.max_per_day:
            labels = [lab for _, lab in state.labels.get((p, index), [])]
            return ("max_per_day", [lab for lab in labels if lab])
    return None


def dead_end_problem(planner: Planner) -> Problem:
    """Which municipalities, people and rules collide where the search got stuck."""
    index = min(planner.dead_end, len(planner.meetings) - 1)
    meeting = planner.meetings[index]
    _replay_greedy(planner, index)
    blocked = _blocked(planner, meeting, meeting.candidates)
    people: Counter[int] = Counter()
    for day_ord, rule in blocked.days:
        if rule != "spacing":
            idx = day_ord - planner.start_ord
            for p in meeting.people:
                if planner.state.counts[p][idx]:
                    people[p] += 1
    others = [s for s, _ in blocked.by.most_common(6) if s != meeting.request.slug]
    names = tuple(
        planner.problem.person_name(planner.person_ids[p]) for p, _ in people.most_common(3)
    )
    return Problem(
        "collision",
        (meeting.request.slug, *others),
        {
            "name": meeting.request.name,
            "number": meeting.number,
            "rules": tuple(sorted(blocked.rules)),
            "people": names,
            "limit_reached": planner.nodes > planner.problem.search_limit,
        },
    )


def _replay_greedy(planner: Planner, index: int) -> None:
    """The greedy placements of the meetings before `index`, to see who blocks that one."""
    planner.reset_state()
    for earlier in planner.meetings[:index]:
        best = planner.best_slot(earlier)
        if best is not None:
            planner.place(earlier, best[1])
