"""CSV import and export of organisations and contacts (a person's data rights: data_rights.py).

No request or session in here: the views hand over bytes and a user and get plain values back.

The CSV has one row per contact, with its organisation on the same row (the shape of the
coordinators' spreadsheets); an organisation without contacts is a row with empty contact cells.
Columns (header names are matched case-insensitively; a few spellings are accepted):
organisatie, type, gemeenten, organisatie_email, organisatie_telefoon, website,
voornaam, achternaam, functie, email, telefoon.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.auth.permissions import (
    can_edit_municipality,
    municipality_scope,
    sees_all_municipalities,
    visible_organisations_filter,
)
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    Contact,
    Municipality,
    Organisation,
    OrganisationType,
    User,
)
from overleg.web.forms import is_single_line, not_single_line

MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 5_000

COLUMNS = [
    "organisatie",
    "type",
    "gemeenten",
    "organisatie_email",
    "organisatie_telefoon",
    "website",
    "voornaam",
    "achternaam",
    "functie",
    "email",
    "telefoon",
]
ALIASES = {
    "organisatie": {"organisatie", "organisation", "naam organisatie", "woonactor"},
    "type": {"type", "soort", "organisatietype"},
    "gemeenten": {"gemeenten", "gemeente", "municipalities"},
    "organisatie_email": {"organisatie_email", "e-mail organisatie", "email organisatie"},
    "organisatie_telefoon": {"organisatie_telefoon", "telefoon organisatie"},
    "website": {"website", "site"},
    "voornaam": {"voornaam", "first_name"},
    "achternaam": {"achternaam", "familienaam", "naam", "last_name"},
    "functie": {"functie", "job_title"},
    "email": {"email", "e-mail", "e-mailadres", "emailadres"},
    "telefoon": {"telefoon", "tel", "gsm", "phone"},
}
CONTACT_COLUMNS = ("voornaam", "achternaam", "functie", "email", "telefoon")
# Column sizes of the models (keep in step with overleg/models/directory.py).
MAX_LENGTHS = {
    "organisatie": 200,
    "organisatie_email": 254,
    "organisatie_telefoon": 40,
    "website": 300,
    "voornaam": 100,
    "achternaam": 100,
    "functie": 200,
    "email": 254,
    "telefoon": 40,
}
# A cell starting with one of these is a formula in a spreadsheet (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MUNICIPALITY_SEPARATORS = re.compile(r"[|,;/]")


@dataclass
class ImportRow:
    number: int  # the line number in the file (the header is line 1)
    values: dict[str, str]
    errors: list[str | LazyString] = field(default_factory=list)  # Dutch, one per problem
    organisation_exists: bool = False
    contact_exists: bool = False
    municipality_ids: list[int] = field(default_factory=list)
    type_id: int | None = None

    @property
    def has_contact(self) -> bool:
        return any(self.values.get(c) for c in CONTACT_COLUMNS)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    separator: str
    new_organisations: int = 0
    new_contacts: int = 0
    existing: int = 0

    @property
    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    @property
    def valid(self) -> bool:
        return bool(self.rows) and self.error_count == 0


@dataclass(frozen=True)
class ImportResult:
    organisations_created: int
    contacts_created: int
    organisations_linked: int


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8, with or without a byte order mark.

    A file that cannot be read as a whole (size, encoding, header) is refused on the form's
    `file` field.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise Refusal(
            _l("Het bestand is te groot (meer dan %(size)s kB).", size=MAX_IMPORT_BYTES // 1000),
            field="file",
        )
    if not data.strip():
        raise Refusal(_l("Het bestand is leeg."), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refusal(
            _l(
                "Het bestand is niet in UTF-8 opgeslagen (fout op byte %(position)s). Bewaar het "
                "in je rekenblad als 'CSV UTF-8' en probeer opnieuw.",
                position=error.start + 1,
            ),
            field="file",
        ) from error


def detect_separator(text: str) -> str:
    """';' or ',': whichever occurs more often in the header line."""
    header = text.splitlines()[0] if text else ""
    header = re.sub(r'"[^"]*"', "", header)  # separators inside quotes do not count
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def _unescape(value: str) -> str:
    """Undo our own formula escaping ('=... written as '=...) and trim."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def _header_map(header: list[str]) -> dict[int, str]:
    lookup = {alias: column for column, names in ALIASES.items() for alias in names}
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        column = lookup.get(name.strip().lower().replace("_", " ")) or lookup.get(
            name.strip().lower()
        )
        if column and column not in mapping.values():
            mapping[index] = column
    return mapping


