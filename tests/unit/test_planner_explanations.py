"""The planner's explanations say what happened (issue 14): last year's rhythm names last year's
date, "all preferences kept" never stands beside a busy week, and a poll answer that kept a
better slot away is named as the reason."""

from __future__ import annotations

from datetime import date, time

from flask import Flask
from flask_babel import force_locale

from overleg.planning.planner import (
    Busy,
    Dislike,
    Note,
    PlanningProblem,
    plan_period,
)
from overleg.planning.planner.explain import _Blocked, _headline
from overleg.planning.texts import note_text
from tests.unit.test_planner import _at, _m


def _texts(app: Flask, notes: tuple[Note, ...], locale: str = "nl") -> list[str]:
    with app.test_request_context(), force_locale(locale):
        return [note_text(n) for n in notes]


def test_last_years_rhythm_names_last_years_date(app: Flask):
    problem = PlanningProblem(
        date(2027, 1, 1),
        date(2027, 12, 31),
        (_m("a", {1}, count=2, last_year=(date(2026, 3, 17), date(2026, 10, 13))),),
    )
    plan = plan_period(problem)
    for proposal, last in zip(plan.proposals, (date(2026, 3, 17), date(2026, 10, 13)), strict=True):
        [rhythm] = [n for n in proposal.notes if n.code == "rhythm_kept"]
        assert rhythm.params["last"] == last
        [text] = [t for t in _texts(app, (rhythm,)) if "ritme" in t]
        assert "2026" in text and "2027" not in text
        [english] = _texts(app, (rhythm,), "en")
        assert "2026" in english and "2027" not in english


def test_all_preferences_kept_never_beside_a_busy_week(app: Flask):
    # The headline itself: a slot that gives up no preference, in a busy week.
    busy = _headline((0, date(2027, 3, 2).toordinal(), 540), False, _Blocked(), load=3)
    assert busy.code != "all_preferences_kept"
    quiet = _headline((0, date(2027, 3, 2).toordinal(), 540), False, _Blocked(), load=0)
    assert quiet.code == "all_preferences_kept"
    [text] = _texts(app, (busy,))
    assert "Alle voorkeuren gehaald" not in text and "druk" in text
    # And in a plan: one person in two meetings that both can only have the first Tuesday
    # (the others are busy on the second), so that week is busy for the shared person.
    second_tuesday = date(2027, 3, 9)
    ms = (
        _m("a", {1, 2}, id=1, weekdays=(2,), window_start=time(9), window_end=time(11)),
        _m("b", {1, 3}, id=2, weekdays=(2,), window_start=time(14), window_end=time(16)),
    )
    away = tuple(Busy(p, _at(second_tuesday, 0), _at(second_tuesday, 23)) for p in (2, 3))
    problem = PlanningProblem(date(2027, 3, 1), date(2027, 3, 12), ms, max_per_day=2, busy=away)
    plan = plan_period(problem)
    assert [p.start.date() for p in plan.proposals] == [date(2027, 3, 2)] * 2
    for proposal in plan.proposals:
        codes = {n.code for n in proposal.notes}
        assert "busy_week" in codes and "all_preferences_kept" not in codes
        texts = " ".join(_texts(app, proposal.notes))
        assert "Alle voorkeuren gehaald" not in texts and "Drukke week" in texts


def test_a_poll_answer_is_named_as_the_reason(app: Flask):
    monday, tuesday, wednesday = date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3)
    offered = frozenset({_at(tuesday, 9), _at(wednesday, 10)})
    problem = PlanningProblem(
        monday,
        date(2027, 3, 5),
        (_m("a", {1, 2}, id=1, weekdays=(1, 2, 3)),),
        offered={1: offered},
        disliked=(Dislike(1, _at(tuesday, 9)),),  # the preferred time does not suit an invitee
    )
    [proposal] = plan_period(problem).proposals
    assert proposal.start == _at(wednesday, 10)
    assert Note("poll_declined_better", {"declined": 1}) in proposal.notes
    assert proposal.notes[0].code != "quieter_week"  # no busier week was the reason
    texts = _texts(app, proposal.notes)
    assert any("volgens de bevraging niet voor 1 genodigde" in t for t in texts)
    assert not any("rustigere week" in t for t in texts)
    english = " ".join(_texts(app, proposal.notes, "en"))
    assert "by the poll's answers" in english


def test_no_poll_reason_without_poll_answers():
    problem = PlanningProblem(
        date(2027, 3, 1), date(2027, 3, 5), (_m("a", {1}, id=1, weekdays=(2,)),)
    )
    [proposal] = plan_period(problem).proposals
    assert all(n.code != "poll_declined_better" for n in proposal.notes)
