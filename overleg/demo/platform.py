"""The demo platform: a fictitious "Kempens Woonplatform (demo)" to explore overleg with.

Everything here is made up except the names of the municipalities and of the Flemish agency: the
organisations, people, e-mail addresses (under example.be) and meetings are fictitious. The data is
deterministic for a given `now` and seed (names, dates and agendas come from a seeded random
generator) and is written in one transaction.

Meetings cover the two years before `now` (held, with attendance) and the rest of the current
half-year and the next one (planned; those in the next three weeks already invited). They avoid
public holidays, 11 July and the Flemish school holidays, fall on each municipality's preferred
weekdays inside its time window, and never overlap (with half an hour to travel) for contacts who
are required at both.

Passwords are hashed with the hasher the caller passes (the CLI builds it from the app config).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import click
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app
from flask.cli import with_appcontext
from slugify import slugify

from overleg.audit import services as audit
from overleg.auth.services import hash_password, password_hasher
from overleg.demo.minutes import add_demo_minutes
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.lib.calendar_rules import is_blocked
from overleg.lib.dates import BRUSSELS
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
    Role,
    RsvpStatus,
    StandingInvitee,
    Theme,
    User,
)
from overleg.models.types import utcnow

PLATFORM_NAME = "Kempens Woonplatform (demo)"
PLATFORM_SLUG = "kempens-woonplatform-demo"
DEMO_PASSWORD = "demo"  # noqa: S105  # nosec B105 - the documented demo password
COORDINATOR_EMAIL = "coordinator@demo.overleg.be"
SECRETARY_EMAIL = "secretaris@demo.overleg.be"
READER_EMAIL = "lezer@demo.overleg.be"
DEFAULT_SEED = 2015  # the year the real Kempens Woonplatform started

HISTORY = timedelta(days=730)  # two years of held meetings
INVITE_AHEAD = timedelta(days=21)  # meetings closer than this have had their invitations
TRAVEL = timedelta(minutes=30)  # required invitees need this between two meetings

# (name, NIS code, meetings per year, preferred ISO weekdays, window start, window end)
MUNICIPALITIES: list[tuple[str, str, int, str, time, time]] = [
    ("Arendonk", "13001", 2, "2,4", time(9, 0), time(12, 30)),
    ("Balen", "13003", 2, "1,2,3,4", time(9, 0), time(17, 0)),
    ("Beerse", "13004", 2, "2,3", time(13, 30), time(17, 0)),
    ("Dessel", "13006", 2, "1,4", time(9, 0), time(12, 30)),
    ("Geel", "13008", 3, "1,2,3,4", time(9, 0), time(17, 0)),
    ("Grobbendonk", "13010", 2, "3,4", time(9, 0), time(17, 0)),
    ("Herentals", "13011", 3, "2,4", time(9, 0), time(17, 0)),
    ("Herenthout", "13012", 2, "1,3", time(13, 30), time(17, 0)),
    ("Hoogstraten", "13014", 2, "2,3,4", time(9, 0), time(17, 0)),
    ("Kasterlee", "13017", 2, "1,2", time(9, 0), time(12, 30)),
    ("Laakdal", "13053", 2, "2,4", time(9, 0), time(17, 0)),
    ("Lille", "13019", 2, "3", time(19, 0), time(21, 30)),
    ("Meerhout", "13021", 2, "1,3", time(9, 0), time(17, 0)),
    ("Merksplas", "13023", 2, "2,4", time(13, 30), time(17, 0)),
    ("Mol", "13025", 3, "1,2,3,4", time(9, 0), time(17, 0)),
    ("Olen", "13029", 2, "2,3", time(9, 0), time(17, 0)),
    ("Oud-Turnhout", "13031", 2, "1,4", time(9, 0), time(17, 0)),
    ("Ravels", "13035", 2, "2", time(9, 0), time(17, 0)),
    ("Retie", "13036", 2, "3,4", time(9, 0), time(12, 30)),
    ("Rijkevorsel", "13037", 2, "1,3", time(9, 0), time(17, 0)),
    ("Turnhout", "13040", 3, "1,2,3,4", time(9, 0), time(17, 0)),
    ("Vorselaar", "13044", 2, "2,4", time(19, 0), time(21, 30)),
    ("Vosselaar", "13046", 2, "1,3", time(9, 0), time(17, 0)),
]

# Fictitious housing companies and the municipalities they serve (Geel is served by two).
HOUSING_COMPANIES: dict[str, tuple[str, ...]] = {
    "Woonmaatschappij Grensstreek": (
        "Hoogstraten",
        "Merksplas",
        "Rijkevorsel",
        "Ravels",
        "Beerse",
        "Vosselaar",
    ),
    "Woonmaatschappij Heidebloem": ("Turnhout", "Oud-Turnhout", "Kasterlee", "Lille", "Vorselaar"),
    "Woonmaatschappij Netevallei": (
        "Herentals",
        "Grobbendonk",
        "Herenthout",
        "Olen",
        "Geel",
        "Laakdal",
        "Meerhout",
    ),
    "Woonmaatschappij Zandvlakte": ("Mol", "Balen", "Dessel", "Retie", "Arendonk", "Geel"),
}
SECRETARY_MUNICIPALITIES = ("Geel", "Laakdal", "Meerhout")
READER_MUNICIPALITIES = ("Mol",)

FIRST_NAMES = [
    "An", "Annelies", "Bart", "Bram", "Caroline", "Dirk", "Ellen", "Els", "Evelien", "Filip",
    "Gert", "Greet", "Hanne", "Hilde", "Ine", "Jan", "Jef", "Joke", "Joris", "Karen", "Katrien",
    "Kris", "Lien", "Lies", "Liesbeth", "Lotte", "Luc", "Marc", "Marleen", "Mieke", "Nele",
    "Nico", "Peter", "Pieter", "Rita", "Ruben", "Sander", "Sarah", "Sofie", "Steven", "Tine", "Tom",
    "Veerle", "Wim", "Wouter", "Yasmina", "Youssef", "Zeynep",
]  # fmt: skip
LAST_NAMES = [
    "Aerts", "Bogaerts", "Claes", "Cools", "De Backer", "De Bruyn", "Dierckx", "Geens", "Goossens",
    "Hendrickx", "Heylen", "Jacobs", "Janssens", "Kenis", "Lenaerts", "Luyten", "Maes", "Mertens",
    "Michiels", "Nuyts", "Op de Beeck", "Peeters", "Smets", "Stevens", "Swinnen", "Truyen",
    "Van Dyck", "Van Gorp", "Van Looy", "Vandeweyer", "Verachtert", "Verheyen", "Vermeulen",
    "Verstraeten", "Wouters", "Wuyts",
]  # fmt: skip

CANCEL_REASON = "Uitgesteld: te veel verontschuldigingen; de punten schuiven door."

# Who usually presents a theme: an organisation type code.
THEME_PRESENTER = {
    "sociale_woonprojecten": "woonmaatschappij",
    "lokale_toewijzingsreglementen": "gemeente",
    "woningkwaliteit": "gemeente",
    "woonnood_wachtlijsten": "woonmaatschappij",
    "kerncijfers": "igs",
    "woonbeleidsvisie": "igs",
    "projecten_woonmaatschappij": "woonmaatschappij",
    "kwaliteitsbewaking": "igs",
    "dak_en_thuisloosheid": "caw",
    "huurpremie_huursubsidie": "wonen_in_vlaanderen",
    "energie_renovatie": "igs",
}
THEME_NOTES = {
    "sociale_woonprojecten": "Stand van zaken per project: vergunning, aanbesteding, oplevering.",
    "lokale_toewijzingsreglementen": "Ontwerp van reglement wordt vooraf rondgestuurd.",
    "woonnood_wachtlijsten": "Graag de wachtlijstcijfers per deelgemeente meebrengen.",
    "kerncijfers": "Presentatie van de woonmonitor en de premiecijfers van vorig jaar.",
    "woningkwaliteit": "Overzicht van de conformiteitsonderzoeken en het leegstandsregister.",
}


@dataclass(frozen=True)
class DemoResult:
    """What `load_demo_data` did; `created` is False when the demo platform already existed."""

    created: bool
    platform_id: int
    municipalities: int = 0
    organisations: int = 0
    contacts: int = 0
    meetings: int = 0
    invitations: int = 0
    minutes: int = 0
    users: int = 0


@dataclass
class _Plan:
    """In-memory bookkeeping while the meetings are laid out."""

    busy: dict[Contact, list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def planning_horizon(now: datetime) -> datetime:
    """The end of the half-year after the one containing `now` (a Brussels midnight, in UTC)."""
    local = now.astimezone(BRUSSELS)
    year, month = (local.year + 1, 7) if local.month >= 7 else (local.year + 1, 1)
    return datetime(year, month, 1, tzinfo=BRUSSELS).astimezone(UTC)


def demo_platform() -> Platform | None:
    return db.session.scalar(sa.select(Platform).where(Platform.slug == PLATFORM_SLUG))


def any_platform_exists() -> bool:
    return db.session.scalar(sa.select(Platform.id).limit(1)) is not None


def load_demo_data(
    now: datetime,
    hasher: PasswordHasher,
    *,
    seed: int = DEFAULT_SEED,
    freeze_pdfs: bool = False,
) -> DemoResult:
    """Create the demo platform in one transaction; do nothing when it already exists.

    Held meetings get minutes (overleg/minutes/demo.py): approved at the next meeting except the
    latest, which is circulated. Their PDFs are rendered on demand; `freeze_pdfs` also stores
    version 1 of each, as the approval workflow would have (slow: one WeasyPrint run each).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    existing = demo_platform()
    if existing is not None:
        return DemoResult(created=False, platform_id=existing.id)
    ensure_reference_data()
    rng = random.Random(seed)  # noqa: S311  # nosec B311 - reproducible demo content
    names = _NameGenerator(rng)

    types = {t.code: t for t in db.session.scalars(sa.select(OrganisationType))}
    themes = {t.code: t for t in db.session.scalars(sa.select(Theme).where(Theme.active))}

    platform = Platform(
        name=PLATFORM_NAME,
        slug=PLATFORM_SLUG,
        organiser_name="Kempens Woonplatform (demo)",
        organiser_email="woonplatform@igs-kempen.example.be",
        agency_email="woonoverleg.antwerpen@wonen-in-vlaanderen.example.be",
    )
    db.session.add(platform)

    municipalities = _municipalities(platform, rng)
    by_name = {m.name: m for m in municipalities}
    orgs = _organisations(platform, types, municipalities, by_name)
    contacts = _contacts(orgs, names, rng)
    standing = _standing_lists(municipalities, orgs, contacts, rng)
    db.session.add_all(standing)

    meetings = _meetings(municipalities, standing, themes, now, rng)
    users = _users(platform, by_name, hasher)
    db.session.flush()
    # Minutes of the held meetings, from the minutes feature (overleg/minutes/demo.py).
    minutes = add_demo_minutes(meetings, now=now, freeze_pdfs=freeze_pdfs)
    audit.record(
        None,
        "demo.load",
        platform,
        summary=f"Demogegevens geladen: {len(municipalities)} gemeenten, {len(meetings)} "
        "vergaderingen.",
        actor_label="demo-data",
    )
    db.session.commit()
    return DemoResult(
        created=True,
        platform_id=platform.id,
        municipalities=len(municipalities),
        organisations=sum(len(v) for v in orgs.values()),
        contacts=sum(len(v) for v in contacts.values()),
        meetings=len(meetings),
        invitations=sum(len(m.invitations) for m in meetings),
        minutes=minutes,
        users=len(users),
    )


