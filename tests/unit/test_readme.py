"""The README documents what a deployment can set and how to log in to the demo."""

from __future__ import annotations

import ast

from config import PROJECT_ROOT
from overleg.demo import platform as demo

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = PROJECT_ROOT / "config.py"
READERS = {"get", "_int", "_bool", "_str", "_float", "_list"}


def _environment_variables() -> set[str]:
    """Every NAME read from the environment in overleg/config.py (os.environ.get, _int, ...)."""
    names = set()
    for node in ast.walk(ast.parse(CONFIG.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        value = first.value if isinstance(first, ast.Constant) else None
        if called in READERS and isinstance(value, str) and value.isupper():
            names.add(value)
    return names


def test_every_environment_variable_is_in_the_configuration_table():
    names = _environment_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "OVERLEG_ENV", "PROXY_FIX_HOPS"} <= names
    table = README.split("<!-- config-table:start -->")[1].split("<!-- config-table:end -->")[0]
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert not missing, f"add these settings to the README's configuration table: {missing}"


def test_the_demo_accounts_are_documented():
    for email in (demo.COORDINATOR_EMAIL, demo.SECRETARY_EMAIL, demo.READER_EMAIL):
        assert f"`{email}`" in README
    assert f"`{demo.DEMO_PASSWORD}`" in README
