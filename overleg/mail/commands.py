"""flask --app overleg outbox send [--loop]: the mail sender."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.mail import outbox
from overleg.models.types import utcnow


@click.group("outbox")
def outbox_group() -> None:
    """The outbox: deliver queued mail."""


def _deliver_once(limit: int) -> outbox.DeliveryReport | None:
    # Also without a mail server: requests become queued mail all the same.
    outbox.produce_queued_mail(utcnow())
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
            _(
                "SMTP_HOST is niet ingesteld: er vertrekt geen mail. "
                "De ontwikkelmailbox (/outbox/mailbox) toont wat verstuurd zou worden."
            )
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
            click.echo(report.summary())
        if not loop or stop.wait(interval):
            break
