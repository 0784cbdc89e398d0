"""What the JSON API returns, as plain dicts and lists (no request inside)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.auth.permissions import municipality_filter
from overleg.extensions import db
from overleg.lib.dates import FIRST_YEAR, LAST_YEAR, to_local
from overleg.lib.refusal import Refusal
from overleg.meetings.services import visible_meetings
from overleg.models import Meeting, Municipality, User

MAX_SLUG = 120


class UnknownMunicipality(LookupError):
    """No municipality with this slug that the user may see."""


@dataclass(frozen=True)
class MeetingQuery:
    municipality: str | None = None
    year: int | None = None


def parse_meeting_query(municipality: str | None, year: str | None) -> MeetingQuery:
    """Check the query string of /api/v1/meetings; a bad parameter is a Refusal naming it."""
    slug = (municipality or "").strip() or None
    if slug is not None and len(slug) > MAX_SLUG:
        raise Refusal(
            _l("De parameter municipality is te lang (maximaal %(max)s tekens).", max=MAX_SLUG),
            field="municipality",
        )
    parsed_year = None
    if year is not None and year.strip():
        text = year.strip()
        if not (text.isascii() and text.isdigit()):
            raise Refusal(
                _l("De parameter year moet een jaartal zijn, bijvoorbeeld 2026."), field="year"
            )
        parsed_year = int(text)
        if not FIRST_YEAR <= parsed_year <= LAST_YEAR:
            raise Refusal(
                _l(
                    "De parameter year moet tussen %(min)s en %(max)s liggen.",
                    min=FIRST_YEAR,
                    max=LAST_YEAR,
                ),
                field="year",
            )
    return MeetingQuery(municipality=slug, year=parsed_year)


def municipalities(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(Municipality.slug, Municipality.name, Municipality.meetings_per_year)
        .where(municipality_filter(user, Municipality.id))
        .order_by(Municipality.name)
    )
    return [
        {"slug": slug, "name": name, "meetings_per_year": per_year} for slug, name, per_year in rows
    ]


def meeting_links(meeting_id: int) -> dict[str, str]:
    """Root-relative links; the paths are part of the contract, so they are written out."""
    base = f"/meetings/{meeting_id}"
    return {
        "page": base,
        "ics": f"{base}/invitation.ics",
        "agenda_pdf": f"{base}/agenda.pdf",
        "minutes_pdf": f"{base}/minutes.pdf",
    }


def meeting_json(meeting: Meeting) -> dict[str, Any]:
    """One meeting; start and end in Brussels time with their UTC offset; a joint meeting also
    lists its municipalities (`municipalities`)."""
    shape: dict[str, Any] = {
        "id": meeting.id,
        "municipality": meeting.municipality.slug,
        "title": meeting.title,
        "start": to_local(meeting.start_at).isoformat(),
        "end": to_local(meeting.end_at).isoformat(),
        "status": meeting.status.value,
        "location": meeting.location,
        "links": meeting_links(meeting.id),
    }
    if meeting.is_joint:
        # A joint meeting lists every municipality that holds it (README): the host first.
        shape["municipalities"] = [m.slug for m in meeting.all_municipalities]
    return shape


def meetings(user: User, query: MeetingQuery) -> list[dict[str, Any]]:
    """The meetings the user may see, oldest first; raises UnknownMunicipality."""
    municipality_id = None
    if query.municipality is not None:
        municipality_id = db.session.scalar(
            sa.select(Municipality.id).where(
                Municipality.slug == query.municipality,
                municipality_filter(user, Municipality.id),
            )
        )
        if municipality_id is None:
            raise UnknownMunicipality(query.municipality)
    statement = (
        visible_meetings(user, municipality_id=municipality_id, year=query.year)
        .options(selectinload(Meeting.partners))
        .order_by(None)
        .order_by(Meeting.start_at, Meeting.id)
    )
    return [meeting_json(meeting) for meeting in db.session.scalars(statement)]
