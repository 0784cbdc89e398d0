"""Every absolute link comes from BASE_URL, never from the request or a host written in the code.

url_for(..., _external=True), request.host_url and request.url_root build a link from whatever
Host header the request carried (127.0.0.1:8000 behind a proxy, or a forged one); a link written
with a host in it is wrong on every other installation.
"""

from __future__ import annotations

import re

from config import PROJECT_ROOT, Config, _local_base_url

FORBIDDEN = re.compile(
    r"_external\s*=|host_url|url_root|request\.host\b|https?://(127\.0\.0\.1|localhost)"
)


def test_no_link_is_made_from_the_request_or_a_fixed_host():
    sources = [
        *(PROJECT_ROOT / "overleg").rglob("*.py"),
        *(PROJECT_ROOT / "templates").rglob("*.*"),
    ]
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert not offenders, "make these links from BASE_URL:\n" + "\n".join(offenders)


def test_base_url_follows_port_unless_it_is_set():
    assert _local_base_url("8000") == "http://127.0.0.1:8000"
    assert _local_base_url(None) == _local_base_url("") == "http://127.0.0.1:5000"
    assert Config.BASE_URL  # read from the environment when config.py is imported
