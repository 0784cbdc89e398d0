"""Changes a user makes to their own account. The request commits."""

from __future__ import annotations

from argon2 import PasswordHasher

from overleg.audit import services as audit
from overleg.auth import services as auth
from overleg.auth.accounts import end_sessions
from overleg.auth.passwords import check_new_password
from overleg.models import User


def change_password(
    user: User, new_password: str, hasher: PasswordHasher, *, keep_token: str | None
) -> None:
    """A new password (the policy checks it), and every other login session of the user ends."""
    check_new_password(new_password, email=user.email, name=user.name)
    user.password_hash = auth.hash_password(new_password, hasher)
    end_sessions(user, keep_token=keep_token)
    audit.record(user, "user.password_changed", user, summary="Wachtwoord gewijzigd")
