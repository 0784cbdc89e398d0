"""Secret tokens for links that work without an account (answer pages, calendar feeds).

A token is 32 random bytes from `secrets` (256 bits), URL-safe: it cannot be guessed or
enumerated. Tokens are compared by the database's unique index lookup; a revoked token is kept
(so the page can say it was revoked) but no longer grants anything.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-].
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str) -> bool:
    """Whether `token` has the shape of one of ours (checked before touching the database)."""
    return bool(_SHAPE.match(token))


def digest(token: str) -> str:
    """What is stored of a token that only needs to be recognised (SHA-256, hex): a copy of the
    database then holds no working link."""
    return hashlib.sha256(token.encode()).hexdigest()
