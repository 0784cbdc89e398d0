"""The database's revision: one number that every transaction changing data raises.

A cache (in any worker process) keeps what it computed together with the revision it read
before computing; when the number has moved on, the cached value is recomputed. The number is
raised in the committing transaction itself, as its last statement, so a reader never sees new
data under an old number for longer than it takes to read the number again.

Raised when the transaction flushed a change of any mapped row, or ran a statement through the
session that is not a SELECT (bulk UPDATE or DELETE, text()), except in the bookkeeping tables
no cache reads (UNCOUNTED: the worker's leases, written at every run of a job, and the login
attempts and sessions). Statements sent past the session on a connection of their own (the
health check, the document store's streaming reads) change no data the caches hold.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    mapped_column,
)

from overleg.extensions import Model, db
from overleg.models.users import LoginAttempt, LoginSession
from overleg.models.worker import WorkerJob

_CHANGED = "overleg.data_changed"
ROW_ID = 1
UNCOUNTED = frozenset(
    cast(sa.Table, model.__table__).name for model in (WorkerJob, LoginAttempt, LoginSession)
)


class DataRevision(Model):
    """The single row holding the revision (id 1), made with the table."""

    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(sa.BigInteger, default=0)


@event.listens_for(DataRevision.__table__, "after_create")
def _first_row(table: sa.Table, connection: sa.Connection, **_kwargs: Any) -> None:
    connection.execute(table.insert().values(id=ROW_ID, number=0))


def current_revision() -> int | None:
    """The revision as the request's transaction sees it (None when the row is missing: then
    nothing may be cached)."""
    return db.session.scalar(sa.select(DataRevision.number).where(DataRevision.id == ROW_ID))


def track_changes() -> None:
    """Raise the revision in every session's transaction that changes data. Called once."""
    if event.contains(Session, "before_commit", _raise_when_changed):
        return
    event.listen(Session, "after_flush", _note_flush)
    event.listen(Session, "do_orm_execute", _note_statement)
    event.listen(Session, "before_commit", _raise_when_changed)
    event.listen(Session, "after_transaction_end", _forget)


def _note_flush(session: Session, _flush: UOWTransaction) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(sa.inspect(instance).mapper.local_table.name not in UNCOUNTED for instance in changed):
        session.info[_CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if state.is_select or (isinstance(table, sa.Table) and table.name in UNCOUNTED):
        return
    state.session.info[_CHANGED] = True


def _raise_when_changed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its changes are raised with the transaction around it
    # Flush first: the commit would flush what is pending only after this hook, and the
    # revision's row lock must be the transaction's last (two writers then never wait on each
    # other's rows while holding it).
    session.flush()
    if session.info.pop(_CHANGED, False):
        _raise(session.connection())


def _raise(connection: sa.Connection) -> None:
    raised = connection.execute(
        sa.update(DataRevision)
        .where(DataRevision.id == ROW_ID)
        .values(number=DataRevision.number + 1)
    )
    if raised.rowcount == 0:
        # The row is gone (a table emptied by hand, or by the test suite): make it again; the
        # readers meanwhile found no revision and kept nothing.
        connection.execute(_insert_first_row(connection.dialect.name))


def _insert_first_row(dialect: str) -> sa.Executable:
    """The first row, or nothing when a concurrent transaction made it first (the two
    databases overleg runs on)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(DataRevision).values(id=ROW_ID, number=1).on_conflict_do_nothing()


def _forget(session: Session, transaction: SessionTransaction) -> None:
    """The transaction ended (committed or rolled back): its changes were raised or undone."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
