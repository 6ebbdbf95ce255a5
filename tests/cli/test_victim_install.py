"""A victim who wants only the CLI installs the base package (`pipx install .`), not the server."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "tests" / "vectors" / "pdq" / "images" / "aaa-orig.jpg"


def service_only_modules() -> set[str]:
    """Top-level modules that only the service extra brings, by its distributions."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = {Requirement(r).name.lower() for r in project["dependencies"]}
    extra = {Requirement(r).name.lower() for r in project["optional-dependencies"]["service"]}
    only_service = extra - base
    modules = {
        module
        for module, distributions in packages_distributions().items()
        if any(d.lower() in only_service for d in distributions)
    }
    assert {"fastapi", "sqlalchemy", "redis", "rq", "pydantic_settings"} <= modules
    return modules


def run_without_service_extra(*argv: str) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        f"""
        import importlib.abc, sys
        BLOCKED = {sorted(service_only_modules())!r}
        class Blocker(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is not installed (service extra)")
        sys.meta_path.insert(0, Blocker())
        from service.cli import main
        sys.exit(main({list(argv)!r}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO
    )


def test_the_victim_commands_run_without_the_service_dependencies() -> None:
    hashed = run_without_service_extra("hash", str(IMAGE))
    assert hashed.returncode == 0, hashed.stderr
    assert json.loads(hashed.stdout)["fingerprints"]
    dry = run_without_service_extra("submit", "--dry-run", str(IMAGE))
    assert dry.returncode == 0, dry.stderr
    assert "fingerprints" in json.loads(dry.stdout)
    helped = run_without_service_extra("--help")
    assert helped.returncode == 0 and "submit" in helped.stdout


def test_a_server_command_without_the_service_dependencies_says_what_to_install() -> None:
    refused = run_without_service_extra("up")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "takedown[service]" in refused.stderr


def test_hash_piped_into_a_reader_that_stops_early_ends_without_a_traceback() -> None:
    takedown = str(Path(sys.executable).parent / "takedown")
    process = subprocess.Popen(
        [takedown, "hash", str(IMAGE.parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("{")
    process.stdout.close()
    errors = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in errors
