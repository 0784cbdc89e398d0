"""The minutes pages issue as many queries for a big meeting as for a small one (no N+1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from overleg.extensions import db
from overleg.meetings.services import load_meeting_page
from overleg.minutes import services
from overleg.models import Attendance, MeetingStatus
from tests import factories
from tests.conftest import login

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


def _meeting(world, size: int, days_ago: int):
    start = (datetime.now(UTC) - timedelta(days=days_ago)).replace(microsecond=0)
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    organisation = factories.organisation_serving(world.north)
    for n in range(size):
        factories.AgendaItemFactory(meeting=meeting, title=f"Punt {n}")
        factories.InvitationFactory(
            meeting=meeting,
            contact=factories.ContactFactory(organisation=organisation),
            attendance=Attendance.PRESENT,
        )
    factories.GuestInvitationFactory(meeting=meeting, attendance=Attendance.PRESENT)
    meeting = load_meeting_page(meeting.id)
    minutes = services.ensure_minutes(meeting)
    contact = meeting.invitations[0].contact
    services.save_minutes(
        minutes,
        notes=[services.NoteData(i.id, "Tekst", "Besluit") for i in meeting.agenda_items],
        action_points=[
            services.ActionPointData(
                None,
                f"Actie {n}",
                agenda_item_id=meeting.agenda_items[n % size].id,
                owner=f"contact:{contact.id}" if n % 2 else f"org:{organisation.id}",
            )
            for n in range(size)
        ],
        expected_version=minutes.version,
        user=None,
        now=NOW,
    )
    db.session.commit()
    return meeting


def _queries(client, path: str) -> int:
    count = 0

    def before(*_args):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200, path
    return count


@pytest.mark.parametrize("suffix", ["/minutes", "/minutes/attendance", "/minutes/edit"])
def test_minutes_pages_have_a_constant_query_count(app, client, world, suffix):
    _meeting(world, 1, days_ago=600)  # both below have a previous meeting and follow-ups
    small = _meeting(world, 2, days_ago=400)
    large = _meeting(world, 12, days_ago=200)
    login(client, world.secretary)
    _queries(client, f"/meetings/{small.id}{suffix}")  # warm-up (first visit caches)

    assert _queries(client, f"/meetings/{small.id}{suffix}") == _queries(
        client, f"/meetings/{large.id}{suffix}"
    )
