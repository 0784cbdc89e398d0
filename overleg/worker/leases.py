"""A lease per job: a row of `worker_job` that one worker holds until a given time.

It works the same on SQLite and on PostgreSQL, for any number of workers on any number of machines
sharing the database. Taking a lease is one conditional UPDATE (`lease_until` empty or past),
committed at once: of two workers only one sees its row changed; PostgreSQL makes the second wait
for the first's commit and then re-checks the condition, SQLite lets one writer at a time. A worker
that dies holding a lease only delays the job until the lease runs out.

A job that runs longer than expected (the outbox on a slow mail server) keeps its lease with
`Held.keep()` between units of work: past half its length the lease is renewed, by one
conditional UPDATE that only succeeds while the row still names this worker. When it does not
(the lease ran out and another worker took the job) `keep()` answers False and the job stops
before its next unit, leaving the rest to the new holder.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import WorkerJob

RESULT_LENGTH = 500


def new_holder() -> str:
    """Who holds a lease: the machine, the process and a random part (pids are reused)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(name: str) -> None:
    if db.session.get(WorkerJob, name) is not None:
        return
    db.session.add(WorkerJob(name=name, holder="", last_result=""))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # another worker made it at the same moment


def acquire(name: str, holder: str, *, now: datetime, lease: timedelta) -> bool:
    """Take the lease of a job until now + lease; False when another worker holds it. Commits."""
    _ensure_row(name)
    statement = (
        sa.update(WorkerJob)
        .where(
            WorkerJob.name == name,
            sa.or_(WorkerJob.lease_until.is_(None), WorkerJob.lease_until <= now),
        )
        .values(holder=holder, lease_until=now + lease, last_started_at=now)
    )
    result = cast("sa.CursorResult[Any]", db.session.execute(statement))
    db.session.commit()
    return result.rowcount == 1


def renew(name: str, holder: str, *, now: datetime, lease: timedelta) -> bool:
    """Extend a lease this worker still holds to now + lease; False when the row names another
    holder or nobody (the lease was given back or taken over). Commits."""
    statement = (
        sa.update(WorkerJob)
        .where(
            WorkerJob.name == name,
            WorkerJob.holder == holder,
            WorkerJob.lease_until.is_not(None),
        )
        .values(lease_until=now + lease)
    )
    result = cast("sa.CursorResult[Any]", db.session.execute(statement))
    db.session.commit()
    return result.rowcount == 1


# What a job calls between units of work: True to go on, False to stop (the lease is lost).
KeepLease = Callable[[], bool]


@dataclass
class Held:
    """A lease taken with `acquire`, for the job that runs under it."""

    name: str
    holder: str
    lease: timedelta
    until: datetime
    clock: Callable[[], datetime]
    lost: bool = False

    def keep(self) -> bool:
        """Whether the job may go on: renews the lease once past half its length, and answers
        False for good once another worker holds it. Commits when it renews, so a job calls it
        between units of work, with nothing of its own left uncommitted.

        While more than half the lease is left no other worker can have taken it (`acquire`
        needs it run out), so most calls write nothing.
        """
        if self.lost:
            return False
        now = self.clock()
        if self.until - now > self.lease / 2:
            return True
        if renew(self.name, self.holder, now=now, lease=self.lease):
            self.until = now + self.lease
            return True
        self.lost = True
        return False


def release(name: str, holder: str, *, now: datetime, result: str | None) -> None:
    """Give the lease back. `result` is the line the job logged: it finished now (a daily job
    counts as done for the day); None when it failed or had nothing to do. Commits."""
    db.session.rollback()  # whatever a failed job left half done is not ours to commit
    values: dict[str, Any] = {"lease_until": None}
    if result is not None:
        values.update(last_finished_at=now, last_result=result[:RESULT_LENGTH])
    db.session.execute(
        sa.update(WorkerJob)
        .where(WorkerJob.name == name, WorkerJob.holder == holder)
        .values(**values)
    )
    db.session.commit()


def holder_of(name: str) -> str:
    """Who holds the lease of a job now ('' when nobody does)."""
    job = db.session.get(WorkerJob, name, populate_existing=True)
    return job.holder if job is not None and job.lease_until is not None else ""


def last_finished(name: str) -> datetime | None:
    job = db.session.get(WorkerJob, name, populate_existing=True)
    return job.last_finished_at if job is not None else None
