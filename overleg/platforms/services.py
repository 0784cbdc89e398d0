"""Creating a platform with its own reference data, and changing its settings. Services flush,
the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.auth import two_factor
from overleg.auth.accounts import checked_address
from overleg.directory.reference_data import add_theme_catalogue, ensure_organisation_types
from overleg.directory.services import apply_changes, record_changes, unique_slug
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import Platform, User
from overleg.models.versioning import versioned_edit
from overleg.platforms.logo import clean_logo

NAME_MAX = Platform.name.type.length
LOCATION_MAX = Platform.default_location.type.length
SIGNATURE_MAX = 1000
SIGNATURE_LINES = 12


def checked_line(value: str, field: str, max_length: int) -> str:
    """One line of text, trimmed; a Refusal on `field` when too long or not one line."""
    value = value.strip()
    if len(value) > max_length or not value.isprintable():
        raise Refusal(
            _l("Vul één regel van hoogstens %(max)d tekens in.", max=max_length), field=field
        )
    return value


def checked_name(name: str) -> str:
    """The platform's name, trimmed; a Refusal on the field "name" when empty or too long."""
    name = checked_line(name, "name", NAME_MAX)
    if not name:
        raise Refusal(_l("Geef het platform een naam."), field="name")
    return name


def checked_organiser_email(email: str) -> str:
    """A well-formed address, lower case (auth.accounts.checked_address); a Refusal on
    "organiser_email" that repeats what was typed otherwise."""
    try:
        return checked_address(email)
    except Refusal:
        raise Refusal(
            _l("Dit is geen geldig e-mailadres: %(email)s", email=email.strip()),
            field="organiser_email",
        ) from None


def platform_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another platform of this installation already has this name (any case)."""
    statement = sa.select(Platform.id).where(sa.func.lower(Platform.name) == name.lower())
    if exclude_id is not None:
        statement = statement.where(Platform.id != exclude_id)
    return db.session.scalar(statement.limit(1)) is not None


def create_platform(
    name: str, organiser_email: str, *, organiser_name: str = "", actor_label: str = ""
) -> Platform:
    """A new platform with a unique slug made from its name, the organisation types and its own
    theme catalogue (the five mandatory topics among them). Refuses an empty or taken name and a
    malformed address; flushes, does not commit."""
    name = checked_name(name)
    email = checked_organiser_email(organiser_email)
    organiser_name = checked_line(organiser_name, "organiser_name", NAME_MAX)
    if platform_name_taken(name):
        raise Refusal(
            _l("Er bestaat al een platform met de naam %(name)s.", name=name), field="name"
        )
    platform = Platform(
        name=name,
        slug=unique_slug(Platform, name),
        organiser_name=organiser_name or name,
        organiser_email=email,
    )
    db.session.add(platform)
    ensure_organisation_types()
    add_theme_catalogue(platform)
    audit.record(None, "platform.create", platform, summary=name, actor_label=actor_label)
    return platform


# --- the settings page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformSettings:
    """The settings a coordinator edits, as the settings form delivers them. A new setting is a
    field here, a column of Platform and a field of the form."""

    name: str
    organiser_name: str
    organiser_email: str
    mail_signature: str = ""
    default_location: str = ""
    default_start_time: time | None = None
    default_end_time: time | None = None
    require_two_factor_for_coordinators: bool = False

    def checked(self, platform: Platform) -> dict[str, Any]:
        """The columns to store; a Refusal on the field whose value the rules refuse."""
        name = checked_name(self.name)
        if platform_name_taken(name, platform.id):
            raise Refusal(
                _l("Er bestaat al een platform met de naam %(name)s.", name=name), field="name"
            )
        return {
            "name": name,
            "organiser_name": checked_line(self.organiser_name, "organiser_name", NAME_MAX),
            "organiser_email": checked_organiser_email(self.organiser_email),
            "mail_signature": checked_signature(self.mail_signature),
            "default_location": checked_line(
                self.default_location, "default_location", LOCATION_MAX
            ),
            **checked_hours(self.default_start_time, self.default_end_time),
        }


@dataclass(frozen=True)
class LogoChange:
    """What the form asks of the logo: a new file (its bytes as uploaded), its removal, or
    nothing."""

    upload: bytes | None = None
    remove: bool = False


def checked_signature(text: str) -> str:
    """A few lines of plain text; a Refusal on "mail_signature" when too long or when it holds
    control characters other than line breaks."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    signature = "\n".join(lines) if any(lines) else ""
    too_long = len(signature) > SIGNATURE_MAX or len(lines) > SIGNATURE_LINES
    if too_long or not all(line.isprintable() for line in lines):
        raise Refusal(
            _l(
                "Een handtekening is gewone tekst van hoogstens %(lines)d regels en %(max)d "
                "tekens.",
                lines=SIGNATURE_LINES,
                max=SIGNATURE_MAX,
            ),
            field="mail_signature",
        )
    return signature


def checked_hours(start: time | None, end: time | None) -> dict[str, time | None]:
    """The default hours of a new meeting: none, a start, or a start and a later end."""
    if end is not None and start is None:
        raise Refusal(_l("Vul ook het beginuur in."), field="default_start_time")
    if start is not None and end is not None and end <= start:
        raise Refusal(_l("Het einde moet na het begin liggen."), field="default_end_time")
    return {"default_start_time": start, "default_end_time": end}


def update_settings(
    user: User,
    platform: Platform,
    settings: PlatformSettings,
    logo: LogoChange,
    *,
    max_logo_bytes: int,
    expected_version: int | None = None,
) -> dict[str, list[Any]]:
    """Change the platform's settings and its logo; audited as "platform.update" with what
    changed (the two-factor requirement with its own entry). A refused value, logo or an older
    version changes nothing."""
    with versioned_edit(platform, expected_version):
        columns = settings.checked(platform)
        two_factor.require_for_coordinators(
            platform, settings.require_two_factor_for_coordinators, actor=user
        )
        if logo.upload is not None:
            cleaned = clean_logo(logo.upload, max_logo_bytes)
            columns |= {"logo": cleaned.data, "logo_mimetype": cleaned.mimetype}
        elif logo.remove:
            columns |= {"logo": None, "logo_mimetype": ""}
        with db.session.no_autoflush:  # reading the deferred logo must not write half a change
            changes = apply_changes(platform, columns)
        if "logo" in changes:  # the audit trail says that it changed, not the bytes
            changes["logo"] = [_logo_label(changes["logo"][0]), _logo_label(changes["logo"][1])]
        record_changes(user, "platform.update", platform, changes, summary=platform.name)
    return changes


def _logo_label(data: bytes | None) -> str:
    return f"{len(data)} bytes" if data else ""
