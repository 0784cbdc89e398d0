"""flask --app overleg users create|list|deactivate|two-factor-off: accounts from the command
line.

`users create` makes a user without a password and prints only the one-time link to set one on
standard output (so a script can take it), messages go to standard error; the same link is
queued as a mail. A password is never a command argument. Bad input changes nothing and exits
non-zero with a message in the interface language.
"""

from __future__ import annotations

from collections.abc import Sequence

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import gettext as _

from overleg.auth import accounts, two_factor
from overleg.extensions import db
from overleg.lib.dates import short_datetime
from overleg.lib.refusal import Refusal
from overleg.models import AccountLinkPurpose, Municipality, Platform, User


@click.group("users")
def users_group() -> None:
    """Accounts: create a user (who sets a password through a link), list, deactivate."""


def _platform(slug: str) -> Platform:
    platform = db.session.scalar(sa.select(Platform).where(Platform.slug == slug.strip()))
    if platform is None:
        raise click.ClickException(_("Onbekend platform: %(slug)s", slug=slug))
    return platform


def _municipalities(platform: Platform, slugs: Sequence[str]) -> list[Municipality]:
    found = []
    for slug in slugs:
        municipality = db.session.scalar(
            sa.select(Municipality).where(Municipality.slug == slug.strip())
        )
        if municipality is None:
            raise click.ClickException(_("Onbekende gemeente: %(slug)s", slug=slug))
        found.append(municipality)
    return found


def _user(email: str) -> User:
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )
    if user is None:
        raise click.ClickException(_("Geen account met het adres %(email)s.", email=email))
    return user


def _refused(refusal: Refusal) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(refusal.message))


@users_group.command("create")
@click.option("--platform", "platform_slug", required=True, help="The platform's slug.")
@click.option("--email", required=True, help="The user's e-mail address (the login).")
@click.option("--name", required=True, help="The user's name.")
@click.option("--role", required=True, help="coordinator, secretary or reader.")
@click.option(
    "--municipality",
    "municipality_slugs",
    multiple=True,
    help="A municipality (slug) of a secretary or reader; repeat for more.",
)
@with_appcontext
def create_command(
    platform_slug: str, email: str, name: str, role: str, municipality_slugs: tuple[str, ...]
) -> None:
    """Create a user without a password; print the one-time link to set one (also mailed)."""
    platform = _platform(platform_slug)
    municipalities = _municipalities(platform, municipality_slugs)
    purpose = AccountLinkPurpose.SET_PASSWORD
    try:
        user = accounts.create_user(
            platform, email=email, name=name, role=role, municipalities=municipalities
        )
        url = accounts.issue_password_link(user, purpose)
        accounts.queue_password_mail(user, url, purpose)
    except Refusal as refusal:
        raise _refused(refusal) from None
    db.session.commit()
    days = int(accounts.link_lifetime(purpose).days)
    click.echo(
        _(
            "Account aangemaakt voor %(email)s. De link hieronder (ook gemaild) werkt één keer, "
            "%(days)d dagen lang:",
            email=user.email,
            days=days,
        ),
        err=True,
    )
    click.echo(url)


def _status(user: User) -> str:
    if not user.active:
        return str(_("gedeactiveerd"))
    if user.password_hash is None:
        return str(_("nog geen wachtwoord"))
    return str(_("actief"))


@users_group.command("list")
@click.option("--platform", "platform_slug", default=None, help="Only this platform's users.")
@with_appcontext
def list_command(platform_slug: str | None) -> None:
    """List the users: address, name, role, platform, municipalities, status, last login."""
    platform = _platform(platform_slug) if platform_slug else None
    for user in accounts.users_of(platform):
        municipalities = ",".join(m.slug for m in user.municipalities) or "-"
        last_login = short_datetime(user.last_login_at) if user.last_login_at else "-"
        click.echo(
            "\t".join(
                (
                    user.email,
                    user.name,
                    user.role.value,
                    user.platform.slug,
                    municipalities,
                    _status(user),
                    last_login,
                )
            )
        )


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Switch an account off: its sessions end at once and it can no longer log in."""
    user = _user(email)
    try:
        accounts.deactivate_user(user, actor=None)
    except Refusal as refusal:
        raise _refused(refusal) from None
    db.session.commit()
    click.echo(_("Gedeactiveerd: %(email)s", email=user.email), err=True)


@users_group.command("two-factor-off")
@click.argument("email")
@with_appcontext
def two_factor_off_command(email: str) -> None:
    """Switch two-factor off for someone who lost both the app and the recovery codes (check who
    asks first). A coordinator whose platform requires it sets it up again at the next login."""
    user = _user(email)
    if not user.two_factor_enabled:
        raise click.ClickException(
            _("%(email)s heeft geen tweestapsverificatie aan.", email=user.email)
        )
    two_factor.reset(user, actor=None)
    db.session.commit()
    click.echo(_("Tweestapsverificatie uitgezet voor %(email)s.", email=user.email), err=True)
