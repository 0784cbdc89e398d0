"""Accounts: creating users, one-time password links, setting a password, ending sessions,
deactivating and reactivating. Services in the house style: they add and flush, write the audit
trail and queue mail in the caller's transaction, and raise `Refusal`; the caller commits.

One-time links (`AccountLink`): a token of 256 random bits (overleg.lib.tokens) goes into the
mail; only its SHA-256 is stored. A link works once (a conditional UPDATE marks it used, so two
simultaneous uses cannot both win), until it expires (a reset link after an hour, an invitation
after a week: settings), and only while the password it was issued for is unchanged: it carries
a fingerprint of the password hash at issue time, so setting a password kills every older link.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from overleg.audit import services as audit
from overleg.auth.passwords import check_new_password
from overleg.extensions import db
from overleg.lib import tokens
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.messages import HeaderInjectionError, build_message, clean_address, one_line
from overleg.mail.settings import MailSettings, sender_for
from overleg.models import (
    AccountLink,
    AccountLinkPurpose,
    LoginSession,
    Municipality,
    Platform,
    Role,
    User,
)
from overleg.models.types import utcnow
from overleg.web.safety import has_control_characters

COMMAND_LINE = "flask users"  # the audit trail's actor for changes made on the command line
MAIL_KINDS = {
    AccountLinkPurpose.SET_PASSWORD: "account_invitation",
    AccountLinkPurpose.RESET_PASSWORD: "password_reset",
}
NEEDS_MUNICIPALITIES = frozenset({Role.SECRETARY, Role.READER})


def token_hash(token: str) -> str:
    return tokens.digest(token)


# --- creating users ----------------------------------------------------------------------------


def checked_address(email: str) -> str:
    """A well-formed address, lower case; Refusal on the field "email" otherwise."""
    email = email.strip().lower()
    try:
        if len(email) > 254 or has_control_characters(email):
            raise EmailNotValidError(email)
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
        clean_address(email)
    except (EmailNotValidError, HeaderInjectionError):
        raise Refusal(_l("Dit is geen geldig e-mailadres."), field="email") from None
    return email


def ensure_address_free(email: str, *, except_user: User | None = None) -> None:
    """Refuse an address another account already has (compared without case)."""
    statement = sa.select(User.id).where(sa.func.lower(User.email) == email.strip().lower())
    if except_user is not None:
        statement = statement.where(User.id != except_user.id)
    if db.session.scalar(statement.limit(1)) is not None:
        raise Refusal(_l("Er bestaat al een account met dit e-mailadres."), field="email")


def checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Refusal(_l("Vul een naam in."), field="name")
    if len(name) > 200 or has_control_characters(name):
        raise Refusal(_l("Een naam is één regel van hoogstens 200 tekens."), field="name")
    return name


def checked_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Refusal(
            _l("Onbekende rol: kies coordinator, secretary of reader."), field="role"
        ) from None


def checked_municipalities(
    platform: Platform, role: Role, municipalities: Sequence[Municipality]
) -> list[Municipality]:
    """The municipalities of a user with this role: a coordinator sees every municipality of
    the platform (none are stored), a secretary or reader needs at least one, all of the
    platform."""
    if role is Role.COORDINATOR:
        return []
    if any(m.platform_id != platform.id for m in municipalities):
        raise Refusal(
            _l("Een gemeente hoort niet bij het platform %(platform)s.", platform=platform.name),
            field="municipalities",
        )
    if not municipalities:
        raise Refusal(
            _l("Kies minstens één gemeente voor een secretaris of een lezer."),
            field="municipalities",
        )
    return list(dict.fromkeys(municipalities))


def create_user(
    platform: Platform,
    *,
    email: str,
    name: str,
    role: Role | str,
    municipalities: Sequence[Municipality],
    actor: User | None = None,
) -> User:
    """A new active user without a password (they set one through `issue_password_link`)."""
    email = checked_address(email)
    name = checked_name(name)
    chosen_role = checked_role(role)
    chosen = checked_municipalities(platform, chosen_role, municipalities)
    ensure_address_free(email)
    user = User(
        platform=platform, email=email, name=name, role=chosen_role, active=True, password_hash=None
    )
    user.municipalities = chosen
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        user,
        summary=f"{name} <{email}>, {chosen_role.value}",
        details={"role": chosen_role.value, "municipalities": [m.slug for m in chosen]},
        actor_label="" if actor else COMMAND_LINE,
    )
    return user


# --- sessions, deactivation --------------------------------------------------------------------


def end_sessions(user: User, *, keep_token: str | None = None) -> int:
    """End every login session of the user (but the one of `keep_token`); how many ended."""
    statement = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token is not None:
        statement = statement.where(LoginSession.token_hash != token_hash(keep_token))
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def ensure_coordinator_remains(
    user: User, *, role: Role | None = None, active: bool | None = None
) -> None:
    """Refuse a change that would leave the user's platform without an active coordinator.

    `role` and `active` are what the user would have after the change (None: unchanged). The
    platform's active coordinators are read with FOR UPDATE, so two coordinators demoting each
    other at the same moment cannot both succeed (PostgreSQL; SQLite has one writer at a time).
    """
    stays_role = role if role is not None else user.role
    stays_active = active if active is not None else user.active
    if not user.active or user.role is not Role.COORDINATOR:
        return
    if stays_role is Role.COORDINATOR and stays_active:
        return
    coordinators = db.session.scalars(
        sa.select(User.id)
        .where(
            User.platform_id == user.platform_id,
            User.role == Role.COORDINATOR,
            User.active.is_(True),
        )
        .with_for_update()
    ).all()
    if not any(other != user.id for other in coordinators):
        raise Refusal(
            _l(
                "%(name)s is de laatste actieve coördinator van dit platform. Maak eerst iemand "
                "anders coördinator.",
                name=user.name,
            )
        )


def deactivate_user(user: User, *, actor: User | None) -> None:
    """Switch the account off: every session ends at once, links stop working, login fails."""
    if not user.active:
        return
    ensure_coordinator_remains(user, active=False)
    user.active = False
    ended = end_sessions(user)
    audit.record(
        actor,
        "user.deactivate",
        user,
        summary=f"{user.name} <{user.email}>",
        details={"sessions_ended": ended},
        actor_label="" if actor else COMMAND_LINE,
    )


def reactivate_user(user: User, *, actor: User | None) -> None:
    if user.active:
        return
    user.active = True
    audit.record(
        actor,
        "user.reactivate",
        user,
        summary=f"{user.name} <{user.email}>",
        actor_label="" if actor else COMMAND_LINE,
    )


# --- passwords ---------------------------------------------------------------------------------


def set_password(
    user: User,
    password: str,
    *,
    hasher: PasswordHasher,
    actor: User | None,
    keep_token: str | None = None,
) -> None:
    """Check the policy, store the new hash and end the user's other sessions (all of them
    unless `keep_token` names the one to keep). Every older one-time link dies with the old
    hash."""
    check_new_password(password, email=user.email, name=user.name)
    user.password_hash = hasher.hash(password)
    ended = end_sessions(user, keep_token=keep_token)
    audit.record(
        actor,
        "user.password_set",
        user,
        summary=f"{user.name} <{user.email}>",
        details={"sessions_ended": ended},
    )


# --- one-time links ----------------------------------------------------------------------------


class LinkState(enum.StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"  # never issued (or the account is switched off: we do not say)
    USED = "used"  # used, or the password changed since it was issued
    EXPIRED = "expired"


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does (also from none to one)."""
    return hashlib.sha256(b"account-link\0" + (user.password_hash or "").encode()).hexdigest()


