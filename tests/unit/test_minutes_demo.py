"""Demo minutes: approved for all but the latest held meeting; some action points stay open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overleg.demo.minutes import add_demo_minutes
from overleg.extensions import db
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    AgendaItemKind,
    Attendance,
    InviteeRole,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Theme,
)
from tests import factories
from tests.pdftools import pdf_text

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _held(world, days_ago, status=MeetingStatus.HELD):
    start = NOW - timedelta(days=days_ago)
    meeting = factories.MeetingFactory(
        municipality=world.north, start_at=start, end_at=start + timedelta(hours=2), status=status
    )
    themes = {t.code: t for t in db.session.scalars(sa.select(Theme))}
    for kind, title, theme in (
        (AgendaItemKind.WELCOME, "Verwelkoming", None),
        (AgendaItemKind.APPROVAL, "Goedkeuring verslag", None),
        (AgendaItemKind.FOLLOW_UP, "Opvolging actiepunten", None),
        (AgendaItemKind.THEME, "Wachtlijsten", themes["woonnood_wachtlijsten"]),
        (AgendaItemKind.THEME, "Toewijzing", themes["lokale_toewijzingsreglementen"]),
        (AgendaItemKind.VARIA, "Varia", None),
    ):
        factories.AgendaItemFactory(meeting=meeting, kind=kind, title=title, theme=theme)
    factories.InvitationFactory(
        meeting=meeting, role=InviteeRole.CHAIR, attendance=Attendance.PRESENT
    )
    factories.InvitationFactory(meeting=meeting, attendance=Attendance.EXCUSED)
    return meeting


def test_demo_minutes_follow_the_workflow_and_leave_some_points_open(app, world):
    meetings = [_held(world, days) for days in (700, 520, 340, 160)]
    meetings.append(_held(world, 30, status=MeetingStatus.CANCELLED))
    meetings.append(_held(world, -40, status=MeetingStatus.PLANNED))

    made = add_demo_minutes(meetings, now=NOW, freeze_pdfs=True)
    db.session.commit()

    assert made == 4
    minutes = {m.meeting_id: m for m in db.session.scalars(sa.select(Minutes))}
    statuses = [minutes[m.id].status for m in meetings[:4]]
    assert statuses == [MinutesStatus.APPROVED] * 3 + [MinutesStatus.CIRCULATED]
    assert minutes[meetings[0].id].approved_at_meeting_id == meetings[1].id
    assert all(minutes[m.id].sent_to_agency_at for m in meetings[:3])
    assert meetings[4].id not in minutes  # cancelled: no minutes
    latest = minutes[meetings[3].id]
    assert latest.chair_invitation_id is not None
    assert any("wachtlijst" in note.discussion for note in latest.notes)
    points = db.session.scalars(sa.select(ActionPoint)).all()
    assert {p.status for p in points} >= {ActionPointStatus.OPEN, ActionPointStatus.DONE}
    assert any(p.closed_at_meeting_id for p in points)
    version = latest.versions[0]
    text = pdf_text(version.pdf)
    assert "Analyse van de wachtlijst per woningtype bezorgen" in text
    assert "Status: rondgestuurd" in text
