"""What the dashboard shows, and how long it is kept.

The dashboard is everybody's start page and asks the most of the database (the year's standings
of every municipality among them). `overview` computes it as plain values; `kept_overview` keeps
that per person and language for DASHBOARD_CACHE_SECONDS, under the database's revision: any
committed change (in any worker) makes the next visit compute it afresh, so the list is never
behind the data, and at most that long behind the clock (a meeting that started a minute ago).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from overleg.auth.permissions import meeting_filter, meeting_of_municipality, municipality_filter
from overleg.dashboard import waiting
from overleg.directory import lineage
from overleg.extensions import cache, db
from overleg.lib.dates import BRUSSELS, half_year_bounds
from overleg.models import Meeting, MeetingStatus, Municipality, Role, User
from overleg.models.revision import current_revision


@dataclass(frozen=True)
class UpcomingMeeting:
    id: int
    title: str
    start_at: datetime
    location: str
    status: MeetingStatus
    municipality_names: str  # a joint meeting's: the host first


@dataclass(frozen=True)
class UnplannedMunicipality:
    slug: str
    name: str


@dataclass(frozen=True)
class Overview:
    """Everything the dashboard lists for one person, as plain values."""

    waiting: tuple[waiting.Line, ...]
    shows_waiting: bool
    upcoming: tuple[UpcomingMeeting, ...]
    unplanned: tuple[UnplannedMunicipality, ...]
    half_start: date
    half_last_day: date


def overview(user: User, now: datetime, settings: waiting.Settings) -> Overview:
    start, end = half_year_bounds(now.astimezone(BRUSSELS).date())
    return Overview(
        waiting=tuple(waiting.waiting_for(user, now, settings)),
        shows_waiting=user.role is not Role.READER,
        upcoming=tuple(
            UpcomingMeeting(
                m.id,
                m.title,
                m.start_at,
                m.location,
                m.status,
                m.municipality_names,
            )
            for m in upcoming_meetings(user, now)
        ),
        unplanned=tuple(
            UnplannedMunicipality(m.slug, m.name)
            for m in municipalities_without_meeting(user, start, end)
        ),
        half_start=start.astimezone(BRUSSELS).date(),
        half_last_day=end.astimezone(BRUSSELS).date() - timedelta(days=1),
    )


def kept_overview(
    user: User, now: datetime, settings: waiting.Settings, *, language: str, keep_seconds: int
) -> Overview:
    """`overview`, kept for `keep_seconds` under the person, the language of its sentences and
    the database's revision (0 seconds: computed every time)."""
    revision = current_revision()
    if revision is None or keep_seconds <= 0:
        return overview(user, now, settings)
    key = f"dashboard/{user.id}/{language}/{revision}"
    kept = cache.get(key)
    if isinstance(kept, Overview):
        return kept
    fresh = overview(user, now, settings)
    cache.set(key, fresh, timeout=keep_seconds)
    return fresh


def upcoming_meetings(user: User, now: datetime, limit: int = 20) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                meeting_filter(user),
                Meeting.start_at >= now,
                Meeting.status != MeetingStatus.CANCELLED,
            )
            .options(selectinload(Meeting.municipality), selectinload(Meeting.partners))
            .order_by(Meeting.start_at)
            .limit(limit)
        )
    )


def municipalities_without_meeting(
    user: User, start: datetime, end: datetime
) -> list[Municipality]:
    """Visible municipalities with no (non-cancelled) meeting between start and end (those
    merged into another one by `start` no longer hold any)."""
    has_meeting = (
        sa.select(Meeting.id)
        .where(
            meeting_of_municipality(Municipality.id),
            Meeting.start_at >= start,
            Meeting.start_at < end,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(
                municipality_filter(user, Municipality.id),
                ~has_meeting,
                lineage.not_retired(lineage.brussels_today(start)),
            )
            .order_by(Municipality.name)
        )
    )


def remember_language(user: User, language: str) -> None:
    """Keep the user's language with the account. Flushed at once, so that a busy database
    refuses here, before the caller changes anything else (the session cookie)."""
    user.locale = language
    db.session.flush()
