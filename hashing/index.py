"""HammingIndex: exact radius search over fixed-length binary codes, in memory, pure numpy.

Design (multi-index hashing, Norouzi et al.): codes are cut into m chunks of about log2(n) bits;
each chunk has a CSR table (row numbers sorted by chunk value plus an offset per chunk value). If
two codes are within r bits, some chunk is within floor(r/m) bits (pigeonhole), so probing every
chunk value within that many flips finds every match; candidates are then verified exactly with
XOR and popcount. Chunks of about log2(n) bits keep buckets at a few rows each, so a query costs
a few thousand probes and candidates instead of a scan (benchmarks/README.md has the numbers).
Additions land in a small buffer that is scanned by brute force and removals in a tombstone mask,
both folded into the tables when they grow. When the probes or candidates would cost more than a
scan (large radius, small or degenerate bank), the query scans instead, so every radius from 0 to
``bits`` is exact.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

try:
    from hashing import _probe  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler at install): the numpy loop does the same work
    _probe = None
# The calling convention hashing/_probe.c implements (its VERSION). A build of an older _probe.c,
# left by an editable install that was not rebuilt, is ignored rather than called wrongly.
_PROBE_VERSION = 2
if getattr(_probe, "VERSION", None) != _PROBE_VERSION:
    _probe = None

#: True when the compiled probe loop (hashing/_probe.c) is available.
COMPILED = _probe is not None

# Chunks narrower than this would make buckets of a small bank hold most of it; wider ones make
# each offset table (2**width entries) cost more memory than the rows it serves.
_MIN_CHUNK_BITS = 16
_MAX_CHUNK_BITS = 22
# At 10M 64-bit codes, r=10: 22/22/20-bit chunks beat 21/22/21 by 7-25% (same process), since
# the two chunks probed within 3 flips get buckets half as full.
_NARROWING = 2
# A verified candidate costs a random gather; a scanned row a sequential read. Probing pays off
# only while it touches well under a full scan's worth of rows.
_CANDIDATE_COST = 4
_SCAN_BLOCK_ROWS = 1 << 16
# query_many probes this many (query, chunk value) pairs per vectorised step: enough to amortise
# numpy's per-call cost, little enough to keep the temporaries in cache.
_BATCH_PROBES = 1 << 18
_MIN_BUFFER = 4096
# Below this many rows a scan takes microseconds and the tables would cost more memory than the
# codes themselves.
_MIN_TABLE_ROWS = 1024
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

Codes = npt.NDArray[np.uint64]
Ids = npt.NDArray[np.int64]
Rows = npt.NDArray[np.int64]
Dists = npt.NDArray[np.int64]
#: (query, row, distance) of each hit, as the search paths find them.
_Found = tuple[Rows, npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]]

_COUNTING: npt.NDArray[np.int64] = np.arange(1 << 16, dtype=np.int64)
_COUNTING.flags.writeable = False


@dataclass(frozen=True)
class _Tables:
    """The chunk layout and CSR tables of the merged rows.

    ``perm`` holds, table after table, row numbers in chunk-value order; ``offsets`` holds, table
    after table, 2**width positions into ``perm`` (already shifted by the table's start) and one
    final end, so entries ``base[j] + value`` and the next delimit a bucket (the entry after a
    table's last bucket is the next table's start). Tables lie widest first, so every ``base[j]``
    is a multiple of ``2**widths[j]`` and ``base[j] + value == base[j] | value``: a probe is
    one XOR of the chunk value with a precomputed ``flip | base``.
    """

    shifts: tuple[int, ...]
    widths: tuple[int, ...]
    base: tuple[int, ...]
    offsets: npt.NDArray[np.integer[Any]]
    perm: npt.NDArray[np.integer[Any]]
    #: For one-word codes, the codes in ``perm`` order: 8 more bytes per row and table buy
    #: verification by sequential reads instead of a random gather per candidate.
    sorted_codes: Codes | None
    #: (shift, mask) of each chunk, for cutting chunk values out of a Python int.
    key_layout: tuple[tuple[int, int], ...]
    #: The shifts and the widths as int64 arrays, for the compiled loop to cut queries itself.
    shift_array: npt.NDArray[np.int64]
    width_array: npt.NDArray[np.int64]


class HammingIndex:
    """Item ids with ``bits``-bit codes; finds every item within a Hamming radius of a query.

    Not thread-safe for writers; build it, then share it read-only. It is never pickled:
    rebuild it from the database instead.
    """

    def __init__(self, bits: int, *, compiled: bool = COMPILED) -> None:
        if bits <= 0 or bits % 64:
            raise ValueError(f"bits must be a positive multiple of 64, got {bits}")
        if compiled and not COMPILED:
            raise ValueError("the compiled probe loop is not built (make install builds it)")
        self.bits = bits
        #: Probe with hashing/_probe.c rather than numpy (same results; the tests compare them).
        self.compiled = compiled
        self._words = bits // 64
        # Merged part, rows in id order (so an id's row is a binary search away).
        self._ids: Ids = np.empty(0, np.int64)
        self._codes: Codes = np.empty((0, self._words), np.uint64)
        self._dead = np.empty(0, bool)
        self._n_dead = 0
        self._tables: _Tables | None = None
        # Buffer of recent additions, scanned by brute force.
        self._buf_ids: Ids = np.empty(0, np.int64)
        self._buf_codes: Codes = np.empty((0, self._words), np.uint64)
        self._buf_len = 0
        self._buf_pos: dict[int, int] = {}
        # True while the merged part is arrays someone else owns (from_parts): never written.
        self._borrowed = False

    @classmethod
    def from_parts(
        cls, bits: int, arrays: dict[str, npt.NDArray[Any]], *, compiled: bool = COMPILED
    ) -> HammingIndex:
        """An index whose merged part is ``arrays`` (from parts()), used read-only in place.

        The arrays may live in memory other processes map too: additions go to this index's
        own buffer and removals to its own tombstones, as for any index; a fold into new tables
        (too many of either) builds private arrays and leaves the given ones untouched.
        """
        index = cls(bits, compiled=compiled)
        ids, codes = arrays["ids"], arrays["codes"].reshape(-1, index._words)
        if len(ids) != len(codes):
            raise ValueError(f"got {len(ids)} ids but {len(codes)} codes")
        index._ids, index._codes = ids, codes
        index._dead = np.zeros(len(ids), bool)
        if "offsets" in arrays:
            shifts, widths = _chunk_layout(bits, len(ids))
            index._tables = _assemble_tables(
                shifts, widths, arrays["offsets"], arrays["perm"], arrays.get("sorted_codes")
            )
        index._borrowed = True
        return index

    def parts(self) -> dict[str, npt.NDArray[Any]]:
        """The merged part as flat arrays for from_parts(), after folding in buffer and removals.

        Only the layout's arrays: chunk widths follow from ``bits`` and the row count.
        """
        if self._buf_len or self._n_dead:
            self._rebuild(np.empty(0, np.int64), np.empty((0, self._words), np.uint64))
        found: dict[str, npt.NDArray[Any]] = {"ids": self._ids, "codes": self._codes}
        if self._tables is not None:
            found["offsets"] = self._tables.offsets
            found["perm"] = self._tables.perm
            if self._tables.sorted_codes is not None:
                found["sorted_codes"] = self._tables.sorted_codes
        return found

    @property
    def borrowed(self) -> bool:
        """True while the merged part is the arrays from_parts() was given."""
        return self._borrowed

    @property
    def overlay(self) -> int:
        """Additions and removals held beside the merged part (buffer rows plus tombstones)."""
        return self._buf_len + self._n_dead

    def __len__(self) -> int:
        return len(self._ids) - self._n_dead + self._buf_len

    def __contains__(self, item_id: object) -> bool:
        if not isinstance(item_id, int):
            return False
        return item_id in self._buf_pos or self._merged_row(item_id) is not None

    def __reduce__(self) -> NoReturn:
        raise TypeError("HammingIndex is never pickled: rebuild it from the database")

    def __getstate__(self) -> NoReturn:
        raise TypeError("HammingIndex is never pickled: rebuild it from the database")

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays: codes, ids, tables and buffer."""
        arrays: list[npt.NDArray[Any]] = [self._ids, self._codes, self._dead]
        arrays += [self._buf_ids, self._buf_codes]
        if self._tables is not None:
            arrays += [self._tables.offsets, self._tables.perm]
            if self._tables.sorted_codes is not None:
                arrays.append(self._tables.sorted_codes)
        return sum(a.nbytes for a in arrays)

    def add(self, item_id: int, value: int) -> None:
        """Add one item; its id must not be in the index already."""
        self.add_many([item_id], [value])

    def add_many(self, ids: Sequence[int], values: Sequence[int]) -> None:
        """Add items in bulk (ids unique and not yet present); big batches rebuild the tables."""
        if len(ids) != len(values):
            raise ValueError(f"got {len(ids)} ids but {len(values)} values")
        self.add_codes(_as_ids(ids), self._as_codes(values))

    def add_codes(self, ids: Ids, codes: Codes) -> None:
        """add_many for arrays: int64 ids and codes as rows of big-endian uint64 words.

        Word 0 of a row holds the code's most significant 64 bits, as ``int.to_bytes(.., "big")``
        would lay them out; loading millions of codes this way skips Python integers entirely.
        """
        new_ids = np.asarray(ids, dtype=np.int64).ravel()
        new_codes = np.asarray(codes, dtype=np.uint64).reshape(-1, self._words)
        if len(new_ids) != len(new_codes):
            raise ValueError(f"got {len(new_ids)} ids but {len(new_codes)} codes")
        if not _unique(new_ids):
            raise ValueError("item ids in one batch must be unique")
        clash = self._first_present(new_ids)
        if clash is not None:
            raise ValueError(f"item {clash} is already in the index")
        # A first load goes straight into the tables; later additions wait in the buffer.
        if not len(self._ids) or self._buf_len + len(new_ids) > self._buffer_limit():
            self._rebuild(new_ids, new_codes)
            return
        self._reserve(self._buf_len + len(new_ids))
        end = self._buf_len + len(new_ids)
        self._buf_ids[self._buf_len : end] = new_ids
        self._buf_codes[self._buf_len : end] = new_codes
        self._buf_pos.update(zip(new_ids.tolist(), range(self._buf_len, end), strict=True))
        self._buf_len = end

    def remove(self, item_id: int) -> bool:
        """Remove an item; False if it was not there."""
        pos = self._buf_pos.pop(item_id, None)
        if pos is not None:
            last = self._buf_len - 1
            if pos != last:
                moved = int(self._buf_ids[last])
                self._buf_ids[pos] = moved
                self._buf_codes[pos] = self._buf_codes[last]
                self._buf_pos[moved] = pos
            self._buf_len = last
            return True
        row = self._merged_row(item_id)
        if row is None:
            return False
        self._dead[row] = True
        self._n_dead += 1
        if self._n_dead > self._buffer_limit():
            self._rebuild(np.empty(0, np.int64), np.empty((0, self._words), np.uint64))
        return True

    def query(self, value: int, radius: int) -> list[tuple[int, int]]:
        """(item_id, distance) of every item within ``radius`` bits (>= 0), by distance then id."""
        return self.query_many([value], radius)[0]

    def query_many(self, values: Sequence[int], radius: int) -> list[list[tuple[int, int]]]:
        """query() for each value, vectorised over the values."""
        radius = operator.index(radius)
        if radius < 0:
            raise ValueError(f"radius must not be negative, got {radius}")
        # Every code is within `bits` of every other: a larger radius means the same.
        radius = min(radius, self.bits)
        values = list(values)
        queries = self._as_codes(values)
        tables = self._tables
        probes = _probe_count(tables.widths, radius) if tables is not None else 0
        if tables is None or probes >= len(self._ids):
            return self._finish(queries, radius, self._scan_merged(queries, radius))
        results: list[list[tuple[int, int]]] = []
        step = max(1, _BATCH_PROBES // probes)
        for start in range(0, len(queries), step):
            block = queries[start : start + step]
            found: _Found | None
            if self.compiled and tables.sorted_codes is None:
                found = self._probe_compiled(tables, block, radius)
            else:
                keys = _query_keys(values[start : start + step], tables.key_layout)
                found = self._probe_tables(block, keys, radius)
            if found is None:
                found = self._scan_merged(block, radius)
            results += self._finish(block, radius, found)
        return results

    def _probe_tables(
        self, queries: Codes, keys: npt.NDArray[np.int64], radius: int
    ) -> tuple[Rows, npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]] | None:
        """(query, row, distance) of live merged rows within radius via the chunk tables.

        None when the buckets hold so many rows that a scan is cheaper (a bank full of codes
        that share chunk values). A row found through several chunks may come back more than
        once, always with the same query and distance.
        """
        tables = self._tables
        assert tables is not None
        chunk_of_probe, xor_masks = _probe_plan(tables.widths, tables.base, radius)
        count = len(queries)
        probes = keys.take(chunk_of_probe, axis=1).ravel()
        probes ^= np.tile(xor_masks, count) if count > 1 else xor_masks
        # take() rather than fancy indexing: the same gather at a fraction of the cost.
        starts = tables.offsets.take(probes)
        probes += 1
        ends = tables.offsets.take(probes)
        lengths = ends - starts
        # int64 sums: one bucket fits the offsets' type, a batch's candidates may not.
        cumulative = np.cumsum(lengths, dtype=np.int64)
        total = int(cumulative[-1])
        if len(chunk_of_probe) + _CANDIDATE_COST * total / count >= len(self._ids):
            return None
        # Slot j of the concatenated buckets, in the bucket ending at cumulative[i], reads
        # position ends[i] - cumulative[i] + j.
        positions = np.repeat(ends - cumulative, lengths)
        positions += _counting(total)
        if count == 1:
            of_query = np.zeros(total, np.int64)
        else:
            per_query = cumulative[len(chunk_of_probe) - 1 :: len(chunk_of_probe)]
            of_query = np.repeat(np.arange(count), np.diff(per_query, prepend=0))
        if tables.sorted_codes is not None:
            # One-word codes: the buckets hold the codes themselves, read in sequence.
            flat = tables.sorted_codes.take(positions)
            flat ^= queries[0, 0] if count == 1 else queries[:, 0].take(of_query)
            dists: npt.NDArray[np.integer[Any]] = np.bitwise_count(flat)
            hit = np.flatnonzero(dists <= radius)
            rows = tables.perm.take(positions.take(hit))
        else:
            candidates = tables.perm.take(positions)
            dists = _distances(self._codes, candidates, queries, of_query)
            hit = np.flatnonzero(dists <= radius)
            rows = candidates.take(hit)
        of_query = of_query.take(hit)
        dists = dists.take(hit)
        if self._n_dead:
            live = ~self._dead.take(rows)
            of_query, rows, dists = of_query[live], rows[live], dists[live]
        return of_query, rows, dists

    def _probe_compiled(
        self, tables: _Tables, queries: Codes, radius: int
    ) -> tuple[Rows, Rows, Dists] | None:
        """_probe_tables in hashing/_probe.c: cuts the queries, probes and verifies in one call."""
        chunk_of_probe, xor_masks = _probe_plan(tables.widths, tables.base, radius)
        # The numpy path's test, per query: candidates cost more than a scan past this many.
        limit = max(0, (len(self._ids) - len(chunk_of_probe)) // _CANDIDATE_COST)
        room = 64 * len(queries)
        while True:
            hits = np.empty((3, room), np.int64)
            found = _probe.probe(
                tables.offsets,
                tables.offsets.itemsize,
                tables.perm,
                tables.perm.itemsize,
                self._codes,
                self._words,
                self._dead if self._n_dead else b"",
                chunk_of_probe,
                xor_masks,
                tables.shift_array,
                tables.width_array,
                np.ascontiguousarray(queries),
                radius,
                limit,
                hits[0],
                hits[1],
                hits[2],
            )
            if found < 0:
                return None
            if found <= room:
                return hits[0, :found], hits[1, :found], hits[2, :found]
            room = found

    def _scan_merged(self, queries: Codes, radius: int) -> tuple[Rows, Rows, Dists]:
        """(query, row, distance) of live merged rows within radius by brute force, in blocks."""
        parts: list[tuple[Rows, Rows, Dists]] = []
        for i, q in enumerate(queries):
            for start in range(0, len(self._ids), _SCAN_BLOCK_ROWS):
                block = self._codes[start : start + _SCAN_BLOCK_ROWS]
                dists = np.bitwise_count(block ^ q).sum(axis=1, dtype=np.int64)
                found = np.flatnonzero((dists <= radius) & ~self._dead[start : start + len(block)])
                parts.append((np.full(len(found), i), found + start, dists[found]))
        return _stack(parts)

    def _finish(
        self,
        queries: Codes,
        radius: int,
        found: tuple[Rows, npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]],
    ) -> list[list[tuple[int, int]]]:
        """Add buffer hits to merged hits and group them per query, by distance then id.

        ``found`` may list a (query, row) pair more than once (the chunk tables find a close
        code through each chunk it shares); each comes back once.
        """
        of_query, rows, dists = found
        ids = self._ids.take(rows)
        if self._buf_len:
            buf = self._buf_codes[: self._buf_len]
            parts: list[tuple[Rows, Rows, Dists]] = []
            for i, q in enumerate(queries):
                buf_dists = np.bitwise_count(buf ^ q).sum(axis=1, dtype=np.int64)
                hits = np.flatnonzero(buf_dists <= radius)
                parts.append((np.full(len(hits), i), hits, buf_dists[hits]))
            buf_query, buf_rows, buf_found = _stack(parts)
            of_query = np.concatenate((of_query, buf_query))
            ids = np.concatenate((ids, self._buf_ids[buf_rows]))
            dists = np.concatenate((dists, buf_found))
        if len(queries) == 1:
            # A query matches a handful of items: sorting them in Python beats numpy's calls.
            unique = set(zip(ids.tolist(), dists.tolist(), strict=True))
            return [sorted(unique, key=lambda pair: (pair[1], pair[0]))]
        order = np.lexsort((ids, dists, of_query))
        of_query, ids, dists = of_query[order], ids[order], dists[order]
        # Duplicates sit next to each other once sorted: keep the first of each run.
        keep = np.ones(len(ids), bool)
        keep[1:] = (ids[1:] != ids[:-1]) | (of_query[1:] != of_query[:-1])
        of_query, ids, dists = of_query[keep], ids[keep], dists[keep]
        bounds = np.searchsorted(of_query, np.arange(len(queries) + 1))
        pairs = list(zip(ids.tolist(), dists.tolist(), strict=True))
        return [pairs[a:b] for a, b in itertools.pairwise(bounds.tolist())]

    def _first_present(self, ids: Ids) -> int | None:
        """One of ``ids`` that is already in the index, if any."""
        in_buffer = self._buf_pos.keys() & set(ids.tolist()) if self._buf_pos else set()
        if in_buffer:
            return min(in_buffer)
        if not len(self._ids):
            return None
        at = np.searchsorted(self._ids, ids).clip(max=len(self._ids) - 1)
        present = (self._ids[at] == ids) & ~self._dead[at]
        return int(ids[present.argmax()]) if present.any() else None

    def _merged_row(self, item_id: int) -> int | None:
        if not _INT64_MIN <= item_id <= _INT64_MAX:
            return None
        row = int(np.searchsorted(self._ids, item_id))
        if row == len(self._ids) or self._ids[row] != item_id or self._dead[row]:
            return None
        return row

    def _buffer_limit(self) -> int:
        return max(_MIN_BUFFER, len(self._ids) // 16)

    def _reserve(self, size: int) -> None:
        if size <= len(self._buf_ids):
            return
        capacity = max(size, 2 * len(self._buf_ids), 64)
        ids = np.empty(capacity, np.int64)
        codes = np.empty((capacity, self._words), np.uint64)
        ids[: self._buf_len] = self._buf_ids[: self._buf_len]
        codes[: self._buf_len] = self._buf_codes[: self._buf_len]
        self._buf_ids, self._buf_codes = ids, codes

    def _rebuild(self, extra_ids: Ids, extra_codes: Codes) -> None:
        """Fold live merged rows, the buffer and extra items into fresh tables."""
        live = ~self._dead
        ids = np.concatenate((self._ids[live], self._buf_ids[: self._buf_len], extra_ids))
        codes = np.concatenate(
            (self._codes[live], self._buf_codes[: self._buf_len], extra_codes)
        ).reshape(-1, self._words)
        if _increasing(ids):
            # A first load reads rows in id order: sorting them again would cost seconds at 10M.
            self._ids, self._codes = ids, codes
        else:
            order = np.argsort(ids, kind="stable")
            self._ids, self._codes = ids[order], codes[order]
        del ids, codes
        self._dead = np.zeros(len(self._ids), bool)
        self._n_dead = 0
        self._tables = None
        if len(self._ids) >= _MIN_TABLE_ROWS:
            self._tables = _build_tables(self._codes, self.bits)
        self._buf_ids = np.empty(0, np.int64)
        self._buf_codes = np.empty((0, self._words), np.uint64)
        self._buf_len = 0
        self._buf_pos = {}
        self._borrowed = False

    def _as_codes(self, values: Iterable[int]) -> Codes:
        """Python ints to rows of big-endian uint64 words."""
        size = self.bits // 8
        try:
            raw = b"".join(int.to_bytes(v, size, "big") for v in values)
        except OverflowError:
            raise ValueError(f"values must be integers in [0, 2**{self.bits})") from None
        words = np.frombuffer(raw, dtype=">u8").astype(np.uint64)
        return words.reshape(-1, self._words)


def _as_ids(ids: Iterable[int]) -> Ids:
    try:
        return np.fromiter((operator.index(i) for i in ids), dtype=np.int64)
    except OverflowError:
        raise ValueError("item ids must fit in a signed 64-bit integer") from None


def _increasing(ids: Ids) -> bool:
    return bool(np.all(ids[1:] > ids[:-1]))


def _unique(ids: Ids) -> bool:
    """True when no id repeats (numpy's hash-based unique takes seconds on millions of ids)."""
    ordered = ids if _increasing(ids) else np.sort(ids)
    return not bool(np.any(ordered[1:] == ordered[:-1]))


def _bucket_order(
    keys: npt.NDArray[np.uint64], row_numbers: npt.NDArray[np.uint64], out: npt.NDArray[Any]
) -> None:
    """Row numbers sorted by chunk value, equal values in row order (a stable argsort), in ``out``.

    Sorting (value << 32 | row) as one uint64 is several times faster than numpy's stable
    argsort of the values and orders equal values by row just the same; ``keys`` is consumed.
    """
    keys <<= np.uint64(32)
    keys |= row_numbers
    keys.sort()
    keys &= np.uint64(0xFFFFFFFF)
    out[...] = keys


def _stack(parts: list[tuple[Rows, Rows, Dists]]) -> tuple[Rows, Rows, Dists]:
    empty = np.empty(0, np.int64)
    of_query, rows, dists = zip(*parts, strict=True) if parts else ([empty], [empty], [empty])
    return (
        np.concatenate(of_query).astype(np.int64),
        np.concatenate(rows).astype(np.int64),
        np.concatenate(dists).astype(np.int64),
    )


def _counting(size: int) -> Rows:
    """0, 1, ..., size - 1 as a read-only view of one shared array (grown when too short)."""
    global _COUNTING
    if len(_COUNTING) < size:
        grown = np.arange(max(size, 2 * len(_COUNTING)), dtype=np.int64)
        grown.flags.writeable = False
        _COUNTING = grown
    return _COUNTING[:size]


def _distances(
    codes: Codes, rows: npt.NDArray[np.integer[Any]], queries: Codes, of_query: Rows
) -> npt.NDArray[np.uint16]:
    """Hamming distance between codes[rows[i]] and queries[of_query[i]] for every i."""
    gathered = codes.take(rows, axis=0)
    # A gather of query rows, even all of one row, then a plain XOR: numpy broadcasts a short
    # row over a long array several times slower.
    gathered ^= queries.take(of_query, axis=0)
    counts = np.bitwise_count(gathered)
    # Column by column: numpy sums a short axis far slower than it adds a few columns.
    total = counts[:, 0].astype(np.uint16)
    for word in range(1, counts.shape[1]):
        total += counts[:, word]
    return total


def _query_keys(values: Sequence[int], layout: Sequence[tuple[int, int]]) -> npt.NDArray[np.int64]:
    """_chunk_values of Python ints from (shift, mask) pairs: cheaper for a few queries."""
    return np.array([[(v >> shift) & mask for shift, mask in layout] for v in values], np.int64)


def _chunk_layout(bits: int, rows: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(shift, width) of each chunk, most significant first.

    m = bits / log2(rows) chunks make buckets hold about one row each, which balances probes
    against candidates (Norouzi et al.); the width limits bound the offset tables' memory.
    Widths do not increase: the refined pigeonhole probes the first chunks with one flip more
    than the last ones, and a wider chunk's buckets are smaller, so the bits left over are
    taken from the last chunks, up to _NARROWING bits each.
    """
    target = min(max(math.log2(max(rows, 2)) + 1, _MIN_CHUNK_BITS), _MAX_CHUNK_BITS)
    count = math.ceil(bits / target - 0.25)
    wide = math.ceil(bits / count)
    widths = [wide] * count
    excess = wide * count - bits
    for c in reversed(range(count)):
        cut = min(_NARROWING, excess)
        widths[c] -= cut
        excess -= cut
    bounds = list(itertools.accumulate(widths, initial=0))
    shifts = tuple(bits - hi for hi in bounds[1:])
    return shifts, tuple(widths)


def _chunk_values(
    codes: Codes, shifts: Sequence[int], widths: Sequence[int]
) -> npt.NDArray[np.int64]:
    """Value of each chunk of each code: shape (rows, chunks)."""
    out = np.empty((len(codes), len(widths)), np.int64)
    for c, (shift, width) in enumerate(zip(shifts, widths, strict=True)):
        out[:, c] = _chunk_column(codes, shift, width)
    return out


def _chunk_column(codes: Codes, shift: int, width: int) -> npt.NDArray[np.uint64]:
    """Value of one chunk (bits [shift, shift + width) from the least significant) of each code."""
    bits = codes.shape[1] * 64
    word = (bits - 1 - shift) // 64
    value = codes[:, word] >> np.uint64(shift % 64)
    spill = shift % 64 + width - 64
    if spill > 0:
        value |= codes[:, word - 1] << np.uint64(64 - shift % 64)
    value &= np.uint64((1 << width) - 1)
    return value


def _build_tables(codes: Codes, bits: int) -> _Tables:
    rows = len(codes)
    shifts, widths = _chunk_layout(bits, rows)
    # Widest tables first, so that each table starts at a multiple of its own size.
    order = sorted(range(len(widths)), key=lambda c: -widths[c])
    base = _table_bases(widths)
    start = sum(1 << w for w in widths)
    # uint32 halves the tables whenever positions fit; a bank that large needs int64.
    position: type[np.integer[Any]] = np.uint32 if rows * len(widths) < (1 << 32) else np.int64
    offsets: npt.NDArray[np.integer[Any]] = np.empty(start + 1, position)
    offsets[-1] = rows * len(widths)
    row_type: type[np.integer[Any]] = np.uint32 if rows < (1 << 32) else np.int64
    perm: npt.NDArray[np.integer[Any]] = np.empty(rows * len(widths), row_type)
    row_numbers = np.arange(rows, dtype=np.uint64) if row_type is np.uint32 else None
    for slot, c in enumerate(order):
        keys = _chunk_column(codes, shifts[c], widths[c])
        counts = np.bincount(keys.view(np.int64), minlength=1 << widths[c])
        target = perm[slot * rows : (slot + 1) * rows]
        if row_numbers is None:
            target[...] = np.argsort(keys, kind="stable")
        else:
            _bucket_order(keys, row_numbers, target)
        table = offsets[base[c] : base[c] + (1 << widths[c])]
        table[0] = slot * rows
        table[1:] = np.cumsum(counts[:-1]) + slot * rows
    sorted_codes = codes.ravel().take(perm) if codes.shape[1] == 1 else None
    return _assemble_tables(shifts, widths, offsets, perm, sorted_codes)


def _table_bases(widths: Sequence[int]) -> tuple[int, ...]:
    """Where each chunk's table starts in the offsets: widest first, so each is aligned."""
    base_of: dict[int, int] = {}
    start = 0
    for c in sorted(range(len(widths)), key=lambda c: -widths[c]):
        base_of[c] = start
        start += 1 << widths[c]
    return tuple(base_of[c] for c in range(len(widths)))


def _assemble_tables(
    shifts: tuple[int, ...],
    widths: tuple[int, ...],
    offsets: npt.NDArray[np.integer[Any]],
    perm: npt.NDArray[np.integer[Any]],
    sorted_codes: Codes | None,
) -> _Tables:
    base = _table_bases(widths)
    if len(offsets) != sum(1 << w for w in widths) + 1:
        raise ValueError("offsets do not match the chunk layout")
    key_layout = tuple((shift, (1 << w) - 1) for shift, w in zip(shifts, widths, strict=True))
    shift_array, width_array = np.array(shifts, np.int64), np.array(widths, np.int64)
    return _Tables(
        shifts, widths, base, offsets, perm, sorted_codes, key_layout, shift_array, width_array
    )


def _chunk_radii(widths: Sequence[int], radius: int) -> list[int]:
    """Flips to probe per chunk; -1 means skip the chunk.

    Refined pigeonhole: with radius = s*m + a, a match has a chunk among the first a+1 within s
    bits or one among the rest within s-1 bits, or its distance would be at least radius+1.
    """
    s, a = divmod(radius, len(widths))
    return [min(s if c <= a else s - 1, w) for c, w in enumerate(widths)]


@lru_cache(maxsize=64)
def _probe_count(widths: tuple[int, ...], radius: int) -> int:
    return sum(
        sum(math.comb(w, k) for k in range(r + 1))
        for w, r in zip(widths, _chunk_radii(widths, radius), strict=True)
    )


@lru_cache(maxsize=64)
def _flip_masks(width: int, flips: int) -> npt.NDArray[np.int64]:
    """Every width-bit mask with at most ``flips`` bits set, by popcount."""
    masks = [
        sum(1 << b for b in chosen)
        for k in range(flips + 1)
        for chosen in itertools.combinations(range(width), k)
    ]
    return np.array(masks, dtype=np.int64)


@lru_cache(maxsize=64)
def _probe_plan(
    widths: tuple[int, ...], base: tuple[int, ...], radius: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For one radius: the chunk of every probe and the mask it XORs in (flips | table base)."""
    radii = _chunk_radii(widths, radius)
    masks = [_flip_masks(w, r) | b for w, r, b in zip(widths, radii, base, strict=True)]
    chunk_of_probe = np.repeat(np.arange(len(widths), dtype=np.int64), [len(m) for m in masks])
    return chunk_of_probe, np.concatenate(masks)