# --- directory ---------------------------------------------------------------------------------


class _NameGenerator:
    """Unique fictitious people from the seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[tuple[str, str]] = set()

    def person(self) -> tuple[str, str]:
        while True:
            pair = (self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES))
            if pair not in self._used:
                self._used.add(pair)
                return pair


def _municipalities(platform: Platform, rng: random.Random) -> list[Municipality]:
    result = []
    for name, nis, per_year, weekdays, start, end in MUNICIPALITIES:
        location = rng.choice(
            [
                f"Gemeentehuis {name}, raadzaal",
                f"Sociaal Huis {name}, vergaderzaal 1",
                f"Administratief Centrum {name}, zaal De Kempen",
            ]
        )
        result.append(
            Municipality(
                platform=platform,
                name=name,
                slug=slugify(name),
                nis_code=nis,
                meetings_per_year=per_year,
                preferred_weekdays=weekdays,
                window_start=start,
                window_end=end,
                meeting_duration_minutes=90 if end.hour < 13 or start.hour >= 19 else 120,
                usual_location=location,
                min_spacing_days=60 if per_year >= 3 else 90,
            )
        )
    db.session.add_all(result)
    return result


def _email_domain(name: str) -> str:
    return f"{slugify(name)}.example.be"


def _organisations(
    platform: Platform,
    types: dict[str, OrganisationType],
    municipalities: list[Municipality],
    by_name: dict[str, Municipality],
) -> dict[str, list[Organisation]]:
    """Organisations by type code."""
    orgs: dict[str, list[Organisation]] = defaultdict(list)

    def add(code: str, name: str, served: Sequence[Municipality], domain: str, **kw: str) -> None:
        org = Organisation(
            platform=platform,
            type=types[code],
            name=name,
            email=f"info@{domain}",
            phone=kw.get("phone", ""),
            website=f"https://www.{domain}",
        )
        org.municipalities.extend(served)
        orgs[code].append(org)

    add("igs", PLATFORM_NAME, municipalities, "igs-kempen.example.be", phone="014 00 00 10")
    for m in municipalities:
        add("gemeente", f"Gemeente {m.name}", [m], f"gemeente-{_email_domain(m.name)}")
        add("ocmw", f"OCMW {m.name}", [m], f"ocmw-{_email_domain(m.name)}")
    for name, served in HOUSING_COMPANIES.items():
        add("woonmaatschappij", name, [by_name[n] for n in served], _email_domain(name))
    add("caw", "CAW Kempenland (demo)", municipalities, "caw-kempenland.example.be")
    add(
        "wonen_in_vlaanderen",
        "Wonen in Vlaanderen, afdeling Antwerpen (demo)",
        municipalities,
        "wonen-in-vlaanderen.example.be",
    )
    add("vlaams_woningfonds", "Vlaams Woningfonds (demo)", municipalities, "vwf.example.be")
    add("huurdersbond", "Huurdersbond Kempen (demo)", municipalities, "huurdersbond.example.be")
    north = [
        m for m in municipalities if m.name in HOUSING_COMPANIES["Woonmaatschappij Grensstreek"]
    ]
    add("politie", "Politiezone Noorderkempen (demo)", north, "pz-noorderkempen.example.be")
    add(
        "provincie",
        "Provincie Antwerpen, dienst wonen (demo)",
        municipalities,
        "provincie.example.be",
    )
    for group in orgs.values():
        db.session.add_all(group)
    return orgs


def _contact(
    org: Organisation, names: _NameGenerator, job: str, rng: random.Random, *, email: bool = True
) -> Contact:
    first, last = names.person()
    local = slugify(f"{first}.{last}", separator=".")
    domain = org.email.split("@", 1)[1]
    return Contact(
        organisation=org,
        first_name=first,
        last_name=last,
        job_title=job,
        email=f"{local}@{domain}" if email else "",
        phone=f"014 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
    )


def _contacts(
    orgs: dict[str, list[Organisation]], names: _NameGenerator, rng: random.Random
) -> dict[tuple[str, str], list[Contact]]:
    """Contacts keyed by (type code, organisation name), the most senior first."""
    contacts: dict[tuple[str, str], list[Contact]] = {}
    jobs: dict[str, list[str]] = {
        "igs": ["Coördinator woonbeleid", "Woonconsulent", "Woonconsulent", "Woonbegeleider"],
        "woonmaatschappij": ["Directeur", "Projectleider", "Woonconsulent", "Woonconsulent"],
        "caw": ["Teamcoach wonen", "Woonbegeleider", "Maatschappelijk werker"],
        "wonen_in_vlaanderen": ["Adviseur woonbeleid", "Adviseur woningkwaliteit"],
        "vlaams_woningfonds": ["Regiocoördinator"],
        "huurdersbond": ["Consulent", "Vrijwilliger"],
        "politie": ["Wijkinspecteur"],
        "provincie": ["Beleidsmedewerker wonen"],
    }
    for code, group in orgs.items():
        for org in group:
            if code == "gemeente":
                titles = ["Schepen van wonen", "Deskundige wonen"]
                titles += rng.sample(
                    ["Diensthoofd ruimtelijke ordening", "Administratief medewerker wonen",
                     "Stedenbouwkundige"],
                    k=rng.randint(0, 2),
                )  # fmt: skip
            elif code == "ocmw":
                titles = ["Voorzitter bijzonder comité sociale dienst", "Maatschappelijk werker"]
                if rng.random() < 0.3:
                    titles.append("Diensthoofd sociale dienst")
            else:
                titles = jobs[code]
            people = []
            for position, title in enumerate(titles):
                # A few people have no e-mail address (an alderman who reads paper, a volunteer).
                has_email = not (
                    title in ("Vrijwilliger", "Wijkinspecteur")
                    or (position > 0 and code == "gemeente" and rng.random() < 0.05)
                )
                people.append(_contact(org, names, title, rng, email=has_email))
            contacts[(code, org.name)] = people
            db.session.add_all(people)
    return contacts


def _standing_lists(
    municipalities: list[Municipality],
    orgs: dict[str, list[Organisation]],
    contacts: dict[tuple[str, str], list[Contact]],
    rng: random.Random,
) -> list[StandingInvitee]:
    rows: list[StandingInvitee] = []
    igs_staff = contacts[("igs", PLATFORM_NAME)]
    coordinator, consultants = igs_staff[0], igs_staff[1:3]

    def single(code: str) -> list[Contact]:
        return contacts[(code, orgs[code][0].name)]

    caw, agency = single("caw"), single("wonen_in_vlaanderen")
    fund, union = single("vlaams_woningfonds"), single("huurdersbond")
    police = single("politie")
    police_served = {m.name for m in orgs["politie"][0].municipalities}
    # Each housing company sends one of its staff to each municipality it serves, in turn.
    company_rep: dict[str, list[Contact]] = defaultdict(list)
    for org in orgs["woonmaatschappij"]:
        staff = contacts[("woonmaatschappij", org.name)][1:]
        for i, name in enumerate(HOUSING_COMPANIES[org.name]):
            company_rep[name].append(staff[i % len(staff)])

    for index, m in enumerate(municipalities):
        gemeente = contacts[("gemeente", f"Gemeente {m.name}")]
        ocmw = contacts[("ocmw", f"OCMW {m.name}")]
        entries: list[tuple[Contact, InviteeRole]] = [
            (gemeente[0], InviteeRole.CHAIR),
            (consultants[index % 2], InviteeRole.SECRETARY),
            (coordinator, InviteeRole.REQUIRED),
            (gemeente[1], InviteeRole.REQUIRED),
            (ocmw[0], InviteeRole.REQUIRED),
            (ocmw[1], InviteeRole.OPTIONAL),
            (caw[index % len(caw)], InviteeRole.OPTIONAL),
            (agency[index % len(agency)], InviteeRole.OPTIONAL),
        ]
        entries += [(rep, InviteeRole.REQUIRED) for rep in company_rep[m.name]]
        entries += [(extra, InviteeRole.OPTIONAL) for extra in gemeente[2:]]
        if rng.random() < 0.4:
            entries.append((fund[0], InviteeRole.OPTIONAL))
        if rng.random() < 0.3:
            entries.append((union[0], InviteeRole.OPTIONAL))
        if m.name in police_served and rng.random() < 0.5:
            entries.append((police[0], InviteeRole.OPTIONAL))
        rows += [StandingInvitee(municipality=m, contact=c, role=role) for c, role in entries]
    return rows


def _users(
    platform: Platform, by_name: dict[str, Municipality], hasher: PasswordHasher
) -> list[User]:
    password_hash = hash_password(DEMO_PASSWORD, hasher)
    users = [
        User(
            platform=platform,
            email=COORDINATOR_EMAIL,
            name="Demo coördinator",
            password_hash=password_hash,
            role=Role.COORDINATOR,
        ),
        User(
            platform=platform,
            email=SECRETARY_EMAIL,
            name="Demo secretaris",
            password_hash=password_hash,
            role=Role.SECRETARY,
            municipalities=[by_name[n] for n in SECRETARY_MUNICIPALITIES],
        ),
        User(
            platform=platform,
            email=READER_EMAIL,
            name="Demo lezer",
            password_hash=password_hash,
            role=Role.READER,
            municipalities=[by_name[n] for n in READER_MUNICIPALITIES],
        ),
    ]
    db.session.add_all(users)
    return users


# --- meetings ----------------------------------------------------------------------------------


def _anchor_days(per_year: int, index: int, count: int, year: int) -> list[date]:
    """Target days in `year` for the municipality at `index`, spread over the season."""
    seasons = {
        2: [(date(year, 2, 5), 120), (date(year, 9, 8), 95)],
        3: [(date(year, 1, 20), 60), (date(year, 4, 20), 60), (date(year, 10, 1), 70)],
    }.get(per_year) or [(date(year, 1, 15) + timedelta(days=340 * k // per_year), 30) for k in
                         range(per_year)]  # fmt: skip
    return [start + timedelta(days=span * index // max(count, 1)) for start, span in seasons]


def _candidate_days(anchor: date, reach: int = 35) -> list[date]:
    """The anchor, then alternately the days after and before it."""
    days = [anchor]
    for step in range(1, reach + 1):
        days += [anchor + timedelta(days=step), anchor - timedelta(days=step)]
    return days


def _start_times(m: Municipality) -> list[time]:
    duration = timedelta(minutes=m.meeting_duration_minutes)
    latest = datetime.combine(date(2000, 1, 3), m.window_end) - duration
    options = []
    for candidate in (m.window_start, time(10, 0), time(14, 0)):
        moment = datetime.combine(date(2000, 1, 3), candidate)
        if candidate >= m.window_start and moment <= latest and candidate not in options:
            options.append(candidate)
    return options


def _find_slot(
    m: Municipality,
    anchor: date,
    required: list[Contact],
    plan: _Plan,
    taken_days: set[date],
) -> tuple[datetime, datetime] | None:
    weekdays = set(m.preferred_weekday_list)
    duration = timedelta(minutes=m.meeting_duration_minutes)
    for day in _candidate_days(anchor):
        if day.isoweekday() not in weekdays or day in taken_days or is_blocked(day):
            continue
        for start_time in _start_times(m):
            start = datetime.combine(day, start_time, tzinfo=BRUSSELS).astimezone(UTC)
            end = start + duration
            if all(_free(plan.busy[c], start, end) for c in required):
                return start, end
    return None


def _free(busy: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return all(end + TRAVEL <= b_start or start >= b_end + TRAVEL for b_start, b_end in busy)


def _deterministic_uid(rng: random.Random) -> str:
    return f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@overleg"


def _season(local_day: date) -> str:
    if local_day.month <= 3:
        return "winter"
    if local_day.month <= 6:
        return "voorjaar"
    if local_day.month <= 9:
        return "zomer"
    return "najaar"


def _meetings(
    municipalities: list[Municipality],
    standing: list[StandingInvitee],
    themes: dict[str, Theme],
    now: datetime,
    rng: random.Random,
) -> list[Meeting]:
    first, last = now - HISTORY, planning_horizon(now)
    by_municipality: dict[str, list[StandingInvitee]] = defaultdict(list)
    for row in standing:
        by_municipality[row.municipality.name].append(row)

    # Lay out the dates first, in time order over all municipalities, so that shared required
    # invitees (the coordinator, the housing company staff) are never booked twice.
    wishes: list[tuple[date, int, Municipality]] = []
    for index, m in enumerate(municipalities):
        for year in range(first.year, last.year + 1):
            for anchor in _anchor_days(m.meetings_per_year, index, len(municipalities), year):
                anchor += timedelta(days=rng.randint(-6, 6))
                wish_at = datetime.combine(anchor, time(12), tzinfo=BRUSSELS)
                if first <= wish_at <= last:
                    wishes.append((anchor, index, m))
    wishes.sort(key=lambda w: (w[0], w[1]))

    plan = _Plan()
    taken: dict[str, set[date]] = defaultdict(set)
    slots: list[tuple[Municipality, datetime, datetime]] = []
    for anchor, _index, m in wishes:
        required = [s.contact for s in by_municipality[m.name] if s.role != InviteeRole.OPTIONAL]
        slot = _find_slot(m, anchor, required, plan, taken[m.name])
        if slot is None:
            continue
        start, end = slot
        for c in required:
            plan.busy[c].append((start, end))
        taken[m.name].add(start.astimezone(BRUSSELS).date())
        slots.append((m, start, end))
    slots.sort(key=lambda s: (s[1], s[0].name))

    themes_for = _theme_schedule(slots, themes, rng)
    cancelled = _pick_cancelled(slots, now, rng)
    meetings = []
    for number, (m, start, end) in enumerate(slots):
        local_day = start.astimezone(BRUSSELS).date()
        meeting = Meeting(
            municipality=m,
            title=f"Lokaal woonoverleg {m.name}, {_season(local_day)} {local_day.year}",
            start_at=start,
            end_at=end,
            location=m.usual_location,
            ical_uid=_deterministic_uid(rng),
            created_at=min(start - timedelta(days=60), now),
            updated_at=min(start - timedelta(days=10), now),
        )
        invitees = by_municipality[m.name]
        meeting.agenda_items = _agenda(m, themes_for[number], invitees)
        if number in cancelled:
            meeting.status = MeetingStatus.CANCELLED
            meeting.cancel_reason = CANCEL_REASON
            meeting.ical_sequence = 1
        elif end <= now:
            meeting.status = MeetingStatus.HELD
        elif start - now <= INVITE_AHEAD:
            meeting.status = MeetingStatus.INVITED
        else:
            meeting.status = MeetingStatus.PLANNED
        meeting.invitations = _invitations(meeting, invitees, now, rng)
        meetings.append(meeting)
    db.session.add_all(meetings)
    return meetings


def _pick_cancelled(
    slots: list[tuple[Municipality, datetime, datetime]], now: datetime, rng: random.Random
) -> set[int]:
    """Two past meetings were cancelled and not replaced.

    One is an older one (a gap in that year's compliance); the other, when there is one, is the
    only meeting of its municipality so far in the current half-year, so the dashboard has a
    municipality without a meeting this half-year to show.
    """
    local = now.astimezone(BRUSSELS)
    half_start = datetime(local.year, 1 if local.month <= 6 else 7, 1, tzinfo=BRUSSELS)
    half_end = (
        datetime(local.year, 7, 1, tzinfo=BRUSSELS)
        if local.month <= 6
        else datetime(local.year + 1, 1, 1, tzinfo=BRUSSELS)
    )
    in_half: dict[str, list[int]] = defaultdict(list)
    for i, (m, start, _end) in enumerate(slots):
        if half_start <= start < half_end:
            in_half[m.name].append(i)
    current = [
        numbers[0]
        for numbers in in_half.values()
        if len(numbers) == 1 and slots[numbers[0]][2] <= now
    ]
    older = [i for i, (_m, _start, end) in enumerate(slots) if end <= now - timedelta(days=60)]
    picked = set(rng.sample(sorted(current), k=1)) if current else set()
    older = [i for i in older if i not in picked and slots[i][1] < half_start]
    picked |= set(rng.sample(older, k=min(2 - len(picked), len(older))))
    return picked


def _theme_schedule(
    slots: list[tuple[Municipality, datetime, datetime]],
    themes: dict[str, Theme],
    rng: random.Random,
) -> list[list[Theme]]:
    """The themes of each meeting: the mandatory ones spread over each municipality's year.

    In one (past) municipality-year a mandatory theme is left out, so the compliance view has
    something to report.
    """
    mandatory = sorted((t for t in themes.values() if t.is_mandatory), key=lambda t: t.sort_order)
    optional = sorted((t for t in themes.values() if not t.is_mandatory), key=lambda t: t.code)
    years: dict[tuple[str, int], list[int]] = defaultdict(list)
    for number, (m, start, _end) in enumerate(slots):
        years[(m.name, start.astimezone(BRUSSELS).year)].append(number)
    schedule: list[list[Theme]] = [[] for _ in slots]
    full_years = sorted(key for key, numbers in years.items() if len(numbers) >= 2)
    gap = rng.choice(full_years) if full_years else None
    for key, numbers in sorted(years.items()):
        topics = list(mandatory)
        rng.shuffle(topics)
        if key == gap:
            topics.pop()
        for position, topic in enumerate(topics):
            schedule[numbers[position % len(numbers)]].append(topic)
    for themes_of_meeting in schedule:
        if optional and (len(themes_of_meeting) < 3 or rng.random() < 0.3):
            themes_of_meeting.append(rng.choice(optional))
        themes_of_meeting.sort(key=lambda t: t.sort_order)
    return schedule


def _presenter(code: str, invitees: list[StandingInvitee]) -> str:
    for row in invitees:
        org = row.contact.organisation
        if org.type.code == code:
            return f"{row.contact.full_name} ({org.name})"
    return ""


def _agenda(
    m: Municipality,
    meeting_themes: list[Theme],
    invitees: list[StandingInvitee],
) -> list[AgendaItem]:
    chair = next((r.contact.full_name for r in invitees if r.role == InviteeRole.CHAIR), "")
    secretary = next((r.contact.full_name for r in invitees if r.role == InviteeRole.SECRETARY), "")
    fixed_minutes = 5 + 10 + 15 + 10 + 5
    per_theme = max(10, (m.meeting_duration_minutes - fixed_minutes) // max(len(meeting_themes), 1))
    per_theme -= per_theme % 5
    items = [
        AgendaItem(kind=AgendaItemKind.WELCOME, title="Verwelkoming", presenter=chair,
                   duration_minutes=5),
        AgendaItem(kind=AgendaItemKind.APPROVAL, title="Goedkeuring verslag vorig overleg",
                   presenter=secretary, duration_minutes=10),
        AgendaItem(kind=AgendaItemKind.FOLLOW_UP, title="Opvolging actiepunten",
                   presenter=secretary, duration_minutes=15),
    ]  # fmt: skip
    for theme in meeting_themes:
        items.append(
            AgendaItem(
                kind=AgendaItemKind.THEME,
                title=theme.name,
                theme=theme,
                presenter=_presenter(THEME_PRESENTER.get(theme.code, "igs"), invitees),
                duration_minutes=per_theme,
                notes=THEME_NOTES.get(theme.code, ""),
            )
        )
    items += [
        AgendaItem(kind=AgendaItemKind.VARIA, title="Varia", duration_minutes=10),
        AgendaItem(kind=AgendaItemKind.NEXT_MEETING, title="Datum volgend overleg",
                   duration_minutes=5),
    ]  # fmt: skip
    for position, item in enumerate(items, start=1):
        item.position = position
    return items


def _invitations(
    meeting: Meeting, invitees: list[StandingInvitee], now: datetime, rng: random.Random
) -> list[Invitation]:
    sent = meeting.status in (MeetingStatus.HELD, MeetingStatus.INVITED, MeetingStatus.CANCELLED)
    sent_at = meeting.start_at - timedelta(days=10, hours=rng.randint(0, 48)) if sent else None
    if sent_at is not None:
        sent_at = min(sent_at, now - timedelta(hours=1))
        meeting.invitations_sent_at = sent_at
    result = []
    for row in invitees:
        invitation = Invitation(
            contact=row.contact,
            role=row.role,
            created_at=min(meeting.created_at, now),
        )
        if sent_at is not None and row.contact.email:
            invitation.token = secrets.token_urlsafe(32)
            invitation.sent_at = sent_at
            invitation.sent_sequence = meeting.ical_sequence
            _respond(invitation, meeting, sent_at, now, rng)
        if meeting.status is MeetingStatus.HELD:
            invitation.attendance = _attendance(invitation, rng)
        result.append(invitation)
    return result


def _respond(
    invitation: Invitation, meeting: Meeting, sent_at: datetime, now: datetime, rng: random.Random
) -> None:
    essential = invitation.role is not InviteeRole.OPTIONAL
    roll = rng.random()
    if meeting.status is MeetingStatus.INVITED and roll < 0.45:
        return  # not answered yet
    if roll < (0.75 if essential else 0.4):
        status = RsvpStatus.ACCEPTED
    elif roll < (0.85 if essential else 0.7):
        status = RsvpStatus.DECLINED
    elif roll < 0.9:
        status = RsvpStatus.TENTATIVE
    else:
        return
    invitation.rsvp_status = status
    invitation.responded_at = min(sent_at + timedelta(hours=rng.randint(2, 150)), now)
    if status is RsvpStatus.DECLINED:
        invitation.rsvp_comment = rng.choice(
            ["Andere afspraak, sorry.", "Met verlof.", "Collega komt in mijn plaats.", ""]
        )


def _attendance(invitation: Invitation, rng: random.Random) -> Attendance:
    if invitation.rsvp_status is RsvpStatus.ACCEPTED:
        return Attendance.PRESENT if rng.random() < 0.95 else Attendance.ABSENT
    if invitation.rsvp_status is RsvpStatus.DECLINED:
        return Attendance.EXCUSED
    if invitation.rsvp_status is RsvpStatus.TENTATIVE:
        return Attendance.PRESENT if rng.random() < 0.5 else Attendance.EXCUSED
    if invitation.role is not InviteeRole.OPTIONAL:
        return Attendance.PRESENT if rng.random() < 0.6 else Attendance.ABSENT
    return Attendance.ABSENT


# --- command line ------------------------------------------------------------------------------


@click.command("demo-data")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only load when the database holds no platform at all (as `make run` calls it).",
)
@with_appcontext
def demo_data_command(if_empty: bool) -> None:
    """Load the fictitious Kempens Woonplatform (demo); running it again changes nothing."""
    if if_empty and any_platform_exists():
        click.echo("Er bestaat al een platform: geen demogegevens geladen.")
        return
    hasher = password_hasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )
    result = load_demo_data(utcnow(), hasher)
    if not result.created:
        click.echo(f"De demogegevens staan er al ({PLATFORM_NAME}).")
        return
    click.echo(
        f"Demogegevens geladen: {result.municipalities} gemeenten, {result.organisations} "
        f"organisaties, {result.contacts} contactpersonen, {result.meetings} vergaderingen, "
        f"{result.invitations} uitnodigingen, {result.minutes} verslagen."
    )
    click.echo(
        f"Aanmelden kan als {COORDINATOR_EMAIL}, {SECRETARY_EMAIL} of {READER_EMAIL}, "
        f"wachtwoord '{DEMO_PASSWORD}'."
    )
