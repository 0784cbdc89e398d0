"""flask --app overleg plan: dry run, JSON, --apply, and a clear failure."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from overleg.extensions import db
from overleg.i18n import BRUSSELS
from overleg.models import Meeting

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
