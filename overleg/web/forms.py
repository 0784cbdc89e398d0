"""Forms every feature shares."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button with nothing but the CSRF token: a state change confirmed by one POST."""
