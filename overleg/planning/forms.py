"""Forms of the planner page. Every message is Dutch and shown next to its field."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from overleg.auth.permissions import MAX_ID
from overleg.models import Municipality
from overleg.web.forms import (
    INVALID_CHOICE,
    DayField,
    Form,
    SelectChoice,
    SubForm,
    WallTimeField,
    YearField,
    field_messages,
)


def offer_municipalities(
    form: PeriodForm | ProposalsForm, municipalities: Iterable[Municipality]
) -> None:
    """The municipalities the coordinator may leave out of the plan."""
    offered = [SelectChoice(m.slug, m.name) for m in municipalities]
    form.skip.choices = offered
    form.together.choices = offered


class _PeriodFields:
    year = YearField(_l("Jaar"), validators=[InputRequired(_l("Vul een jaar in."))])
    half = SelectField(
        _l("Periode"),
        choices=[
            SelectChoice("", _l("Het hele jaar")),
            SelectChoice("1", _l("Eerste halfjaar (januari-juni)")),
            SelectChoice("2", _l("Tweede halfjaar (juli-december)")),
        ],
        default="",
        **field_messages(invalid_choice_message=INVALID_CHOICE),
    )
    avoid_public_holidays = BooleanField(_l("Geen wettelijke feestdagen"), default=True)
    avoid_flemish_holiday = BooleanField(_l("Geen 11 juli"), default=True)
    avoid_school_holidays = BooleanField(_l("Geen schoolvakanties"), default=True)
    skip = SelectMultipleField(
        _l("Deze gemeenten nu niet plannen"),
        choices=[],
        validate_choice=True,
        **field_messages(invalid_choice_message=_l("Kies gemeenten uit de lijst.")),
    )
    together = SelectMultipleField(
        _l("Samen plannen: één gezamenlijk woonoverleg"),
        choices=[],
        validate_choice=True,
        **field_messages(invalid_choice_message=_l("Kies gemeenten uit de lijst.")),
    )
    max_per_day = IntegerField(
        _l("Maximum aantal vergaderingen per dag per persoon"),
        validators=[
            InputRequired(_l("Vul een aantal in.")),
            NumberRange(1, 6, _l("Kies een aantal van %(min)s tot %(max)s.")),
        ],
        **field_messages(invalid_value_message=_l("Geef een geheel getal.")),
    )


class PeriodForm(_PeriodFields, Form):
    """The period and the rules (a GET form: no state changes, so no CSRF token)."""

    class Meta:
        csrf = False


class ProposalRowForm(SubForm):
    slug = HiddenField(validators=[Length(max=120)])
    day = DayField(_l("Datum"), validators=[InputRequired(_l("Vul een datum in."))])
    start_time = WallTimeField(
        _l("Beginuur"), validators=[InputRequired(_l("Vul een beginuur in."))], day_field="day"
    )


class ProposalsForm(_PeriodFields, Form):
    """The proposals as the coordinator (maybe) adjusted them, to check, confirm or poll;
    CSRF-protected."""

    rows = FieldList(FormField(ProposalRowForm), min_entries=0, max_entries=2000)
    # Planning again with the answers of this availability poll.
    poll_id = IntegerField(
        validators=[Optional(), NumberRange(1, MAX_ID, _l("Onbekende bevraging."))],
        **field_messages(invalid_value_message=_l("Onbekende bevraging.")),
    )
    # Starting a poll instead of confirming.
    poll_per_meeting = IntegerField(
        _l("Momenten per vergadering"),
        default=3,
        validators=[Optional(), NumberRange(1, 5, _l("Kies een aantal van %(min)s tot %(max)s."))],
        **field_messages(invalid_value_message=_l("Geef een geheel getal.")),
    )
    poll_include_optional = BooleanField(
        _l("Ook de niet-verplichte genodigden bevragen (hun antwoord telt als voorkeur)"),
        default=True,
    )
    poll_answer_by = DayField(_l("Antwoorden tegen"), validators=[Optional()])


class PollAnswerForm(Form):
    """The public page of a poll: the slots that suit (checkboxes) and a remark."""

    suiting = SelectMultipleField(
        _l("Deze momenten passen"),
        coerce=int,
        choices=[],
        validate_choice=True,
        **field_messages(invalid_choice_message=_l("Kies alleen momenten uit de lijst.")),
    )
    comment = TextAreaField(
        _l("Opmerking (niet verplicht)"),
        validators=[Length(max=2000, message=_l("Houd de opmerking onder %(max)d tekens."))],
    )


class YearForm(Form):
    """The year of the compliance view (a GET form)."""

    class Meta:
        csrf = False

    year = YearField(_l("Jaar"), validators=[InputRequired(_l("Vul een jaar in."))])
