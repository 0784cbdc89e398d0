"""A login half done: the password was right, the second factor is still to come.

The state lives in the signed Flask session (the client cannot forge or alter it) for a few
minutes, and holds no login session: none is opened before the code is right. It is bound to the
account's current password hash, so a password changed meanwhile ends it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import session

from overleg.extensions import db
from overleg.models import User

KEY = "pending_login"
LIFETIME = timedelta(minutes=5)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:32]


def hold(user: User, next_target: str | None, now: datetime) -> None:
    """Remember that `user` gave the right password; a fresh session (no fixation)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[KEY] = {
        "user": user.id,
        "until": (now + LIFETIME).timestamp(),
        "password": _fingerprint(user),
        "next": next_target or "",
    }


def pending_user(now: datetime) -> User | None:
    """The user half logged in, while the state is fresh and the account unchanged."""
    state = session.get(KEY)
    if not isinstance(state, dict) or float(state.get("until", 0)) <= now.timestamp():
        return None
    user = db.session.get(User, state.get("user"))
    if user is None or not user.active or not user.two_factor_enabled:
        return None
    if state.get("password") != _fingerprint(user):
        return None
    return user


def next_target() -> str | None:
    state = session.get(KEY)
    return str(state.get("next") or "") or None if isinstance(state, dict) else None


def drop() -> None:
    session.pop(KEY, None)
