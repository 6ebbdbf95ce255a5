"""The suite's own rule: shared fixtures live in conftest files or plugins, builders in factories.

So no module of the suite imports from a test module (tests/**/test_*.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imports_of_test_modules(root: Path) -> list[str]:
    """Each import, below root, of a test module: "file:line module"."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                joined = base if base.endswith(".") else base + "."
                modules = [base] + [joined + alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            named = [m for m in modules if any(p.startswith("test_") for p in m.split("."))]
            if named:
                found.append(f"{path.relative_to(root)}:{node.lineno} {named[0]}")
    return found


def test_no_module_of_the_suite_imports_a_test_module() -> None:
    assert imports_of_test_modules(TESTS) == []


def test_the_check_finds_absolute_and_relative_imports_of_test_modules(tmp_path: Path) -> None:
    (tmp_path / "test_a.py").write_text("from tests.cli.test_up import free_port\n")
    (tmp_path / "test_b.py").write_text("from . import test_a\nfrom .factories import leak\n")
    (tmp_path / "test_c.py").write_text("from tests.hashing import test_images\n")
    (tmp_path / "conftest.py").write_text("import tests.reports.test_report_jobs\n")
    assert imports_of_test_modules(tmp_path) == [
        "conftest.py:1 tests.reports.test_report_jobs",
        "test_a.py:1 tests.cli.test_up",
        "test_b.py:1 .test_a",
        "test_c.py:1 tests.hashing.test_images",
    ]
