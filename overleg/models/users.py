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


class User(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Secret token of the user's calendar feed (all meetings the user may see); None when revoked.
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    platform: Mapped[Platform] = relationship()
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
