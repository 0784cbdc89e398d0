"""flask --app overleg seed: the reference data."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.directory.reference_data import ensure_reference_data


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Insert the reference data (organisation types, each platform's theme catalogue);
    idempotent."""
    ensure_reference_data()
    click.echo(_("Referentiegegevens staan klaar."))
