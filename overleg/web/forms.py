"""Forms every feature shares, the base every form of overleg derives from, the one bridge to
WTForms' newest API, and the fields for dates, times and years.

`Form` (a Flask-WTF form, CSRF included) and `SubForm` (a plain WTForms form: the rows of a
FieldList, the filters read from a query string) share one Meta that gives every single-line text
field, whatever its form, the `SingleLine` check: a line break, a tab or another control character
in a name, an address or a title is refused at input, with a message naming the field and what was
typed kept. Such a value would otherwise end up in a mail header, which must not break a line
(issue 11, finding 3). Text areas, and hidden fields that carry a multi-line text between two
steps (`MultilineHiddenField`), take line breaks and tabs; the request's own check
(overleg.web.safety) already refused the other control characters there.
tests/unit/test_single_line_inputs.py checks that every form class in overleg/ derives from these.

Every date, Brussels wall-clock time and year a form accepts goes through DayField, WallTimeField
and YearField, so that the rules of overleg.lib.dates (the accepted range of years; a time the
clock skips when summer time starts is refused) hold on every form (tests/unit/test_date_fields.py
finds the forms that would bypass them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import date, datetime, time
from typing import Any, TypeVar

from flask import flash
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, SelectMultipleField, TimeField
from wtforms import Form as PlainForm
from wtforms.fields import HiddenField, StringField, TextAreaField

# WTForms 3.3's choices API, which its type stubs (types-WTForms 3.2) do not describe yet:
# imported here once, for every feature.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.fields.core import UnboundField
from wtforms.form import BaseForm
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from overleg.lib.dates import (
    FIRST_DAY,
    FIRST_YEAR,
    LAST_DAY,
    LAST_YEAR,
    brussels_instant,
    check_day,
    check_year,
    day_in_range,
    repeated_time_note,
    to_local,
)
from overleg.lib.refusal import Refusal
from overleg.web.safety import has_control_characters

__all__ = [
    "ConfirmForm",
    "DayField",
    "Form",
    "MultiCheckboxField",
    "MultilineHiddenField",
    "SelectChoice",
    "StrippedStringField",
    "SubForm",
    "WallTimeField",
    "YearField",
    "choices",
    "field_messages",
    "flash_repeated_times",
    "is_single_line",
    "not_single_line",
    "query_args",
]

FieldT = TypeVar("FieldT", bound=Field)

INVALID_CHOICE = _l("Kies een waarde uit de lijst.")
INVALID_DATE = _l("Geef een geldige datum.")
INVALID_TIME = _l("Geef een geldig uur (uu:mm).")
INVALID_YEAR = _l("Geef een jaartal, bijvoorbeeld 2027.")


# Line breaks of Unicode that are not ASCII control characters (NEL, line and paragraph separator).
UNICODE_LINE_BREAKS = re.compile("[\u0085\u2028\u2029]")


def is_single_line(value: str) -> bool:
    """No line break, tab or other control character: text that may go into a mail header."""
    return not has_control_characters(value) and UNICODE_LINE_BREAKS.search(value) is None


def not_single_line(name: str) -> LazyString:
    """The message for a field (or a CSV column) `name` whose value is more than one line."""
    return _l("%(field)s moet op één regel staan, zonder regeleinde of tab.", field=name)


class SingleLine:
    """Refuses a value with a line break, a tab or another control character, naming the field."""

    def __call__(self, form: BaseForm, field: Field) -> None:
        value = field.data
        if isinstance(value, str) and not is_single_line(value):
            raise ValidationError(str(not_single_line(field.label.text or field.name)))


class MultilineHiddenField(HiddenField):
    """A hidden field that carries a multi-line text between two steps (an uploaded file)."""


def takes_one_line(field: Field) -> bool:
    """Whether `field` holds a single line of text (every text field but the multi-line ones)."""
    return isinstance(field, StringField) and not isinstance(
        field, TextAreaField | MultilineHiddenField
    )


class SingleLineMeta(DefaultMeta):
    """Binds every field as usual and gives each single-line text field the `SingleLine` check."""

    def bind_field(
        self,
        form: BaseForm,
        unbound_field: UnboundField[FieldT],
        options: MutableMapping[str, Any],
    ) -> FieldT:
        field = super().bind_field(form, unbound_field, options)
        if takes_one_line(field):
            field.validators = [*field.validators, SingleLine()]
        return field


class Form(FlaskForm):
    """The base of every page form (CSRF included)."""

    class Meta(SingleLineMeta):
        pass


class SubForm(PlainForm):
    """The base of every form without CSRF: rows of a FieldList, filters of a query string."""

    Meta = SingleLineMeta


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the WTForms documentation's pattern)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StrippedStringField(StringField):
    """A single-line text field whose value is kept without leading and trailing spaces."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()


