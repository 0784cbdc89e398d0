"""Compliance with the decree, per municipality and calendar year (the subsidy report rests on it).

Per municipality: meetings held against the yearly number, the mandatory topics covered (themes
mandatory that year on agenda items of meetings held that year, each at least
MANDATORY_TOPICS_PER_YEAR times) and missing, the minutes approved and the date they went to Wonen
in Vlaanderen, and two flags:
- overdue: the year is over and meetings or topics are missing, or minutes of a held meeting are
  still not approved and sent 30 days after the meeting;
- at risk: the year is not over and the meetings held and still planned do not reach the yearly
  number, or mandatory topics are missing with no meeting left to cover them, or the year ends
  within COMPLIANCE_AT_RISK_DAYS with meetings still to be held.

Each year is judged by the list of mandatory topics in force that year (`Theme.mandatory_in_year`:
the list changes with the law); every row carries that list (`topic_list`) so that each page and
report says which one it used (`topic_list_sentence`).

Merged municipalities (overleg/directory/mergers.py) are judged over the part of the year they
carry the duty: a former municipality until its merger date, the new one from it. A municipality
without duty in the year is left out; in a year it carries only in part, the yearly number is
prorated (to the nearest whole number, at least one), only the meetings of that part count, and
the mandatory topics are asked only of a full year.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import floor

import sqlalchemy as sa
from flask_babel import gettext

from overleg.auth.permissions import meeting_of_municipality
from overleg.directory.lineage import day_start, duty_starts
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
    agenda_item_municipality,
    meeting_municipality,
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
class TopicGap:
    """A mandatory topic not discussed often enough this year, and the next meeting whose agenda
    could take it: the first one ahead that already has it on its agenda, else the first one
    ahead (None: no meeting is planned any more this year)."""

    theme: str
    meeting_id: int | None = None
    meeting_start: datetime | None = None
    on_agenda: bool = False


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
    late_minutes: tuple[MeetingLine, ...] = ()  # the meetings counted in minutes_late
    topic_gaps: tuple[TopicGap, ...] = ()  # one per name in topics_missing
    topic_list: tuple[str, ...] = ()  # the mandatory topics in force that year, in order

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
    start, end = year_bounds(year)
    windows = duty_windows(municipalities, start, end)
    municipalities = [m for m in municipalities if m.id in windows]
    records = _YearRecords.read([m.id for m in municipalities], start, end)
    return [
        _compliance(m, year, records, _Rules.of(windows[m.id], now, topics_per_year, at_risk_days))
        for m in sorted(municipalities, key=lambda x: x.name)
    ]


@dataclass(frozen=True)
class DutyWindow:
    """The part of a year [start, end) a municipality carries the duty; `share` of the year."""

    start: datetime
    end: datetime
    share: float

    @property
    def whole_year(self) -> bool:
        return self.share >= 1

    def holds(self, meeting: Meeting) -> bool:
        return self.start <= meeting.start_at < self.end


def duty_windows(
    municipalities: Iterable[Municipality], start: datetime, end: datetime
) -> dict[int, DutyWindow]:
    """Per municipality with a duty in [start, end), the part it carries (module docstring)."""
    municipalities = list(municipalities)
    starts = duty_starts(m.id for m in municipalities)
    windows = {}
    for m in municipalities:
        begins = _later(start, starts.get(m.id))
        ends = end if m.merged_on is None else min(end, day_start(m.merged_on))
        if begins < ends:
            windows[m.id] = DutyWindow(begins, ends, (ends - begins) / (end - start))
    return windows


def _later(start: datetime, day: date | None) -> datetime:
    return start if day is None else max(start, day_start(day))


@dataclass(frozen=True)
class _Rules:
    now: datetime
    year_over: bool
    days_left: int
    topics_per_year: int
    at_risk_days: int
    window: DutyWindow

    @classmethod
    def of(cls, window: DutyWindow, now: datetime, topics: int, at_risk_days: int) -> _Rules:
        end = window.end
        return cls(now, now >= end, (end - now).days, topics, at_risk_days, window)

    def required(self, per_year: int) -> int:
        if self.window.whole_year:
            return per_year
        return max(1, floor(per_year * self.window.share + 0.5))


@dataclass(frozen=True)
class _YearRecords:
    """The year's non-cancelled meetings per municipality, their minutes, the mandatory themes
    of each platform's catalogue and, per meeting, the mandatory themes on its agenda (ids and
    names, in agenda order: plain values, as loading thousands of agenda items as objects costs
    more than all the rest)."""

    meetings: dict[int, list[Meeting]]  # by municipality: hosted and joint ones
    minutes: dict[int, Minutes]  # by meeting id
    mandatory: dict[int, list[Theme]]  # by platform id
    agenda: dict[int, list[_Topic]]  # by meeting id

    def theme_ids(self, meeting: Meeting, municipality_id: int) -> set[int]:
        """The mandatory themes of the meeting's items for this municipality (or for all)."""
        return {t.theme_id for t in self.topics(meeting, municipality_id)}

    def topics(self, meeting: Meeting, municipality_id: int) -> list[_Topic]:
        return [t for t in self.agenda.get(meeting.id, ()) if t.is_for(municipality_id)]

    @classmethod
    def read(cls, municipality_ids: list[int], start: datetime, end: datetime) -> _YearRecords:
        year = start.astimezone(BRUSSELS).year  # the list of mandatory topics in force then
        meetings = list(
            db.session.scalars(
                sa.select(Meeting)
                .where(
                    meeting_of_municipality(municipality_ids),
                    Meeting.start_at >= start,
                    Meeting.start_at < end,
                    Meeting.status != MeetingStatus.CANCELLED,
                )
                .order_by(Meeting.start_at)
            )
        )
        minutes = {
            m.meeting_id: m
            for m in db.session.scalars(
                sa.select(Minutes).where(Minutes.meeting_id.in_([m.id for m in meetings]))
            )
        }
        wanted = set(municipality_ids)
        partners = _partners([m.id for m in meetings])
        by_municipality: dict[int, list[Meeting]] = defaultdict(list)
        for meeting in meetings:
            # A joint meeting counts once for each of its municipalities.
            for held_by in (meeting.municipality_id, *partners.get(meeting.id, ())):
                if held_by in wanted:
                    by_municipality[held_by].append(meeting)
        return cls(
            by_municipality,
            minutes,
            _mandatory_themes(municipality_ids, year),
            _mandatory_agenda([m.id for m in meetings], year),
        )


