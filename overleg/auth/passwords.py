"""The password policy, after NIST SP 800-63B (section 5.1.1.2): length, not composition.

A new password must
- be at least 12 characters long (Unicode characters after NFKC normalisation), at most 1000;
- not be on the list of common or breached passwords shipped with overleg
  (common-passwords.txt.gz beside this file, some 40,000 entries; its source and licence are in
  common-passwords.md), compared in lower case, also once the digits and punctuation around it
  are taken off and when it is one word repeated ("password2024!", "welkomwelkom");
- not be a run of repeated or consecutive characters ("aaaaaaaaaaaa", "123456789012");
- not contain the user's e-mail address (its local part), their name or the name of the
  application.
There are no composition rules (no "one digit, one capital") and no expiry: NIST advises
against both. Pure code: no database, no request.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from flask_babel import lazy_gettext as _l

from overleg.lib.refusal import Refusal

MIN_LENGTH = 12
MAX_LENGTH = 1000
LIST_FILE = "common-passwords.txt.gz"
# Words of this application that make a guessable password (NIST: context-specific words).
CONTEXT_WORDS = ("overleg", "woonoverleg")
# A name or address part shorter than this is too common a string to refuse ("an", "jan").
MIN_PERSONAL_PART = 4
_SEQUENCES = (
    "0123456789" * 3,
    "abcdefghijklmnopqrstuvwxyz" * 2,
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
)
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)
_PARTS = re.compile(r"[\W_\d]+")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case, one entry per line (read once per process)."""
    data = resources.files("overleg.auth").joinpath(LIST_FILE).read_bytes()
    return frozenset(line for line in gzip.decompress(data).decode("utf-8").splitlines() if line)


def normalised(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_new_password(password: str, *, email: str, name: str) -> None:
    """Refuse (Refusal on the field "password") a password the policy does not allow; the
    message says why."""
    password = normalised(password)
    if len(password) < MIN_LENGTH:
        raise Refusal(
            _l("Kies een wachtwoord van minstens %(count)d tekens.", count=MIN_LENGTH),
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise Refusal(
            _l("Een wachtwoord mag hoogstens %(count)d tekens lang zijn.", count=MAX_LENGTH),
            field="password",
        )
    lowered = password.lower()
    _refuse_common(lowered)
    _refuse_personal(lowered, email=email, name=name)


def _refuse_common(lowered: str) -> None:
    if _is_run(lowered):
        raise Refusal(
            _l("Dit wachtwoord bestaat uit herhaalde of opeenvolgende tekens. Kies een ander."),
            field="password",
        )
    common = common_passwords()
    if any(candidate in common for candidate in _candidates(lowered)):
        raise Refusal(
            _l(
                "Dit wachtwoord staat op een lijst van veelgebruikte of uitgelekte wachtwoorden "
                "(of is er een met wat cijfers of tekens erbij). Kies een ander."
            ),
            field="password",
        )


def _candidates(lowered: str) -> set[str]:
    """The password, its core without the digits and punctuation around it, and the word it
    repeats, as far as they are long enough to mean something."""
    found = {lowered, lowered.strip()}
    core = _AROUND.sub("", lowered)
    if len(core) >= MIN_PERSONAL_PART:
        found.add(core)
    for text in (lowered, core):
        repeated = _REPEATED.fullmatch(text)
        if repeated and len(repeated.group(1)) >= MIN_PERSONAL_PART:
            found.add(repeated.group(1))
    return found


def _is_run(lowered: str) -> bool:
    """Few distinct characters ("aaaaaaaaaaaa", "abababababab") or a stretch of a sequence
    ("123456789012", "qwertyuiopas", "zyxwvutsrqpo")."""
    if len(set(lowered)) < MIN_PERSONAL_PART:
        return True
    return any(lowered in sequence or lowered[::-1] in sequence for sequence in _SEQUENCES)


def personal_parts(*, email: str, name: str) -> set[str]:
    """The strings a password may not contain: the address's local part and its pieces, the
    name (whole, without spaces) and its words, the application's name."""
    local = normalised(email).lower().strip().rpartition("@")[0]
    full_name = normalised(name).lower()
    parts = {local, "".join(full_name.split())}
    parts.update(_PARTS.split(local))
    parts.update(_PARTS.split(full_name))
    parts.update(CONTEXT_WORDS)
    return {part for part in parts if len(part) >= MIN_PERSONAL_PART}


def _refuse_personal(lowered: str, *, email: str, name: str) -> None:
    local = normalised(email).lower().strip().rpartition("@")[0]
    local_parts = {local, *_PARTS.split(local)}
    for part in sorted(personal_parts(email=email, name=name), key=len, reverse=True):
        if part not in lowered:
            continue
        if part in CONTEXT_WORDS:
            raise Refusal(
                _l("Een wachtwoord mag de naam van deze toepassing niet bevatten."),
                field="password",
            )
        if part in local_parts:
            raise Refusal(
                _l("Een wachtwoord mag je e-mailadres (of een deel ervan) niet bevatten."),
                field="password",
            )
        raise Refusal(_l("Een wachtwoord mag je naam niet bevatten."), field="password")