def query_args(form: BaseForm, args: Mapping[str, str]) -> dict[str, str]:
    """The values of `form`'s fields as given in a query string, the empty ones left out: what
    a list's pagination links carry so that its filters stay (and nothing else of the URL, such
    as url_for's `_external`)."""
    return {field.name: args[field.name] for field in form if args.get(field.name)}


class ConfirmForm(Form):
    """A button with nothing but the CSRF token: a state change confirmed by one POST."""


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def field_messages(**messages: Any) -> dict[str, Any]:
    """A field's `invalid_value_message` / `invalid_choice_message` arguments: WTForms 3.3 takes
    them, its type stubs (types-WTForms 3.2) do not know them yet."""
    return messages


class DayField(DateField):
    """A calendar date (`<input type=date>`) within the accepted years."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_value_message", INVALID_DATE)
        _tell_the_browser(kwargs, FIRST_DAY.isoformat(), LAST_DAY.isoformat())
        super().__init__(label, validators, **kwargs)

    def post_validate(self, form: BaseForm, validation_stopped: bool) -> None:
        if not validation_stopped and isinstance(self.data, date):
            _as_field_error(check_day, self.data)


class WallTimeField(TimeField):
    """A Brussels wall-clock time on the date of the form's DayField named `day_field`.

    A time the clock skips that day (summer time starts) is refused with a message that says
    so; a time it shows twice is accepted (overleg.lib.dates.brussels_instant takes the first).
    """

    def __init__(
        self, label: Any = None, validators: Any = None, *, day_field: str, **kwargs: Any
    ) -> None:
        kwargs.setdefault("invalid_value_message", INVALID_TIME)
        super().__init__(label, validators, **kwargs)
        self.day_field = day_field

    def post_validate(self, form: BaseForm, validation_stopped: bool) -> None:
        day = getattr(form, self.day_field).data
        if validation_stopped or not isinstance(self.data, time) or not isinstance(day, date):
            return
        if day_in_range(day):  # else the date field says so
            _as_field_error(brussels_instant, day, self.data)


class YearField(IntegerField):
    """A calendar year within the accepted years."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_value_message", INVALID_YEAR)
        _tell_the_browser(kwargs, FIRST_YEAR, LAST_YEAR)
        super().__init__(label, validators, **kwargs)

    def post_validate(self, form: BaseForm, validation_stopped: bool) -> None:
        if not validation_stopped and isinstance(self.data, int):
            _as_field_error(check_year, self.data)


def _tell_the_browser(kwargs: dict[str, Any], first: object, last: object) -> None:
    """The accepted range as the input's min and max (a field's own render_kw comes first)."""
    kwargs["render_kw"] = {"min": first, "max": last, **(kwargs.get("render_kw") or {})}


def _as_field_error(check: Callable[..., object], *values: object) -> None:
    """Run a check of overleg.lib.dates; its refusal becomes the field's error."""
    try:
        check(*values)
    except Refusal as refusal:
        raise ValidationError(str(refusal.message)) from None


def flash_repeated_times(*instants: datetime) -> None:
    """After a save: say which of the two readings was taken for a Brussels time the clock shows
    twice that day (overleg.lib.dates.brussels_instant takes the first)."""
    for instant in instants:
        local = to_local(instant)
        note = repeated_time_note(local.date(), local.time())
        if note is not None:
            flash(str(note), "warning")
