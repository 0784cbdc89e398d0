"""Wat wacht op mij: what is waiting for the person looking at the dashboard, per role.

One function per kind of line; each reads its rows in one query (the municipalities at risk in
the compliance module's constant number) and returns plain values: the sentence in the reader's
language, where it is done (an endpoint and its arguments, turned into a URL by the template)
and how many things the line stands for. Nothing here loads a relationship lazily, so the
dashboard issues as many queries on a platform of ten municipalities as on one of a hundred.

- a coordinator (the municipalities of their platform): invitations still to send for meetings
  inside the notice period, meetings within UNANSWERED_DAYS whose required invitees have not
  answered the current version, circulated minutes waiting for approval, municipalities at risk
  of falling behind this year, overdue action points, undeliverable mail;
- a secretary (their municipalities): minutes to write for held meetings, the open action
  points to follow up;
- a reader: nothing (they change nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVarTuple

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import ngettext as _ngettext

from overleg.auth.permissions import municipality_filter, outbox_filter, visible_municipalities
from overleg.extensions import db
from overleg.lib.dates import BRUSSELS, short_date
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    RsvpStatus,
    User,
)
from overleg.planning import compliance
from overleg.web.i18n import current_locale

UNANSWERED_DAYS = 14  # meetings this close with required invitees who have not answered
MAX_LINES = 20  # per kind of line, the most urgent first

OVERDUE_POINTS = "action_points_overdue"
OPEN_POINTS = "action_points"

_Columns = TypeVarTuple("_Columns")


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """Flask-Babel's ngettext, typed."""
    return str(_ngettext(singular, plural, num, **variables))


@dataclass(frozen=True)
class Line:
    """One thing waiting: the sentence, the page where it is done, how many it stands for."""

    kind: str
    text: str
    endpoint: str
    arguments: dict[str, Any] = field(default_factory=dict)
    count: int = 1


@dataclass(frozen=True)
class Settings:
    """The app's configuration the lines depend on."""

    notice_days: int = 8
    topics_per_year: int = 1
    at_risk_days: int = 90


def waiting_for(user: User, now: datetime, settings: Settings) -> list[Line]:
    """Everything waiting for `user`, in the order of the lists above."""
    if user.role is Role.COORDINATOR:
        return [
            *invitations_to_send(user, now, settings.notice_days),
            *unanswered_invitees(user, now),
            *minutes_to_approve(user),
            *municipalities_at_risk(user, now, settings),
            *overdue_action_points(user, now.astimezone(BRUSSELS).date()),
            *undeliverable_mail(user),
        ]
    if user.role is Role.SECRETARY:
        return [*minutes_to_write(user), *action_points_to_follow(user)]
    return []


def _when(start: datetime) -> str:
    return short_date(start, current_locale())


def _meeting_rows(statement: sa.Select[*_Columns]) -> Sequence[sa.Row[*_Columns]]:
    return db.session.execute(statement.limit(MAX_LINES)).all()


def invitations_to_send(user: User, now: datetime, notice_days: int) -> list[Line]:
    """Meetings starting within the notice period whose invitees (some or all) have not been
    sent an invitation; a planned meeting without invitees asks for invitees first."""
    unsent = sa.func.count(Invitation.id)
    rows = _meeting_rows(
        sa.select(Meeting.id, Meeting.title, Meeting.start_at, Meeting.status, unsent)
        .outerjoin(
            Invitation,
            sa.and_(
                Invitation.meeting_id == Meeting.id,
                Invitation.is_guest.is_(False),
                Invitation.sent_at.is_(None),
            ),
        )
        .where(
            municipality_filter(user, Meeting.municipality_id),
            Meeting.status.in_((MeetingStatus.PLANNED, MeetingStatus.INVITED)),
            Meeting.start_at > now,
            Meeting.start_at <= now + timedelta(days=notice_days),
        )
        .group_by(Meeting.id, Meeting.title, Meeting.start_at, Meeting.status)
        .having(sa.or_(unsent > 0, Meeting.status == MeetingStatus.PLANNED))
        .order_by(Meeting.start_at, Meeting.id)
    )
    return [_invitation_line(*row) for row in rows]