def parse_csv(text: str) -> tuple[list[ImportRow], str]:
    """Rows of the file with their values by column name; a Refusal when the file is unreadable."""
    separator = detect_separator(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as error:
        raise Refusal(
            _l("Het bestand is geen geldig CSV-bestand: %(error)s", error=error), field="file"
        ) from error
    records = [r for r in records if any(cell.strip() for cell in r)] if records else []
    if not records:
        raise Refusal(_l("Het bestand is leeg."), field="file")
    mapping = _header_map(records[0])
    if "organisatie" not in mapping.values():
        raise Refusal(
            _l(
                "De eerste regel moet de kolomnamen bevatten, met minstens '%(column)s'. "
                "Verwachte kolommen: %(columns)s.",
                column="organisatie",
                columns=", ".join(COLUMNS),
            ),
            field="file",
        )
    if len(records) - 1 > MAX_IMPORT_ROWS:
        raise Refusal(
            _l("Het bestand heeft meer dan %(max)s rijen.", max=MAX_IMPORT_ROWS), field="file"
        )
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = {column: "" for column in COLUMNS}
        for index, column in mapping.items():
            if index < len(record):
                values[column] = _unescape(record[index])
        rows.append(ImportRow(number=number, values=values))
    return rows, separator


def _type_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for org_type in db.session.scalars(sa.select(OrganisationType)):
        lookup[org_type.code.lower()] = org_type.id
        lookup[org_type.name.lower()] = org_type.id
    return lookup


def _valid_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _platform_municipalities(user: User) -> list[Municipality]:
    return list(
        db.session.scalars(
            sa.select(Municipality).where(Municipality.platform_id == user.platform_id)
        )
    )


def _platform_organisations(user: User) -> dict[str, Organisation]:
    """The organisations of the user's platform by lower-case name, contacts and links loaded."""
    return {
        o.name.lower(): o
        for o in db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.platform_id == user.platform_id)
            .options(selectinload(Organisation.contacts), selectinload(Organisation.municipalities))
        )
    }


@dataclass
class _RowCheck:
    """What checking a row needs: the user, the platform's lookups, what earlier rows brought."""

    user: User
    types: dict[str, int]
    municipalities: dict[str, Municipality]
    organisations: dict[str, Organisation]
    new_organisations: set[str] = field(default_factory=set)
    seen_contacts: dict[tuple[str, str], int] = field(default_factory=dict)

    def row(self, row: ImportRow) -> None:
        """Check one row, noting every problem on it."""
        _check_lengths(row)
        _check_single_lines(row)
        if not row.values["organisatie"]:
            row.errors.append(_l("De organisatie ontbreekt."))
            return
        existing = self.organisations.get(row.values["organisatie"].lower())
        self.organisation(row, existing)
        self.served_municipalities(row, existing)
        email = row.values["organisatie_email"]
        if email and _valid_email(email) is None:
            row.errors.append(_l("'%(value)s' is geen geldig e-mailadres.", value=email))
        if row.has_contact:
            self.contact(row, existing)

    def organisation(self, row: ImportRow, existing: Organisation | None) -> None:
        v = row.values
        row.organisation_exists = existing is not None
        if existing is None:
            row.type_id = self.types.get(v["type"].lower()) if v["type"] else None
            if row.type_id is None:
                row.errors.append(
                    _l("Onbekend type '%(type)s'.", type=v["type"])
                    if v["type"]
                    else _l("Het type ontbreekt voor de nieuwe organisatie.")
                )
            self.new_organisations.add(v["organisatie"].lower())

    def served_municipalities(self, row: ImportRow, existing: Organisation | None) -> None:
        for part in MUNICIPALITY_SEPARATORS.split(row.values["gemeenten"]):
            name = part.strip()
            if not name:
                continue
            municipality = self.municipalities.get(name.lower())
            if municipality is None:
                row.errors.append(_l("Onbekende gemeente '%(name)s'.", name=name))
            elif not can_edit_municipality(self.user, municipality):
                row.errors.append(_l("Je mag gemeente '%(name)s' niet beheren.", name=name))
            else:
                row.municipality_ids.append(municipality.id)
        if existing is None and not row.municipality_ids and not sees_all_municipalities(self.user):
            row.errors.append(_l("Geef minstens één van jouw gemeenten op."))

    def contact(self, row: ImportRow, existing: Organisation | None) -> None:
        v = row.values
        if not v["voornaam"] or not v["achternaam"]:
            row.errors.append(_l("Een contactpersoon heeft een voornaam en een achternaam nodig."))
        email = ""
        if v["email"]:
            email = _valid_email(v["email"]) or ""
            if not email:
                row.errors.append(_l("'%(value)s' is geen geldig e-mailadres.", value=v["email"]))
            else:
                v["email"] = email
        key = (
            v["organisatie"].lower(),
            email.lower() or f"{v['voornaam']} {v['achternaam']}".lower(),
        )
        if key in self.seen_contacts:
            row.errors.append(
                _l(
                    "Deze contactpersoon staat ook al op regel %(line)s.",
                    line=self.seen_contacts[key],
                )
            )
        self.seen_contacts.setdefault(key, row.number)
        if existing is not None:
            row.contact_exists = any(_same_contact(c, v) for c in existing.contacts)


def _check_lengths(row: ImportRow) -> None:
    for column, limit in MAX_LENGTHS.items():
        if len(row.values[column]) > limit:
            row.errors.append(
                _l("'%(column)s' is langer dan %(max)s tekens.", column=column, max=limit)
            )


