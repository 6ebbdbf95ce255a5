"""HammingIndex against a brute-force oracle: every radius, both search paths, all mutations."""

from __future__ import annotations

import copy
import pickle
import random
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import hashing.index
from hashing.fingerprint import Fingerprint
from hashing.index import HammingIndex
from tests.hashing.conftest import VECTORS

RADII = [0, 1, 6, 10, 31, 64, 128]


def oracle(bank: dict[int, int], value: int, radius: int) -> list[tuple[int, int]]:
    """Every (id, distance) within radius, by distance then id, by brute force on Python ints."""
    hits = [(i, (v ^ value).bit_count()) for i, v in bank.items()]
    return sorted(((i, d) for i, d in hits if d <= radius), key=lambda hit: (hit[1], hit[0]))


def flip(value: int, bits: int, k: int, rng: random.Random) -> int:
    """value with exactly k of its bits flipped."""
    for position in rng.sample(range(bits), k):
        value ^= 1 << position
    return value


def random_bank(bits: int, size: int, seed: int) -> dict[int, int]:
    rng = random.Random(seed)
    # Sparse, shuffled ids so that row order and id order differ.
    ids = rng.sample(range(10 * size), size)
    return {i: rng.getrandbits(bits) for i in ids}


def probes_around(
    bank: dict[int, int], bits: int, radius: int, rng: random.Random, count: int
) -> list[int]:
    """Queries planted at radius-1, radius and radius+1 bits from bank entries."""
    values = list(bank.values())
    queries = []
    for _ in range(count):
        for k in (radius - 1, radius, radius + 1):
            if 0 <= k <= bits:
                queries.append(flip(rng.choice(values), bits, k, rng))
    return queries


def build(bits: int, bank: dict[int, int]) -> HammingIndex:
    index = HammingIndex(bits)
    index.add_many(list(bank), list(bank.values()))
    return index


def assert_matches_oracle(
    index: HammingIndex, bank: dict[int, int], queries: Sequence[int], radius: int
) -> None:
    assert len(index) == len(bank)
    for query, got in zip(queries, index.query_many(queries, radius), strict=True):
        assert got == oracle(bank, query, radius)


@pytest.mark.parametrize("radius", RADII)
@pytest.mark.parametrize("bits", [64, 256])
def test_queries_at_under_and_over_the_radius_match_brute_force(bits: int, radius: int) -> None:
    bank = random_bank(bits, 3000, seed=bits + radius)
    rng = random.Random(radius)
    assert_matches_oracle(
        build(bits, bank), bank, probes_around(bank, bits, radius, rng, 15), radius
    )


