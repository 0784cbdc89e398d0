"""flask --app overleg seed (the reference data) and municipalities merge."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.directory.mergers import record_merger
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.lib.dates import parse_day
from overleg.lib.refusal import Refusal
from overleg.models import Municipality, Platform


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Insert the reference data (organisation types, each platform's theme catalogue);
    idempotent."""
    ensure_reference_data()
    click.echo(_("Referentiegegevens staan klaar."))


@click.group("municipalities")
def municipalities_group() -> None:
    """Municipalities: record a merger."""


@municipalities_group.command("merge")
@click.option("--platform", "platform_slug", required=True, help="Slug of the platform.")
@click.option("--into", "new_name", required=True, help="Name of the new municipality.")
@click.option("--on", "merged_on", required=True, help="Date of the merger, YYYY-MM-DD.")
@click.option("--nis-code", default=None, help="NIS code of the new municipality.")
@click.argument("former", nargs=-1, required=True)
@with_appcontext
def merge_command(
    platform_slug: str, new_name: str, merged_on: str, nis_code: str | None, former: tuple[str, ...]
) -> None:
    """Record that the FORMER municipalities (slugs) became one on a date (prints its slug)."""
    platform = db.session.scalar(sa.select(Platform).where(Platform.slug == platform_slug))
    if platform is None:
        raise click.ClickException(_("Onbekend platform: %(slug)s.", slug=platform_slug))
    day = parse_day(merged_on)
    if day is None:
        raise click.ClickException(_("Geen geldige datum: %(value)s.", value=merged_on))
    found = list(db.session.scalars(sa.select(Municipality).where(Municipality.slug.in_(former))))
    unknown = sorted(set(former) - {m.slug for m in found})
    if unknown:
        raise click.ClickException(_("Onbekende gemeente: %(slug)s.", slug=", ".join(unknown)))
    try:
        merger = record_merger(None, platform.id, found, new_name, day, nis_code=nis_code)
    except Refusal as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal.message)) from refusal
    db.session.commit()
    click.echo(merger.municipality.slug)
