"""The code stays readable at once: no function over 60 lines, no class over 300 (issue 10)."""

from __future__ import annotations

import ast

from config import PROJECT_ROOT

MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 300


def _too_long() -> set[str]:
    found = set()
    for path in sorted((PROJECT_ROOT / "overleg").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                limit = MAX_FUNCTION_LINES
            elif isinstance(node, ast.ClassDef):
                limit = MAX_CLASS_LINES
            else:
                continue
            assert node.end_lineno is not None
            if node.end_lineno - node.lineno + 1 > limit:
                found.add(f"{relative}:{node.name}")
    return found


def test_no_function_or_class_is_too_long() -> None:
    assert _too_long() == set()
