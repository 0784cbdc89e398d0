"""The demo platform: a fictitious "Kempens Woonplatform (demo)" to explore overleg with.

Everything here is made up except the names of the municipalities and of the Flemish agency: the
organisations, people, e-mail addresses (under example.be) and meetings are fictitious. The data is
deterministic for a given `now` and seed (names, dates and agendas come from a seeded random
generator) and is written in one transaction.

This module builds the directory (municipalities, organisations, contacts, standing invitee lists)
and the accounts, and loads everything in named steps; the meetings are overleg/demo/meetings.py
(made by the meetings feature's own service, with its standard agenda), their minutes
overleg/demo/minutes.py. The directory's rows are made here directly: the directory services act
for a logged-in user and audit every change, and no user exists yet.

Passwords are hashed with the hasher the caller passes (the CLI builds it from the app config).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

import click
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from slugify import slugify

from overleg.audit import services as audit
from overleg.auth.services import hash_password, password_hasher
from overleg.demo.documents import add_demo_documents
from overleg.demo.joint import add_demo_joint_meeting
from overleg.demo.meetings import HISTORY, add_demo_meetings, planning_horizon
from overleg.demo.merger import DemoPlatform, add_demo_merger
from overleg.demo.minutes import add_demo_minutes
from overleg.demo.practice import add_confidential_item, add_theme_invitee
from overleg.directory.reference_data import add_theme_catalogue, ensure_reference_data
from overleg.extensions import db
from overleg.models import (
    Contact,
    InviteeRole,
    Meeting,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
    Role,
    StandingInvitee,
    Theme,
    User,
)
from overleg.models.types import utcnow

__all__ = [
    "COORDINATOR_EMAIL",
    "DEMO_PASSWORD",
    "HISTORY",
    "READER_EMAIL",
    "SECRETARY_EMAIL",
    "DemoResult",
    "demo_data_command",
    "load_demo_data",
    "planning_horizon",
]

PLATFORM_NAME = "Kempens Woonplatform (demo)"
PLATFORM_SLUG = "kempens-woonplatform-demo"
DEMO_PASSWORD = "demo"  # noqa: S105  # nosec B105 - the documented demo password
COORDINATOR_EMAIL = "coordinator@demo.overleg.be"
SECRETARY_EMAIL = "secretaris@demo.overleg.be"
READER_EMAIL = "lezer@demo.overleg.be"
DEFAULT_SEED = 2015  # the year the real Kempens Woonplatform started

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

    Held meetings get minutes (overleg/demo/minutes.py): approved at the next meeting except the
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
    directory = _add_directory(rng)
    themes = _active_themes(directory.platform)
    meetings = add_demo_meetings(directory.municipalities, directory.standing, themes, now, rng)
    merged, merger_meetings = add_demo_merger(_merger_input(directory, themes), now, seed)
    meetings += merger_meetings
    users = _add_users(directory.platform, directory.by_name, hasher)
    db.session.flush()
    add_confidential_item(meetings, users[0], now)
    add_theme_invitee(meetings, users[0], now)
    add_demo_documents(meetings, now=now)
    minutes = add_demo_minutes(meetings, now=now, freeze_pdfs=freeze_pdfs)
    add_demo_joint_meeting(meetings, directory.by_name, themes)
    _record_the_load(directory, meetings)
    db.session.commit()
    return DemoResult(
        created=True,
        platform_id=directory.platform.id,
        municipalities=len(directory.municipalities) + len(merged),
        organisations=sum(len(group) for group in directory.organisations.values()),
        contacts=sum(len(people) for people in directory.contacts.values()),
        meetings=len(meetings),
        invitations=sum(len(m.invitations) for m in meetings),
        minutes=minutes,
        users=len(users),
    )


# --- directory ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Directory:
    """The demo platform's directory, as it is being added to the session."""

    platform: Platform
    municipalities: list[Municipality]
    organisations: dict[str, list[Organisation]]  # by organisation type code
    contacts: dict[tuple[str, str], list[Contact]]  # by (type code, organisation name)
    standing: list[StandingInvitee]

    @property
    def by_name(self) -> dict[str, Municipality]:
        return {m.name: m for m in self.municipalities}


def _merger_input(directory: _Directory, themes: dict[str, Theme]) -> DemoPlatform:
    """The merger's share of the demo platform: the project's woonbegeleider, who goes to no
    other meeting as a required invitee, attends the merged municipalities'."""
    igs = directory.organisations["igs"][0]
    colleague = directory.contacts[("igs", igs.name)][3]
    return DemoPlatform(directory.platform, _types(), themes, igs, colleague)


def _types() -> dict[str, OrganisationType]:
    return {t.code: t for t in db.session.scalars(sa.select(OrganisationType))}


def _add_directory(rng: random.Random) -> _Directory:
    """The platform, its municipalities, organisations, their people and the standing lists."""
    types = _types()
    platform = Platform(
        name=PLATFORM_NAME,
        slug=PLATFORM_SLUG,
        organiser_name="Kempens Woonplatform (demo)",
        organiser_email="woonplatform@igs-kempen.example.be",
        agency_email="woonoverleg.antwerpen@wonen-in-vlaanderen.example.be",
    )
    db.session.add(platform)
    add_theme_catalogue(platform)
    municipalities = _municipalities(platform, rng)
    by_name = {m.name: m for m in municipalities}
    orgs = _organisations(platform, types, municipalities, by_name)
    contacts = _contacts(orgs, _NameGenerator(rng), rng)
    standing = _standing_lists(municipalities, orgs, contacts, rng)
    db.session.add_all(standing)
    return _Directory(platform, municipalities, orgs, contacts, standing)


def _active_themes(platform: Platform) -> dict[str, Theme]:
    """The active themes of the demo platform's own catalogue, by code."""
    return {
        t.code: t
        for t in db.session.scalars(
            sa.select(Theme).where(Theme.platform_id == platform.id, Theme.active)
        )
    }


def _record_the_load(directory: _Directory, meetings: list[Meeting]) -> None:
    audit.record(
        None,
        "demo.load",
        directory.platform,
        summary=f"Demogegevens geladen: {len(directory.municipalities)} gemeenten, "
        f"{len(meetings)} vergaderingen.",
        actor_label="demo-data",
    )


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


def _add_users(
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
        click.echo(_("Er bestaat al een platform: geen demogegevens geladen."))
        return
    hasher = password_hasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )
    result = load_demo_data(utcnow(), hasher)
    if not result.created:
        click.echo(_("De demogegevens staan er al (%(name)s).", name=PLATFORM_NAME))
        return
    click.echo(
        _(
            "Demogegevens geladen: %(municipalities)d gemeenten, %(organisations)d "
            "organisaties, %(contacts)d contactpersonen, %(meetings)d vergaderingen, "
            "%(invitations)d uitnodigingen, %(minutes)d verslagen.",
            municipalities=result.municipalities,
            organisations=result.organisations,
            contacts=result.contacts,
            meetings=result.meetings,
            invitations=result.invitations,
            minutes=result.minutes,
        )
    )
    click.echo(
        _(
            "Aanmelden kan als %(coordinator)s, %(secretary)s of %(reader)s, wachtwoord "
            "'%(password)s'.",
            coordinator=COORDINATOR_EMAIL,
            secretary=SECRETARY_EMAIL,
            reader=READER_EMAIL,
            password=DEMO_PASSWORD,
        )
    )
