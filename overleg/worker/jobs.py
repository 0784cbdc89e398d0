"""The jobs of `flask worker`: what each does, and when it is due.

- `outbox`: deliver the queued mail (every OUTBOX_INTERVAL_SECONDS; without SMTP_HOST only the
  mail that producers such as password reset requests queue);
- `mailbox`: read the reply mailbox (every MAILBOX_INTERVAL_SECONDS; only with IMAP_HOST);
- `reminders`: once a day from DAILY_JOBS_HOUR (Brussels time), remind the invitees who have not
  answered; a worker started later that day, or restarted, still runs it, once.
Each job returns the line the worker logs, or None when it had nothing to do. A job gets, besides
the time, a `KeepLease` (leases.Held.keep) to call between units of work (each message sent or
read): it renews the job's lease and says whether to go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from overleg.extensions import db
from overleg.lib.dates import to_local
from overleg.mail import inbox, outbox
from overleg.meetings import invitations
from overleg.worker import leases

# How often a daily job looks whether its hour has come.
DAILY_CHECK = timedelta(minutes=1)


@dataclass
class Job:
    """One job: its name (its lease), how long a run may take at most, and when it is due."""

    name: str
    run: Callable[[datetime, leases.KeepLease], str | None]
    lease: timedelta
    every: timedelta
    daily_at_hour: int | None = None
    next_at: datetime | None = None  # this process's next look at the job

    def due(self, now: datetime) -> bool:
        """Whether this process should try the job now (another may hold or have done it)."""
        return self.next_at is None or now >= self.next_at

    def looked(self, now: datetime) -> None:
        self.next_at = now + self.every

    def still_due(self, now: datetime) -> bool:
        """Asked with the lease held: a daily job is done once a day, by whichever worker."""
        if self.daily_at_hour is None:
            return True
        local = to_local(now)
        if local.hour < self.daily_at_hour:
            return False
        finished = leases.last_finished(self.name)
        return finished is None or to_local(finished).date() < local.date()


def outbox_job(config: Mapping[str, Any]) -> Job:
    """Deliver the queued mail; without SMTP_HOST only let the producers (password reset
    requests) queue theirs, for the development mailbox."""
    settings = outbox.SmtpSettings.from_config(config)

    def run(now: datetime, keep: leases.KeepLease) -> str | None:
        if settings is None:
            outbox.produce_queued_mail(now)
            return None
        report = outbox.deliver_due(settings, now=now, limit=200, keep_going=keep)
        if not (report.total or report.interrupted):
            return None
        return report.summary()

    # A run sends at most 200 messages, renewing the lease between them on a slow server; a row
    # is claimed on its own anyway (outbox.claim).
    seconds = int(config.get("OUTBOX_INTERVAL_SECONDS") or 10)
    return Job("outbox", run, lease=timedelta(minutes=30), every=timedelta(seconds=seconds))


def mailbox_job(config: Mapping[str, Any], handler: inbox.Handler | None) -> Job | None:
    settings = inbox.ImapSettings.from_config(config)
    if settings is None or handler is None:
        return None

    def run(now: datetime, keep: leases.KeepLease) -> str | None:
        report = inbox.read_mailbox(settings, handler, now=now, keep_going=keep)
        if not report.total:
            return None
        return str(
            _(
                "verwerkt: %(processed)d, geweigerd: %(rejected)d, eerder gelezen: %(known)d",
                processed=report.processed,
                rejected=report.rejected,
                known=report.already_read,
            )
        )

    seconds = int(config.get("MAILBOX_INTERVAL_SECONDS") or 60)
    return Job("mailbox", run, lease=timedelta(minutes=30), every=timedelta(seconds=seconds))


def reminders_job(config: Mapping[str, Any]) -> Job:
    days_before = int(config.get("REMINDER_DAYS_BEFORE") or 7)

    def run(now: datetime, keep: leases.KeepLease) -> str:
        # One transaction: nothing to renew between (it ends long before its lease).
        report = invitations.queue_reminders(now=now, days_before=days_before)
        db.session.commit()
        return str(_("%(count)d herinnering(en) in de wachtrij.", count=report.count))

    hour = int(config.get("DAILY_JOBS_HOUR") or 0)
    return Job("reminders", run, lease=timedelta(hours=1), every=DAILY_CHECK, daily_at_hour=hour)


def configured_jobs(config: Mapping[str, Any], handler: inbox.Handler | None) -> list[Job]:
    """The jobs this configuration asks for, in the order a worker tries them."""
    jobs = [outbox_job(config), mailbox_job(config, handler), reminders_job(config)]
    return [job for job in jobs if job is not None]
