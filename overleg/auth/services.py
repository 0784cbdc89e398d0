"""Passwords, login sessions and the failed-login limit. No request or session in here.

Like every service these flush at most; the request commits (overleg.web.application). A refused
login is not a `Refusal`: its recorded attempt must be kept, so the login page catches
LoginRefused and returns normally, and the request commits the attempt with the page.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import joinedload

from overleg.extensions import db
from overleg.models import LoginAttempt, LoginSession, User
from overleg.models.types import utcnow


@dataclass(frozen=True)
class LoginPolicy:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=12)


def password_hasher(time_cost: int = 3, memory_cost: int = 65536) -> PasswordHasher:
    """argon2id with the given cost."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def hash_password(password: str, hasher: PasswordHasher) -> str:
    return hasher.hash(password)


def verify_password(user: User, password: str, hasher: PasswordHasher) -> bool:
    if user.password_hash is None:
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _stand_in_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash of a random password with the hasher's own cost: verified against for unknown
    addresses, so that a refusal costs the same time whether the account exists or not."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_urlsafe(32))


def credentials_match(user: User | None, password: str, hasher: PasswordHasher) -> bool:
    """The password check, with the same hashing work for an unknown or inactive account and
    for one that has no password yet."""
    if user is None or not user.active or user.password_hash is None:
        stand_in = _stand_in_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        with contextlib.suppress(VerificationError):
            hasher.verify(stand_in, password)
        return False
    return verify_password(user, password, hasher)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_throttled(email: str, ip_address: str, policy: LoginPolicy, now: datetime) -> bool:
    """True when the account or the address has had too many failures inside the window."""
    since = now - policy.window
    failures = sa.select(sa.func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
    )
    per_account = db.session.scalar(failures.where(LoginAttempt.email == normalise_email(email)))
    if (per_account or 0) >= policy.max_failures_per_account:
        return True
    per_address = db.session.scalar(failures.where(LoginAttempt.ip_address == ip_address))
    return (per_address or 0) >= policy.max_failures_per_address


class LoginRefused(Exception):
    """The login is refused. Unlike a `Refusal` nothing is rolled back: the failed attempt that
    authenticate() recorded counts towards the limit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "throttled" or "invalid"


def authenticate(
    email: str,
    password: str,
    ip_address: str,
    hasher: PasswordHasher,
    policy: LoginPolicy,
    now: datetime | None = None,
) -> User:
    """Check the credentials and record the attempt; raises LoginRefused (the attempt stays
    recorded: the caller commits it)."""
    now = now or utcnow()
    email = normalise_email(email)
    if is_throttled(email, ip_address, policy, now):
        raise LoginRefused("throttled")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    ok = credentials_match(user, password, hasher)
    db.session.add(LoginAttempt(email=email, ip_address=ip_address, succeeded=ok, at=now))
    if user is None or not ok:
        raise LoginRefused("invalid")
    if user.password_hash is not None and hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    user: User, ip_address: str, user_agent: str, policy: LoginPolicy, now: datetime | None = None
) -> str:
    """Create a server-side login session and return its secret token (for the cookie); the
    user's last login is now. That time is written past the version check: a login is no edit
    of the account, and must not turn a coordinator's open edit form of it into a conflict."""
    now = now or utcnow()
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(last_login_at=now),
        execution_options={"synchronize_session": "evaluate"},
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + policy.session_lifetime,
            ip_address=ip_address[:45],
            user_agent=user_agent[:300],
        )
    )
    return token


def user_for_session(token: str, now: datetime | None = None) -> User | None:
    now = now or utcnow()
    row = db.session.scalar(
        sa.select(LoginSession)
        .where(LoginSession.token_hash == _token_hash(token))
        # every request: one query, not three (the platform: must_set_up_two_factor)
        .options(joinedload(LoginSession.user).joinedload(User.platform))
    )
    if row is None or row.expires_at <= now or not row.user.active:
        return None
    user = row.user
    user.session_token = token
    return user


def close_session(token: str) -> None:
    db.session.execute(sa.delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def recheck(
    user: User, check: Callable[[], bool], ip_address: str, policy: LoginPolicy, now: datetime
) -> None:
    """A second look at who is there (a code after the password, the password again before a
    change of the account): throttled like the login, and a failure counts like a failed login.
    Raises LoginRefused; the caller keeps the recorded failure (it returns normally)."""
    if is_throttled(user.email, ip_address, policy, now):
        raise LoginRefused("throttled")
    if not check():
        db.session.add(
            LoginAttempt(email=user.email, ip_address=ip_address, succeeded=False, at=now)
        )
        raise LoginRefused("invalid")
