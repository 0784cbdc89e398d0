"""flask --app overleg worker: the one background process beside the web server."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.mail import inbox
from overleg.meetings.replies import ingest_reply
from overleg.worker.jobs import configured_jobs
from overleg.worker.runner import Worker


def reply_handler() -> inbox.Handler | None:
    """What the mailbox reader does with each message: the calendar replies
    (overleg.meetings.replies.ingest_reply, as `flask replies ingest` does)."""
    return ingest_reply


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due once, then stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send the outbox, read the reply mailbox and run the daily jobs until SIGTERM."""
    log = current_app.logger.getChild("worker")
    log.setLevel(logging.INFO)
    jobs = configured_jobs(current_app.config, reply_handler())
    if not current_app.config.get("SMTP_HOST"):
        log.info(
            _(
                "SMTP_HOST is niet ingesteld: er vertrekt geen mail. "
                "De ontwikkelmailbox (/outbox/mailbox) toont wat verstuurd zou worden."
            )
        )
    worker = Worker(jobs, log)
    log.info(
        _(
            "worker %(holder)s gestart: %(jobs)s",
            holder=worker.holder,
            jobs=", ".join(job.name for job in jobs),
        )
    )
    if once:
        worker.run_due()
        return
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run_until(stop)
    log.info(_("worker %(holder)s gestopt", holder=worker.holder))
