"""Run the application as production runs it: gunicorn worker processes on 127.0.0.1.

Used by the multi-process tests (tests/system) and by `make load` (bench/load.py).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.support.pgcluster import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process over plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVERLEG_", "TEST_DATABASE"))}
    env.update(
        {
            "OVERLEG_ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            # Loopback HTTP: the browser-side Secure flag would hide the cookie from our client.
            "SESSION_COOKIE_SECURE": "0",
            "PREFERRED_URL_SCHEME": "http",
            # Production requires the https:// address of the platform (links in mail).
            "BASE_URL": "https://overleg.test",
            "SMTP_HOST": "",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def start_gunicorn(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 2,
    threads: int = 1,
    timeout: float = 60,
    access_log: Path | None = None,
) -> Gunicorn:
    """Start gunicorn on a free port of 127.0.0.1 and wait until /healthz answers 200."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "5",
        "--access-logfile",
        str(access_log)
        if access_log
        else "-"
        if os.environ.get("OVERLEG_ACCESS_LOG")
        else "/dev/null",
        "overleg:create_app()",
    ]
    handle = log.open("wb")
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    handle.close()
    server = Gunicorn(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError):
            status, _headers, _body = request(server.url, "GET", "/healthz")
            if status == 200:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer in time: {log.read_text(errors='replace')}")


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path, **options: Any) -> Iterator[Gunicorn]:
    server = start_gunicorn(env, log, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request on a fresh connection: (status, headers, body)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Connection": "close"}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        # Keep every Set-Cookie (several may come back).
        pairs = response.getheaders()
        result_headers = {k.lower(): v for k, v in pairs if k.lower() != "set-cookie"}
        set_cookies = [v for k, v in pairs if k.lower() == "set-cookie"]
        if set_cookies:
            result_headers["set-cookie"] = "\n".join(set_cookies)
        return response.status, result_headers, data
    finally:
        connection.close()


class Browserless:
    """A tiny cookie-keeping client for a server in another process."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def _remember(self, headers: dict[str, str]) -> None:
        for line in headers.get("set-cookie", "").split("\n"):
            if not line:
                continue
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if (morsel["expires"] and "1970" in morsel["expires"]) or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, base_url: str | None = None) -> tuple[int, dict[str, str], bytes]:
        base = base_url or self.base_url
        status, headers, body = request(base, "GET", path, cookies=self.cookies)
        self._remember(headers)
        return status, headers, body

    def post(
        self, path: str, form: dict[str, str], base_url: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = request(
            base_url or self.base_url, "POST", path, form=form, cookies=self.cookies
        )
        self._remember(headers)
        return status, headers, body

    def csrf_token(self, path: str = "/login", base_url: str | None = None) -> str:
        _status, _headers, body = self.get(path, base_url)
        match = CSRF_RE.search(body.decode("utf-8", "replace"))
        if not match:
            raise AssertionError(f"no CSRF token on {path}")
        return match.group(1)
