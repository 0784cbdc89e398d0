"""flask --app overleg platform create: a new platform, from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.platforms import services

platform_group = AppGroup("platform", help="Platforms (intergemeentelijke woonprojecten).")


@platform_group.command("create")
@click.option("--name", required=True, help="De naam van het platform.")
@click.option("--organiser-email", required=True, help="Het adres van de organisator.")
@click.option(
    "--organiser-name",
    default="",
    help="De naam van de organisator (standaard die van het platform).",
)
def create_command(name: str, organiser_email: str, organiser_name: str) -> None:
    """Create a platform with its reference data; prints only its slug."""
    try:
        platform = services.create_platform(
            name,
            organiser_email,
            organiser_name=organiser_name,
            actor_label="flask platform create",
        )
    except Refusal as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal.message)) from None
    db.session.commit()
    click.echo(platform.slug)
