"""Finding meetings: the search of the meeting list, without a request (issue 14, item 6).

A search narrows `services.visible_meetings`, so it only ever finds what the user may see (a
secretary their own municipalities, a coordinator their platform). Every criterion is optional;
the page runs one statement for the page and one for the count, whatever is filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.dates import LAST_DAY, brussels_instant
from overleg.meetings.services import visible_meetings
from overleg.models import AgendaItem, Meeting, MeetingStatus, Theme, User

MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class MeetingSearch:
    """What to look for; empty fields do not narrow the search."""

    title: str = ""  # part of the meeting's title, in any case
    municipality_id: int | None = None
    theme_id: int | None = None  # a meeting with an agenda item of this theme
    year: int | None = None
    date_from: date | None = None  # the first day (Brussels), included
    date_to: date | None = None  # the last day (Brussels), included
    status: MeetingStatus | None = None


def search_meetings(user: User, search: MeetingSearch) -> sa.Select[Meeting]:
    """The meetings `user` may see that match `search`, newest first."""
    statement = visible_meetings(
        user, municipality_id=search.municipality_id, year=search.year, status=search.status
    )
    if search.title.strip():
        statement = statement.where(Meeting.title.icontains(search.title.strip(), autoescape=True))
    if search.theme_id is not None:
        statement = statement.where(
            sa.exists().where(
                AgendaItem.meeting_id == Meeting.id, AgendaItem.theme_id == search.theme_id
            )
        )
    if search.date_from is not None:
        statement = statement.where(
            Meeting.start_at >= brussels_instant(search.date_from, MIDNIGHT)
        )
    if search.date_to is not None and search.date_to < LAST_DAY:
        day_after = search.date_to + timedelta(days=1)
        statement = statement.where(Meeting.start_at < brussels_instant(day_after, MIDNIGHT))
    return statement


class ThemeChoice(NamedTuple):
    id: int
    name: str


def theme_choices(user: User) -> list[ThemeChoice]:
    """The themes of the user's platform's catalogue, in its order (one query, plain rows)."""
    rows = db.session.execute(
        sa.select(Theme.id, Theme.name)
        .where(Theme.platform_id == user.platform_id)
        .order_by(Theme.sort_order, Theme.name)
    )
    return [ThemeChoice(*row) for row in rows]
