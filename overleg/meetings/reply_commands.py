"""flask replies ingest FILE.eml|-: one calendar answer by hand, as the mailbox reader does."""

from __future__ import annotations

from typing import BinaryIO

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.meetings.replies import ingest_reply

MAX_MAIL_BYTES = 25 * 1024 * 1024


@click.group("replies")
def replies_group() -> None:
    """Answers from the invitees' calendars (iTIP REPLY, COUNTER, REFRESH by mail)."""


@replies_group.command("ingest")
@click.argument("source", type=click.File("rb"))
@with_appcontext
def ingest_command(source: BinaryIO) -> None:
    """Process one raw mail (FILE.eml, or - for standard input) exactly as the mailbox reader
    does; print what it did. Exits with 1 when it changed nothing."""
    raw = source.read(MAX_MAIL_BYTES + 1)
    if len(raw) > MAX_MAIL_BYTES:
        raise click.ClickException(_("Het bericht is groter dan 25 MB; het werd niet verwerkt."))
    outcome = ingest_reply(raw)
    db.session.commit()
    click.echo(outcome.reason)
    if not outcome.changed:
        raise SystemExit(1)
