"""Personal links: the pages behind a token that an invitee opens without an account.

An invitation's answer page (/rsvp/<token>) and a poll's (/poll/<token>) share what is here: the
state of a link, the headers that keep such a page private, the page for a link that does not
(or no longer) work, and the frame of the page (templates/mail/_personal_page.html).
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from flask import abort, make_response, render_template

# A personal page is for one person: never cached, never leaked through the Referer header.
PERSONAL_PAGE_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}

T = TypeVar("T")


class LinkState(enum.StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    REVOKED = "revoked"


def personal_page(
    template: str, status: int = 200, **context: Any
) -> tuple[str, int, dict[str, str]]:
    """A page behind a personal link, with the headers that keep it private."""
    return render_template(template, **context), status, dict(PERSONAL_PAGE_HEADERS)


def link_problem(state: LinkState) -> tuple[str, int, dict[str, str]]:
    """The page for a link that works no longer (410, revoked) or never did (404, unknown)."""
    revoked = state is LinkState.REVOKED
    return personal_page("mail/link_invalid.html", 410 if revoked else 404, revoked=revoked)


def opened(found: tuple[LinkState, T | None]) -> T:
    """What a personal link leads to (the answer of a `find...` function); a link that does not
    work ends the request with its `link_problem` page."""
    state, target = found
    if state is not LinkState.VALID or target is None:
        abort(make_response(link_problem(state)))
    return target
