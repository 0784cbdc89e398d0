"""Forms every feature shares, and the one bridge to WTForms' newest API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm

# WTForms 3.3's choices API, which its type stubs (types-WTForms 3.2) do not describe yet:
# imported here once, for every feature.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

__all__ = ["ConfirmForm", "SelectChoice", "choices", "field_messages"]


class ConfirmForm(FlaskForm):
    """A button with nothing but the CSRF token: a state change confirmed by one POST."""


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def field_messages(**messages: Any) -> dict[str, Any]:
    """A field's `invalid_value_message` / `invalid_choice_message` arguments: WTForms 3.3 takes
    them, its type stubs (types-WTForms 3.2) do not know them yet."""
    return messages
