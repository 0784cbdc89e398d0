"""Forms of the directory: every message Dutch, every length checked against its column."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    SearchField,
    SelectField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
)

# WTForms 3.3's enum helpers, which its type stubs (types-WTForms 3.2) do not describe yet.
from wtforms.fields.choices import enum_choices, enum_coerce  # type: ignore[attr-defined]
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from overleg.models import InviteeRole
from overleg.web.forms import (
    DayField,
    Form,
    MultiCheckboxField,
    SelectChoice,
    StrippedStringField,
    YearField,
    field_messages,
)
from overleg.web.versions import VersionedForm

WEEKDAYS = [
    SelectChoice(1, _l("maandag")),
    SelectChoice(2, _l("dinsdag")),
    SelectChoice(3, _l("woensdag")),
    SelectChoice(4, _l("donderdag")),
    SelectChoice(5, _l("vrijdag")),
    SelectChoice(6, _l("zaterdag")),
    SelectChoice(7, _l("zondag")),
]
WEEKDAY_LABELS = {choice.value: choice.label for choice in WEEKDAYS}

ROLE_LABELS = {
    InviteeRole.REQUIRED: _l("Verplicht uitgenodigd"),
    InviteeRole.OPTIONAL: _l("Facultatief"),
    InviteeRole.CHAIR: _l("Voorzitter"),
    InviteeRole.SECRETARY: _l("Secretaris"),
}

INVALID_CHOICE = _l("Maak een geldige keuze.")


def _bad_choice(choice: Any, value: Any = INVALID_CHOICE) -> dict[str, Any]:
    """The messages of a select for a value not among its choices and for a value its `coerce`
    cannot read."""
    return field_messages(invalid_choice_message=choice, invalid_value_message=value)


def _too_long(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Maximaal %(max)d tekens.", max=maximum))


def _required(message: Any) -> DataRequired:
    return DataRequired(message=message)


def _role_field(label: Any, **kwargs: Any) -> SelectField:
    return SelectField(
        label,
        choices=enum_choices(InviteeRole, label=lambda role: ROLE_LABELS[role]),
        coerce=enum_coerce(InviteeRole),
        **_bad_choice(INVALID_CHOICE),
        **kwargs,
    )


def _id_field(label: Any) -> SelectField:
    """A select whose values are ids; garbage in the submitted value is a field error."""
    return SelectField(
        label,
        choices=[],
        coerce=int,
        **_bad_choice(INVALID_CHOICE),
    )


def _nis_code_field(label: Any) -> StrippedStringField:
    """An optional NIS code: five digits."""
    return StrippedStringField(
        label,
        validators=[
            Optional(),
            Regexp(r"^\d{5}$", message=_l("Een NIS-code bestaat uit vijf cijfers.")),
        ],
    )


class MunicipalityForm(VersionedForm):
    name = StrippedStringField(
        _l("Naam"), validators=[_required(_l("Vul de naam van de gemeente in.")), _too_long(120)]
    )
    nis_code = _nis_code_field(_l("NIS-code"))
    meetings_per_year = IntegerField(
        _l("Vergaderingen per jaar"),
        default=2,
        validators=[
            InputRequired(_l("Vul het aantal vergaderingen per jaar in.")),
            NumberRange(1, 12, message=_l("Kies een aantal van 1 tot 12.")),
        ],
    )
    preferred_weekdays = MultiCheckboxField(
        _l("Voorkeursdagen"),
        coerce=int,
        choices=WEEKDAYS,
        default=[1, 2, 3, 4],
        **_bad_choice(_l("Geen geldige dag: %(value)s.")),
    )
    window_start = TimeField(
        _l("Vroegste begin"),
        default=time(9, 0),
        validators=[InputRequired(_l("Vul een uur in, bv. 09:00."))],
    )
    window_end = TimeField(
        _l("Laatste einde"),
        default=time(17, 0),
        validators=[InputRequired(_l("Vul een uur in, bv. 17:00."))],
    )
    meeting_duration_minutes = IntegerField(
        _l("Duur van een vergadering (minuten)"),
        default=120,
        validators=[
            InputRequired(_l("Vul de duur in minuten in.")),
            NumberRange(15, 600, message=_l("Kies een duur van 15 tot 600 minuten.")),
        ],
    )
    usual_location = StrippedStringField(_l("Gebruikelijke locatie"), validators=[_too_long(300)])
    min_spacing_days = IntegerField(
        _l("Minimaal aantal dagen tussen twee vergaderingen"),
        default=90,
        validators=[
            InputRequired(_l("Vul een aantal dagen in.")),
            NumberRange(0, 365, message=_l("Kies een aantal van 0 tot 365 dagen.")),
        ],
    )

    def validate_preferred_weekdays(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Kies minstens één dag."))

    def validate_window_end(self, field: Field) -> None:
        start, end = self.window_start.data, field.data
        if start is None or end is None:
            return
        if end <= start:
            raise ValidationError(_l("Het einde moet na het begin liggen."))
        duration = self.meeting_duration_minutes.data
        window = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if isinstance(duration, int) and duration > window:
            raise ValidationError(_l("Een vergadering past niet in dit tijdvenster."))


class StandingInviteeForm(Form):
    contact = _id_field(_l("Persoon"))
    role = _role_field(_l("Rol"), default=InviteeRole.REQUIRED)


class ThemeInviteeForm(Form):
    """Someone a theme brings to the meetings that have it on the agenda: a person ("c:ID") or
    an organisation ("o:ID"), for one municipality (its slug) or all (empty)."""

    who = SelectField(
        _l("Persoon of organisatie"),
        choices=[],
        validators=[InputRequired(_l("Kies een persoon of een organisatie."))],
        **_bad_choice(INVALID_CHOICE),
    )
    municipality = SelectField(
        _l("Voor"), choices=[], validators=[Optional()], **_bad_choice(INVALID_CHOICE)
    )
    role = _role_field(_l("Rol"), default=InviteeRole.OPTIONAL)


class StandingInviteeRoleForm(VersionedForm):
    role = _role_field(_l("Rol"))


class DeleteContactForm(Form):
    confirm = BooleanField(
        _l("Ik begrijp dat deze persoon definitief verwijderd wordt."),
        validators=[DataRequired(_l("Bevestig het verwijderen."))],
    )


class OrganisationForm(VersionedForm):
    name = StrippedStringField(
        _l("Naam"), validators=[_required(_l("Vul de naam van de organisatie in.")), _too_long(200)]
    )
    type_id = _id_field(_l("Soort"))
    email = EmailField(
        _l("Algemeen e-mailadres"),
        validators=[
            Optional(),
            _too_long(254),
            Email(message=_l("Dit is geen geldig e-mailadres."), check_deliverability=False),
        ],
    )
    phone = TelField(_l("Telefoon"), validators=[Optional(), _too_long(40)])
    website = URLField(
        _l("Website"),
        validators=[
            Optional(),
            _too_long(300),
            URL(message=_l("Dit is geen geldig webadres (begin met https://).")),
        ],
    )
    municipalities = MultiCheckboxField(
        _l("Werkt voor de gemeenten"),
        coerce=int,
        choices=[],
        **_bad_choice(_l("Kies alleen gemeenten uit de lijst.")),
    )


class ContactForm(VersionedForm):
    first_name = StrippedStringField(
        _l("Voornaam"), validators=[_required(_l("Vul de voornaam in.")), _too_long(100)]
    )
    last_name = StrippedStringField(
        _l("Familienaam"), validators=[_required(_l("Vul de familienaam in.")), _too_long(100)]
    )
    job_title = StrippedStringField(_l("Functie"), validators=[_too_long(200)])
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            Optional(),
            _too_long(254),
            Email(message=_l("Dit is geen geldig e-mailadres."), check_deliverability=False),
        ],
    )
    phone = TelField(_l("Telefoon"), validators=[Optional(), _too_long(40)])


class ThemeForm(VersionedForm):
    name = StrippedStringField(
        _l("Naam"), validators=[_required(_l("Vul de naam van het thema in.")), _too_long(200)]
    )
    description = TextAreaField(_l("Omschrijving"), validators=[_too_long(2000)])
    is_mandatory = BooleanField(_l("Verplicht onderwerp volgens het besluit"))
    mandatory_from_year = YearField(_l("Verplicht vanaf het jaar"), validators=[Optional()])
    mandatory_until_year = YearField(_l("Verplicht tot en met het jaar"), validators=[Optional()])
    active = BooleanField(_l("Actief (aangeboden op nieuwe agenda's)"), default=True)
    sort_order = IntegerField(
        _l("Volgorde"),
        default=100,
        validators=[
            InputRequired(_l("Vul een getal in.")),
            NumberRange(0, 10000, message=_l("Kies een getal van 0 tot 10000.")),
        ],
    )


class OrganisationSearchForm(Form):
    """The filters of the organisation list (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Zoek op naam of e-mailadres"), validators=[Optional(), _too_long(200)])
    type = SelectField(
        _l("Soort"), choices=[], validators=[Optional()], **_bad_choice(INVALID_CHOICE)
    )
    municipality = SelectField(
        _l("Gemeente"),
        choices=[],
        validators=[Optional()],
        **_bad_choice(_l("Onbekende gemeente.")),
    )
    archived = BooleanField(_l("Ook gearchiveerde organisaties"))


class MergerForm(Form):
    """A merger of municipalities (directory/mergers.py)."""

    former = MultiCheckboxField(
        _l("Voormalige gemeenten"),
        coerce=int,
        choices=[],
        validators=[_required(_l("Kies minstens één voormalige gemeente."))],
        **_bad_choice(_l("Geen geldige gemeente: %(value)s.")),
    )
    new_name = StrippedStringField(
        _l("Nieuwe gemeente"),
        validators=[_required(_l("Vul de naam van de nieuwe gemeente in.")), _too_long(120)],
    )
    nis_code = _nis_code_field(_l("NIS-code van de nieuwe gemeente"))
    merged_on = DayField(
        _l("Datum van de samenvoeging"),
        validators=[InputRequired(_l("Vul de datum van de samenvoeging in."))],
    )
