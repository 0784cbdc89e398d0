"""Run Mozilla's ical.js (tests/js, from the npm registry) on .ics files and read its view."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "parse_ics.mjs"


def parse_with_icaljs(tmp_path: Path, *files: bytes) -> list[dict[str, Any]]:
    """What ical.js makes of each file (method, time zones, events with UTC times)."""
    assert (JS_DIR / "node_modules" / "ical.js").is_dir(), "run: npm ci --prefix tests/js"
    paths = []
    for index, data in enumerate(files):
        path = tmp_path / f"file{index}.ics"
        path.write_bytes(data)
        paths.append(str(path))
    result = subprocess.run(
        ["node", str(SCRIPT), *paths], capture_output=True, check=True, timeout=60
    )
    return json.loads(result.stdout)


def assert_agrees_with_icalendar(tmp_path: Path, *files: bytes) -> list[dict[str, Any]]:
    """Parse each file with both parsers; UIDs, UTC start/end and summaries must agree."""
    from datetime import UTC

    from overleg.lib import ical

    parsed = parse_with_icaljs(tmp_path, *files)
    for data, js in zip(files, parsed, strict=True):
        calendar = ical.parse(data)
        assert js["method"] == str(calendar["METHOD"])
        assert js["first_component"] == "vtimezone" or not js["events"]
        expected = [
            (
                str(event["UID"]),
                event.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                event.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                str(event["SUMMARY"]),
            )
            for event in calendar.events
        ]
        seen = [(e["uid"], e["start_utc"], e["end_utc"], e["summary"]) for e in js["events"]]
        assert seen == expected
    return parsed
