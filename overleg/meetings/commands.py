"""flask reminders: the meeting commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.meetings import invitations
from overleg.models.types import utcnow


@click.group("reminders")
def reminders_group() -> None:
    """Reminders to invitees who have not answered."""


@reminders_group.command("send")
@click.option(
    "--days",
    type=int,
    default=None,
    help="Days before the meeting (default: REMINDER_DAYS_BEFORE).",
)
@with_appcontext
def reminders_command(days: int | None) -> None:
    """Queue one reminder per invitee without an answer; safe to run every hour."""
    days = days if days is not None else int(current_app.config["REMINDER_DAYS_BEFORE"])
    report = invitations.queue_reminders(now=utcnow(), days_before=days)
    db.session.commit()
    click.echo(_("%(count)d herinnering(en) in de wachtrij.", count=report.count))
    for entry in report.not_mailed:
        click.echo(
            _("Geen herinnering voor %(name)s: geen bruikbaar e-mailadres.", name=entry.name)
        )
