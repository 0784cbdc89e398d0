"""No GET changes a row (issue 11, finding 10), proven over every route of the URL map.

Every GET case of the access matrix is requested by a coordinator and by a secretary, with the
row count of every table taken before and after: a GET that creates, deletes or logs anything
fails here. (Login sessions and attempts are the login's own bookkeeping, made by the POST that
logs in, before the counts are taken.)
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from tests.conftest import World, login
from tests.functional.test_access_matrix import CASES, _objects


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("role", ["coordinator", "secretary"])
def test_no_get_changes_a_row(app, client, world: World, role: str) -> None:
    objects = _objects(world)
    db.session.commit()
    login(client, getattr(world, role))
    changed = []
    for endpoint, case in sorted(CASES.items()):
        if case.method != "GET":
            continue
        for side in ("own", "other") if case.scoped else ("own",):
            path = case.path(objects, side)
            before = _row_counts()
            response = client.get(path)
            after = _row_counts()
            differences = {
                name: (before[name], after[name]) for name in before if before[name] != after[name]
            }
            if differences:
                changed.append(f"GET {path} ({endpoint}, {response.status_code}): {differences}")
    assert changed == [], "\n".join(changed)


def test_every_route_with_a_get_has_a_get_case(app) -> None:
    """Routes that answer GET and POST are listed once in CASES; their GET must be exercised."""
    get_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "GET" in (rule.methods or ())
    }
    not_requested = sorted(e for e in get_endpoints if CASES[e].method != "GET")
    assert not_requested == []
