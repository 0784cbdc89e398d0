"""Hypothesis fuzzing: no input makes the application answer 500 (on SQLite and PostgreSQL).

Nothing is listed by hand, so a new route, form or parameter is covered the day it is written:
- the routes come from the app's URL map: every path parameter of every rule is replaced by
  hostile segments (NUL and other control characters, huge and negative numbers, extreme dates),
  the other parameters keeping the values of the access matrix's objects
  (tests/functional/test_access_matrix.py, which has a case for every route);
- the forms are found on the pages of the access matrix (fetched as a coordinator, a secretary
  and anonymously) and posted with generated values for their own fields, chosen by the type of
  the input (dates get extreme dates and the nights summer time starts and ends, times the hours
  that do not exist or exist twice), with a valid CSRF token so the input reaches the validation;
  every form with a date is also posted with each extreme date and summer-time hour in turn;
- the query parameters are the names the code reads (`request.args`) and the fields of the GET
  forms on the pages, with the same hostile values.
Examples are bounded and derandomised: the run is short and a failure can be replayed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from config import PROJECT_ROOT
from overleg.auth.permissions import Access, endpoint_access
from overleg.models.types import utcnow
from tests.conftest import csrf_token, login
from tests.functional.test_access_matrix import CASES, _objects

SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,  # the same inputs on every run: a failure can be replayed
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.isoweekday() % 7)


_YEAR = utcnow().year + 1
# The nights the clock skips (March) and repeats (October) 02:00-02:59 in Brussels.
SUMMER_TIME_DAYS = [_last_sunday(_YEAR, 3).isoformat(), _last_sunday(_YEAR, 10).isoformat()]
EXTREME_DATES = [
    "0001-01-01",
    "1899-12-31",
    "1999-12-31",
    "2101-01-01",
    "9999-12-31",
    "10000-01-01",
    "2027-02-29",
    "-2027-01-01",
]
SUMMER_TIMES = ["02:00", "02:30", "02:59", "03:00", "23:59", "00:00", "24:00"]
# Start and end pairs for the forms with two times: a skipped hour on either side, a repeated
# hour to after it, the end of the day (an overflow with year 9999), blank (the usual hours).
TIME_PAIRS = [("02:30", "03:30"), ("03:00", "02:30"), ("23:30", "23:59"), ("", "")]
CONTROL_CHARACTERS = [
    "\x00",
    "a\x00b",
    "\x01",
    "\x1b[31m",
    "a\x0bb",
    "\x7f",
    "line\r\nbreak",
    "\t",
    "\u2028",
    "\ufeff",
]
NUMBERS = ["0", "-1", "2147483648", "99999999999999999999", "1e309", "NaN"]
# Values that often break naive parsing: huge, empty, odd unicode, numbers, dates, markup.
NASTY = st.one_of(
    st.text(max_size=30),
    st.text(min_size=2000, max_size=5000, alphabet="ab é\n"),
    st.sampled_from(
        [
            "",
            " ",
            *NUMBERS,
            "2026-02-30",
            "2026-13-01T25:61",
            "0000-00-00",
            "9999-12-31T23:59",
            *EXTREME_DATES,
            *SUMMER_TIME_DAYS,
            *SUMMER_TIMES,
            *CONTROL_CHARACTERS,
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\ud7ff\ufffd",
            "=HYPERLINK(1)",
            "../../etc/passwd",
            "a@b",
            "x" * 300,
        ]
    ),
)
BY_INPUT_TYPE = {
    "date": st.sampled_from([*EXTREME_DATES, *SUMMER_TIME_DAYS]),
    "time": st.sampled_from(SUMMER_TIMES),
    "number": st.sampled_from(NUMBERS),
}
# Path segments: control characters (percent-encoded, as they travel), numbers beyond any
# column, dates, encoded slashes and dots, a long segment.
HOSTILE_SEGMENTS = [
    "a%00b",
    "%0A",
    "a%0D%0Ab",
    "%7F",
    "%1B",
    "a%09b",
    "0",
    "-1",
    "99999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "%2F..%2F",
    "%C3%A9%E2%80%A8",
    "x" * 300,
]
HOSTILE_QUERY_VALUES = ["\x00", "a\x1bb", "9999-12-31", "0001-01-01", "02:30", *NUMBERS[2:4]]
QUERY_NAMES = {"page", "year", "q", "municipality", "status", "from", "to", "month", "sort", "next"}
ARGS_READ = re.compile(r"""request\.args(?:\.get|\.getlist)?[(\[]\s*["']([^"']+)["']""")
ARGS_TESTED = re.compile(r"""["']([a-z_]+)["']\s+in\s+request\.args""")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> known options
    types: dict[str, str] = field(default_factory=dict)  # name -> input type
    chosen: dict[str, str] = field(default_factory=dict)  # name -> value the page selected


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
            self._field(tag, a)
        elif tag == "option" and self._select:
            form = self.forms[-1]
            form.fields[self._select].append(a.get("value", ""))
            if "selected" in a:
                form.chosen[self._select] = a.get("value", "")

    def _field(self, tag: str, a: dict[str, str]) -> None:
        form = self.forms[-1]
        options = form.fields.setdefault(a["name"], [])
        form.types.setdefault(a["name"], a.get("type", tag))
        if a.get("value"):
            options.append(a["value"])
            form.chosen.setdefault(a["name"], a["value"])
        if tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _forms(html: str, page: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(urljoin("http://localhost" + page, form.action or page)).path
    return parser.forms


def _value(form: Form, name: str) -> st.SearchStrategy[Any]:
    choices = [o for o in form.fields[name] if o]
    typed = BY_INPUT_TYPE.get(form.types.get(name, ""))
    strategies = [
        s for s in (st.sampled_from(choices) if choices else None, typed) if s is not None
    ]
    return st.one_of(*strategies, NASTY)


def _form_data(form: Form) -> st.SearchStrategy[dict[str, Any]]:
    names = [n for n in form.fields if n != "csrf_token"]
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(_value(form, name), st.lists(NASTY, max_size=3)) for name in names
        },
    )


def _baseline(form: Form) -> dict[str, str]:
    """What a person who changes nothing would post: the values the page shows or selected."""
    data = {}
    for name, options in form.fields.items():
        if name == "csrf_token" or form.types.get(name) in ("submit", "button", "checkbox"):
            continue
        chosen = form.chosen.get(name)
        data[name] = chosen if chosen is not None else next((o for o in options if o), "")
    return data


def _pages(objects: dict[str, Any], extra: tuple[str, ...] = ()) -> list[str]:
    pages = list(extra)
    for case in CASES.values():
        if case.method != "GET":
            continue
        for side in ("own", "other") if case.scoped else ("own",):
            pages.append(case.path(objects, side))
    return pages


# The planner's proposals (with their dates and times) appear only once a period is chosen, one
# that the access matrix's meetings do not fill yet.
EXTRA_PAGES = (f"/planning?year={_YEAR + 2}&max_per_day=2",)


def _collect_forms(client: Any, pages: list[str]) -> list[Form]:
    """Every distinct form on the pages, in the order found (POST and GET forms alike)."""
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    forms: list[Form] = []
    for page in pages:
        response = client.get(page)
        if response.mimetype != "text/html":
            continue
        for form in _forms(response.get_data(as_text=True), page):
            key = (form.method, form.action, tuple(sorted(form.fields)))
            if key not in seen:
                seen.add(key)
                forms.append(form)
    return forms


def _posted(forms: list[Form]) -> list[Form]:
    return [f for f in forms if f.method == "post" and f.action != "/logout"]


def _fuzz_forms(client: Any, forms: list[Form], relogin: Any) -> list[str]:
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
        # skipped); make sure the next form is posted by the same user again.
        if relogin():
            token[0] = csrf_token(client)
    return failures


@pytest.mark.parametrize("role", ["coordinator", "secretary"])
def test_no_form_answers_500_whatever_is_posted(app, client, world, role):
    user = getattr(world, role)
    objects = _objects(world)
    login(client, user)
    forms = _posted(_collect_forms(client, _pages(objects, EXTRA_PAGES)))
    assert len(forms) >= 2, "no forms found: the parser or the pages are broken"

    def relogin() -> bool:
        if client.get("/").status_code == 200:
            return False
        login(client, user)
        return True

    failures = _fuzz_forms(client, forms, relogin)
    assert not failures, "\n".join(failures[:20])


def test_no_public_form_answers_500_whatever_is_posted(app, client, world):
    """The pages anyone may open (login, the personal answer and poll pages), anonymously."""
    objects = _objects(world)
    public = [
        case.path(objects, "own")
        for endpoint, case in CASES.items()
        if case.method == "GET" and endpoint_access(app, endpoint) is Access.PUBLIC
    ]
    forms = _posted(_collect_forms(client, public))
    assert {f.action for f in forms} >= {"/login"}

    def relogin() -> bool:
        client.delete_cookie("session")  # a form that logged in: anonymous again
        return True

    failures = _fuzz_forms(client, forms, relogin)
    assert not failures, "\n".join(failures[:20])


def _dated_posts(form: Form) -> Iterator[dict[str, str]]:
    """The form as shown, with each extreme date and summer-time hour in its date and times."""
    dates = [n for n, t in form.types.items() if t == "date"]
    times = [n for n, t in form.types.items() if t == "time"]
    baseline = _baseline(form)
    for name in dates:
        for day in [*EXTREME_DATES, *SUMMER_TIME_DAYS]:
            for pair in TIME_PAIRS if times else [("", "")]:
                # Start and end again for each further row (a plan has one row per meeting).
                clocks = dict(zip(times, (list(pair) * len(times))[: len(times)], strict=True))
                yield {**baseline, name: day, **clocks}


def test_extreme_dates_and_summer_times_on_every_form_with_a_date(app, client, world):
    objects = _objects(world)
    login(client, world.coordinator)
    forms = _posted(_collect_forms(client, _pages(objects, EXTRA_PAGES)))
    dated = [f for f in forms if "date" in f.types.values()]
    actions = {re.sub(r"\d+", "N", f.action) for f in dated}
    # The forms the brief names must be among them (the rest are found the same way).
    assert {"/meetings/new", "/meetings/N/edit", "/planning/confirm"} <= actions, actions
    failures = []
    for form in dated:
        for data in _dated_posts(form):
            response = client.post(form.action, data={**data, "csrf_token": csrf_token(client)})
            if response.status_code >= 500:
                failures.append(f"POST {form.action} {data!r}: {response.status_code}")
    assert not failures, "\n".join(failures[:20])


# --- query strings -----------------------------------------------------------------------------


def _names_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (PROJECT_ROOT / "overleg").rglob("*.py"):
        source = path.read_text("utf-8")
        names.update(ARGS_READ.findall(source))
        names.update(ARGS_TESTED.findall(source))
    return names


def _query_names(forms: list[Form]) -> list[str]:
    from_forms = {name for f in forms if f.method == "get" for name in f.fields}
    return sorted(QUERY_NAMES | _names_read_by_the_code() | from_forms)


def test_the_query_names_include_what_the_code_reads():
    assert {"page", "year", "municipality", "date", "next", "poll"} <= _names_read_by_the_code()


def test_no_page_answers_500_whatever_the_query_string(app, client, world):
    objects = _objects(world)
    login(client, world.coordinator)
    pages = _pages(objects, EXTRA_PAGES)
    names = _query_names(_collect_forms(client, pages))
    failures: list[str] = []

    def fuzz(page: str) -> None:
        path, _, existing = page.partition("?")

        @settings(SETTINGS, max_examples=3)
        @given(query=st.dictionaries(st.sampled_from(names), NASTY, max_size=4))
        def get(query: dict[str, str]) -> None:
            merged = {**dict(parse_qsl(existing)), **query}
            response = client.get(path, query_string=merged)
            if response.status_code >= 500:
                failures.append(f"GET {path} {merged!r}: {response.status_code}")

        get()
        for value in HOSTILE_QUERY_VALUES:  # every name at once, with each hostile value
            response = client.get(path, query_string=dict.fromkeys(names, value))
            if response.status_code >= 500:
                failures.append(f"GET {path} every name={value!r}: {response.status_code}")

    for page in pages:
        fuzz(page)
        if client.get("/").status_code != 200:  # e.g. ?next= on a page that logs out
            login(client, world.coordinator)
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


# --- path parameters ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static" and r.arguments),
        key=lambda r: r.rule,
    )


def _real_arguments(app: Flask, rule: Rule, objects: dict[str, Any]) -> dict[str, Any]:
    """The arguments of the access matrix's URL for this rule's endpoint (its own objects)."""
    path = urlsplit(CASES[rule.endpoint].path(objects, "own")).path
    adapter = app.url_map.bind("localhost")
    method = "GET" if "GET" in (rule.methods or ()) else "POST"
    endpoint, arguments = adapter.match(path, method=method)
    assert endpoint == rule.endpoint, (rule.rule, path)
    return arguments


def _hostile_paths(rule: Rule, real: dict[str, Any]) -> Iterator[str]:
    """The rule's path with one argument at a time replaced by each hostile segment."""
    for target in sorted(rule.arguments):
        for segment in HOSTILE_SEGMENTS:

            def fill(match: re.Match[str], target: str = target, segment: str = segment) -> str:
                name = match.group(1)
                return segment if name == target else quote(str(real[name]), safe="")

            yield _PLACEHOLDER.sub(fill, rule.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_no_route_answers_500_whatever_its_path_parameters(app, client, world):
    objects = _objects(world)
    rules = _rules(app)
    assert len(rules) >= 30, "the URL map lost its routes"
    failures = []
    for anonymous in (True, False):
        if not anonymous:
            login(client, world.coordinator)
        token = csrf_token(client)
        for rule in rules:
            if anonymous and endpoint_access(app, rule.endpoint) is not Access.PUBLIC:
                continue
            real = _real_arguments(app, rule, objects)
            for path in _hostile_paths(rule, real):
                for method in _methods(rule):
                    data = {"csrf_token": token, **CASES[rule.endpoint].data}
                    response = client.open(path, method=method, data=data)
                    if response.status_code >= 500:
                        failures.append(f"{method} {path}: {response.status_code}")
    assert not failures, "\n".join(failures[:20])
