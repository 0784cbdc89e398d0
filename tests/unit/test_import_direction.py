"""Imports point down (docs/ARCHITECTURE.md): lib/ and web/ at the bottom, features above.

Read from the source with ast, so a new import that points up or sideways into another
feature's views fails here before anyone has to find the cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "overleg"
FEATURES = frozenset(
    {
        "account",
        "dashboard",
        "directory",
        "meetings",
        "minutes",
        "planning",
        "feeds",
        "api",
        "dataio",
        "demo",
        "documents",
        "platforms",
    }
)
SHARED_DOMAIN = frozenset({"mail", "audit", "auth"})
# What each bottom layer may import of overleg (and config).
BOTTOM = {
    "lib": {"lib", "models"},
    "models": {"models", "lib", "extensions"},
    "web": {"web", "lib", "extensions"},
}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield ".".join(parts), path


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _overleg_parts(module: str) -> list[str] | None:
    parts = module.split(".")
    return parts[1:] if parts[0] == "overleg" and len(parts) > 1 else None


def _violations() -> list[str]:
    found = []
    for name, path in _modules():
        area = name.split(".")[0]
        for imported in _imports(path):
            target = _overleg_parts(imported)
            if target is None:
                continue
            top = target[0]
            if area in BOTTOM and top not in BOTTOM[area]:
                found.append(f"{name} imports {imported} (below {area}/ only {BOTTOM[area]})")
            elif area in SHARED_DOMAIN and top in FEATURES:
                found.append(f"{name} imports {imported} (a feature, above {area}/)")
            elif (
                top in FEATURES
                and top != area
                and target[1:2]
                and target[1].endswith(("views", "forms"))
            ):
                found.append(f"{name} imports {imported} (another feature's views or forms)")
    return found


def test_imports_point_down():
    assert _violations() == []
