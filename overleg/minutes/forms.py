"""Forms of the minutes pages. Row forms are plain WTForms forms inside one Flask-WTF form."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from overleg.minutes import remarks, services
from overleg.models.types import utcnow
from overleg.web.forms import DayField, Form, SelectChoice, SubForm

ATTENDANCE_CHOICES = [
    SelectChoice("", _l("— niet geregistreerd —")),
    SelectChoice("present", _l("Aanwezig")),
    SelectChoice("excused", _l("Verontschuldigd")),
    SelectChoice("absent", _l("Afwezig")),
]
ACTION_STATUS_CHOICES = [
    SelectChoice("open", _l("Open")),
    SelectChoice("done", _l("Afgewerkt")),
    SelectChoice("dropped", _l("Geschrapt")),
]
FOLLOW_UP_CHOICES = [
    SelectChoice("open", _l("Loopt verder")),
    SelectChoice("done", _l("Afgewerkt")),
    SelectChoice("dropped", _l("Geschrapt")),
]


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Hoogstens %(max)d tekens.", max=limit))


class VersionedForm(Form):
    """Carries the version of the minutes the user started from (optimistic locking)."""

    version = HiddenField()

    def version_number(self) -> int | None:
        try:
            return int(self.version.data or "")
        except ValueError:
            return None


class AttendanceRowForm(SubForm):
    invitation_id = HiddenField()
    attendance = SelectField(_l("Aanwezigheid"), choices=ATTENDANCE_CHOICES)


class AttendanceForm(VersionedForm):
    rows = FieldList(FormField(AttendanceRowForm))
    chair = SelectField(_l("Voorzitter"), choices=[])
    minute_taker = SelectField(_l("Verslaggever"), choices=[])


class GuestForm(VersionedForm):
    name = StringField(
        _l("Naam"),
        validators=[
            InputRequired(message=_l("Vul de naam in.")),
            _too_long(services.GUEST_NAME_MAX),
        ],
    )
    organisation = StringField(_l("Organisatie"), validators=[_too_long(services.GUEST_NAME_MAX)])
    substitute_for = SelectField(_l("Vervangt"), choices=[])


class NoteForm(SubForm):
    agenda_item_id = HiddenField()
    discussion = TextAreaField(_l("Bespreking"), validators=[_too_long(services.DISCUSSION_MAX)])
    decisions = TextAreaField(
        _l("Besluiten (één per regel)"), validators=[_too_long(services.DECISIONS_MAX)]
    )


class ActionPointForm(SubForm):
    id = HiddenField()
    description = TextAreaField(_l("Wat"), validators=[_too_long(services.ACTION_MAX)])
    agenda_item_id = SelectField(_l("Agendapunt"), choices=[])
    owner = SelectField(_l("Wie"), choices=[])
    due_date = DayField(_l("Tegen"), validators=[Optional()], render_kw={"autocomplete": "off"})
    status = SelectField(_l("Status"), choices=ACTION_STATUS_CHOICES)
    delete = BooleanField(_l("Verwijderen"))


class FollowUpForm(SubForm):
    action_point_id = HiddenField()
    status = SelectField(_l("Opvolging"), choices=FOLLOW_UP_CHOICES)
    note = StringField(_l("Toelichting"), validators=[_too_long(services.FOLLOW_UP_NOTE_MAX)])


class MinutesForm(VersionedForm):
    notes = FieldList(FormField(NoteForm))
    action_points = FieldList(FormField(ActionPointForm))
    follow_ups = FieldList(FormField(FollowUpForm))

    def validate_action_points(self, field: FieldList[FormField[ActionPointForm]]) -> None:
        filled = [
            entry
            for entry in field.entries
            if (entry.form.id.data or (entry.form.description.data or "").strip())
            and not entry.form.delete.data
        ]
        if len(filled) > services.MAX_ACTION_POINTS:
            raise ValidationError(
                gettext(
                    "Een vergadering kan hoogstens %(limit)s actiepunten hebben; "
                    "u gaf er %(count)s.",
                    limit=services.MAX_ACTION_POINTS,
                    count=len(filled),
                )
            )


class ActionForm(VersionedForm):
    """A workflow step without further input (circulate, back to draft, send)."""


def _default_deadline() -> date:
    return remarks.default_deadline(utcnow())


class CirculateForm(VersionedForm):
    """Rondsturen ter opmerkingen: until when remarks are welcome (a week ahead unless the form
    says otherwise; an emptied field is an invalid date; the service refuses the past)."""

    remarks_until = DayField(_l("Opmerkingen welkom tot en met"), default=_default_deadline)


class RemarkForm(Form):
    """A member's remark on the draft, through their personal link."""

    text = TextAreaField(
        _l("Uw opmerking"),
        validators=[
            InputRequired(message=_l("Schrijf uw opmerking.")),
            _too_long(remarks.REMARK_MAX),
        ],
        render_kw={"rows": 6},
    )


class ApproveForm(VersionedForm):
    approved_at_meeting = SelectField(_l("Goedgekeurd op de vergadering van"), choices=[])
    reason = TextAreaField(
        _l("Reden van de correctie"), validators=[_too_long(services.REASON_MAX)]
    )


class CorrectionForm(VersionedForm):
    reason = TextAreaField(
        _l("Reden van de correctie"),
        validators=[
            InputRequired(message=_l("Geef de reden van de correctie op.")),
            _too_long(services.REASON_MAX),
        ],
    )


__all__ = [
    "ActionForm",
    "ApproveForm",
    "AttendanceForm",
    "CirculateForm",
    "CorrectionForm",
    "GuestForm",
    "MinutesForm",
    "RemarkForm",
]


class ConfidentialMarkForm(Form):
    """Make an agenda item confidential: the reason is required."""

    reason = TextAreaField(
        _l("Waarom vertrouwelijk"),
        validators=[InputRequired(_l("Zeg waarom dit punt vertrouwelijk is.")), _too_long(1_000)],
    )


class ConfidentialNoteForm(Form):
    """The discussion and decisions of a confidential item, on its own page."""

    discussion = TextAreaField(_l("Bespreking"), validators=[_too_long(services.DISCUSSION_MAX)])
    decisions = TextAreaField(
        _l("Besluiten (één per regel)"), validators=[_too_long(services.DECISIONS_MAX)]
    )


class ConfidentialReaderForm(Form):
    """Name another user of the platform on a confidential item."""

    user = SelectField(_l("Persoon"), choices=[], validators=[InputRequired(_l("Kies iemand."))])
