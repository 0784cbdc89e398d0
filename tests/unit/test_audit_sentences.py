"""Every audit action reads as a sentence, and every status as words, in Dutch and English
(issue 14). The actions are found in the source, so a new one is covered the moment it is
recorded; the statuses are the enums' members, so a new member is covered the moment it exists.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from config import PROJECT_ROOT
from overleg.audit.sentences import ACTOR_WORDS, SENTENCES, action_sentence
from overleg.models.labels import LABELLED_ENUMS, LABELS, NONE, label
from tests.english import dutch_words

PO_FILE = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")
# The calls that record an audit entry, directly or through a feature's helper.
RECORDING_CALLS = {"record", "_changed", "_record_changes", "_record_document"}


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in RECORDING_CALLS:
                yield node


def recorded_actions() -> dict[str, str]:
    """Every action code written as a literal into a recording call: code -> where."""
    found: dict[str, str] = {}
    for path in sorted((PROJECT_ROOT / "overleg").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for call in _calls(tree):
            for argument in call.args[:3]:
                for node in ast.walk(argument):
                    if isinstance(node, ast.Constant) and ACTION.match(str(node.value)):
                        where = f"{path.relative_to(PROJECT_ROOT)}:{call.lineno}"
                        found.setdefault(str(node.value), where)
    return found


def _catalogue():  # type: ignore[no-untyped-def]
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="en")


def test_the_scan_finds_the_actions_of_every_feature():
    actions = recorded_actions()
    assert len(actions) >= 60
    for known in ("poll.start", "invitation.answer", "meeting.send_reminders", "user.create"):
        assert known in actions


def test_every_recorded_action_has_a_sentence():
    missing = {code: where for code, where in recorded_actions().items() if code not in SENTENCES}
    assert missing == {}


def test_every_sentence_names_the_actor_and_has_an_english_text():
    catalogue = _catalogue()
    for code, template in SENTENCES.items():
        msgid = template._args[0]
        assert "%(actor)s" in msgid, code
        message = catalogue.get(msgid)
        assert message is not None and message.string, f"{code}: no English for {msgid!r}"
        assert "%(actor)s" in message.string
        assert dutch_words(message.string) == set(), code


def test_every_status_has_a_dutch_label_and_an_english_translation():
    catalogue = _catalogue()
    for kind in LABELLED_ENUMS:
        for member in kind:
            assert member in LABELS, f"{kind.__name__}.{member.name} has no label"
            msgid = LABELS[member]._args[0]
            assert msgid != member.value
            message = catalogue.get(msgid)
            assert message is not None and message.string, f"{msgid!r} has no English"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("nl", "An Peeters antwoordde misschien te komen"),
        ("en", "An Peeters answered that they might come"),
    ],
)
def test_an_answer_reads_as_what_was_answered(app: Flask, locale: str, expected: str):
    with app.test_request_context(), force_locale(locale):
        assert action_sentence("invitation.answer", "An Peeters", {"new": "tentative"}) == expected


def test_sentences_read_in_both_languages(app: Flask):
    with app.test_request_context():
        with force_locale("nl"):
            assert action_sentence("poll.start", "Eva") == (
                "Eva vroeg de genodigden naar hun beschikbaarheid"
            )
            assert action_sentence("meeting.send_reminders", "Eva") == (
                "Eva stuurde een herinnering aan wie nog niet antwoordde"
            )
        with force_locale("en"):
            assert action_sentence("meeting.cancel", "Eva") == "Eva cancelled a meeting"


def test_an_unknown_action_still_reads_as_words(app: Flask):
    with app.test_request_context(), force_locale("nl"):
        assert action_sentence("meeting.frobnicate", "Eva") == "Eva wijzigde iets aan: vergadering"
        assert action_sentence("gizmo.frobnicate", "Eva") == "Eva wijzigde iets"
    with app.test_request_context(), force_locale("en"):
        text = action_sentence("meeting.frobnicate", "Eva")
        assert "frobnicate" not in text and text.startswith("Eva changed something")


def test_statuses_read_as_words_in_both_languages(app: Flask):
    from overleg.models import MeetingStatus, OutboxStatus, RsvpStatus

    with app.test_request_context():
        with force_locale("nl"):
            assert label(RsvpStatus.TENTATIVE) == "Misschien"
            assert label("cancelled", MeetingStatus) == "Geannuleerd"  # type: ignore[arg-type]
        with force_locale("en"):
            assert label(OutboxStatus.FAILED) != "Mislukt"
            assert label(None) == NONE


def test_actors_without_an_account_read_as_words():
    for code in ("planner", "demo-data", "flask users"):
        assert code in ACTOR_WORDS
