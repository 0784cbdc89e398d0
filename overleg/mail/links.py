"""Personal links: the pages behind a token that an invitee opens without an account."""

from __future__ import annotations

import enum

# A personal page is for one person: never cached, never leaked through the Referer header.
PERSONAL_PAGE_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


class LinkState(enum.StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
