"""Single-line fields refuse line breaks, tabs and control characters at input (issue 11, 3).

One mechanism for every form (overleg/web/forms.py: the base forms' Meta gives every text field
that is not a text area the SingleLine check), and the same check on every column of the CSV
import. A name with a line break used to reach the mail builder, which refused the header.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from wtforms.form import BaseForm

import overleg
from overleg.dataio import services as dataio
from overleg.web.forms import Form, SingleLine, SubForm, is_single_line, takes_one_line


def _form_classes() -> list[type[BaseForm]]:
    classes: dict[str, type[BaseForm]] = {}
    for module_info in pkgutil.walk_packages(overleg.__path__, "overleg."):
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseForm) and value.__module__.startswith("overleg."):
                classes[f"{value.__module__}.{value.__qualname__}"] = value
    return sorted(classes.values(), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORM_CLASSES = _form_classes()


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in FORM_CLASSES}
    assert {"ContactForm", "SubstituteForm", "LoginForm", "NoteForm"} <= names


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: cls.__qualname__)
def test_every_form_derives_from_the_base_forms(form_class):
    assert issubclass(form_class, Form | SubForm), (
        f"{form_class.__module__}.{form_class.__qualname__} must derive from "
        "overleg.web.forms.Form (or SubForm for a form without CSRF)"
    )


@pytest.mark.parametrize(
    "form_class",
    [cls for cls in FORM_CLASSES if cls not in (Form, SubForm)],
    ids=lambda cls: cls.__qualname__,
)
def test_every_single_line_field_gets_the_check(app, form_class):
    with app.test_request_context():
        form = form_class(meta={"csrf": False}) if issubclass(form_class, Form) else form_class()
    for field in form:
        checks = [v for v in field.validators if isinstance(v, SingleLine)]
        assert len(checks) == (1 if takes_one_line(field) else 0), field.name


@pytest.mark.parametrize(
    "value",
    ["Jan\nPeeters", "Jan\r\nBcc: x@evil.be", "Jan\tPeeters", "Jan\x00", "a\x1bb", "a\u2028b"],
)
def test_line_breaks_tabs_and_control_characters_are_not_one_line(value):
    assert not is_single_line(value)


@pytest.mark.parametrize("value", ["", "Jan Peeters", "Zoë D'Haene-Ötzi", "=?utf-8?q?x?="])
def test_ordinary_text_is_one_line(value):
    assert is_single_line(value)


def test_the_message_names_the_field_in_both_languages(app):
    from flask_babel import force_locale

    from overleg.directory.forms import ContactForm

    with app.test_request_context(
        method="POST", data={"first_name": "Jan", "last_name": "Peeters\nBcc: x@evil.be"}
    ):
        form = ContactForm(meta={"csrf": False})
        assert not form.validate()
        assert form.last_name.errors == [
            "Familienaam moet op één regel staan, zonder regeleinde of tab."
        ]
        assert form.last_name.data == "Peeters\nBcc: x@evil.be"  # kept, to correct it
        with force_locale("en"):
            form = ContactForm(meta={"csrf": False})
            assert not form.validate()
            assert form.last_name.errors == [
                "Last name must be on one line, without line breaks or tabs."
            ]


CSV = (
    "organisatie;type;gemeenten;voornaam;achternaam;email\n"
    'Woonmaatschappij Noord;;Noorderdorp;Jan;"Peeters\nBcc: x@evil.be";jan@example.be\n'
    'Woonmaatschappij Noord;;Noorderdorp;"Griet\t";Claes;griet@example.be\n'
)


def test_the_csv_import_refuses_a_quoted_line_break_naming_the_column(app, world):
    world.north.standing_invitees[0].contact.organisation.name = "Woonmaatschappij Noord"
    preview = dataio.preview_import(world.coordinator, CSV)
    assert not preview.valid
    first, second = ([str(e) for e in row.errors] for row in preview.rows)
    assert "'achternaam' moet op één regel staan, zonder regeleinde of tab." in first
    # a trailing tab is trimmed like any other space: that row is fine
    assert second == []
