"""flask --app overleg plan --year 2027 [--half 1|2] [--json] [--apply] [--poll ID]."""

from __future__ import annotations

import json
import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from overleg.extensions import db
from overleg.lib.calendar_rules import CalendarRules
from overleg.lib.dates import long_datetime
from overleg.models import AvailabilityPoll, Platform
from overleg.models.types import utcnow
from overleg.planning import polls, services
from overleg.planning.planner import Assignment, plan_period
from overleg.planning.texts import note_text, problem_text, violation_text


@click.command("plan")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="Het jaar.")
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
    poll_id: int | None,
) -> None:
    """Stel een datum voor elke ontbrekende vergadering voor (droog, tenzij --apply)."""
    with force_locale("nl"):
        _plan(
            year,
            half,
            platform_slug,
            as_json,
            apply_plan,
            allow_school_holidays,
            allow_public_holidays,
            allow_july_11,
            max_per_day,
            poll_id,
        )


def _plan(
    year: int,
    half: str | None,
    platform_slug: str | None,
    as_json: bool,
    apply_plan: bool,
    allow_school_holidays: bool,
    allow_public_holidays: bool,
    allow_july_11: bool,
    max_per_day: int | None,
    poll_id: int | None,
) -> None:
    platform_ids = None
    poll = None
    if poll_id is not None:
        poll = db.session.get(AvailabilityPoll, poll_id)
        if poll is None:
            raise click.ClickException(f"Onbekende bevraging: {poll_id}")
        if (poll.year, poll.half) != (year, int(half) if half else None):
            raise click.ClickException(
                f"Bevraging {poll_id} gaat over {polls.period_label(poll)}: "
                "kies dezelfde periode met --year en --half."
            )
        platform_ids = (poll.platform_id,)
    if platform_slug:
        platform = db.session.scalar(sa.select(Platform).where(Platform.slug == platform_slug))
        if platform is None:
            raise click.ClickException(f"Onbekend platform: {platform_slug}")
        platform_ids = (platform.id,)
    settings = services.PlanSettings(
        year=year,
        half=int(half) if half else None,
        rules=CalendarRules(
            avoid_public_holidays=not allow_public_holidays,
            avoid_flemish_holiday=not allow_july_11,
            avoid_school_holidays=not allow_school_holidays,
        ),
        max_per_day=max_per_day or current_app.config["PLANNER_MAX_MEETINGS_PER_DAY"],
        slot_step_minutes=current_app.config["PLANNER_SLOT_STEP_MINUTES"],
        platform_ids=platform_ids,
    )
    now = utcnow()
    problem = services.load_problem(settings, now=now)
    if poll is not None:
        problem = polls.with_answers(problem, poll)
    plan = plan_period(problem)
    if not plan.feasible:
        names = {m.slug: m.name for m in problem.municipalities}
        for issue in plan.problems:
            click.echo(f"Fout: {problem_text(issue, names)}", err=True)
        click.echo("Geen plan: er werd niets aangemaakt.", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(services.proposals_json(plan.proposals), indent=2))
    else:
        if not plan.proposals:
            click.echo("Er ontbreken geen vergaderingen in deze periode.")
        for p in plan.proposals:
            why = " ".join(note_text(n) for n in p.notes)
            click.echo(f"{p.slug}: {long_datetime(p.start)} - {p.end:%H:%M}. {why}")
    if apply_plan and plan.proposals:
        assignments = [Assignment(p.slug, p.start) for p in plan.proposals]
        try:
            created = services.apply_plan(
                problem, assignments, user=None, now=now, actor_label="flask plan --apply"
            )
        except services.PlanError as error:
            db.session.rollback()
            click.echo(f"Fout: {error.message}", err=True)
            for violation in error.violations:
                click.echo(f"  {violation.slug}: {violation_text(violation)}", err=True)
            sys.exit(1)
        if poll is not None:
            polls.close_poll(poll, user=None, now=now)
        db.session.commit()
        click.echo(f"{len(created)} vergaderingen aangemaakt.", err=as_json)
    elif not as_json:
        click.echo("Droge run: er werd niets aangemaakt (gebruik --apply).")
