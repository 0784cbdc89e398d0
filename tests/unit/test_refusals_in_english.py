"""Every refusal a service can raise reads in English when the interface is English (issue 10).

The refusals are found in the source, so a new one is covered the moment it is written: each
`Refusal(...)` must carry a lazy translation `_l("...")`, whose English text is in the catalogue
and holds no Dutch word. No exception anywhere in overleg/ is raised with a Dutch literal.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from config import PROJECT_ROOT
from overleg.lib.refusal import Refusal
from overleg.web.forms import ConfirmForm
from overleg.web.refusals import put_on_form, refusals_on
from tests.english import dutch_words

PO_FILE = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _sources() -> Iterator[tuple[str, ast.AST]]:
    for path in sorted((PROJECT_ROOT / "overleg").rglob("*.py")):
        yield path.relative_to(PROJECT_ROOT).as_posix(), ast.parse(path.read_text("utf-8"))


def _calls_named(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                yield node


def _refusal_messages() -> list[tuple[str, int, ast.expr | None]]:
    found = []
    for relative, tree in _sources():
        for call in _calls_named(tree, "Refusal"):
            message = call.args[0] if call.args else None
            found.append((relative, call.lineno, message))
    return found


def _lazy_msgid(expression: ast.expr | None) -> str | None:
    if (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Name)
        and expression.func.id == "_l"
        and expression.args
        and isinstance(expression.args[0], ast.Constant)
        and isinstance(expression.args[0].value, str)
    ):
        return expression.args[0].value
    return None


def test_every_refusal_carries_a_lazy_translation():
    offenders = [
        f"{path}:{line}"
        for path, line, message in _refusal_messages()
        if _lazy_msgid(message) is None
    ]
    assert offenders == []


def test_every_refusal_has_an_english_text_without_dutch_words():
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    problems = []
    msgids = {(path, line, _lazy_msgid(m)) for path, line, m in _refusal_messages()}
    assert len(msgids) >= 50, "the services raise refusals; the scan found too few"
    for path, line, msgid in sorted(msgids, key=lambda row: (row[0], row[1])):
        assert msgid is not None
        entry = catalogue.get(msgid)
        english = entry.string if entry is not None else ""
        if not english or dutch_words(english):
            problems.append(f"{path}:{line}: {msgid!r} -> {english!r}")
    assert problems == []


def _dutch_literal(call: ast.Call) -> str | None:
    for arg in call.args[:1]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and dutch_words(arg.value):
            return arg.value
        if isinstance(arg, ast.JoinedStr):
            text = "".join(
                part.value
                for part in arg.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            if dutch_words(text):
                return text
    return None


def _dutch_raises() -> list[tuple[str, int, str]]:
    found = []
    for relative, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                literal = _dutch_literal(node.exc)
                if literal is not None:
                    found.append((relative, node.lineno, literal))
    return found


def test_no_exception_is_raised_with_a_dutch_literal():
    assert _dutch_raises() == []


@pytest.mark.parametrize(
    "locale, expected", [("en", "Choose an answer."), ("nl", "Kies een antwoord.")]
)
def test_a_refusal_is_shown_in_the_readers_language(app: Flask, locale: str, expected: str):
    refusal = Refusal(_l("Kies een antwoord."), field="nothing_by_that_name")
    with app.test_request_context("/", method="POST"), force_locale(locale):
        form = ConfirmForm(meta={"csrf": False})
        with refusals_on(form) as outcome:
            raise refusal
        assert not outcome.accepted and outcome.refusal is refusal
        assert form.form_errors == [expected]


def test_a_refusal_with_a_field_lands_next_to_that_field(app: Flask):
    from wtforms import StringField

    class NameForm(ConfirmForm):
        name = StringField()

    with app.test_request_context("/", method="POST"):
        form = NameForm(meta={"csrf": False})
        put_on_form(form, Refusal(_l("Kies een antwoord."), field="name"))
        assert form.name.errors == ["Kies een antwoord."]
        assert form.form_errors == []
