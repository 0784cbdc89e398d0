"""The platform settings form: every message Dutch, every length checked against its column.

A new setting is one more field here, one more field of services.PlatformSettings (filled in
views.settings_from) and a line in templates/platforms/settings.html.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, Field, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Email, Length, Optional

from overleg.platforms import services
from overleg.web.forms import INVALID_TIME
from overleg.web.versions import VersionedForm

# The upload is no value the conflict page can compare: a file input never shows one.
UPLOADS = frozenset({"logo"})


class HourField(TimeField):
    """An hour of the day (no date): hh:mm, with the shared message for a bad one."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_value_message", INVALID_TIME)
        super().__init__(label, validators, **kwargs)


def _too_long(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Maximaal %(max)d tekens.", max=maximum))


class PlatformSettingsForm(VersionedForm):
    name = StringField(
        _l("Naam van het platform"),
        validators=[
            DataRequired(_l("Geef het platform een naam.")),
            _too_long(services.NAME_MAX),
        ],
    )
    organiser_name = StringField(
        _l("Naam van de organisator"),
        description=_l("De organisator van de uitnodigingen; leeg: de naam van het platform."),
        validators=[_too_long(services.NAME_MAX)],
    )
    organiser_email = EmailField(
        _l("E-mailadres van de organisator"),
        description=_l("Antwoorden op de mails en de agenda's van genodigden gaan naar dit adres."),
        validators=[
            DataRequired(_l("Vul het e-mailadres van de organisator in.")),
            Email(message=_l("Dit is geen geldig e-mailadres."), check_deliverability=False),
            _too_long(254),
        ],
    )
    mail_signature = TextAreaField(
        _l("Handtekening onder de mails"),
        description=_l("Leeg: de naam van de organisator en die van het platform."),
        validators=[_too_long(services.SIGNATURE_MAX)],
        render_kw={"rows": 4},
    )
    logo = FileField(
        _l("Logo op de PDF's"),
        description=_l("Een PNG- of JPEG-bestand; het wordt herschaald en opnieuw opgeslagen."),
        render_kw={"accept": "image/png,image/jpeg"},
    )
    remove_logo = BooleanField(_l("Logo verwijderen"))
    default_location = StringField(
        _l("Standaardlocatie van een vergadering"),
        description=_l("Voor een gemeente zonder gebruikelijke locatie."),
        validators=[_too_long(services.LOCATION_MAX)],
    )
    default_start_time = HourField(_l("Standaard beginuur"), validators=[Optional()])
    default_end_time = HourField(_l("Standaard einduur"), validators=[Optional()])
    require_two_factor_for_coordinators = BooleanField(
        _l("Coördinatoren melden zich aan met tweestapsverificatie"),
        description=_l(
            "Elke coördinator van het platform moet ze dan bij de volgende stap in overleg "
            "aanzetten voor hij verder kan. Zet ze eerst voor jezelf aan in Mijn account."
        ),
    )

    def edited_fields(self) -> list[Field]:
        return [f for f in super().edited_fields() if f.name not in UPLOADS]
