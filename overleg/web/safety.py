"""Input that no page may receive, and redirect targets that stay on this site.

Two mechanisms, each in one place (issue 11):
- `refuse_control_characters` runs before every request: a NUL or another control character in
  the path or a query parameter, or in a form value (where only tab and line breaks may appear,
  for text areas), answers 400 before any view or database sees it. PostgreSQL refuses NUL in
  text, SQLite stores it; neither is anything a person types.
- `safe_redirect_target` is the only judge of a `next=` target: a path on this site, or nothing.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Flask, render_template, request
from flask_babel import gettext as _

from overleg.web.types import ViewResponse

# C0 controls and DEL; in form values tab, line feed and carriage return are allowed (text areas).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_REDIRECT_LENGTH = 2000


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    pattern = CONTROL_CHARACTERS_IN_TEXT if multiline else CONTROL_CHARACTERS
    return pattern.search(value) is not None


def _request_is_clean() -> bool:
    if has_control_characters(request.path):
        return False
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            return False
    for key, value in request.form.items(multi=True):
        if has_control_characters(key) or has_control_characters(value, multiline=True):
            return False
    return True


def refuse_control_characters() -> ViewResponse | None:
    if _request_is_clean():
        return None
    if request.path.startswith("/api/"):
        return {"error": "Bad Request", "status": 400}, 400
    message = _(
        "De aanvraag bevat een stuurteken (zoals een nul-teken) dat geen tekst is. Er werd niets "
        "bewaard: verwijder het en probeer opnieuw."
    )
    return render_template("errors/error.html", code=400, message=message), 400


def safe_redirect_target(target: str | None) -> str | None:
    """`target` when it is a path on this site; None for anything a browser could take elsewhere.

    Browsers drop tabs and line breaks from a Location and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" would leave the site: such targets are refused,
    as are encoded ones ("/%2F%2Fevil.example") and anything with a scheme or a host.
    """
    if not target or len(target) > MAX_REDIRECT_LENGTH:
        return None
    for candidate in (target, unquote(target)):
        if has_control_characters(candidate) or "\\" in candidate:
            return None
        if not candidate.startswith("/") or candidate.startswith("//"):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target


def init_app(app: Flask) -> None:
    app.before_request(refuse_control_characters)