def _mandatory_themes(municipality_ids: list[int], year: int) -> dict[int, list[Theme]]:
    """The active themes of the municipalities' platforms mandatory in `year`, per platform."""
    platforms = sa.select(Municipality.platform_id).where(Municipality.id.in_(municipality_ids))
    mandatory: dict[int, list[Theme]] = defaultdict(list)
    for theme in db.session.scalars(
        sa.select(Theme)
        .where(
            Theme.platform_id.in_(platforms),
            Theme.mandatory_in_year(year),
            Theme.active.is_(True),
        )
        .order_by(Theme.sort_order, Theme.name)
    ):
        mandatory[theme.platform_id].append(theme)
    return mandatory


@dataclass(frozen=True)
class _Topic:
    """A mandatory theme on an agenda item, and the municipalities the item is for (none: for
    all those of its meeting)."""

    theme_id: int
    name: str
    marks: frozenset[int]

    def is_for(self, municipality_id: int) -> bool:
        return not self.marks or municipality_id in self.marks


def _partners(meeting_ids: list[int]) -> dict[int, list[int]]:
    """Per joint meeting, the municipalities that hold it with its host."""
    partners: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(meeting_municipality.c.meeting_id, meeting_municipality.c.municipality_id).where(
            meeting_municipality.c.meeting_id.in_(meeting_ids)
        )
    )
    for meeting_id, municipality_id in rows:
        partners[meeting_id].append(municipality_id)
    return partners


def _mandatory_agenda(meeting_ids: list[int], year: int) -> dict[int, list[_Topic]]:
    """Per meeting, the themes of its agenda items mandatory in `year`, in agenda order."""
    agenda: dict[int, list[_Topic]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(AgendaItem.meeting_id, AgendaItem.id, Theme.id, Theme.name)
        .join(Theme, AgendaItem.theme_id == Theme.id)
        .where(AgendaItem.meeting_id.in_(meeting_ids), Theme.mandatory_in_year(year))
        .order_by(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.id)
    ).all()
    marks: dict[int, set[int]] = defaultdict(set)
    for item_id, municipality_id in db.session.execute(
        sa.select(
            agenda_item_municipality.c.agenda_item_id, agenda_item_municipality.c.municipality_id
        ).where(agenda_item_municipality.c.agenda_item_id.in_([row[1] for row in rows]))
    ):
        marks[item_id].add(municipality_id)
    for meeting_id, item_id, theme_id, name in rows:
        agenda[meeting_id].append(_Topic(theme_id, name, frozenset(marks.get(item_id, ()))))
    return agenda


