"""Users, their login sessions and failed-login bookkeeping."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model, db
from overleg.models.directory import Municipality, Platform
from overleg.models.types import UTCDateTime, enum_type, utcnow
from overleg.models.versioning import Versioned


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"  # every municipality of the platform
    SECRETARY = "secretary"  # the assigned municipalities, may edit
    READER = "reader"  # the assigned municipalities, read only


user_municipality = sa.Table(
    "user_municipality",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "municipality_id",
        sa.ForeignKey("municipality.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class User(Versioned, Model):
    """An account. Versioned: the coordinators' page that changes its role and municipalities is
    an edit form (no lost updates); every UPDATE of the row raises the version, a login too."""

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # None until the user sets a password through a one-time link (overleg.auth.accounts).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Secret token of the user's calendar feed (all meetings the user may see); None when revoked.
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Two-factor login (TOTP, RFC 6238): the base32 secret, None while two-factor is off; it is
    # shown only while it is set up. The last time step a code was accepted for: a code is never
    # accepted twice, nor one of an earlier step.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    platform: Mapped[Platform] = relationship()
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RecoveryCode.id"
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=user_municipality, order_by="Municipality.name"
    )

    # Flask-Login protocol; the id handed to Flask-Login is the login session's token.
    # The login session's token, set per request; not a column (an annotation would map it).
    if TYPE_CHECKING:
        session_token: str | None
    else:
        session_token = None
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None


class RecoveryCode(Model):
    """One of the ten codes that stand in for the app once each; only the SHA-256 of the code
    (80 random bits) is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class LoginSession(Model):
    """A server-side session: logging out deletes the row, so an old cookie is worthless."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")

    user: Mapped[User] = relationship()


class LoginAttempt(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45), index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AccountLinkPurpose(enum.StrEnum):
    # The invitation of a new account, and "Wachtwoord vergeten?" (names, not passwords).
    SET_PASSWORD = "set_password"  # noqa: S105  # nosec B105
    RESET_PASSWORD = "reset_password"  # noqa: S105  # nosec B105


class AccountLink(Model):
    """A one-time link to set a password. Only the SHA-256 of its token is stored.

    It works once, until `expires_at`, and only while the user's password is the one it was
    issued for (`password_fingerprint`): setting a password through any way kills every older
    link of that user.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[AccountLinkPurpose] = mapped_column(
        enum_type(AccountLinkPurpose, "account_link_purpose")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordResetRequest(Model):
    """One "Wachtwoord vergeten?" request, recorded the same way whether the address has an
    account or not. The mail sender turns it into a link and a mail for an active account
    (overleg.auth.resets), so the request itself does the same work in both cases."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45), index=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
