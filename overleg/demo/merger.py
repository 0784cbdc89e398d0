"""The demo's merged municipality: Ham and Tessenderlo became Tessenderlo-Ham on 1 January 2025
(one of the 2025 mergers, in the Limburg Kempen next to the demo's municipalities).

The two former municipalities get their own people and two years of held meetings before the
merger; the merger is recorded through the directory's own service (which makes Tessenderlo-Ham
and hands it their standing invitees); Tessenderlo-Ham then meets from the merger date on. The
people are the merger's own, so their meetings never clash with the rest of the demo's. A
separate random generator keeps the rest of the demo as it was.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from overleg.demo.meetings import add_demo_meetings
from overleg.directory.lineage import day_start
from overleg.directory.mergers import record_merger
from overleg.extensions import db
from overleg.models import (
    Contact,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
    StandingInvitee,
    Theme,
)

FORMER = (("Ham", "71069"), ("Tessenderlo", "71057"))
MERGED_NAME = "Tessenderlo-Ham"
MERGED_NIS = "71071"
MERGED_ON = date(2025, 1, 1)
COMPANY = "Woonmaatschappij Limburgse Kempen (demo)"

# (first name, last name, job title) per organisation; fictitious.
PEOPLE = {
    "Gemeente Ham": (
        ("Gust", "Vanhoof", "Schepen van wonen"),
        ("Leen", "Bosmans", "Deskundige wonen"),
    ),
    "Gemeente Tessenderlo": (
        ("Roel", "Geboers", "Schepen van wonen"),
        ("Inge", "Daems", "Deskundige wonen"),
    ),
    "OCMW Ham": (("Mariette", "Vanoppen", "Maatschappelijk werker"),),
    "OCMW Tessenderlo": (("Jolien", "Swennen", "Maatschappelijk werker"),),
    COMPANY: (("Koen", "Vanderhoydonk", "Projectleider"), ("Femke", "Bijnens", "Woonconsulent")),
}


@dataclass(frozen=True)
class DemoPlatform:
    """What the merger takes of the demo platform: its rows, organisation types, themes and
    the project's (IGS) organisation with the colleague who goes to these meetings."""

    platform: Platform
    types: dict[str, OrganisationType]
    themes: dict[str, Theme]
    igs: Organisation
    igs_colleague: Contact


def add_demo_merger(
    demo: DemoPlatform, now: datetime, seed: int
) -> tuple[list[Municipality], list[Meeting]]:
    """The merger's municipalities (the former ones and the new) and their meetings."""
    rng = random.Random(seed + MERGED_ON.year)  # noqa: S311  # nosec B311 - reproducible demo
    platform, themes = demo.platform, demo.themes
    former = [_municipality(platform, name, nis) for name, nis in FORMER]
    standing = _people(demo, former)
    db.session.flush()
    merger_start = day_start(MERGED_ON)
    history = add_demo_meetings(former, standing, themes, min(now, merger_start), rng)
    merger = record_merger(
        None, platform.id, former, MERGED_NAME, MERGED_ON, nis_code=MERGED_NIS,
        actor_label="demo-data",
    )  # fmt: skip
    merged = merger.municipality
    standing = list(merged.standing_invitees)
    # The dashboard's one municipality without a meeting this half-year stays the Kempen's.
    current = add_demo_meetings([merged], standing, themes, now, rng, with_cancellations=False)
    # Deleted only once everything is made: SQLite would hand a deleted row's id to a new one.
    history = _keep(history, lambda m: m.start_at < merger_start and _settled(m))
    current = _keep(current, lambda m: m.start_at >= merger_start)
    return [*former, merged], history + current


def _settled(meeting: Meeting) -> bool:
    return meeting.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED)


def _keep(meetings: Sequence[Meeting], wanted: Callable[[Meeting], bool]) -> list[Meeting]:
    """The meetings `wanted` keeps; the others are deleted again."""
    kept = []
    for meeting in meetings:
        if wanted(meeting):
            kept.append(meeting)
        else:
            db.session.delete(meeting)
    return kept


def _municipality(platform: Platform, name: str, nis: str) -> Municipality:
    municipality = Municipality(
        platform=platform,
        name=name,
        slug=name.lower(),
        nis_code=nis,
        meetings_per_year=2,
        preferred_weekdays="2,4",
        window_start=time(9, 0),
        window_end=time(17, 0),
        meeting_duration_minutes=120,
        usual_location=f"Gemeentehuis {name}, raadzaal",
        min_spacing_days=90,
    )
    db.session.add(municipality)
    return municipality


def _people(demo: DemoPlatform, former: list[Municipality]) -> list[StandingInvitee]:
    """Each former municipality's own staff (the alderman chairs, the housing expert keeps the
    minutes), its OCMW, the housing company that serves both and the project's colleague."""
    platform, types = demo.platform, demo.types
    company_staff = _staff(_organisation(platform, types["woonmaatschappij"], COMPANY, former))
    demo.igs.municipalities.extend(former)
    rows = []
    for index, municipality in enumerate(former):
        own = [municipality]
        gemeente = _organisation(platform, types["gemeente"], f"Gemeente {municipality.name}", own)
        alderman, expert = _staff(gemeente)
        (social,) = _staff(_organisation(platform, types["ocmw"], f"OCMW {municipality.name}", own))
        entries = (
            (alderman, InviteeRole.CHAIR),
            (expert, InviteeRole.SECRETARY),
            (company_staff[index], InviteeRole.REQUIRED),
            (demo.igs_colleague, InviteeRole.REQUIRED),
            (social, InviteeRole.REQUIRED),
        )
        rows += [StandingInvitee(municipality=municipality, contact=c, role=r) for c, r in entries]
    db.session.add_all(rows)
    return rows


def _organisation(
    platform: Platform, kind: OrganisationType, name: str, served: list[Municipality]
) -> Organisation:
    domain = name.lower().replace(" (demo)", "").replace(" ", "-") + ".example.be"
    org = Organisation(platform=platform, type=kind, name=name, email=f"info@{domain}")
    org.municipalities.extend(served)
    db.session.add(org)
    return org


def _staff(org: Organisation) -> list[Contact]:
    domain = org.email.split("@", 1)[1]
    people = [
        Contact(
            organisation=org,
            first_name=first,
            last_name=last,
            job_title=job,
            email=f"{first.lower()}.{last.lower()}@{domain}",
        )
        for first, last, job in PEOPLE[org.name]
    ]
    db.session.add_all(people)
    return people
