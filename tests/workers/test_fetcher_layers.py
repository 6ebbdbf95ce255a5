"""The fetcher's modules depend one way: policy under transport and media, the client on top."""

from __future__ import annotations

import ast
from pathlib import Path

import workers.fetcher

PACKAGE = Path(workers.fetcher.__file__).parent
#: Which of the fetcher's own modules each module may import.
ALLOWED = {
    "policy": set(),
    "transport": {"policy"},
    "media": {"policy"},
    "client": {"policy", "transport", "media"},
}


def _fetcher_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    return {
        node.module.removeprefix("workers.fetcher.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and node.module.startswith("workers.fetcher.")
    }


def test_each_fetcher_module_imports_only_the_layers_under_it() -> None:
    assert {module: _fetcher_imports(module) for module in ALLOWED} == ALLOWED


def test_only_the_transport_opens_connections_and_only_media_decodes() -> None:
    imports = {
        module: {
            alias.name
            for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text("utf-8")))
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        for module in ALLOWED
    }
    assert [m for m, names in imports.items() if {"socket", "httpcore"} & names] == ["transport"]
    assert [m for m, names in imports.items() if "zlib" in names] == ["media"]


def test_all_lists_exactly_the_public_names() -> None:
    assert sorted(workers.fetcher.__all__) == sorted(
        name for name in vars(workers.fetcher) if not name.startswith("_") and name not in ALLOWED
    )
