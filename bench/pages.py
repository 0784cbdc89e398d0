"""The main pages, how to count their SQL queries and how to time them.

Shared by `python -m bench` and tests/functional/test_query_budget.py, so both look at the same
pages on the same kind of data.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import MethodNotAllowed, NotFound

from bench.dataset import Dataset
from overleg.extensions import cache

TRIVIAL = "/healthz"


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[Dataset], str]
    # Text the page must show for the dataset, so a page that renders nothing does not pass.
    expect: Callable[[Dataset], str] | None = None
    roles: tuple[str, ...] = ("coordinator", "secretary")  # who the query budget opens it as


PAGES: tuple[Page, ...] = (
    Page("dashboard", lambda d: "/", lambda d: "Lokaal woonoverleg"),
    Page("municipalities", lambda d: "/municipalities", lambda d: d.municipality_name),
    Page(
        "municipality",
        lambda d: f"/municipalities/{d.municipality_slug}",
        lambda d: d.municipality_name,
    ),
    Page("organisations", lambda d: "/organisations", lambda d: "Woonmaatschappij"),
    Page("meetings", lambda d: "/meetings", lambda d: "Lokaal woonoverleg"),
    Page("meeting", lambda d: f"/meetings/{d.meeting_id}", lambda d: "Verwelkoming"),
    Page("themes", lambda d: "/themes", lambda d: "Lokale toewijzingsreglementen"),
    Page(
        "meeting search",
        lambda d: "/meetings?q=woonoverleg&date_from=2000-01-01&date_to=2100-12-31&status=held",
        lambda d: "Lokaal woonoverleg",
    ),
    Page(
        "outbox",
        lambda d: "/outbox?recipient=example.be&status=sent",
        lambda d: "Uitnodiging: Lokaal woonoverleg",
        roles=("coordinator",),
    ),
)
# The pages the benchmark times (the list); the query budget covers all of PAGES.
TIMED = ("dashboard", "municipality", "meeting", "meetings")


def page_exists(app: Flask, path: str) -> bool:
    """Whether a GET route matches `path` (pages other developers are still building may not)."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.partition("?")[0], method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def before_cursor_execute(  # type: ignore[no-untyped-def]
        conn, cursor, statement, parameters, context, executemany
    ) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def queries_for(client: FlaskClient, engine: Engine, path: str) -> tuple[int, list[str]]:
    """Status code and SQL statements of one GET (after a warm-up request)."""
    client.get(path)
    with count_queries(engine) as statements:
        response = client.get(path)
    return response.status_code, statements


def median_ms(client: FlaskClient, path: str, repeat: int) -> float:
    """Median wall time of `repeat` GETs through the test client, in milliseconds."""
    return median_wall_cpu_ms(client, path, repeat)[0]


def median_wall_cpu_ms(
    client: FlaskClient, path: str, repeat: int, before: Callable[[], None] | None = None
) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (`time.process_time`) of `repeat`
    GETs, in milliseconds, `before` called (untimed) ahead of each. On a shared machine the CPU
    time is the steadier of the two."""
    client.get(path)
    wall, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
    return round(statistics.median(wall), 3), round(statistics.median(cpu), 3)


def first_visit(app: Flask, client: FlaskClient, repeat: int) -> dict[str, float]:
    """The dashboard computed afresh on every GET (its kept lists emptied before each): what the
    first visit after a change costs; the page's own figures are those of the visits after it."""

    def forget() -> None:
        with app.app_context():
            cache.clear()

    ms, cpu_ms = median_wall_cpu_ms(client, "/", repeat, before=forget)
    return {"median_ms": ms, "median_cpu_ms": cpu_ms}


def measure(
    app: Flask, client: FlaskClient, engine: Engine, dataset: Dataset, repeat: int
) -> dict[str, Any]:
    """Median times, ratios to the trivial route and query counts of the existing pages."""
    trivial, trivial_cpu = median_wall_cpu_ms(client, TRIVIAL, repeat * 2)
    result: dict[str, Any] = {
        "trivial_route": TRIVIAL,
        "trivial_ms": trivial,
        "trivial_cpu_ms": trivial_cpu,
        "pages": {},
    }
    for page in PAGES:
        path = page.path(dataset)
        if not page_exists(app, path):
            result["pages"][page.name] = {"path": path, "missing": True}
            continue
        status, statements = queries_for(client, engine, path)
        entry: dict[str, Any] = {"path": path, "status": status, "queries": len(statements)}
        if page.name in TIMED and status == 200:
            ms, cpu_ms = median_wall_cpu_ms(client, path, repeat)
            entry.update(
                median_ms=ms,
                ratio_to_trivial=round(ms / trivial, 2),
                median_cpu_ms=cpu_ms,
                cpu_ratio_to_trivial=round(cpu_ms / trivial_cpu, 2),
            )
        result["pages"][page.name] = entry
    result["dashboard_first_visit"] = first_visit(app, client, repeat)
    # The trivial route once more, to see how much it drifted during the run.
    result["trivial_ms_after"] = median_ms(client, TRIVIAL, repeat * 2)
    return result
