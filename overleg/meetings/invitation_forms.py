"""Forms of the invitation pages and the personal answer page. Messages are Dutch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from overleg.meetings.answers import COMMENT_MAX
from overleg.meetings.invitations import NAME_MAX
from overleg.models import RsvpStatus
from overleg.web.forms import Form


class _AnswerField(RadioField):
    def pre_validate(self, form: BaseForm) -> None:
        if self.data not in {value for value, _label in answer_choices()}:
            raise ValidationError(str(_l("Kies een antwoord.")))


def answer_choices() -> list[tuple[str, str]]:
    return [
        (RsvpStatus.ACCEPTED.value, str(_l("Ik kom"))),
        (RsvpStatus.TENTATIVE.value, str(_l("Misschien"))),
        (RsvpStatus.DECLINED.value, str(_l("Ik kom niet"))),
    ]


class AnswerForm(Form):
    answer = _AnswerField(
        _l("Uw antwoord"),
        choices=answer_choices,
        validators=[InputRequired(message=_l("Kies een antwoord."))],
    )
    comment = TextAreaField(
        _l("Opmerking (niet verplicht)"),
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message=_l("Maximaal %(max)d tekens.", max=COMMENT_MAX)),
        ],
    )
    # The meeting's SEQUENCE when the page was shown: an answer chosen while looking at a time
    # that has changed since is kept as an answer for that earlier time.
    sequence = HiddenField()

    def answered_sequence(self, current: int) -> int:
        """The SEQUENCE the page showed (`current` when the form did not say, or said nonsense)."""
        value = (self.sequence.data or "").strip()
        if not value.isdecimal() or len(value) > 9:
            return current
        return min(int(value), current)


class SubstituteForm(Form):
    first_name = StringField(
        _l("Voornaam van de vervanger"),
        validators=[
            DataRequired(message=_l("Vul de voornaam in.")),
            Length(max=NAME_MAX, message=_l("Maximaal %(max)d tekens.", max=NAME_MAX)),
        ],
    )
    last_name = StringField(
        _l("Familienaam van de vervanger"),
        validators=[
            DataRequired(message=_l("Vul de familienaam in.")),
            Length(max=NAME_MAX, message=_l("Maximaal %(max)d tekens.", max=NAME_MAX)),
        ],
    )
    email = EmailField(
        _l("E-mailadres van de vervanger"),
        validators=[
            DataRequired(message=_l("Vul het e-mailadres in.")),
            Length(max=254, message=_l("Maximaal %(max)d tekens.", max=254)),
            Email(message=_l("Vul een geldig e-mailadres in."), check_deliverability=False),
        ],
    )
    substitute_comment = TextAreaField(
        _l("Bericht voor de organisator (niet verplicht)"),
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message=_l("Maximaal %(max)d tekens.", max=COMMENT_MAX)),
        ],
    )
