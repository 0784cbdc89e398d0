"""Forms of the meeting pages. Every message is Dutch and shown next to its field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import Select

from overleg.auth.permissions import MAX_ID
from overleg.meetings import services
from overleg.meetings.search import MeetingSearch
from overleg.models import InviteeRole, MeetingStatus
from overleg.models.labels import label
from overleg.web.forms import (
    INVALID_CHOICE,
    DayField,
    Form,
    MultiCheckboxField,
    SubForm,
    WallTimeField,
    YearField,
    field_messages,
)
from overleg.web.versions import VersionedForm


class PlainSelect(Select):
    """wtforms' Select, with a short path for options without attributes of their own.

    The same HTML (`<option selected value="...">label</option>`, attributes in wtforms' sorted
    order), without wtforms' generic attribute formatting per option: a filter listing every
    municipality of a large platform renders hundreds of options on each request.
    """

    # The type stubs (types-WTForms 3.2) still describe the older signature of render_option.
    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:  # type: ignore[override]
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        value_html, label_html = escape(value), escape(choice.label or choice.value)
        # Both parts are escaped just above (a label that is Markup already stays as it is).
        return Markup(f'<option {selected}value="{value_html}">{label_html}</option>')  # noqa: S704  # nosec B704


def _max(limit: int) -> Length:
    return Length(max=limit, message=_l("Maximaal %(max)d tekens.", max=limit))


def role_choices() -> list[tuple[str, str]]:
    return [
        (InviteeRole.REQUIRED.value, str(_l("Verplicht"))),
        (InviteeRole.OPTIONAL.value, str(_l("Facultatief"))),
        (InviteeRole.CHAIR.value, str(_l("Voorzitter"))),
        (InviteeRole.SECRETARY.value, str(_l("Secretaris"))),
    ]


def status_choices() -> list[tuple[str, str]]:
    return [(status.value, label(status)) for status in MeetingStatus]


class _TimesMixin:
    """The Brussels date and wall-clock times of a meeting (overleg.web.forms checks them)."""

    date = DayField(_l("Datum"), validators=[InputRequired(_l("Vul een datum in."))])
    start_time = WallTimeField(_l("Beginuur"), validators=[Optional()], day_field="date")
    end_time = WallTimeField(_l("Einduur"), validators=[Optional()], day_field="date")
    location = StringField(_l("Plaats"), validators=[_max(services.LOCATION_MAX)])


class MeetingCreateForm(_TimesMixin, Form):
    municipality = SelectField(
        _l("Gemeente"),
        validators=[DataRequired(_l("Kies een gemeente."))],
        **field_messages(invalid_choice_message=_l("Kies een gemeente uit de lijst.")),
    )
    title = StringField(_l("Titel"), validators=[_max(services.TITLE_MAX)])
    status = SelectField(
        _l("Status"),
        default=MeetingStatus.PLANNED.value,
        **field_messages(invalid_choice_message=INVALID_CHOICE),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [
            (MeetingStatus.PLANNED.value, str(_l("Gepland"))),
            (MeetingStatus.HELD.value, str(_l("Gehouden (een vergadering uit het verleden)"))),
        ]


class MeetingEditForm(_TimesMixin, VersionedForm):
    title = StringField(
        _l("Titel"),
        validators=[DataRequired(_l("Vul een titel in.")), _max(services.TITLE_MAX)],
    )
    start_time = WallTimeField(
        _l("Beginuur"), validators=[InputRequired(_l("Vul een beginuur in."))], day_field="date"
    )
    end_time = WallTimeField(
        _l("Einduur"), validators=[InputRequired(_l("Vul een einduur in."))], day_field="date"
    )


class CancelForm(Form):
    reason = TextAreaField(
        _l("Reden van de annulering"),
        validators=[
            DataRequired(_l("Geef een reden voor de annulering.")),
            _max(services.CANCEL_REASON_MAX),
        ],
    )


def _municipality_boxes(label: Any, not_offered: Any) -> MultiCheckboxField:
    """Checkboxes of municipality ids; the view offers the choices."""
    return MultiCheckboxField(
        label,
        coerce=int,
        choices=[],
        **field_messages(invalid_choice_message=not_offered, invalid_value_message=INVALID_CHOICE),
    )


class AgendaItemForm(VersionedForm):
    title = StringField(
        _l("Titel"), validators=[DataRequired(_l("Vul een titel in.")), _max(services.TITLE_MAX)]
    )
    theme = SelectField(
        _l("Thema"), **field_messages(invalid_choice_message=INVALID_CHOICE), default=""
    )
    presenter = StringField(_l("Toelichting door"), validators=[_max(services.PRESENTER_MAX)])
    duration_minutes = IntegerField(
        _l("Duur (minuten)"),
        default=15,
        validators=[
            InputRequired(_l("Vul de duur in minuten in.")),
            NumberRange(
                min=0,
                max=services.MAX_DURATION_MINUTES,
                message=_l(
                    "De duur ligt tussen 0 en %(max)d minuten.", max=services.MAX_DURATION_MINUTES
                ),
            ),
        ],
        **field_messages(invalid_value_message=_l("Geef een geheel aantal minuten.")),
    )
    notes = TextAreaField(
        _l("Toelichting bij de uitnodiging"), validators=[_max(services.NOTES_MAX)]
    )
    # A joint meeting's item: the municipalities it is for (none or all: for all of them).
    for_municipalities = _municipality_boxes(
        _l("Voor de gemeenten"), _l("Geen gemeente van deze vergadering: %(value)s.")
    )


class JointForm(Form):
    """The other municipalities that hold a meeting with its host."""

    partners = _municipality_boxes(
        _l("Samen met"), _l("Geen gemeente van het eigen platform: %(value)s.")
    )


class ReorderForm(Form):
    """The whole new order, as comma-separated ids (what the move buttons send), and the
    versions of the items the page showed ("id:version,..."): an order made on an agenda that
    changed since is a conflict, not a lost update."""

    order = HiddenField(validators=[DataRequired(_l("Geen volgorde ontvangen."))])
    versions = HiddenField()

    def ids(self) -> list[int] | None:
        try:
            return [int(part) for part in (self.order.data or "").split(",") if part.strip()]
        except ValueError:
            return None

    def expected_versions(self) -> dict[int, int]:
        """{item id: version} as the page showed them ({} when unreadable: then every item
        counts as changed, never as unchanged)."""
        try:
            pairs = [part.split(":") for part in (self.versions.data or "").split(",") if part]
            return {int(item): int(version) for item, version in pairs}
        except ValueError:
            return {}


class InviteeAddForm(Form):
    contact_id = IntegerField(
        _l("Contactpersoon"),
        validators=[
            InputRequired(_l("Kies een contactpersoon.")),
            NumberRange(min=1, max=MAX_ID, message=_l("Kies een contactpersoon uit de lijst.")),
        ],
        **field_messages(invalid_value_message=_l("Kies een contactpersoon uit de lijst.")),
    )
    role = SelectField(
        _l("Rol"),
        default=InviteeRole.REQUIRED.value,
        **field_messages(invalid_choice_message=INVALID_CHOICE),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class InviteeRoleForm(VersionedForm):
    role = SelectField(_l("Rol"), **field_messages(invalid_choice_message=INVALID_CHOICE))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class ContactSearchForm(SubForm):
    """The search over visible contacts on the invitee page (GET, no CSRF needed)."""

    q = SearchField(_l("Zoek een contactpersoon"), validators=[_max(100)])


class MeetingFilterForm(SubForm):
    """The search of the meeting list (GET): each filter that is valid applies, the others show
    their message (never a 500)."""

    q = SearchField(_l("Titel bevat"), validators=[_max(200)])
    municipality = SelectField(
        _l("Gemeente"),
        default="",
        **field_messages(invalid_choice_message=INVALID_CHOICE),
        widget=PlainSelect(),
    )
    year = YearField(
        _l("Jaar"),
        validators=[Optional()],
        **field_messages(invalid_value_message=_l("Geef een jaartal, bv. 2026.")),
    )
    status = SelectField(
        _l("Status"), default="", **field_messages(invalid_choice_message=INVALID_CHOICE)
    )
    theme = SelectField(
        _l("Thema"),
        default="",
        **field_messages(invalid_choice_message=INVALID_CHOICE),
        widget=PlainSelect(),
    )
    date_from = DayField(_l("Vanaf"), validators=[Optional()])
    date_to = DayField(_l("Tot en met"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", str(_l("Alle statussen"))), *status_choices()]

    def validate_date_to(self, field: DayField) -> None:
        first = self.date_from.data if not self.date_from.errors else None
        if first is not None and field.data is not None and field.data < first:
            raise ValidationError(_l("Deze datum ligt voor de datum bij Vanaf."))

    def search(self, municipality_ids: Mapping[str, int]) -> MeetingSearch:
        """The valid filters as a search (the invalid ones show their message and do not apply)."""

        def valid(field: Field) -> Any:
            return None if field.errors else field.data

        status, theme = valid(self.status), valid(self.theme)
        return MeetingSearch(
            title=valid(self.q) or "",
            municipality_id=municipality_ids.get(valid(self.municipality) or ""),
            theme_id=int(theme) if theme else None,
            year=valid(self.year),
            date_from=valid(self.date_from),
            date_to=valid(self.date_to),
            status=MeetingStatus(status) if status else None,
        )