def _invitation_line(
    meeting_id: int, title: str, start: datetime, status: MeetingStatus, unsent: int
) -> Line:
    if unsent == 0:
        return Line(
            "invitations",
            gettext(
                "%(meeting)s van %(date)s heeft nog geen genodigden: voeg ze toe en nodig uit.",
                meeting=title,
                date=_when(start),
            ),
            "meetings.invitees",
            {"meeting_id": meeting_id},
            0,
        )
    text = ngettext(
        "%(num)d uitnodiging nog te versturen voor %(meeting)s van %(date)s.",
        "%(num)d uitnodigingen nog te versturen voor %(meeting)s van %(date)s.",
        unsent,
        meeting=title,
        date=_when(start),
    )
    return Line("invitations", text, "meetings.send", {"meeting_id": meeting_id}, unsent)


def unanswered_invitees(user: User, now: datetime) -> list[Line]:
    """Meetings within UNANSWERED_DAYS whose required invitees (chair and secretary included)
    received the invitation and have no answer for the current version of the meeting."""
    waiting = sa.func.count(Invitation.id)
    rows = _meeting_rows(
        sa.select(Meeting.id, Meeting.title, Meeting.start_at, waiting)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .where(
            municipality_filter(user, Meeting.municipality_id),
            Meeting.status == MeetingStatus.INVITED,
            Meeting.start_at > now,
            Meeting.start_at <= now + timedelta(days=UNANSWERED_DAYS),
            Invitation.role != InviteeRole.OPTIONAL,
            Invitation.is_guest.is_(False),
            Invitation.sent_at.is_not(None),
            Invitation.token_revoked_at.is_(None),
            Invitation.rsvp_status == RsvpStatus.NEEDS_ACTION,
        )
        .group_by(Meeting.id, Meeting.title, Meeting.start_at)
        .order_by(Meeting.start_at, Meeting.id)
    )
    return [
        Line(
            "unanswered",
            ngettext(
                "%(num)d verplichte genodigde heeft nog niet geantwoord voor %(meeting)s "
                "van %(date)s.",
                "%(num)d verplichte genodigden hebben nog niet geantwoord voor %(meeting)s "
                "van %(date)s.",
                count,
                meeting=title,
                date=_when(start),
            ),
            "meetings.send_reminders",
            {"meeting_id": meeting_id},
            count,
        )
        for meeting_id, title, start, count in rows
    ]


def minutes_to_approve(user: User) -> list[Line]:
    """Circulated minutes, waiting for their approval."""
    rows = _meeting_rows(
        sa.select(Meeting.id, Meeting.title, Meeting.start_at)
        .join(Minutes, Minutes.meeting_id == Meeting.id)
        .where(
            municipality_filter(user, Meeting.municipality_id),
            Minutes.status == MinutesStatus.CIRCULATED,
        )
        .order_by(Meeting.start_at, Meeting.id)
    )
    return [
        Line(
            "approval",
            gettext(
                "Het verslag van %(meeting)s van %(date)s wacht op goedkeuring.",
                meeting=title,
                date=_when(start),
            ),
            "minutes.overview",
            {"meeting_id": meeting_id},
        )
        for meeting_id, title, start in rows
    ]


def municipalities_at_risk(user: User, now: datetime, settings: Settings) -> list[Line]:
    """One line naming the municipalities at risk of falling behind this year, one naming those
    already behind (the standings of compliance.year_compliance, counted by the database: this
    runs on every visit of the dashboard), each linking to the compliance view."""
    year = now.astimezone(BRUSSELS).year
    rows = compliance.year_standings(
        visible_municipalities(user),
        year,
        now=now,
        topics_per_year=settings.topics_per_year,
        at_risk_days=settings.at_risk_days,
    )
    flagged: dict[compliance.Standing, list[str]] = {
        compliance.Standing.AT_RISK: [],
        compliance.Standing.OVERDUE: [],
    }
    for row in rows:
        flagged.get(row.standing, []).append(row.name)
    used = compliance.topic_list_sentence(year, rows)
    return [
        Line(
            standing.value,
            f"{_flag_text(standing, names)} {used}".strip(),
            "planning.compliance",
            {"year": year},
            len(names),
        )
        for standing, names in flagged.items()
        if names
    ]