@dataclass
class _MinutesTally:
    """The minutes of a municipality's held meetings."""

    approved: int = 0
    sent: int = 0
    late: int = 0  # not approved and sent MINUTES_GRACE_DAYS after the meeting
    last_sent: datetime | None = None
    late_ids: set[int] = field(default_factory=set)

    def add(self, meeting: Meeting, minutes: Minutes | None, now: datetime) -> None:
        is_approved = minutes is not None and minutes.status is MinutesStatus.APPROVED
        sent_at = minutes.sent_to_agency_at if minutes is not None else None
        self.approved += is_approved
        if sent_at is not None:
            self.sent += 1
            if self.last_sent is None or sent_at > self.last_sent:
                self.last_sent = sent_at
        grace_over = now - meeting.start_at > timedelta(days=MINUTES_GRACE_DAYS)
        if not (is_approved and sent_at is not None) and grace_over:
            self.late += 1
            self.late_ids.add(meeting.id)


def _compliance(
    m: Municipality, year: int, records: _YearRecords, rules: _Rules
) -> MunicipalityCompliance:
    own = [x for x in records.meetings.get(m.id, []) if rules.window.holds(x)]
    held = [x for x in own if x.status is MeetingStatus.HELD]
    upcoming = [
        x
        for x in own
        if x.status in (MeetingStatus.PLANNED, MeetingStatus.INVITED) and x.start_at > rules.now
    ]
    year_list = records.mandatory.get(m.platform_id, [])
    mandatory = year_list if rules.window.whole_year else []  # asked only of a whole year
    covered, missing_themes = _topics(m.id, held, mandatory, records, rules.topics_per_year)
    missing = tuple(t.name for t in missing_themes)
    tally = _MinutesTally()
    for meeting in held:
        tally.add(meeting, records.minutes.get(meeting.id), rules.now)
    lines = tuple(
        _line(meeting, records.minutes.get(meeting.id), records.topics(meeting, m.id))
        for meeting in own
    )
    required = rules.required(m.meetings_per_year)
    standing, reasons = _standing(required, len(held), len(upcoming), missing, tally.late, rules)
    return MunicipalityCompliance(
        municipality_id=m.id,
        slug=m.slug,
        name=m.name,
        year=year,
        required=required,
        held=len(held),
        upcoming=len(upcoming),
        topics_covered=covered,
        topics_missing=missing,
        minutes_approved=tally.approved,
        minutes_sent=tally.sent,
        minutes_late=tally.late,
        last_sent_to_agency_at=tally.last_sent,
        standing=standing,
        reasons=reasons,
        meetings=lines,
        late_minutes=tuple(line for line in lines if line.meeting_id in tally.late_ids),
        topic_gaps=tuple(_gap(m.id, theme, upcoming, records) for theme in missing_themes),
        topic_list=tuple(t.name for t in year_list),
    )


def _topics(
    municipality_id: int,
    held: list[Meeting],
    mandatory: list[Theme],
    records: _YearRecords,
    topics_per_year: int,
) -> tuple[tuple[str, ...], tuple[Theme, ...]]:
    """The names of the mandatory themes discussed often enough at the held meetings (in a
    joint meeting: its items for this municipality or for all), and the other themes."""
    counts: Counter[int] = Counter()
    for meeting in held:
        counts.update(records.theme_ids(meeting, municipality_id))
    covered = tuple(t.name for t in mandatory if counts[t.id] >= topics_per_year)
    missing = tuple(t for t in mandatory if counts[t.id] < topics_per_year)
    return covered, missing


