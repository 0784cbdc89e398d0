"""Minutes PDF benchmark: typical minutes (8 agenda items, 20 attendees, 10 action points) and
stress minutes (200 agenda items), next to WeasyPrint rendering the same text as bare HTML.

    python -m bench.minutes_pdf

"Bare" is the same HTML without our stylesheet, fonts, page rules and PDF/UA tagging: WeasyPrint's
default rendering of the same text in the same run. Goal: our render at most 1.5 times the bare
one; typical minutes in under 0.4 s. The figures are recorded, not asserted.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from weasyprint import HTML

from config import TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.minutes import services
from overleg.models import (
    ActionPoint,
    AgendaItem,
    AgendaItemKind,
    AgendaItemNote,
    Attendance,
    Contact,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
)

GOAL_RATIO = 1.5
GOAL_TYPICAL_SECONDS = 0.4
DISCUSSION = (
    "De woonmaatschappij licht de stand van zaken toe. Het project in de dorpskern telt "
    "**24 appartementen** en zit in de aanbestedingsfase.\n\n- De vergunning is definitief.\n"
    "- Voor de tweede fase wordt een locatie gezocht.\n\nHet CAW vraagt aandacht voor *jongeren* "
    "op de wachtlijst."
)
_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def _build(platform: Platform, items: int, attendees: int, points: int, n: int) -> Meeting:
    kind = db.session.query(OrganisationType).filter_by(code="woonmaatschappij").one()
    municipality = Municipality(platform=platform, name=f"Benchdorp {n}", slug=f"benchdorp-{n}")
    organisations = [
        Organisation(platform=platform, type=kind, name=f"Organisatie {n}-{k}") for k in range(5)
    ]
    for organisation in organisations:
        organisation.municipalities.append(municipality)
    start = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    meeting = Meeting(
        municipality=municipality,
        title=f"Lokaal woonoverleg Benchdorp {n}",
        start_at=start,
        end_at=start + timedelta(hours=2),
        location="Gemeentehuis, raadzaal",
        status=MeetingStatus.HELD,
    )
    kinds = [AgendaItemKind.WELCOME, AgendaItemKind.APPROVAL, AgendaItemKind.FOLLOW_UP]
    for position in range(items):
        kind_ = kinds[position] if position < len(kinds) else AgendaItemKind.THEME
        meeting.agenda_items.append(
            AgendaItem(position=position, kind=kind_, title=f"Agendapunt {position + 1}")
        )
    for k in range(attendees):
        contact = Contact(
            organisation=organisations[k % len(organisations)],
            first_name=f"Voornaam{k}",
            last_name=f"Achternaam{k}",
            email=f"persoon{n}-{k}@example.be",
        )
        meeting.invitations.append(
            Invitation(
                contact=contact,
                attendance=[Attendance.PRESENT, Attendance.EXCUSED, Attendance.ABSENT][k % 3],
            )
        )
    db.session.add(meeting)
    db.session.flush()
    minutes = Minutes(meeting=meeting, status=MinutesStatus.DRAFT)
    for item in meeting.agenda_items:
        minutes.notes.append(
            AgendaItemNote(
                agenda_item=item, discussion=DISCUSSION, decisions="Besluit een\nBesluit twee"
            )
        )
    db.session.add(minutes)
    for k in range(points):
        db.session.add(
            ActionPoint(
                municipality_id=municipality.id,
                meeting_id=meeting.id,
                agenda_item_id=meeting.agenda_items[k % items].id,
                description=f"Actiepunt {k + 1}: cijfers bezorgen aan het overleg",
                owner_organisation_id=organisations[k % len(organisations)].id,
                due_date=date(2026, 6, 1),
            )
        )
    db.session.commit()
    return meeting


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    wall, _cpu, result = _medians(fn, repeat)
    return wall, result


def _medians(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall time, median CPU time of this process and the last result of `repeat` calls."""
    wall, cpu, result = [], [], None
    for _n in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def _case(meeting: Meeting, repeat: int) -> dict[str, Any]:
    minutes = services.get_minutes(meeting)
    assert minutes is not None
    html = services.minutes_html(meeting, minutes)
    bare_html = _STYLE.sub("", html)

    ours_s, ours_cpu_s, rendered = _medians(
        lambda: services.render_minutes(meeting, minutes), repeat
    )
    html_only_s, _html = _median(lambda: services.minutes_html(meeting, minutes), repeat)

    def bare() -> int:
        document = HTML(string=bare_html).render()
        document.write_pdf()
        return len(document.pages)

    bare_s, bare_cpu_s, bare_pages = _medians(bare, repeat)
    return {
        "median_seconds": round(ours_s, 4),
        "median_cpu_seconds": round(ours_cpu_s, 4),
        "template_seconds": round(html_only_s, 4),
        "pages": rendered.pages,
        "pages_per_second": round(rendered.pages / ours_s, 1),
        "pdf_bytes": len(rendered.content),
        "bare_median_seconds": round(bare_s, 4),
        "bare_median_cpu_seconds": round(bare_cpu_s, 4),
        "bare_pages": bare_pages,
        "ratio_to_bare": round(ours_s / bare_s, 2),
        "cpu_ratio_to_bare": round(ours_cpu_s / bare_cpu_s, 2),
        "repeat": repeat,
    }


def run(repeat: int = 5, stress_repeat: int = 3) -> dict[str, Any]:
    """Render the typical and the stress minutes; medians, pages/s and the bare reference."""

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        platform = Platform(name="Benchplatform", slug="benchplatform", agency_email="")
        db.session.add(platform)
        typical = _build(platform, items=8, attendees=20, points=10, n=1)
        stress = _build(platform, items=200, attendees=20, points=200, n=2)
        services.render_minutes(typical, services.get_minutes(typical))  # warm fonts and caches
        result = {
            "variant": app.config["PDF_VARIANT"],
            "typical": _case(typical, repeat),
            "stress": _case(stress, stress_repeat),
            "goal_ratio_to_bare": GOAL_RATIO,
            "goal_typical_seconds": GOAL_TYPICAL_SECONDS,
            "load_average": [round(n, 2) for n in os.getloadavg()],
        }
        result["typical_within_goal"] = (
            result["typical"]["median_seconds"] < GOAL_TYPICAL_SECONDS
            and result["typical"]["ratio_to_bare"] <= GOAL_RATIO
        )
        db.session.remove()
        db.drop_all()
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
