"""The bank index shared by every process on a machine: one snapshot, one overlay each."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.bank.bank import BankIndex, bank_epoch, current_version
from casework.bank.snapshot import SnapshotStore, store_key
from casework.db import transaction
from casework.errors import SealedDataUnreadable
from casework.models import Case, CaseFingerprint
from casework.runtime import Runtime
from casework.settings import Settings
from casework.victims import cases
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex
from tests.factories import flip, image_set, random_fingerprint
from tests.platformkeys import bank_case


def open_case(runtime: Runtime, fingerprints: list[Fingerprint]) -> int:
    return bank_case(runtime, fingerprints).id


def withdraw(runtime: Runtime, case_id: int) -> None:
    with transaction(runtime.sessions) as session:
        cases.withdraw_case(session, case=session.get_one(Case, case_id))


def refreshed(index: BankIndex, runtime: Runtime) -> BankIndex:
    with runtime.sessions() as session:
        index.refresh(session)
    return index


@pytest.fixture
def store(tmp_path: Path) -> SnapshotStore:
    return SnapshotStore("ab12", directory=tmp_path)


def held_files(store: SnapshotStore) -> list[str]:
    return [path.name for path in store.files()]


def test_processes_attach_to_one_snapshot_and_the_last_to_let_go_removes_it(
    runtime: Runtime, store: SnapshotStore
) -> None:
    rng = random.Random(1)
    fingerprints = image_set(rng)
    open_case(runtime, fingerprints)
    first = refreshed(BankIndex(runtime.vault, store), runtime)
    second = refreshed(BankIndex(runtime.vault, store), runtime)
    assert first.snapshot is not None and second.snapshot is not None
    assert first.snapshot.path == second.snapshot.path
    assert held_files(store) == [first.snapshot.path.name]
    for fingerprint in fingerprints:
        assert [hit.distance for hit in second.match(fingerprint)] == [0]
    first.release()
    assert held_files(store) == [second.snapshot.path.name]
    # Still mapped by the process that let go last, until it does.
    assert second.match(fingerprints[0])
    second.release()
    assert held_files(store) == []


def test_a_withdrawal_stops_matching_in_every_attached_process_at_its_next_refresh(
    runtime: Runtime, store: SnapshotStore
) -> None:
    rng = random.Random(2)
    fingerprints = image_set(rng)
    case_id = open_case(runtime, fingerprints)
    keep = random_fingerprint(Algorithm.PDQ, rng)
    open_case(runtime, [keep])
    processes = [refreshed(BankIndex(runtime.vault, store), runtime) for _ in range(2)]
    assert all(index.match(fp) for index in processes for fp in fingerprints)
    shared = {index.snapshot.path for index in processes if index.snapshot}
    withdraw(runtime, case_id)
    for index in processes:
        refreshed(index, runtime)
        assert not any(index.match(fp) for fp in fingerprints)
        assert [hit.distance for hit in index.match(flip(keep, 9, rng))] == [9]
    # The snapshot itself is untouched: the withdrawal is each process's own tombstone.
    assert {index.snapshot.path for index in processes if index.snapshot} == shared


def test_an_overlay_past_its_limit_moves_every_process_to_a_newer_snapshot(
    runtime: Runtime, store: SnapshotStore
) -> None:
    rng = random.Random(3)
    open_case(runtime, image_set(rng, images=1))
    first = refreshed(BankIndex(runtime.vault, store, overlay_limit=4), runtime)
    second = refreshed(BankIndex(runtime.vault, store, overlay_limit=4), runtime)
    old = first.snapshot
    assert old is not None
    later = [random_fingerprint(Algorithm.PHASH, rng) for _ in range(6)]
    open_case(runtime, later)
    refreshed(first, runtime)
    assert first.snapshot is not None and first.snapshot.version > old.version
    refreshed(second, runtime)
    assert second.snapshot is not None and second.snapshot.path == first.snapshot.path
    # Nobody holds the old snapshot any more: it is gone.
    assert held_files(store) == [first.snapshot.path.name]
    for index in (first, second):
        assert all([hit.distance for hit in index.match(fp)] == [0] for fp in later)
    first.release()
    second.release()
    assert held_files(store) == []


def test_a_shared_index_answers_as_a_private_one(runtime: Runtime, store: SnapshotStore) -> None:
    rng = random.Random(4)
    fingerprints = [fp for _ in range(5) for fp in image_set(rng)]
    open_case(runtime, fingerprints)
    shared = refreshed(BankIndex(runtime.vault, store), runtime)
    private = refreshed(BankIndex(runtime.vault), runtime)
    assert private.snapshot is None
    queries = [flip(fp, rng.randrange(12), rng) for fp in fingerprints]
    assert shared.match_many(queries) == private.match_many(queries)
    shared.release()


def test_a_snapshot_newer_than_the_database_is_not_used(
    runtime: Runtime, store: SnapshotStore
) -> None:
    rng = random.Random(5)
    pdq = random_fingerprint(Algorithm.PDQ, rng)
    open_case(runtime, [pdq])
    # As if the database had been restored from a backup older than the running snapshot.
    with runtime.sessions() as session:
        history = store.within(bank_epoch(session))
    with store.locked():
        ahead = history.publish(99, {Algorithm.PDQ: HammingIndex(256)})
    index = refreshed(BankIndex(runtime.vault, store), runtime)
    assert index.snapshot is not None and index.snapshot.path != ahead
    assert index.match(pdq)
    index.release()


def test_a_snapshot_of_another_history_of_the_bank_at_the_same_version_is_not_used(
    runtime: Runtime, store: SnapshotStore
) -> None:
    pdq = random_fingerprint(Algorithm.PDQ, random.Random(7))
    open_case(runtime, [pdq])
    # As if the database had been emptied and refilled to the same version with other cases.
    with runtime.sessions() as session:
        version = current_version(session)
    with store.locked():
        other = store.within("0").publish(version, {Algorithm.PDQ: HammingIndex(256)})
    index = refreshed(BankIndex(runtime.vault, store), runtime)
    assert index.snapshot is not None and index.snapshot.path != other
    assert index.match(pdq)
    index.release()
    with store.locked():
        store.sweep()
    assert not other.exists()


ATTACH = textwrap.dedent(
    """
    import sys
    from casework.runtime import Runtime
    from casework.settings import Settings
    from hashing.fingerprint import Algorithm, Fingerprint

    runtime = Runtime.build(Settings())
    probe = Fingerprint(Algorithm.PDQ, int(sys.argv[1], 16))
    for line in sys.stdin:
        with runtime.sessions() as session:
            runtime.bank.refresh(session)
        print(runtime.bank.snapshot.path.name, len(runtime.bank.match(probe)), flush=True)
    """
)


def test_separate_processes_share_the_snapshot_and_leave_nothing_behind(
    settings: Settings, runtime: Runtime
) -> None:
    rng = random.Random(6)
    pdq = random_fingerprint(Algorithm.PDQ, rng)
    case_id = open_case(runtime, [pdq])
    store = SnapshotStore(store_key(settings.database_url, runtime.vault.key_id))
    environment = {
        **os.environ,
        "TAKEDOWN_ENVIRONMENT": "test",
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_SECRET_KEY": settings.secret_key.get_secret_value(),
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", ATTACH, format(pdq.bits, "064x")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(2)
    ]
    try:
        answers = []
        for worker in workers:
            assert worker.stdin and worker.stdout
            worker.stdin.write("\n")
            worker.stdin.flush()
            answers.append(worker.stdout.readline().split())
        assert answers[0] == answers[1] and answers[0][1] == "1"
        assert held_files(store) == [answers[0][0]]
        withdraw(runtime, case_id)
        for worker in workers:
            assert worker.stdin and worker.stdout
            worker.stdin.write("\n")
            worker.stdin.flush()
            assert worker.stdout.readline().split() == [answers[0][0], "0"]
    finally:
        for worker in workers:
            assert worker.stdin and worker.stdout
            worker.stdin.close()
            worker.wait(timeout=60)
            worker.stdout.close()
    assert [worker.returncode for worker in workers] == [0, 0]
    assert held_files(store) == []


def test_a_killed_process_leaves_a_snapshot_the_next_sweep_removes(store: SnapshotStore) -> None:
    with store.locked():
        path = store.publish(1, {Algorithm.PDQ: HammingIndex(256)})
    hold = (
        f"import fcntl, os, time; f = os.open({str(path)!r}, os.O_RDONLY); "
        "fcntl.flock(f, fcntl.LOCK_SH); print(flush=True); time.sleep(600)"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE)
    assert holder.stdout
    holder.stdout.readline()
    with store.locked():
        assert store.sweep() == []
    holder.kill()
    holder.wait()
    holder.stdout.close()
    with store.locked():
        assert store.sweep() == [path]


NO_ROOM = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from casework.bank.bank import BankIndex, bank_epoch, current_version
    from casework.bank.snapshot import SnapshotStore
    from casework.runtime import Runtime
    from casework.settings import Settings
    from hashing.fingerprint import Algorithm, Fingerprint

    runtime = Runtime.build(Settings())
    store = SnapshotStore("cd34", directory=Path(sys.argv[1]))
    index = BankIndex(runtime.vault, store)
    # No file may grow past 1 kB: the snapshot's reservation fails as on a full /dev/shm.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
    with runtime.sessions() as session:
        index.refresh(session)
    probe = Fingerprint(Algorithm.PDQ, int(sys.argv[2], 16))
    print(index.snapshot is None, len(index.match(probe)), flush=True)
    """
)


