"""`make bench`: generate the large platform, time the main pages, write bench/results.json.

    python -m bench [--repeat N] [--output PATH] [--municipalities N]

For each of the small (a tenth) and the large platform (300 municipalities, ten years):
the median time of the dashboard, a municipality page, a meeting page and the meetings list,
each next to the median of the trivial route /healthz in the same run, and the number of SQL
queries of every main page. The goal is at most 10 times the trivial route and the same number
of queries on both platforms; the figures are recorded, not asserted (the query budget itself is
a test: tests/functional/test_query_budget.py).

Benchmarks by other features (bench/invitations.py, bench/minutes_pdf.py, bench/planner.py) are
run when present; each `run()` returns a dict stored under its name. Keys written by other
commands (`make load` writes "load") are kept.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from bench.dataset import LARGE, Dataset, Spec, generate
from bench.pages import PAGES, TIMED, measure
from config import TestingConfig
from overleg import create_app
from overleg.extensions import db

RESULTS = Path(__file__).resolve().parent / "results.json"
OTHER_BENCHMARKS = ("invitations", "minutes_pdf", "planner")
GOAL_RATIO = 10.0


def bench_app(database_path: Path) -> Flask:
    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database_path}"
        WTF_CSRF_ENABLED = False
        TESTING = False  # errors answer 500 as in production instead of raising
        DEBUG = False

    return create_app(BenchConfig)


def run_platform(name: str, spec: Spec, workdir: Path, repeat: int) -> dict[str, Any]:
    app = bench_app(workdir / f"{name}.db")
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        dataset: Dataset = generate(spec)
        engine = db.engine
    generated_s = time.perf_counter() - started
    print(f"[bench] {name}: {dataset.counts} generated in {generated_s:.1f} s", flush=True)

    client = app.test_client()
    response = client.post(
        "/login", data={"email": dataset.coordinator_email, "password": dataset.password}
    )
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed: {response.status_code}")
    result = measure(app, client, engine, dataset, repeat)
    result.update(
        spec=asdict(spec),
        counts=dataset.counts,
        generate_seconds=round(generated_s, 2),
        database_mib=round((workdir / f"{name}.db").stat().st_size / 2**20, 1),
    )
    return result


def compare(small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    """Per page: the ratio goal on the large platform and whether the query counts agree."""
    summary: dict[str, Any] = {}
    for page in PAGES:
        s, g = small["pages"].get(page.name, {}), large["pages"].get(page.name, {})
        if g.get("missing") or s.get("missing"):
            summary[page.name] = {"measured": False}
            continue
        entry: dict[str, Any] = {
            "measured": True,
            "queries_small": s.get("queries"),
            "queries_large": g.get("queries"),
            "same_query_count": s.get("queries") == g.get("queries"),
        }
        if page.name in TIMED and "ratio_to_trivial" in g:
            entry["ratio_to_trivial"] = g["ratio_to_trivial"]
            entry["cpu_ratio_to_trivial"] = g.get("cpu_ratio_to_trivial")
            entry["within_goal"] = g["ratio_to_trivial"] <= GOAL_RATIO
        summary[page.name] = entry
    return summary


def run_others() -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, result) of each other feature's benchmark, one at a time."""
    for name in OTHER_BENCHMARKS:
        module_name = f"bench.{name}"
        if importlib.util.find_spec(module_name) is None:
            yield name, {"present": False}
            continue
        print(f"[bench] {name} ...", flush=True)
        started = time.perf_counter()
        try:
            outcome = dict(importlib.import_module(module_name).run())
        except Exception as error:  # record and go on: one broken benchmark must not hide the rest
            outcome = {"error": f"{type(error).__name__}: {error}"}
        print(f"[bench] {name} done in {time.perf_counter() - started:.0f} s", flush=True)
        yield name, outcome


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write `results`, keeping what other commands recorded there (`make load` writes "load")."""
    kept: dict[str, Any] = {}
    if path.exists():
        try:
            kept = json.loads(path.read_text())
        except json.JSONDecodeError:
            kept = {}
    kept.update(results)
    path.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n")


def print_summary(results: dict[str, Any]) -> None:
    large = results["large"]
    print(
        f"[bench] trivial route {large['trivial_ms']} ms, CPU {large['trivial_cpu_ms']} ms "
        "(large platform)"
    )
    for name, entry in results["summary"].items():
        if not entry["measured"]:
            print(f"[bench] {name:15} not measured (page missing)")
            continue
        timing = large["pages"][name]
        line = (
            f"[bench] {name:15} queries {entry['queries_small']:>3} / {entry['queries_large']:>3}"
        )
        if "median_ms" in timing:
            line += (
                f"   {timing['median_ms']:8.2f} ms  x{timing['ratio_to_trivial']}"
                f"   CPU {timing['median_cpu_ms']:8.2f} ms  x{timing['cpu_ratio_to_trivial']}"
            )
        print(line, flush=True)
    first = large["dashboard_first_visit"]
    print(
        f"[bench] {'dashboard, first visit':15}   {first['median_ms']:8.2f} ms"
        f"   CPU {first['median_cpu_ms']:8.2f} ms (computed afresh; the line above is kept)",
        flush=True,
    )


def environment() -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
        "system": platform.platform(),
        "cpus": os.cpu_count(),
        # Other work on the machine makes wall times noisy; the CPU times are steadier.
        "load_average": [round(n, 2) for n in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="requests per page (median)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--municipalities", type=int, default=LARGE.municipalities)
    parser.add_argument("--skip-others", action="store_true", help="only the page benchmark")
    args = parser.parse_args(argv)

    large_spec = Spec(municipalities=args.municipalities)
    small_spec = Spec(municipalities=max(1, args.municipalities // 10), slug_prefix="small")
    with tempfile.TemporaryDirectory(prefix="overleg-bench-") as tmp:
        workdir = Path(tmp)
        small = run_platform("small", small_spec, workdir, args.repeat)
        large = run_platform("large", large_spec, workdir, args.repeat)
    results: dict[str, Any] = {
        "environment": environment(),
        "goal": f"each main page at most {GOAL_RATIO:g} times the trivial route; the same "
        "query count on the small and the large platform",
        "small": small,
        "large": large,
        "summary": compare(small, large),
    }
    # Peak memory of this whole process (generation included): an upper bound for one worker
    # serving these pages; `make load` measures real gunicorn workers.
    results["bench_process_max_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    write_results(args.output, results)
    print_summary(results)
    if not args.skip_others:
        # Each benchmark of another feature is saved as soon as it is done.
        for name, outcome in run_others():
            results[name] = outcome
            write_results(args.output, results)
    print(f"[bench] results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
