"""The bank index's shared snapshot: built once per machine, mapped read-only by every process.

A snapshot is one file in /dev/shm holding, for each algorithm, the arrays of a folded
HammingIndex (hashing/index.py ``parts``) as of one checkpoint version. /dev/shm is tmpfs:
the file lives in memory only (this machine has no swap, and a deployment that has swap would
page the private index out just the same), so no unsealed hash reaches a disk; the file is
readable only by the service's own user (mode 0600), who can read each process's memory anyway.
Every API and worker process maps it read-only and keeps its own small overlay of later
changes (HammingIndex's buffer and tombstones), fed by the change log as before.

Coordination uses flock(2), which the kernel drops when a process dies, however it dies:
- the directory's lock serialises building, publishing, attaching and removing snapshots, so
  the first process to start builds while the others wait, then attach;
- each process holds a shared lock on the snapshot it maps; a snapshot nobody holds is unused,
  and is unlinked by the last process to let go of it or by the next sweep (after a crash).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import mmap
import os
import re
import struct
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hashing.fingerprint import Algorithm
from hashing.index import HammingIndex

logger = logging.getLogger(__name__)

#: Memory-backed on Linux; a machine without it keeps one private index per process.
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 (the kernel's shared-memory mount, not a temp dir)
_MAGIC = b"TKDNBNK1"
_HEAD = struct.Struct("<8sQ")
# Arrays start on page boundaries, so each maps to whole pages of its own.
_ALIGN = mmap.PAGESIZE


def store_key(database_url: str, key_id: str) -> str:
    """Names one bank (database and vault key) without revealing either."""
    return hashlib.sha256(f"{database_url}\0{key_id}".encode()).hexdigest()[:16]


@dataclass
class Snapshot:
    """One mapped snapshot: its version and an index per algorithm over the shared arrays."""

    path: Path
    version: int
    indexes: dict[Algorithm, HammingIndex]
    nbytes: int
    _finalizer: weakref.finalize[Any, Any] | None = field(default=None, repr=False)

    def release(self) -> None:
        """Let go of the snapshot; the last process to do so removes it.

        The mapping itself stays until the indexes over it are gone: the file's memory is freed
        once it is unlinked and unmapped everywhere.
        """
        if self._finalizer is not None:
            self._finalizer()


class SnapshotStore:
    """The snapshots of one bank in a shared-memory directory."""

    def __init__(self, key: str, directory: Path = SHARED_MEMORY) -> None:
        if not re.fullmatch(r"[0-9a-f]{1,32}", key):
            raise ValueError("a store key is hex digits")
        self.directory = directory
        self.base = f"takedown-bank-{key}"
        self.prefix = self.base

    def within(self, epoch: str) -> SnapshotStore:
        """The same store for one history of the bank (see casework/bank/bank.py bank_epoch)."""
        if not re.fullmatch(r"[0-9a-f]{1,32}", epoch):
            raise ValueError("an epoch is hex digits")
        store = SnapshotStore.__new__(SnapshotStore)
        store.directory, store.base = self.directory, self.base
        store.prefix = f"{self.base}-{epoch}"
        return store

    @classmethod
    def available(cls, directory: Path = SHARED_MEMORY) -> bool:
        """True when the directory exists and this process may create files in it."""
        return directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock: one process at a time builds, publishes, attaches or sweeps.

        The lock is the directory's own, so that nothing is left behind: banks sharing a
        directory also share the lock, which each holds for a build at most.
        """
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def snapshots(self) -> list[tuple[int, Path]]:
        """(version, path) of every published snapshot, oldest first."""
        pattern = re.compile(re.escape(self.prefix) + r"-v(\d+)")
        found = []
        for path in self.directory.glob(f"{self.prefix}-v*"):
            match = pattern.fullmatch(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def files(self) -> list[Path]:
        """Every file of this bank's store, of any history, published or partial."""
        return sorted(self.directory.glob(f"{self.base}-*"))

    def latest(self) -> tuple[int, Path] | None:
        """The newest published snapshot, if any."""
        found = self.snapshots()
        return found[-1] if found else None

    def publish(self, version: int, indexes: Mapping[Algorithm, HammingIndex]) -> Path:
        """Write the indexes' folded arrays as the snapshot of ``version``; call under locked().

        OSError (ENOSPC) when the directory has no room for it; nothing is left behind then.
        """
        layout: list[dict[str, Any]] = []
        arrays: list[npt.NDArray[Any]] = []
        for algorithm, index in indexes.items():
            for name, array in index.parts().items():
                layout.append(
                    {
                        "algorithm": algorithm.value,
                        "name": name,
                        "dtype": array.dtype.str,
                        "shape": list(array.shape),
                    }
                )
                arrays.append(array)
        # The header lists the offsets, which follow the header: size it with wider numbers.
        for entry in layout:
            entry["offset"] = 1 << 60
        position = _aligned(_HEAD.size + len(json.dumps({"version": version, "arrays": layout})))
        for entry, array in zip(layout, arrays, strict=True):
            entry["offset"] = position
            position = _aligned(position + array.nbytes)
        header = json.dumps({"version": version, "arrays": layout}).encode()
        final = self.directory / f"{self.prefix}-v{version}"
        partial = self.directory / f"{self.prefix}-v{version}.part"
        fd = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            # Reserves the memory now: a full tmpfs (Docker gives containers 64 MB) refuses here
            # with ENOSPC, where writing to a mapping past its space would kill the process.
            os.posix_fallocate(fd, 0, max(position, 1))
            with mmap.mmap(fd, max(position, 1)) as buffer:
                buffer[: _HEAD.size] = _HEAD.pack(_MAGIC, len(header))
                buffer[_HEAD.size : _HEAD.size + len(header)] = header
                for entry, array in zip(layout, arrays, strict=True):
                    target: npt.NDArray[Any] = np.ndarray(
                        array.shape, array.dtype, buffer=buffer, offset=entry["offset"]
                    )
                    target[...] = array
                    del target
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
        os.replace(partial, final)
        return final

    def attach(self, path: Path) -> Snapshot:
        """Map a published snapshot read-only; call under locked() so it is not swept meanwhile."""
        # The hold is a lock on a descriptor of its own: mmap keeps a duplicate of the one it
        # maps, which lives as long as the mapping, and would otherwise keep the lock with it.
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                # Populated now, at attach: otherwise each process takes a page fault on its
                # first touch of each of the index's pages, in the middle of its lookups.
                flags = mmap.MAP_SHARED | mmap.MAP_POPULATE
                buffer = mmap.mmap(file.fileno(), size, flags=flags, prot=mmap.PROT_READ)
        except BaseException:
            os.close(fd)
            raise
        magic, length = _HEAD.unpack_from(buffer)
        if magic != _MAGIC:
            os.close(fd)
            raise ValueError(f"{path.name} is not a bank snapshot")
        header = json.loads(bytes(buffer[_HEAD.size : _HEAD.size + length]))
        parts: dict[Algorithm, dict[str, npt.NDArray[Any]]] = {a: {} for a in Algorithm}
        for entry in header["arrays"]:
            array: npt.NDArray[Any] = np.ndarray(
                tuple(entry["shape"]),
                np.dtype(entry["dtype"]),
                buffer=buffer,
                offset=entry["offset"],
            )
            parts[Algorithm(entry["algorithm"])][entry["name"]] = array
        indexes = {
            algorithm: HammingIndex.from_parts(algorithm.bits, arrays)
            if arrays
            else HammingIndex(algorithm.bits)
            for algorithm, arrays in parts.items()
        }
        snapshot = Snapshot(path, int(header["version"]), indexes, size)
        snapshot._finalizer = weakref.finalize(snapshot, _let_go, self, path, fd, os.getpid())
        return snapshot

    def sweep(self) -> list[Path]:
        """Unlink snapshots no process holds, and leftovers of interrupted publishing."""
        removed = []
        # Every history's leftovers: a snapshot of an earlier history is never attached again.
        for path in self.files():
            if path.name.endswith(".part") or _unused(path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        return removed


def _let_go(store: SnapshotStore, path: Path, fd: int, pid: int) -> None:
    """Drop this process's hold on a snapshot and remove it if no process holds it any more."""
    if os.getpid() != pid:
        # A forked child (a worker's job process) shares the parent's hold: leave it be.
        return
    try:
        with store.locked():
            os.close(fd)
            store.sweep()
    except OSError as error:
        logger.warning("could not release the bank snapshot: %s", error)


def _unused(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _aligned(position: int) -> int:
    return -(-position // _ALIGN) * _ALIGN
