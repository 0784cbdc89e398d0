"""The password policy (NIST SP 800-63B): length, the shipped list, personal words. No HTTP."""

from __future__ import annotations

import gzip
from importlib import resources

import pytest

from overleg.auth.passwords import MIN_LENGTH, check_new_password, common_passwords
from overleg.lib.refusal import Refusal

EMAIL = "jan.peeters@example.be"
NAME = "Jan Peeters"


def refusal(password: str, *, email: str = EMAIL, name: str = NAME) -> str | None:
    try:
        check_new_password(password, email=email, name=name)
    except Refusal as refused:
        assert refused.field == "password"
        return str(refused.message)
    return None


def test_the_list_ships_as_package_data_with_tens_of_thousands_of_entries():
    data = resources.files("overleg.auth").joinpath("common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode().splitlines()
    assert len(lines) > 40_000
    assert lines == sorted(set(lines)), "one lower-case entry per line, sorted"
    assert all(line == line.lower().strip() for line in lines)
    assert len(common_passwords()) == len(lines)
    assert resources.files("overleg.auth").joinpath("common-passwords.md").is_file()


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Tr0ub4dor&3 op de fiets",
        "zes gele kanaries in Geel",
        "ēñ ünïcödé wåchtwoord",
    ],
)
def test_long_uncommon_passwords_pass_without_composition_rules(password):
    assert refusal(password) is None


def test_twelve_characters_at_least_counted_after_normalisation():
    assert "minstens 12 tekens" in (refusal("a" * (MIN_LENGTH - 1)) or "")
    # NFKC: the ligature "ﬁ" is two characters, a combining accent joins its letter.
    assert refusal("e\u0301" * 6 + "zebra") is not None


@pytest.mark.parametrize(
    "password",
    [
        "CookieMonster",  # on the list as such (in any case)
        "ilovemyfamily",
        "password2024!",  # a listed word with digits and punctuation around it
        "!!iloveyou1234",
        "dragondragon",  # a listed word repeated
        "Sunshine12345",
    ],
)
def test_common_and_breached_passwords_are_refused_with_the_reason(password):
    assert "veelgebruikte of uitgelekte" in (refusal(password) or "")


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaaaa", "abababababab", "123456789012", "zyxwvutsrqpo"]
)
def test_runs_of_repeated_or_consecutive_characters_are_refused(password):
    assert "herhaalde of opeenvolgende" in (refusal(password) or "")


def test_the_address_the_name_and_the_application_are_refused():
    assert "e-mailadres" in (refusal("ik-ben-jan.peeters!!") or "")
    assert "e-mailadres" in (refusal("Peetersfamilie 2026") or "")
    assert "naam" in (refusal("xx Peeters xx yy", email="jp@example.be") or "")
    assert "toepassing" in (refusal("mijn overleg wachtwoord") or "")


def test_short_name_parts_do_not_refuse_ordinary_words():
    assert refusal("januari in de sneeuw", email="jp@example.be", name="Jan Els") is None