def link_lifetime(purpose: AccountLinkPurpose) -> timedelta:
    config = current_app.config
    if purpose is AccountLinkPurpose.RESET_PASSWORD:
        return timedelta(minutes=int(config["PASSWORD_RESET_LINK_MINUTES"]))
    return timedelta(days=int(config["ACCOUNT_LINK_DAYS"]))


def password_link_url(token: str) -> str:
    return f"{MailSettings.from_config(current_app.config).base_url}/password/{token}"


def issue_password_link(
    user: User, purpose: AccountLinkPurpose | str, *, now: datetime | None = None
) -> str:
    """A new one-time link for the user to set a password; the absolute URL (from BASE_URL)."""
    purpose = AccountLinkPurpose(purpose)
    now = now or utcnow()
    token = tokens.new_token()
    db.session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            password_fingerprint=password_fingerprint(user),
            created_at=now,
            expires_at=now + link_lifetime(purpose),
        )
    )
    return password_link_url(token)


def revoke_links(
    user: User, purpose: AccountLinkPurpose | str, *, now: datetime | None = None
) -> int:
    """Spend every unused link of the user for this purpose (a new invitation replaces the
    older ones); how many were spent."""
    spent = db.session.execute(
        sa.update(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == AccountLinkPurpose(purpose),
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(spent, "rowcount", 0) or 0)


def find_link(token: str, *, now: datetime | None = None) -> tuple[LinkState, AccountLink | None]:
    """The link behind a token and whether it still works."""
    if not tokens.well_formed(token):
        return LinkState.UNKNOWN, None
    expected = token_hash(token)
    link = db.session.scalar(
        sa.select(AccountLink)
        .where(AccountLink.token_hash == expected)
        .options(joinedload(AccountLink.user))
    )
    # Found through the hash's unique index; compared once more in constant time.
    if link is None or not hmac.compare_digest(link.token_hash, expected) or not link.user.active:
        return LinkState.UNKNOWN, None
    if link.used_at is not None or not hmac.compare_digest(
        link.password_fingerprint, password_fingerprint(link.user)
    ):
        return LinkState.USED, link
    if link.expires_at <= (now or utcnow()):
        return LinkState.EXPIRED, link
    return LinkState.VALID, link


def set_password_with_link(
    token: str, password: str, *, hasher: PasswordHasher, now: datetime | None = None
) -> User:
    """Use a one-time link: set the password, end every session of the user, spend the link."""
    now = now or utcnow()
    state, link = find_link(token, now=now)
    if state is not LinkState.VALID or link is None:
        raise Refusal(_l("Deze link werkt niet meer. Vraag hieronder een nieuwe aan."))
    user = link.user
    set_password(user, password, hasher=hasher, actor=user)
    spent = db.session.execute(
        sa.update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(spent, "rowcount", 0):  # someone used it a moment ago
        raise Refusal(_l("Deze link werkt niet meer. Vraag hieronder een nieuwe aan."))
    return user


# --- the mail with the link --------------------------------------------------------------------


def mail_locale(user: User, fallback: str | None = None) -> str:
    """The language of the user's mail: theirs, else the one they asked in, else Dutch."""
    for locale in (user.locale, fallback):
        if locale in ("nl", "en"):
            return str(locale)
    return "nl"


def queue_password_mail(
    user: User, url: str, purpose: AccountLinkPurpose | str, *, locale: str | None = None
) -> None:
    """Queue the mail with a one-time link in the user's language (`locale`: the language of
    the page it was asked for, when the user has not chosen one)."""
    purpose = AccountLinkPurpose(purpose)
    settings = MailSettings.from_config(current_app.config)
    minutes = int(link_lifetime(purpose).total_seconds() // 60)
    context = {
        "user": user,
        "url": url,
        "platform": user.platform,
        "reset": purpose is AccountLinkPurpose.RESET_PASSWORD,
        "minutes": minutes,
        "days": minutes // (24 * 60),
        "forgot_url": f"{settings.base_url}/password/forgot",
    }
    env = current_app.jinja_env
    with force_locale(mail_locale(user, locale)):
        text = env.get_template("mail/messages/password.txt").render(**context)
        if context["reset"]:
            subject = _("Een nieuw wachtwoord voor overleg")
        else:
            subject = _("Je account voor %(platform)s", platform=one_line(user.platform.name))
    message = build_message(
        sender=sender_for(user.platform, settings),
        to_address=user.email,
        to_name=one_line(user.name),
        subject=subject,
        text=text,
    )
    outbox.enqueue(
        message, kind=MAIL_KINDS[purpose], to_address=user.email, to_name=one_line(user.name)
    )


def users_of(platform: Platform | None = None) -> list[User]:
    """Every user (of one platform), by platform and name, with their municipalities."""
    statement = sa.select(User).join(User.platform).order_by(Platform.slug, User.name, User.email)
    if platform is not None:
        statement = statement.where(User.platform_id == platform.id)
    return list(db.session.scalars(statement.options(joinedload(User.municipalities))).unique())
