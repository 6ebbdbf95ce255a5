"""A test run leaves no bank snapshot in /dev/shm (a pytest plugin; casework/bank/snapshot.py).

Test runtimes let go of their snapshot (the runtime fixture releases it), but a process a test
kills never does, and each test's bank (its own database and secret) is a store of its own that
no later process sweeps. So once every test is done (and every pytest-xdist worker), the process
that ran the session sweeps each store that appeared in /dev/shm during the run, as the store
itself would: under its lock, removing the files no process holds. Stores that were there before
the run are someone else's and are left alone, and so is a file a live process still maps.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest

from casework.bank.snapshot import SHARED_MEMORY, SnapshotStore

_STORE = re.compile(r"takedown-bank-([0-9a-f]{1,32})(?:-|$)")
_BEFORE = pytest.StashKey[set[str]]()


def stores_in(directory: Path) -> set[str]:
    """The keys of the bank stores with a file in directory."""
    found = (_STORE.match(path.name) for path in directory.glob("takedown-bank-*"))
    return {match.group(1) for match in found if match}


def sweep_stores(keys: set[str], directory: Path = SHARED_MEMORY) -> list[Path]:
    """Each store's own sweep: removes the files of these stores that no process holds."""
    removed: list[Path] = []
    for key in sorted(keys):
        store = SnapshotStore(key, directory)
        with store.locked():
            removed.extend(store.sweep())
    return removed


def _controls_the_run(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _controls_the_run(config) and SnapshotStore.available():
        config.stash[_BEFORE] = stores_in(SHARED_MEMORY)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    before = session.config.stash.get(_BEFORE, None)
    if before is None:
        return
    # Snapshots of runtimes nothing refers to any more let go of them when collected.
    gc.collect()
    sweep_stores(stores_in(SHARED_MEMORY) - before)
