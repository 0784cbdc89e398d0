"""Reference data every platform needs: organisation types (one list for all) and its own
theme catalogue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from overleg.extensions import db
from overleg.models import OrganisationType, Platform, Theme

# (code, Dutch name, must attend when invited, sort order)
ORGANISATION_TYPES: list[tuple[str, str, bool, int]] = [
    ("gemeente", "Gemeente", False, 10),
    ("ocmw", "OCMW / bijzonder comité voor de sociale dienst", False, 20),
    ("woonmaatschappij", "Woonmaatschappij", True, 30),
    ("caw", "CAW (centrum algemeen welzijnswerk)", False, 40),
    ("wonen_in_vlaanderen", "Wonen in Vlaanderen", False, 50),
    ("igs", "Intergemeentelijk project (IGS)", False, 60),
    ("vlaams_woningfonds", "Vlaams Woningfonds", False, 70),
    ("politie", "Politie", False, 80),
    ("huurdersbond", "Huurdersbond", False, 90),
    ("provincie", "Provinciale woondienst", False, 100),
    ("andere", "Andere", False, 200),
]

# (code, Dutch name, mandatory by the decree, description)
THEMES: list[tuple[str, str, bool, str]] = [
    (
        "sociale_woonprojecten",
        "Geplande sociale woonprojecten",
        True,
        "De sociale woonprojecten die in de gemeente gepland zijn.",
    ),
    (
        "lokale_toewijzingsreglementen",
        "Lokale toewijzingsreglementen",
        True,
        "Lokale toewijzingsregels voor sociale en bescheiden huurwoningen.",
    ),
    (
        "woningkwaliteit",
        "Gemeentelijke reglementen woningkwaliteit",
        True,
        "Kwaliteitsbewaking, conformiteitsonderzoek en leegstand.",
    ),
    (
        "woonnood_wachtlijsten",
        "Lokale woonnoden en wachtlijsten",
        True,
        "De lokale woonnood en de wachtlijsten voor sociale huur.",
    ),
    (
        "kerncijfers",
        "Kerncijfers wonen en premies",
        True,
        "Woningmarkt, woningkwaliteit, Vlaamse, provinciale en gemeentelijke woonpremies.",
    ),
    ("woonbeleidsvisie", "Gemeentelijke woonbeleidsvisie", False, ""),
    ("projecten_woonmaatschappij", "Projecten van de woonmaatschappij", False, ""),
    ("kwaliteitsbewaking", "Kwaliteitsbewaking en handhaving", False, ""),
    ("dak_en_thuisloosheid", "Dak- en thuisloosheid", False, ""),
    ("huurpremie_huursubsidie", "Huurpremie en huursubsidie", False, ""),
    ("energie_renovatie", "Energie en renovatie", False, ""),
]


# The list of mandatory topics as it changed with the law. Since the woonmaatschappij reform
# (1 July 2023) the toewijzingsraad sets the local allocation rules, and sending them to the
# woonoverleg became optional: they are mandatory until the year before the setting
# ALLOCATION_RULES_OPTIONAL_FROM (2024, the first calendar year under the reform).
ALLOCATION_RULES = "lokale_toewijzingsreglementen"


def mandatory_years(code: str, optional_from: int) -> tuple[int | None, int | None]:
    """(from year, until year) of a standard theme's place on the list of mandatory topics;
    None: no bound. `optional_from`: the first year the allocation rules are optional."""
    if code == ALLOCATION_RULES:
        return None, optional_from - 1
    return None, None


def ensure_reference_data() -> None:
    """Insert the missing organisation types, and the missing themes of every platform's
    catalogue; existing rows are left alone.

    A bootstrap step, its own unit of work like a CLI command (the `seed` command, the demo, the
    test and bench setups call it before anything else): it commits. A platform made later gets
    its catalogue from `add_theme_catalogue` (`flask platform create` calls it).
    """
    ensure_organisation_types()
    for platform in db.session.scalars(sa.select(Platform).order_by(Platform.id)):
        add_theme_catalogue(platform)
    db.session.commit()


def ensure_organisation_types() -> None:
    """The organisation types: one national list shared by every platform (the legal kinds of
    housing actors; the Codex decides which must attend), not edited in the application.
    Flushes, does not commit."""
    have_types = set(db.session.scalars(sa.select(OrganisationType.code)))
    for code, name, must_attend, order in ORGANISATION_TYPES:
        if code not in have_types:
            db.session.add(
                OrganisationType(code=code, name=name, must_attend=must_attend, sort_order=order)
            )
    db.session.flush()


def add_theme_catalogue(platform: Platform) -> None:
    """Give `platform` the themes of the standard catalogue it does not have yet (by code), the
    mandatory topics of the decree among them, each with the years it is mandatory
    (`mandatory_years`; a theme renamed to a standard name counts as had). Flushes, does not
    commit."""
    db.session.flush()  # a new platform gets its id
    optional_from = int(current_app.config["ALLOCATION_RULES_OPTIONAL_FROM"])
    have: set[str] = set()
    for code, name in db.session.execute(
        sa.select(Theme.code, Theme.name).where(Theme.platform_id == platform.id)
    ):
        have |= {code, name.lower()}
    for order, (code, name, mandatory, description) in enumerate(THEMES, start=1):
        if code not in have and name.lower() not in have:
            from_year, until_year = mandatory_years(code, optional_from)
            db.session.add(
                Theme(
                    platform=platform,
                    code=code,
                    name=name,
                    is_mandatory=mandatory,
                    mandatory_from_year=from_year,
                    mandatory_until_year=until_year,
                    description=description,
                    sort_order=order * 10,
                )
            )
    db.session.flush()
