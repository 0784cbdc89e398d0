"""Forms of the coordinators' accounts page: every message Dutch, lengths as the columns."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField

# WTForms 3.3's enum helpers, which its type stubs (types-WTForms 3.2) do not describe yet.
from wtforms.fields.choices import enum_choices, enum_coerce  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, Length

from overleg.auth.user_admin import AccountStatus
from overleg.models import Role, User
from overleg.web.forms import (
    Form,
    MultiCheckboxField,
    SelectChoice,
    StrippedStringField,
    choices,
    field_messages,
)
from overleg.web.versions import VersionedForm

ROLE_LABELS = {
    Role.COORDINATOR: _l("Coördinator"),
    Role.SECRETARY: _l("Secretaris"),
    Role.READER: _l("Lezer"),
}

STATUS_LABELS = {
    AccountStatus.ACTIVE: _l("actief"),
    AccountStatus.INVITED: _l("uitnodiging nog niet aanvaard"),
    AccountStatus.DEACTIVATED: _l("gedeactiveerd"),
}

INVALID_CHOICE = _l("Maak een geldige keuze.")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _role_field() -> SelectField:
    return SelectField(
        _l("Rol"),
        choices=enum_choices(Role, label=lambda role: ROLE_LABELS[role]),
        coerce=enum_coerce(Role),
        default=Role.SECRETARY,
        **field_messages(
            invalid_choice_message=INVALID_CHOICE, invalid_value_message=INVALID_CHOICE
        ),
    )


def _municipalities_field() -> MultiCheckboxField:
    return MultiCheckboxField(
        _l("Gemeenten"),
        coerce=int,
        choices=[],
        **field_messages(
            invalid_choice_message=_l("Kies alleen gemeenten uit de lijst."),
            invalid_value_message=_l("Kies alleen gemeenten uit de lijst."),
        ),
    )


class InviteUserForm(Form):
    name = StrippedStringField(
        _l("Naam"),
        validators=[
            DataRequired(_l("Vul de naam in.")),
            Length(max=200, message=_l("Maximaal %(max)d tekens.", max=200)),
        ],
    )
    email = EmailField(
        _l("E-mailadres"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Vul het e-mailadres in.")),
            Length(max=254, message=_l("Maximaal %(max)d tekens.", max=254)),
            Email(message=_l("Dit is geen geldig e-mailadres."), check_deliverability=False),
        ],
    )
    role = _role_field()
    municipalities = _municipalities_field()


class AssignmentForm(VersionedForm):
    """A user's role and municipalities."""

    role = _role_field()
    municipalities = _municipalities_field()

    def fill_from(self, account: User) -> None:
        """Show the account as stored and start from its version."""
        self.role.data = account.role
        self.municipalities.data = [m.id for m in account.municipalities]
        self.start_from(account.version)


def municipality_choices(municipalities: list[Any]) -> list[SelectChoice]:
    return choices((m.id, m.name) for m in municipalities)
