"""A page of query results: plain values, no request inside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa

from overleg.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page (0 when empty)."""
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return 0 if not self.items else self.first_index + len(self.items) - 1


def paginate(statement: sa.Select[T], page: int, per_page: int) -> Page[T]:
    """Run `statement` (an ORM select of one entity) for one page, in two queries.

    Out-of-range page numbers are clamped, so a hand-edited URL never errors.
    """
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )
    total = int(total or 0)
    last_page = max(1, -(-total // per_page))
    page = min(max(1, page), last_page)
    items = list(db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def page_number(raw: str | None) -> int:
    """A page number from a query string value; anything odd is page 1."""
    try:
        value = int(raw or 1)
    except ValueError:
        return 1
    return max(1, min(value, 1_000_000))
