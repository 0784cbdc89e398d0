"""The lineage of merged municipalities, read (overleg/directory/mergers.py records them): which
municipality carries on for a former one, which former ones a new one has, and from and until
when each carries the duty of the woonoverleg."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.dates import BRUSSELS, brussels_instant
from overleg.models import Municipality


def day_start(day: date) -> datetime:
    """The UTC instant a Brussels calendar day starts."""
    return brussels_instant(day, time(0, 0))


def retired(municipality: Municipality, today: date) -> bool:
    """Whether the municipality is merged into another one by `today`."""
    return municipality.merged_on is not None and municipality.merged_on <= today


def current_successor(municipality: Municipality, today: date) -> Municipality:
    """The municipality that carries on for this one today: itself, or the one it was merged
    into (after a chain of mergers, the last)."""
    seen = {municipality.id}
    while retired(municipality, today) and municipality.merged_into is not None:
        municipality = municipality.merged_into
        if municipality.id in seen:  # a cycle cannot be recorded; stop rather than loop
            break
        seen.add(municipality.id)
    return municipality


def brussels_today(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()


def predecessors(municipality: Municipality) -> list[Municipality]:
    """The municipalities merged into this one, and those merged into them, by name."""
    found: list[Municipality] = []
    frontier = [municipality.id]
    while frontier:
        rows = list(
            db.session.scalars(
                sa.select(Municipality).where(Municipality.merged_into_id.in_(frontier))
            )
        )
        rows = [m for m in rows if m not in found]
        found.extend(rows)
        frontier = [m.id for m in rows]
    return sorted(found, key=lambda m: m.name)


def duty_starts(municipality_ids: Iterable[int]) -> dict[int, date]:
    """Per municipality made by a merger, the day its duty starts (the earliest merger into
    it); one query."""
    rows = db.session.execute(
        sa.select(Municipality.merged_into_id, sa.func.min(Municipality.merged_on))
        .where(Municipality.merged_into_id.in_(list(municipality_ids)))
        .group_by(Municipality.merged_into_id)
    )
    return {into: on for into, on in rows if into is not None and on is not None}


def not_retired(today: date) -> sa.ColumnElement[bool]:
    """A WHERE clause for the municipalities that still exist on `today`."""
    return sa.or_(Municipality.merged_on.is_(None), Municipality.merged_on > today)