def test_a_process_without_room_for_the_snapshot_keeps_a_private_index(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    pdq = random_fingerprint(Algorithm.PDQ, random.Random(8))
    open_case(runtime, [pdq] + image_set(random.Random(9), images=30))
    shared = tmp_path / "shm"
    shared.mkdir()
    environment = {
        **os.environ,
        "TAKEDOWN_ENVIRONMENT": "test",
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_SECRET_KEY": settings.secret_key.get_secret_value(),
    }
    result = subprocess.run(
        [sys.executable, "-c", NO_ROOM, str(shared), format(pdq.bits, "064x")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == ["True", "1"]
    assert "no room for its snapshot" in result.stderr
    assert list(shared.iterdir()) == []


def test_a_first_load_finds_every_bank_fingerprint_under_its_own_id(runtime: Runtime) -> None:
    rng = random.Random(8)
    fingerprints = [fp for _ in range(40) for fp in image_set(rng)]
    case_id = open_case(runtime, fingerprints)
    index = refreshed(BankIndex(runtime.vault), runtime)
    with runtime.sessions() as session:
        stored = {
            (fp.algorithm, fp.id)
            for fp in session.scalars(
                select(CaseFingerprint).where(CaseFingerprint.case_id == case_id)
            )
        }
    hits = index.match_many(fingerprints)
    assert all(len(found) == 1 and found[0].distance == 0 for found in hits)
    assert {(hit.algorithm, hit.fingerprint_id) for found in hits for hit in found} == stored


@pytest.mark.parametrize("tampering", ["same length", "shorter"])
def test_a_tampered_sealed_value_fails_the_first_load_with_the_vault_error(
    runtime: Runtime, tampering: str
) -> None:
    rng = random.Random(9)
    case_id = open_case(runtime, [fp for _ in range(10) for fp in image_set(rng)])
    with transaction(runtime.sessions) as session:
        row = session.scalars(
            select(CaseFingerprint)
            .where(CaseFingerprint.case_id == case_id, CaseFingerprint.algorithm == "pdq")
            .limit(1)
        ).one()
        sealed = row.value_sealed
        row.value_sealed = (
            sealed[:-1] + bytes([sealed[-1] ^ 1]) if tampering == "same length" else sealed[:-3]
        )
    with pytest.raises(SealedDataUnreadable):
        refreshed(BankIndex(runtime.vault), runtime)
