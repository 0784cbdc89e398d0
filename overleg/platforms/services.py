"""Creating a platform with its own reference data. Services flush, the caller commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.auth.accounts import checked_address
from overleg.directory.reference_data import add_theme_catalogue, ensure_organisation_types
from overleg.directory.services import unique_slug
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import Platform

NAME_MAX = Platform.name.type.length


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
