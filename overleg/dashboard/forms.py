from __future__ import annotations

from wtforms import HiddenField

from overleg.web.forms import Form


class LanguageForm(Form):
    # Built for every page (base.html). An explicit (never shown) label keeps wtforms from
    # translating a default label, which loads its message catalogue from disk per request.
    language = HiddenField(label="")
    next = HiddenField(label="")