def _flag_text(standing: compliance.Standing, names: list[str]) -> str:
    if standing is compliance.Standing.AT_RISK:
        return ngettext(
            "%(num)d gemeente dreigt dit jaar achter te raken: %(names)s.",
            "%(num)d gemeenten dreigen dit jaar achter te raken: %(names)s.",
            len(names),
            names=", ".join(names),
        )
    return ngettext(
        "%(num)d gemeente heeft dit jaar een achterstand: %(names)s.",
        "%(num)d gemeenten hebben dit jaar een achterstand: %(names)s.",
        len(names),
        names=", ".join(names),
    )


def _action_points(
    user: User, *conditions: sa.ColumnElement[bool]
) -> Sequence[sa.Row[int, str, datetime, int]]:
    """Per meeting whose minutes recorded them: the open action points meeting `conditions`."""
    return _meeting_rows(
        sa.select(Meeting.id, Meeting.title, Meeting.start_at, sa.func.count(ActionPoint.id))
        .join(ActionPoint, ActionPoint.meeting_id == Meeting.id)
        .where(
            municipality_filter(user, ActionPoint.municipality_id),
            ActionPoint.status == ActionPointStatus.OPEN,
            *conditions,
        )
        .group_by(Meeting.id, Meeting.title, Meeting.start_at)
        .order_by(
            sa.func.min(ActionPoint.due_date).asc().nulls_last(), Meeting.start_at, Meeting.id
        )
    )


def overdue_action_points(user: User, today: date) -> list[Line]:
    """Open action points whose date has passed, per meeting that recorded them."""
    return _action_point_lines(user, OVERDUE_POINTS, ActionPoint.due_date < today)


def undeliverable_mail(user: User) -> list[Line]:
    """Mail that could not be delivered (the outbox's failed messages)."""
    failed = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            outbox_filter(user), OutboxMessage.status == OutboxStatus.FAILED
        )
    )
    if not failed:
        return []
    text = ngettext(
        "%(num)d bericht kon niet bezorgd worden.",
        "%(num)d berichten konden niet bezorgd worden.",
        failed,
    )
    return [Line("mail", text, "mail.index", {"status": OutboxStatus.FAILED.value}, failed)]


def minutes_to_write(user: User) -> list[Line]:
    """Held meetings without minutes, or with minutes still a draft, the latest first."""
    rows = _meeting_rows(
        sa.select(Meeting.id, Meeting.title, Meeting.start_at, Minutes.id)
        .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(
            municipality_filter(user, Meeting.municipality_id),
            Meeting.status == MeetingStatus.HELD,
            sa.or_(Minutes.id.is_(None), Minutes.status == MinutesStatus.DRAFT),
        )
        .order_by(Meeting.start_at.desc(), Meeting.id)
    )
    return [
        Line(
            "minutes",
            gettext(
                "Het verslag van %(meeting)s van %(date)s nog schrijven.",
                meeting=title,
                date=_when(start),
            )
            if minutes_id is None
            else gettext(
                "Het ontwerpverslag van %(meeting)s van %(date)s afwerken.",
                meeting=title,
                date=_when(start),
            ),
            "minutes.overview",
            {"meeting_id": meeting_id},
        )
        for meeting_id, title, start, minutes_id in rows
    ]


def action_points_to_follow(user: User) -> list[Line]:
    """The open action points of the secretary's municipalities, per meeting that recorded them
    (the earliest date first)."""
    return _action_point_lines(user, OPEN_POINTS)


def _action_point_lines(user: User, kind: str, *conditions: sa.ColumnElement[bool]) -> list[Line]:
    return [
        Line(
            kind,
            _action_point_text(kind, count, title, start),
            "minutes.overview",
            {"meeting_id": meeting_id},
            count,
        )
        for meeting_id, title, start, count in _action_points(user, *conditions)
    ]


def _action_point_text(kind: str, count: int, title: str, start: datetime) -> str:
    if kind == OVERDUE_POINTS:
        return ngettext(
            "%(num)d actiepunt uit %(meeting)s van %(date)s is over datum.",
            "%(num)d actiepunten uit %(meeting)s van %(date)s zijn over datum.",
            count,
            meeting=title,
            date=_when(start),
        )
    return ngettext(
        "%(num)d open actiepunt uit %(meeting)s van %(date)s opvolgen.",
        "%(num)d open actiepunten uit %(meeting)s van %(date)s opvolgen.",
        count,
        meeting=title,
        date=_when(start),
    )
