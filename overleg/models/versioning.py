"""Optimistic locking for every row a form edits: no lost updates.

Two people open the same edit form; the first saves, the second saves from the stale form. Without
a version the second silently undoes the first. With it:

- `Versioned` gives a model a `version` column that SQLAlchemy uses as its version counter: every
  UPDATE says `WHERE version = <the version loaded>` and raises it, so a save that races past
  every check (another transaction committed between this one's load and flush) updates no row
  and fails;
- a flush listener writes a versioned row whose many-to-many links changed (an organisation's
  municipalities), so that its version rises too;
- `versioned_edit(obj, expected_version)` wraps a service's change: it compares the version the
  form was filled from with the stored one (the explicit check: the second person's save, a whole
  request later, is refused with `EditConflict`), then flushes, so that the race above is the
  same `EditConflict` and not an error at the commit.

`expected_version=None` asks for no explicit check (a caller without a form: the CLI, the demo,
another service); the version counter still guards the race.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from overleg.extensions import db
from overleg.lib.refusal import EditConflict


class Versioned:
    """Mixin: a `version` column, 1 for a new row, raised by every UPDATE of the row."""

    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


@sa.event.listens_for(Session, "before_flush")
def _write_rows_whose_links_changed(session: Session, context: Any, instances: Any) -> None:
    """A versioned row whose many-to-many links changed (an organisation's municipalities) is
    written too, so its version rises: SQLAlchemy alone would only write the link table.
    Setting the version by hand makes it UPDATE ... SET version = n + 1 WHERE version = n."""
    for obj in session.dirty:
        if isinstance(obj, Versioned) and _links_changed(obj):
            state = sa.inspect(obj)
            if not state.attrs.version.history.has_changes():
                obj.version = obj.version + 1


def _links_changed(obj: Versioned) -> bool:
    state = sa.inspect(obj)
    return any(
        relation.secondary is not None and state.attrs[relation.key].history.has_changes()
        for relation in state.mapper.relationships
    )


def conflict(obj: Versioned) -> EditConflict:
    """The conflict about `obj`, with who saved it last and when (from the audit trail)."""
    from overleg.models.audit import AuditEntry  # here: audit -> users -> directory

    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(
            AuditEntry.object_type == type(obj).__name__,
            AuditEntry.object_id == getattr(obj, "id", None),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return EditConflict(obj.version)
    name = entry.user.name if entry.user is not None else (entry.actor_label or None)
    return EditConflict(obj.version, saved_by=name, saved_at=entry.at)


def check_version(obj: Versioned, expected_version: int | None) -> None:
    """Refuse (EditConflict) a change made from a form filled from another version of `obj`."""
    if expected_version is not None and expected_version != obj.version:
        raise conflict(obj)


@contextmanager
def versioned_edit(obj: Versioned, expected_version: int | None) -> Iterator[None]:
    """Check the version, run the change, then flush: a race lost at the UPDATE is a conflict.

    with versioned_edit(contact, expected_version):
        changes = _apply(contact, fields.as_columns())
    """
    with versioned_edits([(obj, expected_version)]):
        yield


@contextmanager
def versioned_edits(expected: Iterable[tuple[Versioned, int | None]]) -> Iterator[None]:
    """`versioned_edit` for a change of several rows at once (the order of an agenda)."""
    for obj, version in expected:
        check_version(obj, version)
    try:
        yield  # a query in the change may flush it already (autoflush)
        db.session.flush()
    except StaleDataError:
        raise EditConflict(None) from None
