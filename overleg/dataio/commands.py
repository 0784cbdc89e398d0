"""flask --app overleg backup <path>."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from overleg.dataio import backup


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overschrijf een bestaand bestand.")
def backup_command(path: Path, force: bool) -> None:
    """Make a consistent backup of the database while the application keeps running."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    source = backup.sqlite_file(url)
    if source is None:
        if url.startswith("sqlite"):
            raise click.ClickException(
                _("Een database in het geheugen kan niet geback-upt worden.")
            )
        click.echo(backup.pg_dump_instructions(url, path))
        raise SystemExit(1)
    try:
        result = backup.backup_sqlite(source, path, overwrite=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        _(
            "Back-up geschreven naar %(path)s (%(size)s bytes, %(tables)s tabellen, "
            "integriteit in orde).",
            path=result.path,
            size=result.size_bytes,
            tables=result.tables,
        )
    )
