"""The hashing core stays light: no service dependency is imported with it."""

from __future__ import annotations

import json
import subprocess
import sys
from types import ModuleType

import hashing

SERVICE_MODULES = ["fastapi", "sqlalchemy", "redis", "rq", "httpx"]


def test_importing_hashing_pulls_in_no_service_dependency() -> None:
    code = (
        "import json, sys, hashing, hashing.index, hashing.images, hashing.algorithms; "
        f"print(json.dumps([m for m in {SERVICE_MODULES!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(hashing).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert sorted(hashing.__all__) == sorted(public)
    assert len(set(hashing.__all__)) == len(hashing.__all__)
