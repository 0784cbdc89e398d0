"""Invitation benchmark: a 1,000-event calendar feed, and invitations for 300 meetings x 15.

    python -m bench.invitations

- feed: the public feed of one municipality with 1,000 meetings in its window, built by the
  service (query + iCalendar) and fetched over HTTP (GET /calendar/<slug>.ics); goal < 0.25 s;
- bulk queue: `send_invitations` for 300 meetings with 15 invitees each (4,500 personal messages,
  each with its own .ics, text and HTML, written to the outbox and committed); goal < 5 s.
  The agenda PDF is left out of the bulk figure (it is rendered once per meeting by WeasyPrint
  and measured by the minutes benchmark); the time with the PDF is measured on 10 meetings.
Wall and CPU time (of this process) are recorded, with the load average of the machine; the
figures are recorded, not asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from config import TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.feeds import services as feeds
from overleg.mail.settings import MailSettings
from overleg.meetings import invitations
from overleg.models import (
    AgendaItem,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    OrganisationType,
    OutboxMessage,
    Platform,
)

FEED_EVENTS = 1000
QUEUE_MEETINGS = 300
INVITEES = 15
GOAL_FEED_SECONDS = 0.25
GOAL_QUEUE_SECONDS = 5.0
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _median(fn: Any, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in seconds."""
    times, cpu_times = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
    return round(statistics.median(times), 4), round(statistics.median(cpu_times), 4)


def _load() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _municipality(platform: Platform, n: int) -> Municipality:
    municipality = Municipality(platform=platform, name=f"Benchgem {n}", slug=f"benchgem-{n}")
    db.session.add(municipality)
    return municipality


def _meetings(municipality: Municipality, count: int, start: datetime) -> list[Meeting]:
    meetings = []
    for i in range(count):
        begin = start + timedelta(hours=17 * i)
        meeting = Meeting(
            municipality=municipality,
            title=f'Lokaal woonoverleg {municipality.name}; editie {i}, "voorjaar"',
            start_at=begin,
            end_at=begin + timedelta(hours=2),
            location="Gemeentehuis, raadzaal; Markt 1",
            status=MeetingStatus.PLANNED,
        )
        for position, title in enumerate(
            ("Welkom", "Goedkeuring vorig verslag", "Lokale woonnoden", "Varia", "Volgende")
        ):
            meeting.agenda_items.append(
                AgendaItem(position=position, title=title, duration_minutes=15)
            )
        meetings.append(meeting)
    db.session.add_all(meetings)
    return meetings


def _build(platform: Platform) -> tuple[Municipality, list[Meeting]]:
    kind = db.session.scalars(
        sa.select(OrganisationType).where(OrganisationType.code == "woonmaatschappij")
    ).one()
    feed_municipality = _municipality(platform, 0)
    _meetings(feed_municipality, FEED_EVENTS, NOW - timedelta(days=60))
    queue_meetings: list[Meeting] = []
    per_municipality = 10
    for m in range(QUEUE_MEETINGS // per_municipality):
        municipality = _municipality(platform, m + 1)
        organisation = Organisation(
            platform=platform, type=kind, name=f"Woonmaatschappij {m + 1}", email=""
        )
        contacts = [
            Contact(
                organisation=organisation,
                first_name=f"Voornaam{k}",
                last_name=f"Achternaam {m}-{k}",
                email=f"persoon{m}-{k}@bench.example.be",
            )
            for k in range(INVITEES)
        ]
        db.session.add_all([organisation, *contacts])
        meetings = _meetings(municipality, per_municipality, NOW + timedelta(days=20))
        for meeting in meetings:
            for k, contact in enumerate(contacts):
                meeting.invitations.append(
                    Invitation(
                        contact=contact,
                        role=InviteeRole.CHAIR if k == 0 else InviteeRole.REQUIRED,
                    )
                )
        queue_meetings.extend(meetings)
    db.session.commit()
    return feed_municipality, queue_meetings


def run(repeat: int = 5) -> dict[str, Any]:
    """Build the data, time the feed and the bulk queue; medians in seconds."""
    with tempfile.TemporaryDirectory() as workdir:

        class BenchConfig(TestingConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(workdir) / 'invitations.db'}"
            TESTING = False

        app = create_app(BenchConfig)
        with app.app_context():
            db.create_all()
            ensure_reference_data()
            platform = Platform(
                name="Benchplatform",
                slug="benchplatform",
                organiser_name="Coördinator",
                organiser_email="coordinator@bench.example.be",
            )
            db.session.add(platform)
            feed_municipality, queue_meetings = _build(platform)
            slug = feed_municipality.slug

            def build_feed() -> bytes:
                return feeds.public_feed(feed_municipality, now=NOW, page_url="http://x/")

            load_before = _load()
            events = build_feed().count(b"BEGIN:VEVENT")
            feed_service, feed_service_cpu = _median(build_feed, repeat)
            client = app.test_client()
            client.get(f"/calendar/{slug}.ics")

            def fetch() -> None:
                response = client.get(f"/calendar/{slug}.ics")
                assert response.status_code == 200

            feed_http, feed_http_cpu = _median(fetch, repeat)

            settings = MailSettings(
                base_url="https://overleg.example.be",
                mail_from="overleg@bench.example.be",
                attach_agenda_pdf=False,
            )
            ids = [m.id for m in queue_meetings]
            db.session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            for meeting_id in ids:
                meeting = db.session.get(Meeting, meeting_id)
                invitations.send_invitations(meeting, user=None, now=NOW, settings=settings)
            db.session.commit()
            queue_seconds = round(time.perf_counter() - started, 3)
            queue_cpu_seconds = round(time.process_time() - cpu, 3)
            queued = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) or 0

            with_pdf = MailSettings(
                base_url=settings.base_url, mail_from=settings.mail_from, attach_agenda_pdf=True
            )
            sample = ids[:10]
            started = time.perf_counter()
            for meeting_id in sample:
                meeting = db.session.get(Meeting, meeting_id)
                invitations.send_invitations(meeting, user=None, now=NOW, settings=with_pdf)
            db.session.commit()
            with_pdf_per_meeting = round((time.perf_counter() - started) / len(sample), 3)
            load_after = _load()
            db.session.remove()
            db.drop_all()
    return {
        "feed_events": events,
        "feed_service_median_seconds": feed_service,
        "feed_service_median_cpu_seconds": feed_service_cpu,
        "feed_http_median_seconds": feed_http,
        "feed_http_median_cpu_seconds": feed_http_cpu,
        "feed_goal_seconds": GOAL_FEED_SECONDS,
        "feed_within_goal": feed_http < GOAL_FEED_SECONDS,
        "queue_meetings": len(ids),
        "queue_messages": queued,
        "queue_seconds": queue_seconds,
        "queue_cpu_seconds": queue_cpu_seconds,
        "queue_messages_per_second": round(queued / queue_seconds, 1) if queue_seconds else None,
        "queue_goal_seconds": GOAL_QUEUE_SECONDS,
        "queue_within_goal": queue_seconds < GOAL_QUEUE_SECONDS,
        "queue_with_agenda_pdf_seconds_per_meeting": with_pdf_per_meeting,
        "repeat": repeat,
        # Wall time depends on what else runs on the machine (CPU time much less so): the
        # 1-minute load average before and after the run.
        "load_average_1min": [load_before, load_after],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
