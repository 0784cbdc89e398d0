from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    # Built for every page (base.html). An explicit (never shown) label keeps wtforms from
    # translating a default label, which loads its message catalogue from disk per request.
    language = HiddenField(label="")
    next = HiddenField(label="")
