"""flask --app overleg outbox send [--loop] and flask --app overleg reminders send."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from overleg.extensions import db
from overleg.invitations import services
from overleg.models.types import utcnow
from overleg.services import outbox


@click.group("outbox")
def outbox_group() -> None:
    """The outbox: deliver queued mail."""


def _deliver_once(limit: int) -> outbox.DeliveryReport | None:
    settings = outbox.SmtpSettings.from_config(current_app.config)
    if settings is None:
        return None
    report = outbox.deliver_due(settings, now=utcnow(), limit=limit)
    db.session.remove()
    return report


@outbox_group.command("send")
@click.option("--loop", is_flag=True, help="Keep running; look for new mail every --interval s.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between runs.")
@click.option("--limit", default=200, show_default=True, help="Messages per run at most.")
@with_appcontext
def send_command(loop: bool, interval: float, limit: int) -> None:
    """Deliver the queued mail over SMTP (retries with backoff; never twice)."""
    if not current_app.config.get("SMTP_HOST"):
        click.echo(
            "SMTP_HOST is niet ingesteld: er vertrekt geen mail. "
            "De ontwikkelmailbox (/outbox/mailbox) toont wat verstuurd zou worden."
        )
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if loop:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    while True:
        report = _deliver_once(limit)
        if report is not None and (report.total or report.interrupted):
            click.echo(
                f"verstuurd: {len(report.sent)}, later opnieuw: {len(report.retrying)}, "
                f"mislukt: {len(report.failed)}, onderbroken: {len(report.interrupted)}"
            )
        if not loop or stop.wait(interval):
            break


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
    rows = services.queue_reminders(now=utcnow(), days_before=days)
    db.session.commit()
    click.echo(f"{len(rows)} herinnering(en) in de wachtrij.")
