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
