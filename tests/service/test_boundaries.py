"""The web layer stays a layer: SQL lives in casework, fetching in the workers."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

from workers.queues import JOB_FUNCTIONS

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


def test_importing_the_api_imports_neither_the_fetcher_nor_the_html_parser() -> None:
    heavy = ["workers.fetcher", "workers.pages", "selectolax", "httpcore"]
    code = (
        "import json, sys, service.app, service.cli; "
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


def test_every_job_name_the_api_enqueues_by_names_a_worker_function() -> None:
    for name in JOB_FUNCTIONS:
        module, function = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), function)), name
