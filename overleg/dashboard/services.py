"""What the dashboard shows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from overleg.auth.permissions import meeting_filter, meeting_of_municipality, municipality_filter
from overleg.directory import lineage
from overleg.extensions import db
from overleg.models import Meeting, MeetingStatus, Municipality, User


def upcoming_meetings(user: User, now: datetime, limit: int = 20) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                meeting_filter(user),
                Meeting.start_at >= now,
                Meeting.status != MeetingStatus.CANCELLED,
            )
            .options(selectinload(Meeting.municipality))
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
