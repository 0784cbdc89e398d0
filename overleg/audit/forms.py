"""Forms of the core pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional


class AuditFilterForm(FlaskForm):
    """The filters of the audit page (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    municipality = SelectField(_l("Gemeente"), choices=[], validators=[Optional()])
    user = SelectField(_l("Gebruiker"), choices=[], validators=[Optional()])
    action = SelectField(_l("Actie"), choices=[], validators=[Optional()])
