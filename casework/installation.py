"""The local installation that `takedown up` runs: its data folder and the settings it chose.

`takedown up` writes the settings it chose (database, embedded Redis, secret key file, public
URL) to ``settings.env`` in the data folder, and every other command run from the same folder
reads them from there, so the operator's commands and the victim CLI reach the same service with
no extra environment. Stdlib only: the victim CLI uses it without the service's dependencies.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_DATA_DIR = "takedown-data"
SETTINGS_FILE = "settings.env"
KEY_FILE = "secret.key"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The data folder: TAKEDOWN_DATA_DIR, else ./takedown-data."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("TAKEDOWN_DATA_DIR") or DEFAULT_DATA_DIR)


def settings_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """The data folder's settings.env, if `takedown up` wrote one."""
    path = data_dir(environ) / SETTINGS_FILE
    return path if path.is_file() else None


def read_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The TAKEDOWN_* lines of settings.env (empty when there is none)."""
    path = settings_file(environ)
    if path is None:
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip().startswith("TAKEDOWN_"):
            values[name.strip()] = value.strip()
    return values


def write_settings(folder: Path, values: Mapping[str, str]) -> Path:
    """Replace settings.env in ``folder`` atomically, readable only by this user."""
    path = folder / SETTINGS_FILE
    partial = folder / f".{SETTINGS_FILE}.partial"
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Written by `takedown up`; every takedown command run here reads it.\n")
        handle.writelines(f"{name}={value}\n" for name, value in values.items())
    partial.replace(path)
    return path


def local_server(environ: Mapping[str, str] | None = None) -> str | None:
    """The public URL of the service `takedown up` runs from this folder, if any."""
    return read_settings(environ).get("TAKEDOWN_PUBLIC_URL") or None


def secret_source(environ: Mapping[str, str] | None = None) -> str:
    """Where this process's secret key comes from, in words for an error message."""
    environ = os.environ if environ is None else environ
    if environ.get("TAKEDOWN_SECRET_KEY"):
        return "the TAKEDOWN_SECRET_KEY variable"
    if environ.get("TAKEDOWN_SECRET_KEY_FILE"):
        return f"the file {environ['TAKEDOWN_SECRET_KEY_FILE']} (TAKEDOWN_SECRET_KEY_FILE)"
    local = read_settings(environ).get("TAKEDOWN_SECRET_KEY_FILE")
    if local:
        return f"the file {local} (from {data_dir(environ) / SETTINGS_FILE})"
    return (
        f"the development default (no TAKEDOWN_SECRET_KEY, and no {SETTINGS_FILE} in "
        f"{data_dir(environ)})"
    )
