"""Every date, time and year a form accepts goes through the shared fields (issue 11, finding 6).

The forms are found, not listed: every module of overleg is imported and every WTForms form class
inspected, so a new form with a bare DateField, a TimeField next to a date or a year as a bare
IntegerField fails here. The fields themselves are checked on a small form.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form, IntegerField, TimeField
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional

import overleg
from overleg.web.forms import DayField, WallTimeField, YearField


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(overleg.__path__, "overleg."):
        importlib.import_module(module.name)
    found: list[type[Form]] = []
    pending = list(Form.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("overleg."):
            found.append(cls)
    return found


def _fields(cls: type[Form]) -> Iterator[tuple[str, UnboundField]]:
    for name in dir(cls):
        value = getattr(cls, name, None)
        if isinstance(value, UnboundField):
            yield name, value


FORMS = _form_classes()


def _qualified(cls: type[Form], name: str) -> str:
    return f"{cls.__module__}.{cls.__name__}.{name}"


def _bare_dates() -> set[str]:
    return {
        _qualified(cls, name)
        for cls in FORMS
        for name, unbound in _fields(cls)
        if issubclass(unbound.field_class, DateField)
        and not issubclass(unbound.field_class, DayField)
    }


def _bare_times() -> set[str]:
    """Times on a form with a date that are not wall-clock times of one of its DayFields."""
    found = set()
    for cls in FORMS:
        fields = dict(_fields(cls))
        dates = {n for n, f in fields.items() if issubclass(f.field_class, DateField)}
        for name, unbound in fields.items():
            if not issubclass(unbound.field_class, TimeField) or not dates:
                continue
            if (
                not issubclass(unbound.field_class, WallTimeField)
                or unbound.kwargs.get("day_field") not in dates
            ):
                found.add(_qualified(cls, name))
    return found


def _bare_years() -> set[str]:
    return {
        _qualified(cls, name)
        for cls in FORMS
        for name, unbound in _fields(cls)
        if name == "year"
        and issubclass(unbound.field_class, IntegerField)
        and not issubclass(unbound.field_class, YearField)
    }


def test_every_date_time_and_year_goes_through_the_shared_fields():
    assert _bare_dates() | _bare_times() | _bare_years() == set()


# --- the fields -------------------------------------------------------------------------------


class _Sample(Form):
    day = DayField("Datum")
    start = WallTimeField("Begin", validators=[Optional()], day_field="day")
    year = YearField("Jaar", validators=[Optional()])


def _errors(app, **data: str) -> dict[str, list[str]]:
    form = _Sample(MultiDict(data))
    form.validate()
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_day_outside_the_range_is_a_field_error(app, day):
    errors = _errors(app, day=day, start="23:59")
    assert errors == {"day": ["Kies een datum tussen 1 januari 2000 en 31 december 2100."]}


def test_a_skipped_time_is_an_error_on_the_time(app):
    errors = _errors(app, day="2031-03-30", start="02:30")
    assert list(errors) == ["start"]
    assert errors["start"][0].startswith("02:30 bestaat niet op zondag 30 maart 2031")


@pytest.mark.parametrize(
    "data",
    [
        {"day": "2031-10-26", "start": "02:30"},  # shown twice: accepted, the first is taken
        {"day": "2031-03-30", "start": "03:00"},
        {"day": "2000-01-01", "start": "00:00", "year": "2000"},
        {"day": "2100-12-31", "start": "23:59", "year": "2100"},
    ],
)
def test_existing_times_in_the_range_are_accepted(app, data):
    assert _errors(app, **data) == {}


@pytest.mark.parametrize("year", ["1999", "2101", "0", "-5", "99999999999999999999"])
def test_a_year_outside_the_range_is_a_field_error(app, year):
    assert _errors(app, day="2030-01-01", year=year) == {
        "year": ["Kies een jaar tussen 2000 en 2100."]
    }


def test_the_date_input_tells_the_browser_the_range(app):
    html = str(_Sample().day)
    assert 'min="2000-01-01"' in html and 'max="2100-12-31"' in html