def _check_single_lines(row: ImportRow) -> None:
    """Every column holds one line: a quoted line break in a name would reach a mail header."""
    for column, value in row.values.items():
        if not is_single_line(value):
            row.errors.append(not_single_line(f"'{column}'"))


def preview_import(user: User, text: str) -> ImportPreview:
    """Check every row against the database; nothing is written."""
    rows, separator = parse_csv(text)
    check = _RowCheck(
        user=user,
        types=_type_lookup(),
        municipalities={m.name.lower(): m for m in _platform_municipalities(user)},
        organisations=_platform_organisations(user),
    )
    for row in rows:
        check.row(row)
    return ImportPreview(
        rows=rows,
        separator=separator,
        new_organisations=len(check.new_organisations),
        new_contacts=sum(1 for r in rows if r.has_contact and not r.contact_exists),
        existing=sum(1 for r in rows if r.contact_exists),
    )


def _same_contact(contact: Contact, values: dict[str, str]) -> bool:
    if contact.erased_at is not None:
        return False
    if values["email"] and contact.email:
        return contact.email.lower() == values["email"].lower()
    return (contact.first_name.lower(), contact.last_name.lower()) == (
        values["voornaam"].lower(),
        values["achternaam"].lower(),
    )


@dataclass
class _Importer:
    """Writes the rows of a checked file, counting what it creates."""

    user: User
    organisations: dict[str, Organisation]
    municipalities: dict[int, Municipality]
    organisations_created: int = 0
    contacts_created: int = 0
    links_created: int = 0

    def row(self, row: ImportRow) -> None:
        organisation = self.organisations.get(row.values["organisatie"].lower())
        if organisation is None:
            organisation = self.new_organisation(row)
        for municipality_id in row.municipality_ids:
            if all(m.id != municipality_id for m in organisation.municipalities):
                organisation.municipalities.append(self.municipalities[municipality_id])
                self.links_created += 1
        if row.has_contact and not any(_same_contact(c, row.values) for c in organisation.contacts):
            self.new_contact(row, organisation)

    def new_organisation(self, row: ImportRow) -> Organisation:
        v = row.values
        organisation = Organisation(
            platform_id=self.user.platform_id,
            type_id=row.type_id,
            name=v["organisatie"],
            email=v["organisatie_email"],
            phone=v["organisatie_telefoon"],
            website=v["website"],
        )
        db.session.add(organisation)
        db.session.flush()
        self.organisations[organisation.name.lower()] = organisation
        self.organisations_created += 1
        audit.record(
            self.user, "organisation.import", organisation, summary=f"{organisation.name} (CSV)"
        )
        return organisation

    def new_contact(self, row: ImportRow, organisation: Organisation) -> None:
        v = row.values
        contact = Contact(
            organisation=organisation,
            first_name=v["voornaam"],
            last_name=v["achternaam"],
            job_title=v["functie"],
            email=v["email"],
            phone=v["telefoon"],
        )
        db.session.add(contact)
        db.session.flush()
        self.contacts_created += 1
        audit.record(
            self.user,
            "contact.import",
            contact,
            summary=f"{contact.full_name} ({organisation.name}, CSV)",
        )


def apply_import(user: User, text: str) -> ImportResult:
    """Import the whole file, or nothing: re-checks every row first (the request commits once).

    A Refusal when the file (no longer) passes the preview.
    """
    preview = preview_import(user, text)
    if not preview.valid:
        raise Refusal(
            _l(
                "Het bestand bevat %(count)s fout(en); er is niets ingelezen.",
                count=max(preview.error_count, 1),
            )
        )
    importer = _Importer(
        user=user,
        organisations=_platform_organisations(user),
        municipalities={m.id: m for m in _platform_municipalities(user)},
    )
    for row in preview.rows:
        importer.row(row)
    return ImportResult(
        importer.organisations_created, importer.contacts_created, importer.links_created
    )


# --- export ----------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """A cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def export_rows(user: User) -> Iterable[list[str]]:
    """The header and one row per contact (or per organisation without contacts); the
    municipalities column names only those the user may see, as the pages do."""
    scope = municipality_scope(user)
    organisations = db.session.scalars(
        sa.select(Organisation)
        .where(visible_organisations_filter(user))
        .options(
            selectinload(Organisation.contacts),
            selectinload(Organisation.municipalities),
            selectinload(Organisation.type),
        )
        .order_by(Organisation.name)
    ).all()
    yield list(COLUMNS)
    for org in organisations:
        base = [
            org.name,
            org.type.code,
            " | ".join(m.name for m in scope.shown(org.municipalities)),
            org.email,
            org.phone,
            org.website,
        ]
        contacts = [c for c in org.contacts if c.erased_at is None]
        if not contacts:
            yield [safe_cell(v) for v in [*base, "", "", "", "", ""]]
        for c in contacts:
            yield [
                safe_cell(v)
                for v in [*base, c.first_name, c.last_name, c.job_title, c.email, c.phone]
            ]


def export_csv(user: User) -> bytes:
    """UTF-8 with a byte order mark and ';' between cells: what Excel in Belgium opens as is."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(export_rows(user))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
