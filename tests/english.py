"""Is a text English? Used by the tests that switch the interface to English."""

from __future__ import annotations

import re

# Common Dutch words that are not English words: one of them in an English text means a message
# was not translated.
DUTCH_WORDS = frozenset(
    {
        "de",
        "het",
        "een",
        "niet",
        "geen",
        "deze",
        "dit",
        "die",
        "dat",
        "van",
        "voor",
        "met",
        "naar",
        "zijn",
        "kan",
        "kunt",
        "moet",
        "moeten",
        "wordt",
        "worden",
        "werd",
        "al",
        "nog",
        "bij",
        "uit",
        "te",
        "en",
        "ook",
        "maar",
        "wel",
        "hier",
        "daar",
        "wie",
        "wat",
        "welke",
        "waar",
        "wanneer",
        "hoe",
        "vergadering",
        "vergaderingen",
        "gemeente",
        "gemeenten",
        "uitnodiging",
        "uitnodigingen",
        "verslag",
        "datum",
        "naam",
        "organisatie",
        "contactpersoon",
        "agendapunt",
        "actiepunt",
        "thema",
        "bestaat",
        "bestand",
        "eerst",
        "na",
        "tussen",
        "zonder",
        "kies",
        "vul",
        "ongeldig",
        "ongeldige",
        "bewaard",
        "opnieuw",
        "probeer",
    }
)
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


def dutch_words(text: str) -> set[str]:
    """The Dutch words in `text` (lower case), placeholders and markup left out."""
    plain = re.sub(r"%\(\w+\)[sd]|<[^>]*>", " ", text)
    return {w.lower() for w in _WORD.findall(plain)} & DUTCH_WORDS