@pytest.mark.parametrize(("bits", "radius"), [(64, 0), (64, 6), (64, 10), (256, 10), (256, 31)])
def test_small_radii_on_a_merged_bank_use_the_chunk_tables(
    bits: int, radius: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = random_bank(bits, 3000, seed=5)
    index = build(bits, bank)

    def no_scan(*args: object) -> None:
        raise AssertionError("scanned instead of probing the tables")

    monkeypatch.setattr(HammingIndex, "_scan_merged", no_scan)
    queries = probes_around(bank, bits, radius, random.Random(1), 10)
    assert_matches_oracle(index, bank, queries, radius)


def test_large_radii_and_tiny_banks_fall_back_to_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tables(*args: object) -> None:
        raise AssertionError("probed the tables")

    monkeypatch.setattr(hashing.index, "_probe_plan", no_tables)
    big = random_bank(256, 3000, seed=6)
    assert_matches_oracle(
        build(256, big), big, probes_around(big, 256, 64, random.Random(2), 5), 64
    )
    tiny = random_bank(64, 20, seed=7)
    assert_matches_oracle(build(64, tiny), tiny, probes_around(tiny, 64, 6, random.Random(3), 5), 6)


def test_128_bit_codes_are_exact_too() -> None:
    bank = random_bank(128, 2000, seed=8)
    index = build(128, bank)
    for radius in (0, 7, 20, 128):
        queries = probes_around(bank, 128, radius, random.Random(radius), 5)
        assert_matches_oracle(index, bank, queries, radius)


@pytest.mark.parametrize("bits", [64, 256])
def test_interleaved_adds_and_removes_stay_exact_through_buffer_and_merges(
    bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small buffer makes merges (buffer folded into the tables) happen every few steps.
    monkeypatch.setattr(hashing.index, "_MIN_BUFFER", 20)
    rebuilds: list[int] = []
    rebuild = HammingIndex._rebuild

    def counted(self: HammingIndex, *args: Any) -> None:
        rebuilds.append(len(self))
        rebuild(self, *args)

    monkeypatch.setattr(HammingIndex, "_rebuild", counted)
    rng = random.Random(bits)
    bank = random_bank(bits, 1200, seed=9)
    index = build(bits, bank)
    next_id = 20_000
    for step in range(500):
        if rng.random() < 0.55:
            value = flip(rng.choice(list(bank.values())), bits, rng.randint(0, 12), rng)
            index.add(next_id, value)
            bank[next_id] = value
            next_id += 1
        else:
            victim = rng.choice(list(bank))
            assert index.remove(victim)
            del bank[victim]
        if step % 10 == 0:
            radius = rng.choice([0, 3, 10, 31])
            queries = probes_around(bank, bits, radius, rng, 3)
            assert_matches_oracle(index, bank, queries, radius)
    assert_matches_oracle(index, bank, probes_around(bank, bits, 6, rng, 10), 6)
    assert len(rebuilds) >= 4


def test_a_clustered_bank_that_defeats_the_tables_is_still_exact() -> None:
    rng = random.Random(13)
    base = rng.getrandbits(256)
    # Every code is base with one or two bits flipped: all share almost every chunk value.
    bank = {i: flip(base, 256, rng.randint(1, 2), rng) for i in range(3000)}
    queries = [base, flip(base, 256, 3, rng), rng.getrandbits(256)]
    assert_matches_oracle(build(256, bank), bank, queries, 2)


def test_additions_wait_in_the_buffer_until_it_is_full() -> None:
    bank = random_bank(64, 3000, seed=10)
    index = build(64, bank)
    index.add(-1, 12345)
    bank[-1] = 12345
    assert -1 in index
    assert index.query(12345, 0)[0] == (-1, 0)
    queries = probes_around(bank, 64, 10, random.Random(4), 10) + [12345 ^ 0b111]
    assert_matches_oracle(index, bank, queries, 10)


def test_removed_items_stop_matching_and_can_be_added_again() -> None:
    bank = random_bank(256, 3000, seed=11)
    index = build(256, bank)
    victim, value = next(iter(bank.items()))
    assert index.remove(victim)
    assert victim not in index
    assert not index.remove(victim)
    assert all(hit[0] != victim for hit in index.query(value, 31))
    index.add(victim, value)
    assert index.query(value, 0)[0] == (victim, 0)
    assert len(index) == len(bank)


def test_every_needle_is_found_in_the_haystack_exactly_as_brute_force_finds_it() -> None:
    def load(name: str) -> list[int]:
        return [Fingerprint.parse("pdq", v).bits for v in (VECTORS / name).read_text().split()]

    haystack = dict(enumerate(load("haystack.txt")))
    needles = load("needles.txt")
    index = build(256, haystack)
    results = index.query_many(needles, 31)
    assert all(results)
    assert results == [oracle(haystack, needle, 31) for needle in needles]
    assert sum(map(len, results)) == 250
    assert sum(1 for hits in results if hits[0][1] == 0) == 50


def test_identical_codes_under_different_ids_are_ordered_by_id() -> None:
    index = HammingIndex(64)
    index.add_many([30, 10, 20], [5, 5, 4])
    assert index.query(5, 1) == [(10, 0), (30, 0), (20, 1)]


def test_an_empty_index_finds_nothing() -> None:
    index = HammingIndex(256)
    assert (len(index), index.query(0, 256), index.query_many([], 3)) == (0, [], [])
    assert 1 not in index


def test_membership_is_by_item_id() -> None:
    index = HammingIndex(64)
    index.add(7, 99)
    assert 7 in index
    assert 99 not in index
    assert "7" not in index
    assert 2**70 not in index


def test_duplicate_ids_are_refused() -> None:
    index = HammingIndex(64)
    index.add_many([1, 2], [3, 4])
    with pytest.raises(ValueError, match="already"):
        index.add(2, 5)
    with pytest.raises(ValueError, match="unique"):
        index.add_many([8, 8], [1, 2])
    big = random_bank(64, 5000, seed=12)
    index.add_many(list(big), list(big.values()))
    with pytest.raises(ValueError, match="already"):
        index.add_many([10**9, next(iter(big))], [1, 2])
    assert len(index) == 5002


@pytest.mark.parametrize(
    ("ids", "values"),
    [([1], [2**64]), ([1], [-1]), ([1, 2], [3]), ([2**63], [1]), ([1.5], [1])],
)
def test_bad_items_are_refused(ids: list[int], values: list[int]) -> None:
    index = HammingIndex(64)
    with pytest.raises((ValueError, TypeError)):
        index.add_many(ids, values)
    assert len(index) == 0


def test_bad_queries_and_sizes_are_refused() -> None:
    index = HammingIndex(64)
    with pytest.raises(ValueError):
        index.query(1, -1)
    with pytest.raises(ValueError):
        index.query(2**64, 3)
    with pytest.raises(ValueError):
        HammingIndex(100)


def test_the_index_refuses_to_be_pickled_or_copied() -> None:
    index = HammingIndex(64)
    index.add(1, 2)
    with pytest.raises(TypeError, match="rebuild it from the database"):
        pickle.dumps(index)
    with pytest.raises(TypeError, match="rebuild"):
        copy.deepcopy(index)


@pytest.mark.parametrize("bits", [64, 128, 256])
def test_wide_chunks_that_straddle_words_are_exact(
    bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big banks get chunks of about log2(n) bits, which cross 64-bit word boundaries; force that
    # layout on a small bank so both the table and the query side of the split are checked.
    monkeypatch.setattr(hashing.index, "_MIN_CHUNK_BITS", 21)
    bank = random_bank(bits, 3000, seed=14)
    index = build(bits, bank)
    tables = index._tables
    assert tables is not None and min(tables.widths) >= 20
    if bits > 64:
        layout = zip(tables.shifts, tables.widths, strict=True)
        assert any(shift // 64 != (shift + width - 1) // 64 for shift, width in layout)
    for radius in (0, 3, 10, 31):
        queries = probes_around(bank, bits, radius, random.Random(radius), 8)
        assert_matches_oracle(index, bank, queries, radius)


def test_arrays_load_like_python_ints() -> None:
    bank = random_bank(256, 2000, seed=15)
    words = [
        [(value >> shift) & (2**64 - 1) for shift in (192, 128, 64, 0)] for value in bank.values()
    ]
    index = HammingIndex(256)
    index.add_codes(np.array(list(bank), np.int64), np.array(words, np.uint64))
    queries = probes_around(bank, 256, 31, random.Random(5), 10)
    assert_matches_oracle(index, bank, queries, 31)
    assert index.nbytes >= 2000 * 32
    with pytest.raises(ValueError, match="codes"):
        index.add_codes(np.array([1, 2], np.int64), np.zeros((1, 4), np.uint64))


@pytest.mark.parametrize("bits", [64, 256])
def test_single_queries_are_exact_beside_removed_rows_and_buffered_additions(bits: int) -> None:
    bank = random_bank(bits, 3000, seed=16)
    index = build(bits, bank)
    rng = random.Random(bits)
    for victim in rng.sample(sorted(bank), 100):
        assert index.remove(victim)
        del bank[victim]
    # Near copies of bank codes: each is found through several chunks and must come back once.
    for new_id, value in enumerate(rng.sample(sorted(bank.values()), 50), start=50_000):
        near = flip(value, bits, rng.randint(0, 3), rng)
        index.add(new_id, near)
        bank[new_id] = near
    assert index._tables is not None and index._n_dead == 100 and index._buf_len == 50
    for radius in (0, 6, 10, 31):
        for query in probes_around(bank, bits, radius, rng, 10):
            assert index.query(query, radius) == oracle(bank, query, radius)


@pytest.mark.parametrize("bits", [64, 256])
def test_tables_of_mixed_widths_start_at_multiples_of_their_size(
    bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing.index, "_MIN_CHUNK_BITS", 21)
    index = build(bits, random_bank(bits, 3000, seed=17))
    tables = index._tables
    assert tables is not None and len(set(tables.widths)) == 2
    for base, width in zip(tables.base, tables.widths, strict=True):
        assert base % (1 << width) == 0
        # A table's buckets hold every row once, and the entry past its last bucket is its end.
        first, end = tables.offsets[base], tables.offsets[base + (1 << width)]
        assert end - first == 3000
        assert sorted(tables.perm[first:end].tolist()) == list(range(3000))
    assert tables.offsets[-1] == 3000 * len(tables.widths)


def twins(bits: int, bank: dict[int, int]) -> tuple[HammingIndex, HammingIndex]:
    """The same bank in an index probed by the compiled loop and one probed by numpy."""
    compiled = HammingIndex(bits, compiled=True)
    compiled.add_many(list(bank), list(bank.values()))
    numpy_only = HammingIndex.from_parts(bits, compiled.parts(), compiled=False)
    return compiled, numpy_only


def test_make_install_builds_the_compiled_probe_loop() -> None:
    assert hashing.index.COMPILED
    assert HammingIndex(256).compiled


def test_a_build_of_an_older_probe_loop_is_left_for_the_numpy_loop() -> None:
    # An editable install not rebuilt since _probe.c changed: its probe() takes other arguments.
    stale = (
        "import sys, types; sys.modules['hashing._probe'] = types.ModuleType('hashing._probe'); "
        "import hashing.index; print(hashing.index.COMPILED, hashing.index.HammingIndex(256)"
        ".compiled)"
    )
    ran = subprocess.run([sys.executable, "-c", stale], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("bits", [128, 256])
def test_the_compiled_probe_loop_answers_as_the_numpy_loop_at_every_edge_radius(
    bits: int,
) -> None:
    bank = random_bank(bits, 6000, seed=bits)
    compiled, numpy_only = twins(bits, bank)
    rng = random.Random(bits)
    for item_id in rng.sample(sorted(bank), 300):
        compiled.remove(item_id)
        numpy_only.remove(item_id)
        del bank[item_id]
    chunks = len(compiled._tables.widths) if compiled._tables else 0
    # Radii where the pigeonhole plan changes: multiples of the chunk count and one either side.
    edges = {0, 1, bits // 8, bits // 4, bits}
    edges |= {k * chunks + d for k in range(4) for d in (-1, 0, 1) if k * chunks + d >= 0}
    for radius in sorted(edges):
        queries = probes_around(bank, bits, radius, rng, 4) + [rng.getrandbits(bits)]
        batch = compiled.query_many(queries, radius)
        assert batch == numpy_only.query_many(queries, radius), radius
        assert [compiled.query(q, radius) for q in queries] == batch, radius
        assert batch == [oracle(bank, q, radius) for q in queries], radius


def test_the_compiled_loop_hands_a_bank_that_defeats_the_tables_to_the_scan() -> None:
    rng = random.Random(14)
    base = rng.getrandbits(256)
    bank = {i: flip(base, 256, rng.randint(1, 2), rng) for i in range(3000)}
    compiled, numpy_only = twins(256, bank)
    queries = [base, flip(base, 256, 3, rng), rng.getrandbits(256)]
    assert compiled.query_many(queries, 2) == numpy_only.query_many(queries, 2)
    assert compiled.query_many(queries, 2) == [oracle(bank, q, 2) for q in queries]


@pytest.mark.parametrize("bits", [64, 256])
def test_an_index_over_borrowed_arrays_answers_as_its_source_and_never_writes_them(
    bits: int,
) -> None:
    bank = random_bank(bits, 5000, seed=15)
    source = build(bits, bank)
    parts = {name: array.copy() for name, array in source.parts().items()}
    for array in parts.values():
        array.flags.writeable = False
    borrowed = HammingIndex.from_parts(bits, parts)
    assert borrowed.borrowed and borrowed.overlay == 0
    rng = random.Random(16)
    queries = probes_around(bank, bits, bits // 8, rng, 10)
    assert borrowed.query_many(queries, bits // 8) == source.query_many(queries, bits // 8)
    gone = rng.sample(sorted(bank), 20)
    for item_id in gone:
        assert borrowed.remove(item_id)
        del bank[item_id]
    bank[10**9] = rng.getrandbits(bits)
    borrowed.add(10**9, bank[10**9])
    assert borrowed.borrowed and borrowed.overlay == 21
    assert_matches_oracle(borrowed, bank, queries, bits // 8)
    # Enough additions to fold: the fold builds private arrays and the borrowed ones stay.
    more = {10**9 + k: rng.getrandbits(bits) for k in range(1, 4200)}
    borrowed.add_many(list(more), list(more.values()))
    bank |= more
    assert not borrowed.borrowed and borrowed.overlay == 0
    assert_matches_oracle(borrowed, bank, queries, bits // 8)
    for name, array in source.parts().items():
        assert np.array_equal(parts[name], array), name


def test_the_compiled_loop_reads_64_bit_tables_as_it_reads_32_bit_ones() -> None:
    # Banks of 2**32 / chunks rows or more get int64 offsets, and of 2**32 rows int64 row numbers.
    bank = random_bank(256, 6000, seed=17)
    source = build(256, bank)
    rng = random.Random(17)
    queries = probes_around(bank, 256, 31, rng, 10)
    expected = [oracle(bank, q, 31) for q in queries]
    parts = source.parts()
    for offsets_type, perm_type in ((np.int64, np.uint32), (np.uint32, np.int64)):
        wide = dict(parts, offsets=parts["offsets"].astype(offsets_type))
        wide["perm"] = parts["perm"].astype(perm_type)
        assert HammingIndex.from_parts(256, wide, compiled=True).query_many(queries, 31) == expected


def test_the_compiled_loop_refuses_a_plan_that_reads_outside_its_tables() -> None:
    index = build(256, random_bank(256, 3000, seed=18))
    tables = index._tables
    assert tables is not None
    chunk_of_probe, masks = hashing.index._probe_plan(tables.widths, tables.base, 31)
    hits = np.empty((3, 8), np.int64)

    def probe(**changed: Any) -> int:
        arguments: dict[str, Any] = {
            "offsets": tables.offsets,
            "offset_size": tables.offsets.itemsize,
            "perm": tables.perm,
            "perm_size": tables.perm.itemsize,
            "codes": index._codes,
            "words": 4,
            "dead": b"",
            "chunk_of_probe": chunk_of_probe,
            "masks": masks,
            "shifts": tables.shift_array,
            "widths": tables.width_array,
            "queries": index._codes[:1],
            "radius": 31,
            "limit": 10**9,
        }
        arguments.update(changed)
        result: int = hashing.index._probe.probe(*arguments.values(), hits[0], hits[1], hits[2])
        return result

    assert probe() >= 1
    with pytest.raises(ValueError, match="outside the code"):
        probe(shifts=tables.shift_array + 200)
    with pytest.raises(ValueError, match="chunk that does not exist"):
        probe(chunk_of_probe=chunk_of_probe + len(tables.widths))
    with pytest.raises(IndexError, match="out of range"):
        probe(masks=masks | (1 << 40))
    with pytest.raises(IndexError, match="out of range"):
        probe(perm=np.full_like(tables.perm, len(index._codes)))
    with pytest.raises(ValueError, match="position size"):
        probe(offset_size=2)
