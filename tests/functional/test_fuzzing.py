"""Hypothesis fuzzing: no input makes the application answer 500.

The forms are found, not listed: every page of the access matrix (tests/functional/
test_access_matrix.py, which knows every route) is fetched as a coordinator and a secretary, every
form on it is parsed, and each form is posted with generated values for its own fields (with a
valid CSRF token, so the input reaches the validation). GET routes get generated query strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token, login
from tests.functional.test_access_matrix import CASES, _objects

SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,  # the same inputs on every run: a failure can be replayed
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Values that often break naive parsing: huge, empty, odd unicode, numbers, dates, markup.
NASTY = st.one_of(
    st.text(max_size=30),
    st.text(min_size=2000, max_size=5000, alphabet="ab é\n"),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999",
            "1e309",
            "NaN",
            "2026-02-30",
            "2026-13-01T25:61",
            "0000-00-00",
            "9999-12-31T23:59",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "\ud7ff\ufffd",
            "=HYPERLINK(1)",
            "../../etc/passwd",
            "a@b",
            "x" * 300,
        ]
    ),
)
QUERY_NAMES = ["page", "year", "q", "municipality", "status", "from", "to", "month", "sort", "next"]


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> known options


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select", "button") and a.get("name"):
            options = self.forms[-1].fields.setdefault(a["name"], [])
            if a.get("value"):
                options.append(a["value"])
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._select:
            self.forms[-1].fields[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _forms(html: str, page: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(urljoin("http://localhost" + page, form.action or page)).path
    return [f for f in parser.forms if f.method == "post" and f.action != "/logout"]


def _value(options: list[str]) -> st.SearchStrategy[Any]:
    choices = [o for o in options if o]
    return st.one_of(st.sampled_from(choices), NASTY) if choices else NASTY


def _form_data(form: Form) -> st.SearchStrategy[dict[str, Any]]:
    names = [n for n in form.fields if n != "csrf_token"]
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(_value(form.fields[name]), st.lists(NASTY, max_size=3))
            for name in names
        },
    )


def _pages(objects: dict[str, Any]) -> list[str]:
    pages = []
    for case in CASES.values():
        if case.method != "GET":
            continue
        for side in ("own", "other") if case.scoped else ("own",):
            pages.append(case.path(objects, side))
    return pages


@pytest.mark.parametrize("role", ["coordinator", "secretary"])
def test_no_form_answers_500_whatever_is_posted(app, client, world, role):
    user = getattr(world, role)
    objects = _objects(world)
    login(client, user)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    forms: list[Form] = []
    for page in _pages(objects):
        response = client.get(page)
        if response.mimetype != "text/html":
            continue
        for form in _forms(response.get_data(as_text=True), page):
            key = (form.action, tuple(sorted(form.fields)))
            if key not in seen:
                seen.add(key)
                forms.append(form)
    assert len(forms) >= 2, "no forms found: the parser or the pages are broken"
    token = [csrf_token(client)]
    failures: list[str] = []

    def fuzz(form: Form) -> None:
        @SETTINGS
        @given(data=_form_data(form))
        def post(data: dict[str, Any]) -> None:
            response = client.post(form.action, data={**data, "csrf_token": token[0]})
            if response.status_code >= 500:
                failures.append(f"POST {form.action} {data!r}: {response.status_code}")

        post()

    for form in forms:
        fuzz(form)
        # A form may have ended the session (e.g. the language switch keeps it, logout is
        # skipped); make sure the next form is posted by a logged-in user again.
        if client.get("/").status_code != 200:
            login(client, user)
            token[0] = csrf_token(client)
    assert not failures, "\n".join(failures[:20])


def test_no_page_answers_500_whatever_the_query_string(app, client, world):
    objects = _objects(world)
    login(client, world.coordinator)
    failures: list[str] = []

    def fuzz(page: str) -> None:
        path, _, existing = page.partition("?")

        @settings(SETTINGS, max_examples=3)
        @given(query=st.dictionaries(st.sampled_from(QUERY_NAMES), NASTY, max_size=4))
        def get(query: dict[str, str]) -> None:
            merged = {**dict(parse_qsl(existing)), **query}
            response = client.get(path, query_string=merged)
            if response.status_code >= 500:
                failures.append(f"GET {path} {merged!r}: {response.status_code}")

        get()

    pages = _pages(objects)
    for page in pages:
        fuzz(page)
    assert len(pages) >= 5
    assert not failures, "\n".join(failures[:20])


@SETTINGS
@given(
    municipality=NASTY,
    year=st.one_of(NASTY, st.integers().map(str)),
)
def test_api_parameters_never_answer_500(client, world, municipality, year):
    if client.get_cookie("session") is None:
        login(client, world.coordinator)
    response = client.get(
        "/api/v1/meetings", query_string={"municipality": municipality, "year": year}
    )
    assert response.status_code < 500
    assert response.mimetype == "application/json"
