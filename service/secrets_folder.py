"""The secrets docker-compose.yml reads, created once by `takedown init`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from casework.errors import SecretsExist

#: The files (named as docker-compose.yml's secrets) the takedown containers read; PostgreSQL's
#: entrypoint reads postgres_password as root.
READ_BY_TAKEDOWN = ("takedown_secret_key", "takedown_database_url")


def write_secrets(folder: Path, *, database_host: str, owner: int | None = None) -> list[Path]:
    """Create the secret key, the PostgreSQL password and the URL holding it, each 0600.

    Nothing is written when any of them exists. ``owner`` is the uid the takedown containers
    run as (10001 in the image): compose mounts file secrets with the host's owner and mode.
    """
    password = secrets.token_urlsafe(32)
    contents = {
        "takedown_secret_key": secrets.token_urlsafe(48),
        "postgres_password": password,
        "takedown_database_url": f"postgresql://takedown:{password}@{database_host}:5432/takedown",
    }
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    existing = [folder / name for name in contents if (folder / name).exists()]
    if existing:
        raise SecretsExist([str(path) for path in existing])
    written = []
    for name, content in contents.items():
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content + "\n")
        if owner is not None and name in READ_BY_TAKEDOWN:
            os.chown(path, owner, -1)
        written.append(path)
    return written
