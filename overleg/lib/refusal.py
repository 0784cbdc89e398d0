"""The one exception for a change the rules refuse.

A service raises `Refusal(_l("..."), field="name")`; the view puts it on the form
(overleg.web.refusals). The message is a lazy translation, so it is rendered in the language of
the person who reads it, not in the language the service happened to run in.
"""

from __future__ import annotations

from flask_babel import LazyString


class Refusal(Exception):
    """The rules refuse a change: a message for the user and, when it has one, its form field."""

    def __init__(self, message: LazyString, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
