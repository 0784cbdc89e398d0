"""Redirect targets stay on the site; control characters never reach a view (issue 11)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overleg.web.safety import has_control_characters, safe_redirect_target

SAFE = ["/", "/meetings", "/meetings/12?page=2", "/contacts/3#x", "/a/b%20c", "/zoek?q=a%2Fb"]
UNSAFE = [
    None,
    "",
    "meetings",
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "//user@evil.example",
    "/\x00",
    "/" + "a" * 2001,
]


@pytest.mark.parametrize("target", SAFE)
def test_paths_on_this_site_are_kept(target):
    assert safe_redirect_target(target) == target


@pytest.mark.parametrize("target", UNSAFE)
def test_anything_that_could_leave_the_site_is_refused(target):
    assert safe_redirect_target(target) is None


@given(st.text(max_size=40))
def test_a_kept_target_is_always_a_single_slash_path(text):
    target = safe_redirect_target(text)
    if target is not None:
        assert target.startswith("/") and not target.startswith("//")
        assert not has_control_characters(target) and "\\" not in target


def test_text_areas_may_hold_line_breaks_single_lines_may_not():
    assert has_control_characters("a\nb")
    assert not has_control_characters("a\nb\tc\r\n", multiline=True)
    assert has_control_characters("a\x00b", multiline=True)
    assert has_control_characters("a\x7f", multiline=True)
