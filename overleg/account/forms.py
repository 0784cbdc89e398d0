"""The forms of "Mijn account". Their field names differ, as they share one page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from overleg.auth.forms import SetPasswordForm
from overleg.web.forms import Form, choices

CODE_KW = {
    "autocomplete": "one-time-code",
    "autocapitalize": "none",
    "spellcheck": "false",
    "inputmode": "numeric",
}


class PasswordChangeForm(SetPasswordForm):
    """The new password twice (as through a one-time link), and the current one."""

    current_password = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(_l("Vul je huidige wachtwoord in.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class AccountLanguageForm(Form):
    language = SelectField(
        _l("Taal"),
        choices=choices([("nl", "Nederlands"), ("en", "English")]),
        validators=[DataRequired(_l("Kies een taal."))],
    )


class TwoFactorSetUpForm(Form):
    """Switching two-factor on: the secret shown (signed, in a hidden field) and one code of it."""

    secret = HiddenField(label="")
    code = StringField(
        _l("Code uit de app"),
        validators=[DataRequired(_l("Vul de code in die je app toont.")), Length(max=20)],
        render_kw=CODE_KW,
    )


class TwoFactorOffForm(Form):
    off_proof = PasswordField(
        _l("Je wachtwoord, of een code uit je app"),
        validators=[
            DataRequired(_l("Vul je wachtwoord of een code in.")),
            Length(max=1000),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class RecoveryCodesForm(Form):
    renew_code = StringField(
        _l("Code uit je app"),
        validators=[DataRequired(_l("Vul de code in die je app toont.")), Length(max=20)],
        render_kw=CODE_KW,
    )
