"""The demo's share of issue 16 (the woonoverleg as it is really held): a confidential item in
a held meeting's minutes, and a theme that brings an extra invitee.

- In Meerhout's latest held meeting, the one it held jointly with Balen (overleg/demo/joint.py),
  a personal situation was discussed as a confidential item: both verslagen (page, PDF, mail)
  say only that a confidential item was discussed; its notes are on the item's own page for the
  coordinator and the minute taker.
- The theme "Dak- en thuisloosheid" brings the CAW's housing team coach to every meeting that
  has it on the agenda; it is put on the agenda of the first planned meeting ahead, so the coach
  is on that meeting's invitee list "via the theme".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from overleg.extensions import db
from overleg.meetings import services as meeting_services
from overleg.meetings import theme_invitees
from overleg.minutes import confidential
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    Contact,
    Meeting,
    MeetingStatus,
    Organisation,
    Theme,
    User,
)

CONFIDENTIAL_IN = "Meerhout"  # the joint meeting's host (overleg/demo/joint.py)
CONFIDENTIAL_TITLE = "Zorgwekkende woonsituatie: dreigende uithuiszetting"
CONFIDENTIAL_REASON = "Persoonlijke situatie van een huurder; namen horen niet in het verslag."
CONFIDENTIAL_DISCUSSION = (
    "Het OCMW en de woonmaatschappij bespreken de dreigende uithuiszetting van een gezin met "
    "een huurachterstand. Het CAW neemt contact op en zoekt samen met het gezin naar een "
    "afbetalingsplan."
)
CONFIDENTIAL_DECISIONS = "Afbetalingsplan voorstellen\nOpvolging op het volgende overleg"
THEME_WITH_INVITEE = "dak_en_thuisloosheid"


def add_confidential_item(meetings: Sequence[Meeting], coordinator: User, now: datetime) -> None:
    """A confidential item on Meerhout's latest held meeting (before its minutes are written),
    the meeting that becomes the joint one."""
    held = [
        m
        for m in meetings
        if m.municipality.name == CONFIDENTIAL_IN
        and m.status is MeetingStatus.HELD
        and m.end_at <= now
    ]
    if not held:
        return
    meeting = max(held, key=lambda m: m.start_at)
    theme = _theme(meeting, THEME_WITH_INVITEE)
    items = meeting.agenda_items
    at = next(i for i, item in enumerate(items) if item.kind is AgendaItemKind.VARIA)
    item = AgendaItem(
        title=CONFIDENTIAL_TITLE, kind=AgendaItemKind.THEME, theme=theme, duration_minutes=15
    )
    items.insert(at, item)
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()
    confidential.mark_confidential(item, CONFIDENTIAL_REASON, user=coordinator)
    confidential.save_confidential_note(
        item, CONFIDENTIAL_DISCUSSION, CONFIDENTIAL_DECISIONS, user=coordinator
    )


def add_theme_invitee(meetings: Sequence[Meeting], coordinator: User, now: datetime) -> None:
    """The homelessness theme brings the CAW's team coach; the first planned meeting ahead
    whose invitees lack the coach gets the theme on its agenda, and so the coach."""
    caw = db.session.scalar(
        sa.select(Organisation).where(
            Organisation.platform_id == coordinator.platform_id, Organisation.name.like("CAW%")
        )
    )
    coach = _first_contact(caw)
    if coach is None:
        return
    ahead = sorted(
        (m for m in meetings if m.status is MeetingStatus.PLANNED and m.start_at > now),
        key=lambda m: m.start_at,
    )
    meeting = next(
        (m for m in ahead if coach.id not in {i.contact_id for i in m.invitations}), None
    )
    if meeting is None:
        return
    theme = _theme(meeting, THEME_WITH_INVITEE)
    if theme is None:
        return
    theme_invitees.add(coordinator, theme, contact=coach)
    if theme.id not in {item.theme_id for item in meeting.agenda_items}:
        meeting_services.add_agenda_item(
            meeting, meeting_services.AgendaItemData(theme.name, theme=theme), user=coordinator
        )
    else:
        meeting_services.follow_agenda(meeting, user=coordinator)


def _theme(meeting: Meeting, code: str) -> Theme | None:
    return db.session.scalar(
        sa.select(Theme).where(
            Theme.platform_id == meeting.municipality.platform_id, Theme.code == code
        )
    )


def _first_contact(organisation: Organisation | None) -> Contact | None:
    if organisation is None:
        return None
    return min(organisation.contacts, key=lambda c: c.id, default=None)
