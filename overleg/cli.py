"""flask --app overleg <command>."""

from __future__ import annotations

import click
from flask import Flask

from overleg.services.reference_data import ensure_reference_data


@click.command("seed")
def seed_command() -> None:
    """Insert the reference data (organisation types, theme catalogue); idempotent."""
    ensure_reference_data()
    click.echo("Referentiegegevens staan klaar.")


def init_app(app: Flask) -> None:
    from overleg.demo import demo_data_command

    app.cli.add_command(seed_command)
    app.cli.add_command(demo_data_command)

    from overleg.planning.cli import plan_command

    app.cli.add_command(plan_command)

    from overleg.invitations.commands import outbox_group, reminders_group

    app.cli.add_command(outbox_group)
    app.cli.add_command(reminders_group)
