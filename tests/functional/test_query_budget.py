"""The query budget: every main page issues as many SQL queries on a platform ten times larger.

A page that loads related rows lazily in a loop (an N+1) issues more queries when there are more
rows; this test catches it. Both platforms come from the benchmark's generator (bench/dataset.py):
the large one has five times the municipalities and twice the years (ten times the meetings),
larger standing invitee lists, longer agendas and more meetings at the same time (conflict
warnings on the meeting page). Timings are not checked here (`make bench`).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.dataset import Dataset, Spec, generate
from bench.pages import PAGES, Page, page_exists, queries_for
from overleg.auth.services import password_hasher
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from tests.conftest import post_form
from tests.support import databases

SMALL = Spec(
    municipalities=2,
    years=2,
    local_contacts=4,
    invitees=7,
    themes_per_meeting=1,
    municipalities_per_company=2,
    clash_group=2,
    secretary_share=0.5,
    slug_prefix="qb",
)
LARGE = Spec(
    municipalities=10,
    years=4,
    local_contacts=10,
    invitees=17,
    themes_per_meeting=4,
    municipalities_per_company=3,
    clash_group=5,
    secretary_share=0.5,
    slug_prefix="qb",
)
HASHER = password_hasher(time_cost=1, memory_cost=1024)


def _fresh_platform(spec: Spec) -> Dataset:
    databases.clean(db)
    databases.prepare_schema(db)
    ensure_reference_data()
    return generate(spec, hasher=HASHER)


def _count(app: Flask, client: FlaskClient, dataset: Dataset, page: Page, email: str) -> int:
    client.delete_cookie("session")
    response = post_form(client, "/login", {"email": email, "password": dataset.password})
    assert response.status_code == 302
    path = page.path(dataset)
    assert page_exists(app, path), f"no page at {path}"
    status, statements = queries_for(client, db.engine, path)
    assert status == 200, f"GET {path}: {status}"
    if page.expect is not None:
        body = client.get(path).get_data(as_text=True)
        assert page.expect(dataset) in body, f"{path} does not show {page.expect(dataset)!r}"
    return len(statements)


def test_the_large_platform_is_ten_times_the_small_one(app):
    small = _fresh_platform(SMALL)
    large = _fresh_platform(LARGE)
    assert large.counts["meetings"] == 10 * small.counts["meetings"]
    assert large.counts["invitations"] > 20 * small.counts["invitations"]


@pytest.mark.parametrize("role", ["coordinator", "secretary"])
def test_every_main_page_issues_a_constant_number_of_queries(app, client, role: str):
    # The dashboard computed on every visit: its kept lists would hide what computing them costs
    # (tests/functional/test_dashboard.py checks that a visit after it reads less).
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    counts: dict[str, list[int]] = {page.name: [] for page in PAGES}
    for spec in (SMALL, LARGE):
        dataset = _fresh_platform(spec)
        email = dataset.coordinator_email if role == "coordinator" else dataset.secretary_email
        for page in PAGES:
            if role in page.roles:
                counts[page.name].append(_count(app, client, dataset, page, email))
    counts = {name: pair for name, pair in counts.items() if pair}
    assert all(small > 0 for small, _large in counts.values())
    differing = {name: pair for name, pair in counts.items() if pair[0] != pair[1]}
    assert not differing, f"queries (small, large) as {role}: {differing}"