def _gap(
    municipality_id: int, theme: Theme, upcoming: list[Meeting], records: _YearRecords
) -> TopicGap:
    """The missing `theme` and the meeting ahead (by date) whose agenda could take it."""
    for meeting in upcoming:
        if theme.id in records.theme_ids(meeting, municipality_id):
            return TopicGap(theme.name, meeting.id, meeting.start_at, on_agenda=True)
    if upcoming:
        return TopicGap(theme.name, upcoming[0].id, upcoming[0].start_at)
    return TopicGap(theme.name)


def _line(meeting: Meeting, minutes: Minutes | None, mandatory_themes: list[_Topic]) -> MeetingLine:
    return MeetingLine(
        meeting.id,
        meeting.start_at,
        meeting.status,
        minutes.status if minutes else None,
        minutes.approved_at if minutes else None,
        minutes.sent_to_agency_at if minutes else None,
        tuple(topic.name for topic in mandatory_themes),
    )


def _standing(
    required: int,
    held: int,
    upcoming: int,
    missing: tuple[str, ...],
    late: int,
    rules: _Rules,
) -> tuple[Standing, tuple[str, ...]]:
    """The flag and its reasons: overdue, at risk, on track or compliant (module docstring)."""
    reasons: list[str] = []
    short = held < required
    if short:
        reasons.append("meetings_missing")
    if missing:
        reasons.append("topics_missing")
    if late:
        reasons.append("minutes_late")
    if rules.year_over:
        return (Standing.OVERDUE if reasons else Standing.COMPLIANT), tuple(reasons)
    if late:
        return Standing.OVERDUE, tuple(reasons)
    if not reasons:
        return Standing.COMPLIANT, ()
    risky = held + upcoming < required
    if risky:
        reasons.append("not_enough_planned")
    if missing and not upcoming:
        risky = True
        reasons.append("no_meeting_for_topics")
    if short and rules.days_left <= rules.at_risk_days:
        risky = True
        reasons.append("year_ending")
    return (Standing.AT_RISK if risky else Standing.ON_TRACK), tuple(reasons)


def topic_list_sentence(year: int, rows: Iterable[MunicipalityCompliance | Flag]) -> str:
    """Which list of mandatory topics judged `year`: "Verplichte thema's van 2025: ...". The
    rows of one platform share one list; rows of several platforms name each list once."""
    lists = list(dict.fromkeys(row.topic_list for row in rows))
    if not lists:
        return ""
    names = "; ".join(", ".join(names) for names in lists)
    if not names:
        return str(gettext("Geen verplichte thema's in %(year)s.", year=year))
    return str(gettext("Verplichte thema's van %(year)s: %(names)s.", year=year, names=names))


# --- the standings alone, counted by the database -----------------------------------------


@dataclass(frozen=True)
class Flag:
    """A municipality's standing for the year and its reasons, without the report's details."""

    municipality_id: int
    name: str
    standing: Standing
    reasons: tuple[str, ...]
    topic_list: tuple[str, ...] = ()  # the mandatory topics in force that year, in order


def year_standings(
    municipalities: Iterable[Municipality],
    year: int,
    *,
    now: datetime,
    topics_per_year: int = 1,
    at_risk_days: int = 90,
) -> list[Flag]:
    """The standing of each municipality for `year`, exactly as `year_compliance` judges it
    (the same `_standing`), from numbers the database counts: one row per municipality and one
    per (municipality, theme) instead of every meeting, its minutes and its agenda as objects.
    A joint meeting counts for each of its municipalities (an agenda item marked for some of
    them only for those); a municipality whose duty covers part of the year (a merger) is judged
    by `year_compliance` itself. The dashboard asks this on every visit."""
    municipalities = list(municipalities)
    start, end = year_bounds(year)
    windows = duty_windows(municipalities, start, end)
    whole = [m for m in municipalities if m.id in windows and windows[m.id].whole_year]
    part = [m for m in municipalities if m.id in windows and not windows[m.id].whole_year]
    ids = [m.id for m in whole]
    tallies = _meeting_tallies(ids, start, end, now)
    mandatory = _mandatory_themes(ids, year)
    discussed = _themes_discussed(ids, [t.id for ts in mandatory.values() for t in ts], start, end)
    flags: list[Flag] = []
    for m in whole:
        rules = _Rules.of(windows[m.id], now, topics_per_year, at_risk_days)
        held, upcoming, late = tallies.get(m.id, (0, 0, 0))
        themes = mandatory.get(m.platform_id, [])
        missing = tuple(t.name for t in themes if discussed[(m.id, t.id)] < topics_per_year)
        standing, reasons = _standing(m.meetings_per_year, held, upcoming, missing, late, rules)
        flags.append(Flag(m.id, m.name, standing, reasons, tuple(t.name for t in themes)))
    for row in year_compliance(
        part, year, now=now, topics_per_year=topics_per_year, at_risk_days=at_risk_days
    ):
        flags.append(Flag(row.municipality_id, row.name, row.standing, row.reasons, row.topic_list))
    return sorted(flags, key=lambda flag: flag.name)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _holders(municipality_ids: list[int], start: datetime, end: datetime) -> sa.Subquery:
    """(meeting_id, municipality_id) for every meeting between `start` and `end` that a
    municipality of `municipality_ids` holds: as host, or jointly with others. Restricted to
    the period here, not only by the query around it: else the database gathers every meeting
    of ten years of the municipalities first."""
    in_period = sa.and_(Meeting.start_at >= start, Meeting.start_at < end)
    partners = meeting_municipality.c
    return sa.union_all(
        sa.select(
            Meeting.id.label("meeting_id"), Meeting.municipality_id.label("municipality_id")
        ).where(in_period, Meeting.municipality_id.in_(municipality_ids)),
        sa.select(partners.meeting_id, partners.municipality_id)
        .join(Meeting, Meeting.id == partners.meeting_id)
        .where(in_period, partners.municipality_id.in_(municipality_ids)),
    ).subquery("holders")


