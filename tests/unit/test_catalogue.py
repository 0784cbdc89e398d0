"""The English catalogue: every text of the code and the templates has an English translation,
and each message is defined once (two definitions make msgfmt refuse the file, and gettext
silently keeps one of them)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PO_FILE = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [
    ("overleg/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _texts_in_the_code() -> dict[str, str]:
    """msgid -> where it is first used."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), METHODS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_text_has_an_english_translation():
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    untranslated = {}
    for msgid, where in _texts_in_the_code().items():
        entry = catalogue.get(msgid)
        strings = [] if entry is None else entry.string
        strings = [strings] if isinstance(strings, str) else list(strings)
        if not strings or not all(strings):
            untranslated[msgid] = where
    assert untranslated == {}


def test_each_message_is_defined_once():
    text = PO_FILE.read_text(encoding="utf-8")
    keys = Counter(
        match.group(0)
        for match in re.finditer(
            r'^(?:msgctxt "(?:[^"\\]|\\.)*"\n)?msgid "(?:[^"\\]|\\.)*"(?:\n"(?:[^"\\]|\\.)*")*',
            text,
            re.M,
        )
    )
    assert [key for key, count in keys.items() if count > 1 and key != 'msgid ""'] == []
