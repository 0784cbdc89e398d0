"""The worker's loop: every job when it is due, under its lease, one log line per run.

A job that fails is logged and tried again at its next turn; the worker goes on. SIGTERM (or
SIGINT) lets the job that runs finish, gives its lease back and ends the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.models.types import utcnow
from overleg.worker import leases
from overleg.worker.jobs import Job

# The loop sleeps at most this long between looks at its jobs.
LONGEST_SLEEP = timedelta(seconds=5)


class Worker:
    def __init__(
        self,
        jobs: Sequence[Job],
        log: logging.Logger,
        *,
        holder: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.jobs = list(jobs)
        self.log = log
        self.holder = holder or leases.new_holder()
        self.clock = clock

    def run_due(self, stop: threading.Event | None = None) -> None:
        """One pass: every job that is due, one after the other (until a stop is asked)."""
        for job in self.jobs:
            if stop is not None and stop.is_set():
                return
            now = self.clock()
            if job.due(now):
                job.looked(now)
                self._run_one(job, now)

    def run_until(self, stop: threading.Event) -> None:
        """Run the jobs when due until `stop` is set."""
        while not stop.is_set():
            try:
                self.run_due(stop)
            except sa.exc.SQLAlchemyError as error:
                # The database is away: the next pass tries again.
                self.log.error(_("worker: database niet bereikbaar: %(error)s", error=error))
                db.session.remove()
            stop.wait(self._sleep())

    def _sleep(self) -> float:
        now = self.clock()
        waits = [(job.next_at - now) for job in self.jobs if job.next_at is not None]
        longest = min([LONGEST_SLEEP, *waits]) if waits else LONGEST_SLEEP
        return max(longest.total_seconds(), 0.05)

    def _run_one(self, job: Job, now: datetime) -> None:
        held = leases.Held(job.name, self.holder, job.lease, now + job.lease, self.clock)
        if not leases.acquire(job.name, self.holder, now=now, lease=job.lease):
            self.log.info(
                _(
                    "%(job)s: overgeslagen, een ander proces voert deze taak uit (%(holder)s)",
                    job=job.name,
                    holder=leases.holder_of(job.name),
                )
            )
            return
        result: str | None = None
        try:
            if job.still_due(now):
                result = job.run(now, held.keep)
                if result is not None:
                    self.log.info("%s: %s", job.name, result)
                if held.lost:
                    self._log_lost(job)
        except Exception as error:  # one failing job must not stop the others
            self.log.error(
                _("%(job)s: mislukt: %(error)s", job=job.name, error=_describe(error)),
                exc_info=self.log.isEnabledFor(logging.DEBUG),
            )
            result = None
        finally:
            leases.release(job.name, self.holder, now=self.clock(), result=result)
            db.session.remove()

    def _log_lost(self, job: Job) -> None:
        """The job stopped early: its lease ran out and another worker holds it now (the
        release then leaves that worker's lease alone)."""
        self.log.warning(
            _(
                "%(job)s: gestopt, een ander proces nam deze taak over (%(holder)s)",
                job=job.name,
                holder=leases.holder_of(job.name),
            )
        )


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
