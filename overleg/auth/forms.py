from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from overleg.web.forms import Form


class LoginForm(Form):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(_l("Vul je e-mailadres in.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Vul je wachtwoord in.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