def _meeting_tallies(
    municipality_ids: list[int], start: datetime, end: datetime, now: datetime
) -> dict[int, tuple[int, int, int]]:
    """Per municipality: the year's meetings held, still ahead (planned or invited) and held
    with minutes not approved and sent MINUTES_GRACE_DAYS later (as _MinutesTally counts)."""
    held = Meeting.status == MeetingStatus.HELD
    done = sa.and_(
        Minutes.id.is_not(None),
        Minutes.status == MinutesStatus.APPROVED,
        Minutes.sent_to_agency_at.is_not(None),
    )
    holders = _holders(municipality_ids, start, end)
    rows = db.session.execute(
        sa.select(
            holders.c.municipality_id,
            _count(held),
            _count(
                sa.and_(
                    Meeting.status.in_((MeetingStatus.PLANNED, MeetingStatus.INVITED)),
                    Meeting.start_at > now,
                )
            ),
            _count(
                sa.and_(
                    held,
                    Meeting.start_at < now - timedelta(days=MINUTES_GRACE_DAYS),
                    sa.not_(done),
                )
            ),
        )
        .select_from(holders)
        .join(Meeting, Meeting.id == holders.c.meeting_id)
        .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(
            Meeting.start_at >= start,
            Meeting.start_at < end,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .group_by(holders.c.municipality_id)
    )
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


def _themes_discussed(
    municipality_ids: list[int], theme_ids: list[int], start: datetime, end: datetime
) -> Counter[tuple[int, int]]:
    """Per (municipality, theme of `theme_ids`): at how many of the year's held meetings it was
    on the agenda, through an item for all the meeting's municipalities or for that one."""
    holders = _holders(municipality_ids, start, end)
    marks = agenda_item_municipality.c
    marked = sa.exists().where(marks.agenda_item_id == AgendaItem.id)
    marked_for_holder = sa.exists().where(
        marks.agenda_item_id == AgendaItem.id, marks.municipality_id == holders.c.municipality_id
    )
    rows = db.session.execute(
        sa.select(
            holders.c.municipality_id,
            AgendaItem.theme_id,
            sa.func.count(sa.distinct(Meeting.id)),
        )
        .select_from(holders)
        .join(Meeting, Meeting.id == holders.c.meeting_id)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            Meeting.start_at >= start,
            Meeting.start_at < end,
            Meeting.status == MeetingStatus.HELD,
            AgendaItem.theme_id.in_(theme_ids),
            sa.or_(sa.not_(marked), marked_for_holder),
        )
        .group_by(holders.c.municipality_id, AgendaItem.theme_id)
    )
    return Counter({(m_id, theme_id): int(n) for m_id, theme_id, n in rows if theme_id is not None})


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
                    ", ".join(row.topic_list),
                )
            ]
        )
    return out.getvalue()
