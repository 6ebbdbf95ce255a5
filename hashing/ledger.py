"""What the CLI keeps on the victim's device between runs: credentials and the sent-photos list.

Both files are written whole and atomically (a private temporary file, then a rename), so an
interrupted run leaves the old file or the new one, never half of one, and both stay readable
only by their owner (mode 0600).

The ledger lets ``takedown add`` resume a large folder cheaply: it lists, for each photo whose
fingerprints the service already confirmed, an HMAC of the photo's bytes under a random key kept
in the same file. A re-run reads each file once to compute that digest and skips hashing and
sending what is listed. It holds no fingerprint the service or a platform knows (an HMAC under a
key that never leaves this file, unlike the photo's MD5 or SHA-256, which are in the bank and
its feeds), no file name and no image byte.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

#: Hex characters kept of each photo's HMAC: 128 bits, ample to tell a folder's photos apart.
DIGEST_HEX = 32


def write_private(path: Path, text: str, *, replace: bool = True) -> None:
    """Write ``text`` to ``path`` atomically as a file only this user can read.

    With ``replace=False`` an existing file is never overwritten (FileExistsError).
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def ledger_path(credentials: Path) -> Path:
    """The ledger beside a credentials file: ``case.json`` -> ``case.sent.json``."""
    return credentials.with_name(f"{credentials.stem}.sent.json")


class Ledger:
    """The photos a case already holds, by keyed digest; saved only once it has a path."""

    def __init__(self, key: bytes, case_id: str | None = None, sent: Iterable[str] = ()) -> None:
        self.key = key
        self.case_id = case_id
        self.sent = set(sent)
        self.path: Path | None = None

    @classmethod
    def new(cls) -> Ledger:
        """An empty ledger with a fresh key, kept in memory until ``attach``."""
        return cls(secrets.token_bytes(32))

    @classmethod
    def beside(cls, credentials: Path, case_id: str) -> Ledger:
        """The ledger saved beside a credentials file, or a new one for the case."""
        path = ledger_path(credentials)
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            ledger = cls(bytes.fromhex(saved["key"]), saved["case_id"], saved["sent"])
        except (OSError, ValueError, KeyError, TypeError):
            ledger = cls.new()
        if ledger.case_id != case_id:
            ledger = cls.new()
        ledger.attach(path, case_id)
        return ledger

    def digest(self, data: bytes) -> str:
        """The keyed digest that stands for one photo's bytes."""
        return hmac.new(self.key, data, hashlib.sha256).hexdigest()[:DIGEST_HEX]

    def attach(self, path: Path, case_id: str) -> None:
        """Save to ``path`` from now on, for the case ``case_id``."""
        self.path = path
        self.case_id = case_id
        self.save()

    def record(self, digests: Iterable[str]) -> None:
        """Note photos the service confirmed, and save."""
        self.sent.update(digests)
        self.save()

    def save(self) -> None:
        """Write the ledger if it has a path."""
        if self.path is None:
            return
        body = {"case_id": self.case_id, "key": self.key.hex(), "sent": sorted(self.sent)}
        write_private(self.path, json.dumps(body) + "\n")
