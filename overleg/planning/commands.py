"""flask --app overleg plan --year 2027 [--half 1|2] [--json] [--apply] [--poll ID]."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.lib.calendar_rules import CalendarRules
from overleg.lib.dates import FIRST_YEAR, LAST_YEAR, long_datetime
from overleg.lib.refusal import Refusal
from overleg.models import AvailabilityPoll, Platform
from overleg.models.types import utcnow
from overleg.planning import polls, services
from overleg.planning.planner import Assignment, Plan, PlanningProblem
from overleg.planning.settings import PlanSettings
from overleg.planning.texts import note_text, problem_text, violation_text


@click.command("plan")
@click.option("--year", type=click.IntRange(FIRST_YEAR, LAST_YEAR), required=True, help="Het jaar.")
@click.option("--half", type=click.Choice(["1", "2"]), default=None, help="Alleen dit halfjaar.")
@click.option("--platform", "platform_slug", default=None, help="Alleen dit platform (slug).")
@click.option("--json", "as_json", is_flag=True, help="Druk de voorstellen af als JSON.")
@click.option("--apply", "apply_plan", is_flag=True, help="Maak de vergaderingen echt aan.")
@click.option("--allow-school-holidays", is_flag=True, help="Schoolvakanties niet vermijden.")
@click.option("--allow-public-holidays", is_flag=True, help="Feestdagen niet vermijden.")
@click.option("--allow-july-11", is_flag=True, help="11 juli niet vermijden.")
@click.option(
    "--max-per-day",
    type=int,
    default=None,
    help="Maximum aantal vergaderingen per dag per persoon.",
)
@click.option(
    "--together",
    multiple=True,
    help="Plan één gezamenlijk woonoverleg voor deze gemeenten (slug, meermaals).",
)
@click.option(
    "--poll",
    "poll_id",
    type=click.IntRange(1, 2**31 - 1),
    default=None,
    help="Plan met de antwoorden van deze bevraging (en sluit ze af bij --apply).",
)
def plan_command(
    year: int,
    half: str | None,
    platform_slug: str | None,
    as_json: bool,
    apply_plan: bool,
    allow_school_holidays: bool,
    allow_public_holidays: bool,
    allow_july_11: bool,
    max_per_day: int | None,
    together: tuple[str, ...],
    poll_id: int | None,
) -> None:
    """Stel een datum voor elke ontbrekende vergadering voor (droog, tenzij --apply)."""
    options = _Options(
        year=year,
        half=int(half) if half else None,
        platform_slug=platform_slug,
        as_json=as_json,
        apply=apply_plan,
        rules=CalendarRules(
            avoid_public_holidays=not allow_public_holidays,
            avoid_flemish_holiday=not allow_july_11,
            avoid_school_holidays=not allow_school_holidays,
        ),
        max_per_day=max_per_day,
        poll_id=poll_id,
        together=frozenset(together),
    )
    with force_locale("nl"):
        _plan(options)


@dataclass(frozen=True)
class _Options:
    year: int
    half: int | None
    platform_slug: str | None
    as_json: bool
    apply: bool
    rules: CalendarRules
    max_per_day: int | None
    poll_id: int | None
    together: frozenset[str] = frozenset()


def _plan(options: _Options) -> None:
    """Propose; print the plan or why there is none; with --apply confirm it and commit."""
    poll = _poll(options)
    now = utcnow()
    proposed = services.propose(_settings(options, poll), now=now, poll=poll)
    if not proposed.plan.feasible:
        _fail(proposed.problem, proposed.plan)
    _print_plan(proposed.plan, as_json=options.as_json)
    if options.apply and proposed.plan.proposals:
        _confirm(proposed, poll, now=now, as_json=options.as_json)
    elif not options.as_json:
        click.echo(_("Droge run: er werd niets aangemaakt (gebruik --apply)."))


def _poll(options: _Options) -> AvailabilityPoll | None:
    """The poll of --poll, which must be about the period of --year and --half."""
    if options.poll_id is None:
        return None
    poll = db.session.get(AvailabilityPoll, options.poll_id)
    if poll is None:
        raise click.ClickException(_("Onbekende bevraging: %(id)s", id=options.poll_id))
    if (poll.year, poll.half) != (options.year, options.half):
        raise click.ClickException(
            _(
                "Bevraging %(id)s gaat over %(period)s: kies dezelfde periode met --year en "
                "--half.",
                id=options.poll_id,
                period=polls.period_label(poll),
            )
        )
    return poll


def _settings(options: _Options, poll: AvailabilityPoll | None) -> PlanSettings:
    """The plan's settings; the platform is that of --platform, else the poll's, else all."""
    platform_ids = (poll.platform_id,) if poll is not None else None
    if options.platform_slug:
        platform = db.session.scalar(
            sa.select(Platform).where(Platform.slug == options.platform_slug)
        )
        if platform is None:
            raise click.ClickException(_("Onbekend platform: %(slug)s", slug=options.platform_slug))
        platform_ids = (platform.id,)
    return PlanSettings(
        year=options.year,
        half=options.half,
        rules=options.rules,
        max_per_day=options.max_per_day or current_app.config["PLANNER_MAX_MEETINGS_PER_DAY"],
        slot_step_minutes=current_app.config["PLANNER_SLOT_STEP_MINUTES"],
        platform_ids=platform_ids,
        together=options.together,
    )


def _fail(problem: PlanningProblem, plan: Plan) -> NoReturn:
    names = {m.slug: m.name for m in problem.municipalities}
    for issue in plan.problems:
        click.echo(_("Fout: %(reason)s", reason=problem_text(issue, names)), err=True)
    click.echo(_("Geen plan: er werd niets aangemaakt."), err=True)
    sys.exit(1)


def _print_plan(plan: Plan, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(services.proposals_json(plan.proposals), indent=2))
        return
    if not plan.proposals:
        click.echo(_("Er ontbreken geen vergaderingen in deze periode."))
    for p in plan.proposals:
        why = " ".join(note_text(n) for n in p.notes)
        click.echo(f"{p.slug}: {long_datetime(p.start)} - {p.end:%H:%M}. {why}")


def _confirm(
    proposed: services.Proposed, poll: AvailabilityPoll | None, *, now: datetime, as_json: bool
) -> None:
    """Create the meetings (and close the poll) and commit: the command is its own request."""
    assignments = [Assignment(p.slug, p.start) for p in proposed.plan.proposals]
    try:
        created = services.confirm(
            proposed.problem,
            assignments,
            user=None,
            now=now,
            poll=poll,
            actor_label="flask plan --apply",
        )
    except Refusal as refusal:
        db.session.rollback()
        click.echo(_("Fout: %(reason)s", reason=refusal.message), err=True)
        for violation in services.plan_violations(proposed.problem, assignments):
            click.echo(f"  {violation.slug}: {violation_text(violation)}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(_("%(n)s vergaderingen aangemaakt.", n=len(created)), err=as_json)
