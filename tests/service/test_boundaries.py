"""The web layer stays a layer: SQL lives in casework, fetching in the workers."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
#: Names that build SQL statements; service/ may still catch sqlalchemy's errors.
STATEMENT_BUILDERS = {"select", "text", "insert", "update", "delete", "func"}
#: Session and connection calls that run SQL.
RUNNERS = {"execute", "scalars", "scalar"}


def _service_trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in SERVICE.rglob("*.py")]


def test_no_service_module_builds_or_runs_sql() -> None:
    found = []
    for path, tree in _service_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                found += [(path.name, a.name) for a in node.names if a.name in STATEMENT_BUILDERS]
            if isinstance(node, ast.Attribute) and node.attr in RUNNERS:
                found.append((path.name, node.attr))
    assert found == []
