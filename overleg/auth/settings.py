"""The login's settings for the running app: the password hasher, the failed-login limit, and
the client's address. Shared by every page that checks a password or a code."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from flask import current_app, request

from overleg.auth import services


def login_policy() -> services.LoginPolicy:
    cfg = current_app.config
    return services.LoginPolicy(
        max_failures_per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_failures_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
        session_lifetime=timedelta(hours=cfg["SESSION_LIFETIME_HOURS"]),
    )


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return services.password_hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])


def client_address() -> str:
    return request.remote_addr or "unknown"
