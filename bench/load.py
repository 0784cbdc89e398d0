"""`make load`: the application under gunicorn (2 workers) with a mixed read/write load from wrk.

    python -m bench.load [--duration 60] [--connections 4] [--backends sqlite,postgresql]

For each database (SQLite in WAL mode; PostgreSQL in a temporary cluster when its binaries are
installed): generate a medium platform (bench/dataset.py), start gunicorn with 2 workers on
127.0.0.1 in the production configuration, log in as the coordinator, then let wrk run for
`--duration` seconds (bounded: wrk stops itself) with, per 10 requests, 8 page views (dashboard,
meetings list, a meeting, municipalities, organisations) and 2 writes (the language switch, an
UPDATE of the user and a new session cookie). Recorded under the "load" key of bench/results.json
(other keys are kept): requests per second, p50/p95/p99 latency, errors (socket errors and HTTP
4xx/5xx) and how often "database is locked" appeared in the server log.
Goals (issue 6): zero errors, zero "database is locked", p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config import TestingConfig
from overleg import create_app
from overleg.extensions import db
from tests.support.pgcluster import TemporaryCluster, find_bindir
from tests.support.servers import Browserless, gunicorn, production_env

RESULTS = Path(__file__).resolve().parent / "results.json"
GOAL_P95_MS = 100.0

# wrk's Lua: a fixed mix, the session cookie and CSRF token from the environment, and a JSON
# summary with the percentiles wrk's own report leaves out (p95).
SCRIPT = r"""
local cookie = os.getenv("LOAD_COOKIE")
local token = os.getenv("LOAD_CSRF")
local meeting = os.getenv("LOAD_MEETING")
local pages = {"/", "/meetings", "/meetings/" .. meeting, "/municipalities", "/organisations"}
local counter = 0
local languages = {"en", "nl"}

request = function()
  counter = counter + 1
  local slot = counter % 10
  local headers = {["Cookie"] = cookie}
  if slot == 3 or slot == 8 then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local body = "csrf_token=" .. token .. "&next=%2F&language=" .. languages[(counter % 2) + 1]
    return wrk.format("POST", "/taal", headers, body)
  end
  return wrk.format("GET", pages[(counter % #pages) + 1], headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _settings(url: str) -> dict[str, Any]:
    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = url
    return settings


def _seed(url: str) -> Any:
    from bench.dataset import Spec, generate

    app = create_app(_settings(url))
    with app.app_context():
        db.create_all()
        dataset = generate(Spec(municipalities=30, years=4, slug_prefix="load"))
        db.session.remove()
        db.engine.dispose()
    return dataset


def run_backend(name: str, url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    print(f"[load] {name}: generating the platform ...", flush=True)
    dataset = _seed(url)
    log = workdir / f"gunicorn-{name}.log"
    env = production_env(url)
    with gunicorn(env, log, workers=2, threads=args.threads) as server:
        client = Browserless(server.url)
        token = client.csrf_token()
        status, _h, _b = client.post(
            "/login",
            {"email": dataset.coordinator_email, "password": dataset.password, "csrf_token": token},
        )
        if status != 302:
            raise RuntimeError(f"login failed on {name}: HTTP {status}")
        csrf = client.csrf_token("/")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        script = workdir / "mix.lua"
        script.write_text(SCRIPT)
        wrk_env = {
            **os.environ,
            "LOAD_COOKIE": cookie,
            "LOAD_CSRF": csrf,
            "LOAD_MEETING": str(dataset.meeting_id),
        }
        print(f"[load] {name}: wrk for {args.duration} s on {server.url} ...", flush=True)
        completed = subprocess.run(
            [
                "wrk",
                f"--threads={args.wrk_threads}",
                f"--connections={args.connections}",
                f"--duration={args.duration}s",
                "--timeout=10s",
                "--script",
                str(script),
                server.url,
            ],
            env=wrk_env,
            capture_output=True,
            text=True,
            timeout=args.duration + 120,
            check=True,
        )
        # Still logged in after the run: the writes did not break the session.
        still_in = client.get("/")[0] == 200
    line = next(ln for ln in completed.stdout.splitlines() if ln.startswith("LOADJSON "))
    raw = json.loads(line.removeprefix("LOADJSON "))
    server_log = log.read_text(errors="replace")
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    result = {
        "database": name,
        "workers": 2,
        "threads_per_worker": args.threads,
        "connections": args.connections,
        "duration_s": round(seconds, 1),
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            "p50": round(raw["p50_us"] / 1000, 2),
            "p95": round(raw["p95_us"] / 1000, 2),
            "p99": round(raw["p99_us"] / 1000, 2),
            "max": round(raw["max_us"] / 1000, 2),
            "mean": round(raw["mean_us"] / 1000, 2),
        },
        "errors": {
            "total": errors,
            "http_4xx_5xx": raw["status"],
            "socket": raw["connect"] + raw["read"] + raw["write"],
            "timeouts": raw["timeout"],
        },
        "database_is_locked": server_log.count("database is locked"),
        "server_tracebacks": server_log.count("Traceback (most recent call last)"),
        "session_survived": still_in,
        "mix": "8 page views (dashboard, meetings, a meeting, municipalities, organisations) "
        "and 2 writes (POST /taal) per 10 requests",
        "dataset": dataset.counts,
    }
    p95 = result["latency_ms"]["p95"]
    locked = result["database_is_locked"]
    result["within_goal"] = errors == 0 and locked == 0 and p95 < GOAL_P95_MS
    print(
        f"[load] {name}: {result['requests_per_s']} req/s, p95 {result['latency_ms']['p95']} ms, "
        f"errors {errors}, database is locked {result['database_is_locked']}",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    description = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=description)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per database")
    parser.add_argument("--connections", type=int, default=4, help="open connections")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("[load] wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 1
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "goal": "zero errors, zero 'database is locked', p95 under 100 ms",
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="overleg-load-") as tmp:
        workdir = Path(tmp)
        if "sqlite" in backends:
            results["sqlite"] = run_backend(
                "sqlite", f"sqlite:///{workdir / 'load.db'}", workdir, args
            )
        if "postgresql" in backends:
            bindir = find_bindir()
            if bindir is None:
                results["postgresql"] = {"measured": False, "reason": "PostgreSQL not installed"}
            else:
                cluster = TemporaryCluster(bindir).start()
                try:
                    url = cluster.create_database("overleg_load")
                    results["postgresql"] = run_backend("postgresql", url, workdir, args)
                finally:
                    cluster.stop()
    existing: dict[str, Any] = {}
    if args.output.exists():
        try:
            existing = json.loads(args.output.read_text())
        except json.JSONDecodeError:
            existing = {}
    existing["load"] = results
    args.output.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    print(f"[load] results written to {args.output} (key 'load')")
    failed = [k for k in ("sqlite", "postgresql") if results.get(k, {}).get("within_goal") is False]
    if failed:
        print(f"[load] outside the goal: {', '.join(failed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
