"""casework/ is grouped by subdomain: packages own their tables and import in one order."""

from __future__ import annotations

import ast
import enum
import graphlib
from pathlib import Path

import casework
import casework.models
from casework.db import Base

CASEWORK = Path(casework.__file__).parent
PACKAGES = sorted(p.name for p in CASEWORK.iterdir() if (p / "__init__.py").is_file())


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(CASEWORK.parent).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    """The casework modules a file imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in node.body
        for sub in ast.walk(inner)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("casework.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "casework":
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (CASEWORK.parent / candidate.replace(".", "/")).with_suffix(".py")
                found.add(candidate if is_module.is_file() else node.module)
    return found


def _node(module: str) -> str:
    """Where a module sits: its package, the tables layer, or its own top-level name."""
    parts = module.split(".")
    if parts[-1] == "models" or module == "casework.audit":
        return "tables"
    if len(parts) > 2 and parts[1] in PACKAGES:
        return parts[1]
    return module


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in CASEWORK.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = _node(_module_of(path))
        for target in _imports(path):
            if _node(target) != source:
                graph.setdefault(source, set()).add(_node(target))
    return graph


def test_the_packages_import_one_another_in_one_order_without_a_cycle() -> None:
    graph = _graph()
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        raise AssertionError(f"casework imports go round in a cycle: {error.args[1]}") from None
    assert set(PACKAGES) <= set(order)


def test_tables_import_only_the_database_and_other_tables() -> None:
    graph = _graph()
    assert graph.get("tables", set()) <= {"casework.db", "casework.errors"}


def test_every_table_and_its_enums_are_still_importable_from_casework_models() -> None:
    tables = {mapper.class_ for mapper in Base.registry.mappers}
    enums = {
        value
        for package in PACKAGES
        if (CASEWORK / package / "models.py").is_file()
        for value in vars(__import__(f"casework.{package}.models", fromlist=["*"])).values()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value.__module__.startswith("casework")
    }
    assert len(tables) > 20
    for cls in tables | enums:
        assert getattr(casework.models, cls.__name__) is cls, cls.__name__
        assert cls.__name__ in casework.models.__all__, cls.__name__
