"""Compliance with the decree, per municipality and calendar year (the subsidy report rests on it).

Per municipality: meetings held against the yearly number, the mandatory topics covered (themes
flagged mandatory on agenda items of meetings held that year, each at least
MANDATORY_TOPICS_PER_YEAR times) and missing, the minutes approved and the date they went to Wonen
in Vlaanderen, and two flags:
- overdue: the year is over and meetings or topics are missing, or minutes of a held meeting are
  still not approved and sent 30 days after the meeting;
- at risk: the year is not over and the meetings held and still planned do not reach the yearly
  number, or mandatory topics are missing with no meeting left to cover them, or the year ends
  within COMPLIANCE_AT_RISK_DAYS with meetings still to be held.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from overleg.extensions import db
from overleg.lib.dates import BRUSSELS, year_bounds
from overleg.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Municipality,
    Theme,
)

MINUTES_GRACE_DAYS = 30


class Standing(enum.StrEnum):
    COMPLIANT = "compliant"  # everything the decree asks for this year is done
    ON_TRACK = "on_track"  # not done yet, but planned meetings can still make it
    AT_RISK = "at_risk"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class MeetingLine:
    meeting_id: int
    start: datetime
    status: MeetingStatus
    minutes_status: MinutesStatus | None
    minutes_approved_at: datetime | None
    sent_to_agency_at: datetime | None
    themes: tuple[str, ...]


@dataclass(frozen=True)
class MunicipalityCompliance:
    municipality_id: int
    slug: str
    name: str
    year: int
    required: int
    held: int
    upcoming: int  # planned or invited, still ahead
    topics_covered: tuple[str, ...]
    topics_missing: tuple[str, ...]
    minutes_approved: int
    minutes_sent: int
    minutes_late: int  # held meetings whose minutes are not approved and sent after the grace
    last_sent_to_agency_at: datetime | None
    standing: Standing
    reasons: tuple[str, ...]  # codes: meetings_missing, topics_missing, minutes_late, ...
    meetings: tuple[MeetingLine, ...] = field(default=())

    @property
    def overdue(self) -> bool:
        return self.standing is Standing.OVERDUE

    @property
    def at_risk(self) -> bool:
        return self.standing is Standing.AT_RISK


def year_compliance(
    municipalities: Iterable[Municipality],
    year: int,
    *,
    now: datetime,
    topics_per_year: int = 1,
    at_risk_days: int = 90,
) -> list[MunicipalityCompliance]:
    """Compliance of each municipality for `year`, in a constant number of queries."""
    municipalities = list(municipalities)
    ids = [m.id for m in municipalities]
    start, end = year_bounds(year)
    meetings = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.municipality_id.in_(ids),
                Meeting.start_at >= start,
                Meeting.start_at < end,
                Meeting.status != MeetingStatus.CANCELLED,
            )
            .options(selectinload(Meeting.agenda_items).selectinload(AgendaItem.theme))
            .order_by(Meeting.start_at)
        )
    )
    minutes = {
        m.meeting_id: m
        for m in db.session.scalars(
            sa.select(Minutes).where(Minutes.meeting_id.in_([m.id for m in meetings]))
        )
    }
    mandatory = list(
        db.session.scalars(
            sa.select(Theme)
            .where(Theme.is_mandatory.is_(True), Theme.active.is_(True))
            .order_by(Theme.sort_order, Theme.name)
        )
    )
    by_municipality: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_municipality[meeting.municipality_id].append(meeting)
    year_over = now >= end
    days_left = (end - now).days
    result = []
    for m in sorted(municipalities, key=lambda x: x.name):
        own = by_municipality.get(m.id, [])
        held = [x for x in own if x.status is MeetingStatus.HELD]
        upcoming = [
            x
            for x in own
            if x.status in (MeetingStatus.PLANNED, MeetingStatus.INVITED) and x.start_at > now
        ]
        counts: Counter[int] = Counter()
        for meeting in held:
            for theme_id in {i.theme_id for i in meeting.agenda_items if i.theme_id}:
                counts[theme_id] += 1
        covered = tuple(t.name for t in mandatory if counts[t.id] >= topics_per_year)
        missing = tuple(t.name for t in mandatory if counts[t.id] < topics_per_year)
        lines = []
        approved = sent = late = 0
        last_sent: datetime | None = None
        for meeting in own:
            mins = minutes.get(meeting.id)
            lines.append(
                MeetingLine(
                    meeting.id,
                    meeting.start_at,
                    meeting.status,
                    mins.status if mins else None,
                    mins.approved_at if mins else None,
                    mins.sent_to_agency_at if mins else None,
                    tuple(
                        i.theme.name
                        for i in meeting.agenda_items
                        if i.theme is not None and i.theme.is_mandatory
                    ),
                )
            )
            if meeting.status is not MeetingStatus.HELD:
                continue
            is_approved = mins is not None and mins.status is MinutesStatus.APPROVED
            is_sent = mins is not None and mins.sent_to_agency_at is not None
            approved += is_approved
            sent += is_sent
            if is_sent and (last_sent is None or mins.sent_to_agency_at > last_sent):  # type: ignore[union-attr]
                last_sent = mins.sent_to_agency_at  # type: ignore[union-attr]
            if not (is_approved and is_sent) and now - meeting.start_at > timedelta(
                days=MINUTES_GRACE_DAYS
            ):
                late += 1
        reasons: list[str] = []
        short = len(held) < m.meetings_per_year
        if short:
            reasons.append("meetings_missing")
        if missing:
            reasons.append("topics_missing")
        if late:
            reasons.append("minutes_late")
        if year_over:
            standing = Standing.OVERDUE if reasons else Standing.COMPLIANT
        elif late:
            standing = Standing.OVERDUE
        elif not reasons:
            standing = Standing.COMPLIANT
        else:
            risky = len(held) + len(upcoming) < m.meetings_per_year
            if risky:
                reasons.append("not_enough_planned")
            if missing and not upcoming:
                risky = True
                reasons.append("no_meeting_for_topics")
            if short and days_left <= at_risk_days:
                risky = True
                reasons.append("year_ending")
            standing = Standing.AT_RISK if risky else Standing.ON_TRACK
        result.append(
            MunicipalityCompliance(
                municipality_id=m.id,
                slug=m.slug,
                name=m.name,
                year=year,
                required=m.meetings_per_year,
                held=len(held),
                upcoming=len(upcoming),
                topics_covered=covered,
                topics_missing=missing,
                minutes_approved=approved,
                minutes_sent=sent,
                minutes_late=late,
                last_sent_to_agency_at=last_sent,
                standing=standing,
                reasons=tuple(reasons),
                meetings=tuple(lines),
            )
        )
    return result


# --- CSV ---------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: a leading = + - @ tab or CR gets a quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def compliance_csv(
    rows: Iterable[MunicipalityCompliance], headers: list[str], standing_labels: dict[str, str]
) -> str:
    """The annual report as CSV (semicolon separated, as Excel in Belgium expects)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in headers])
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    row.name,
                    row.year,
                    row.required,
                    row.held,
                    row.upcoming,
                    ", ".join(row.topics_covered),
                    ", ".join(row.topics_missing),
                    row.minutes_approved,
                    row.minutes_sent,
                    row.last_sent_to_agency_at.astimezone(BRUSSELS).date().isoformat()
                    if row.last_sent_to_agency_at
                    else "",
                    standing_labels.get(row.standing.value, row.standing.value),
                )
            ]
        )
    return out.getvalue()
