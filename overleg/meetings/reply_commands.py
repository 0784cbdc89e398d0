"""flask replies ingest FILE.eml|-: one calendar answer by hand, as the mailbox reader does."""

from __future__ import annotations

from typing import BinaryIO

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.meetings.replies import example_reply, ingest_reply, invitation_for
from overleg.models import Meeting
from overleg.models.types import utcnow

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


ANSWERS = ("accepted", "declined", "tentative")


@replies_group.command("example")
@click.argument("meeting_id", type=int)
@click.argument("email")
@click.option("--answer", type=click.Choice(ANSWERS), default="accepted", show_default=True)
@with_appcontext
def example_command(meeting_id: int, email: str, answer: str) -> None:
    """Print the mail a calendar sends when the invitee EMAIL of meeting MEETING_ID answers
    (to try `replies ingest -` on a real invitation, e.g. in the demo). Changes nothing."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise click.ClickException(_("Geen vergadering met nummer %(id)d.", id=meeting_id))
    invitation = invitation_for(meeting, email)
    if invitation is None:
        raise click.ClickException(_("%(email)s is niet uitgenodigd.", email=email))
    try:
        raw = example_reply(invitation, answer.upper(), now=utcnow())
    except Refusal as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(raw, nl=False)
