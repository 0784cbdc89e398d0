"""flask --app overleg plan: dry run, JSON, --apply, and a clear failure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.calendar_rules import CalendarRules, is_blocked
from overleg.lib.dates import BRUSSELS
from overleg.models import Meeting
from tests import factories

YEAR = datetime.now(BRUSSELS).year + 1


def test_json_lists_every_proposal_and_creates_nothing(runner, world):
    result = runner.invoke(
        args=["plan", "--year", str(YEAR), "--json", "--platform", "kempen-test"]
    )
    assert result.exit_code == 0, result.output
    proposals = json.loads(result.stdout)
    assert sorted(p["municipality"] for p in proposals) == ["noorderdorp"] * 2 + ["zuiderdorp"] * 2
    for p in proposals:
        start = datetime.fromisoformat(p["start"])
        assert start.tzinfo is not None and datetime.fromisoformat(p["end"]) > start
        assert p["required_contact_ids"]
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_apply_creates_the_meetings(runner, world):
    result = runner.invoke(args=["plan", "--year", str(YEAR), "--half", "1", "--apply"])
    assert result.exit_code == 0, result.output
    assert "3 vergaderingen aangemaakt" in result.output  # one per municipality, both platforms
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 3


def test_infeasible_plan_exits_non_zero_with_the_reason(runner, world):
    db.session.delete(world.south.standing_invitees[0])
    db.session.commit()
    result = runner.invoke(args=["plan", "--year", str(YEAR), "--apply"])
    assert result.exit_code == 1
    assert "Zuiderdorp heeft geen verplichte genodigden" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_unknown_platform_is_refused(runner, world):
    result = runner.invoke(args=["plan", "--year", str(YEAR), "--platform", "nergens"])
    assert result.exit_code != 0
    assert "Onbekend platform" in result.output


def test_plan_with_a_poll_uses_its_offered_slots_and_closes_it_on_apply(runner, world):
    dry = runner.invoke(
        args=["plan", "--year", str(YEAR), "--half", "1", "--json", "--platform", "kempen-test"]
    )
    first = {p["municipality"]: p for p in json.loads(dry.stdout)}
    # A poll that offers Noorderdorp one other slot: a free weekday after the planner's choice.
    start = datetime.fromisoformat(first["noorderdorp"]["start"]) + timedelta(days=7)
    while is_blocked(start.date(), CalendarRules()):
        start += timedelta(days=7)
    poll = factories.availability_poll(world.north, year=YEAR)
    poll.half = 1
    poll.slots[0].start_at = start.astimezone(UTC)
    poll.slots[0].end_at = (start + timedelta(hours=2)).astimezone(UTC)
    db.session.commit()

    wrong = runner.invoke(args=["plan", "--year", str(YEAR), "--poll", str(poll.id)])
    assert wrong.exit_code != 0
    assert "kies dezelfde periode" in wrong.output

    args = ["plan", "--year", str(YEAR), "--half", "1", "--poll", str(poll.id)]
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    proposals = {p["municipality"]: p for p in json.loads(result.stdout)}
    assert datetime.fromisoformat(proposals["noorderdorp"]["start"]) == start
    assert set(proposals) == {"noorderdorp", "zuiderdorp"}  # only the poll's platform

    applied = runner.invoke(args=[*args, "--apply"])
    assert applied.exit_code == 0, applied.output
    db.session.refresh(poll)
    assert not poll.is_open
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 2


def test_together_plans_one_joint_meeting_for_both(runner, world):
    period = ["plan", "--year", str(YEAR), "--half", "1", "--platform", "kempen-test"]
    together = ["--together", "noorderdorp", "--together", "zuiderdorp", "--apply"]
    result = runner.invoke(args=[*period, *together])
    assert result.exit_code == 0, result.output
    meetings = db.session.scalars(sa.select(Meeting)).all()
    assert len(meetings) == 1
    assert meetings[0].municipality.slug == "noorderdorp"
    assert [m.slug for m in meetings[0].partners] == ["zuiderdorp"]
