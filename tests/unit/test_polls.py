"""Poll services without HTTP: candidate slots, answers, and what the planner makes of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.settings import MailSettings
from overleg.models import InviteeRole, PollRespondent
from overleg.planning import polls
from overleg.planning.planner import (
    Absence,
    Assignment,
    Dislike,
    check_assignments,
    plan_period,
)
from overleg.planning.services import load_problem
from overleg.planning.settings import PlanSettings
from tests import factories

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MAIL = MailSettings(base_url="https://overleg.example.be", mail_from="overleg@example.be")


@pytest.fixture
def setting(world):  # type: ignore[no-untyped-def]
    """A shared required contact in both municipalities and an optional one in Noorderdorp."""
    org = factories.organisation_serving(world.north)
    org.municipalities.append(world.south)
    shared = factories.ContactFactory(organisation=org)
    optional = factories.ContactFactory(organisation=org)
    for municipality in (world.north, world.south):
        factories.StandingInviteeFactory(municipality=municipality, contact=shared)
    factories.StandingInviteeFactory(
        municipality=world.north, contact=optional, role=InviteeRole.OPTIONAL
    )
    db.session.commit()
    settings = PlanSettings(year=2027, platform_ids=(world.platform.id,))
    problem = load_problem(settings, now=NOW)
    plan = plan_period(problem)
    assert plan.feasible
    assignments = [Assignment(p.slug, p.start) for p in plan.proposals]
    return world, shared, optional, settings, problem, assignments


def test_every_alternative_keeps_the_hard_rules_with_the_rest_of_the_plan(setting):  # type: ignore[no-untyped-def]
    _world, _shared, _optional, _settings, problem, assignments = setting
    slots = polls.candidate_slots(problem, assignments, per_meeting=3)
    for slug, starts in slots.items():
        own = [a for a in assignments if a.slug == slug]
        assert {a.start for a in own} <= set(starts)
        assert len(starts) == 3 * len(own)  # enough free days in 2027 for two alternatives each
        for index, proposal in enumerate(own):
            for start in starts:
                if start in {a.start for a in own}:
                    continue
                replaced = [a for a in assignments if a != proposal] + [Assignment(slug, start)]
                # An alternative of one meeting may break the spacing with the other meeting of
                # the same municipality only if it belongs to that other meeting.
                breaks = [v for v in check_assignments(problem, replaced) if v.code != "spacing"]
                assert breaks == [], (slug, index, start, breaks)


def test_answers_become_absences_and_preferences(setting):  # type: ignore[no-untyped-def]
    world, shared, optional, settings, problem, assignments = setting
    admin = factories.UserFactory(platform=world.platform)
    started = polls.start_poll(
        problem, settings, assignments, polls.PollRequest(), user=admin, now=NOW, mail=MAIL
    )
    poll = started.poll
    north_slots = [s for s in poll.slots if s.municipality_id == world.north.id]
    by_contact = {r.contact_id: r for r in poll.respondents}
    south = [s for s in poll.slots if s.municipality_id == world.south.id]
    # The shared person is asked about both municipalities; every south slot suits them.
    suits_shared = [s.id for s in north_slots[1:]] + [s.id for s in south]
    polls.record_answers(by_contact[shared.id], suits_shared, "", now=NOW)
    polls.record_answers(by_contact[optional.id], [s.id for s in north_slots[:-1]], "", now=NOW)
    db.session.flush()

    with_poll = polls.with_answers(load_problem(settings, now=NOW), poll)
    first, last = north_slots[0], north_slots[-1]
    # The shared person is required: a "no" is an absence; nothing soft for them.
    assert Absence(shared.id, first.start_at, first.end_at) in with_poll.unavailable
    # The optional person: an absence too (it matters wherever they are required) and a
    # preference against that slot of Noorderdorp.
    assert Absence(optional.id, last.start_at, last.end_at) in with_poll.unavailable
    assert with_poll.disliked == (Dislike(world.north.id, last.start_at, 1),)
    assert with_poll.offered[world.north.id] == frozenset(s.start_at for s in north_slots)
    # Zuiderdorp's own required contact has not answered: every slot stays possible.
    assert not any(a.start in {s.start_at for s in south} for a in with_poll.unavailable)
    assert with_poll.offered[world.south.id] == frozenset(s.start_at for s in south)
    plan = plan_period(with_poll)
    assert plan.feasible
    north_starts = {p.start for p in plan.proposals if p.slug == world.north.slug}
    assert first.start_at not in north_starts
    assert north_starts <= with_poll.offered[world.north.id]


def test_a_closed_poll_takes_no_answers_and_foreign_slots_are_refused(setting):  # type: ignore[no-untyped-def]
    world, _shared, optional, settings, problem, assignments = setting
    admin = factories.UserFactory(platform=world.platform)
    poll = polls.start_poll(
        problem, settings, assignments, polls.PollRequest(), user=admin, now=NOW, mail=MAIL
    ).poll
    respondent: PollRespondent = next(r for r in poll.respondents if r.contact_id == optional.id)
    south = next(s for s in poll.slots if s.municipality_id == world.south.id)
    with pytest.raises(Refusal) as foreign:
        polls.record_answers(respondent, [south.id], "", now=NOW)
    assert foreign.value.field == "suiting"
    polls.close_poll(poll, user=admin, now=NOW + timedelta(days=1))
    with pytest.raises(Refusal, match="afgesloten"):
        polls.record_answers(respondent, [], "", now=NOW)
    with pytest.raises(Refusal, match="afgesloten"):
        polls.send_reminders(poll, user=admin, now=NOW, mail=MAIL)


def test_answer_date_must_lie_before_the_first_proposal(setting):  # type: ignore[no-untyped-def]
    world, _shared, _optional, settings, problem, assignments = setting
    admin = factories.UserFactory(platform=world.platform)
    late = min(a.start for a in assignments) + timedelta(days=1)
    with pytest.raises(Refusal) as error:
        polls.start_poll(
            problem,
            settings,
            assignments,
            polls.PollRequest(answer_by=late),
            user=admin,
            now=NOW,
            mail=MAIL,
        )
    assert error.value.field == "poll_answer_by"
    assert "voor de eerste voorgestelde vergadering" in str(error.value.message)
