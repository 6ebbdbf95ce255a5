"""HammingIndex: exact radius search over fixed-length binary codes, in memory, pure numpy.

Design (multi-index hashing, Norouzi et al.): codes are cut into 16-bit chunks; each chunk has a
CSR table (rows sorted by chunk value plus an offset array over all 2**16 values). If two codes
are within r bits, some chunk is within floor(r/m) bits (pigeonhole), so probing every chunk
value within that many flips finds every match; candidates are then verified exactly with XOR and
popcount. Additions land in a small buffer that is scanned by brute force and removals in a
tombstone mask, both folded into the tables when they grow. When the probes or candidates would
cost more than a scan (large radius, small bank), the query scans instead, so every radius from 0
to ``bits`` is exact.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

_CHUNK_BITS = 16
_CHUNK_VALUES = 1 << _CHUNK_BITS
# All chunk values ordered by popcount: the XOR masks within k flips are a prefix of it.
_MASKS = np.argsort(np.bitwise_count(np.arange(_CHUNK_VALUES, dtype=np.uint16)), kind="stable")
_MASKS_WITHIN = np.concatenate(
    ([0], np.cumsum(np.bincount(np.bitwise_count(_MASKS.astype(np.uint16)))))
)
# A verified candidate costs a random gather; a scanned row a sequential read. Probing pays off
# only while it touches well under a full scan's worth of rows.
_CANDIDATE_COST = 4
_SCAN_BLOCK_ROWS = 1 << 16
_MIN_BUFFER = 4096
# Below this many rows a scan takes microseconds and the tables (2**16 offsets per chunk) would
# cost more memory than the codes themselves.
_MIN_TABLE_ROWS = 1024
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

Codes = npt.NDArray[np.uint64]
Ids = npt.NDArray[np.int64]
Rows = npt.NDArray[np.integer[Any]]
Hits = tuple[Rows, npt.NDArray[np.int64]]


class HammingIndex:
    """Item ids with ``bits``-bit codes; finds every item within a Hamming radius of a query.

    Not thread-safe for writers; build it, then share it read-only. It is never pickled:
    rebuild it from the database instead.
    """

    def __init__(self, bits: int) -> None:
        if bits <= 0 or bits % 64:
            raise ValueError(f"bits must be a positive multiple of 64, got {bits}")
        self.bits = bits
        self._words = bits // 64
        self._chunks = bits // _CHUNK_BITS
        # Merged part: rows in table order, CSR tables, tombstones, id lookup.
        self._ids: Ids = np.empty(0, np.int64)
        self._codes: Codes = np.empty((0, self._words), np.uint64)
        self._dead = np.empty(0, bool)
        self._n_dead = 0
        self._offsets = np.empty((self._chunks, 0), np.int64)
        self._perm = np.empty(0, np.int32)
        self._sorted_ids: Ids = np.empty(0, np.int64)
        self._sorted_rows = np.empty(0, np.int64)
        # Buffer of recent additions, scanned by brute force.
        self._buf_ids: Ids = np.empty(0, np.int64)
        self._buf_codes: Codes = np.empty((0, self._words), np.uint64)
        self._buf_len = 0
        self._buf_pos: dict[int, int] = {}

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

    def add(self, item_id: int, value: int) -> None:
        """Add one item; its id must not be in the index already."""
        self.add_many([item_id], [value])

    def add_many(self, ids: Sequence[int], values: Sequence[int]) -> None:
        """Add items in bulk (ids unique and not yet present); big batches rebuild the tables."""
        if len(ids) != len(values):
            raise ValueError(f"got {len(ids)} ids but {len(values)} values")
        new_ids = _as_ids(ids)
        new_codes = self._as_codes(values)
        if len(np.unique(new_ids)) != len(new_ids):
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
        """query() for each value in turn."""
        radius = operator.index(radius)
        if radius < 0:
            raise ValueError(f"radius must not be negative, got {radius}")
        # Every code is within `bits` of every other: a larger radius means the same.
        radius = min(radius, self.bits)
        queries = self._as_codes(values)
        return [self._query_one(q, radius) for q in queries]

    def _query_one(self, q: Codes, radius: int) -> list[tuple[int, int]]:
        found = self._probe_tables(q, radius)
        rows, dists = found if found is not None else self._scan_merged(q, radius)
        buf_dists = _distances(self._buf_codes[: self._buf_len], q)
        buf_rows = np.flatnonzero(buf_dists <= radius)
        ids = np.concatenate((self._ids[rows], self._buf_ids[buf_rows]))
        dists = np.concatenate((dists, buf_dists[buf_rows]))
        order = np.lexsort((ids, dists))
        return list(zip(ids[order].tolist(), dists[order].tolist(), strict=True))

    def _probe_tables(self, q: Codes, radius: int) -> Hits | None:
        """Live merged rows within radius via the chunk tables, or None when a scan is cheaper."""
        n = len(self._ids)
        if not len(self._perm) or _probe_count(self._chunks, radius) >= n:
            return None
        chunk_of_probe, masks = _probe_plan(self._chunks, radius)
        q_chunks = _chunk_values(q[np.newaxis, :], self._chunks)[0].astype(np.int64)
        probes = q_chunks[chunk_of_probe] ^ masks
        starts = self._offsets[chunk_of_probe, probes]
        lengths = self._offsets[chunk_of_probe, probes + 1] - starts
        total = int(lengths.sum())
        if len(probes) + _CANDIDATE_COST * total >= n:
            return None
        candidates = self._perm[_concat_ranges(starts + chunk_of_probe * n, lengths, total)]
        dists = _distances(self._codes[candidates], q)
        hit = (dists <= radius) & ~self._dead[candidates]
        # A code can be found through several chunks; keep each row once.
        rows, first = np.unique(candidates[hit], return_index=True)
        return rows, dists[hit][first]

    def _scan_merged(self, q: Codes, radius: int) -> Hits:
        """Live merged rows within radius by brute force, in blocks to bound memory."""
        rows: list[Rows] = [np.empty(0, np.intp)]
        dists: list[npt.NDArray[np.int64]] = [np.empty(0, np.int64)]
        for start in range(0, len(self._ids), _SCAN_BLOCK_ROWS):
            block = _distances(self._codes[start : start + _SCAN_BLOCK_ROWS], q)
            found = np.flatnonzero((block <= radius) & ~self._dead[start : start + len(block)])
            rows.append(found + start)
            dists.append(block[found])
        return np.concatenate(rows), np.concatenate(dists)

    def _first_present(self, ids: Ids) -> int | None:
        """One of ``ids`` that is already in the index, if any."""
        in_buffer = self._buf_pos.keys() & set(ids.tolist()) if self._buf_pos else set()
        if in_buffer:
            return min(in_buffer)
        if not len(self._sorted_ids):
            return None
        at = np.searchsorted(self._sorted_ids, ids).clip(max=len(self._sorted_ids) - 1)
        present = (self._sorted_ids[at] == ids) & ~self._dead[self._sorted_rows[at]]
        return int(ids[present.argmax()]) if present.any() else None

    def _merged_row(self, item_id: int) -> int | None:
        if not _INT64_MIN <= item_id <= _INT64_MAX:
            return None
        at = int(np.searchsorted(self._sorted_ids, item_id))
        if at == len(self._sorted_ids) or self._sorted_ids[at] != item_id:
            return None
        row = int(self._sorted_rows[at])
        return None if self._dead[row] else row

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
        self._ids, self._codes = ids, codes
        self._dead = np.zeros(len(ids), bool)
        self._n_dead = 0
        if len(ids) >= _MIN_TABLE_ROWS:
            self._perm, self._offsets = _chunk_tables(_chunk_values(codes, self._chunks))
        else:
            self._perm = np.empty(0, np.int32)
            self._offsets = np.empty((self._chunks, 0), np.int64)
        self._sorted_rows = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[self._sorted_rows]
        self._buf_ids = np.empty(0, np.int64)
        self._buf_codes = np.empty((0, self._words), np.uint64)
        self._buf_len = 0
        self._buf_pos = {}

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


def _distances(codes: Codes, q: Codes) -> npt.NDArray[np.int64]:
    counts: npt.NDArray[np.int64] = np.bitwise_count(codes ^ q).sum(axis=1, dtype=np.int64)
    return counts


def _chunk_values(codes: Codes, chunks: int) -> npt.NDArray[np.uint16]:
    """16-bit chunks of each code, most significant first: shape (rows, chunks)."""
    big_endian = codes.astype(">u8")
    return big_endian.view(">u2").reshape(len(codes), chunks).astype(np.uint16)


def _chunk_tables(
    chunks: npt.NDArray[np.uint16],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """CSR tables: per chunk, rows sorted by chunk value (flattened) and offsets by value."""
    rows, count = chunks.shape[0], chunks.shape[1]
    # int32 row numbers halve the tables; a bank of 2**31 codes would not fit in memory anyway.
    perm = np.empty((count, rows), np.int32)
    offsets = np.zeros((count, _CHUNK_VALUES + 1), np.int64)
    for c in range(count):
        perm[c] = np.argsort(chunks[:, c], kind="stable")
        np.cumsum(np.bincount(chunks[:, c], minlength=_CHUNK_VALUES), out=offsets[c, 1:])
    return perm.ravel(), offsets


def _chunk_radii(chunks: int, radius: int) -> list[int]:
    """Flips to probe per chunk; -1 means skip the chunk.

    Refined pigeonhole: with radius = s*m + a, a match has a chunk among the first a+1 within s
    bits or one among the rest within s-1 bits, or its distance would be at least radius+1.
    """
    s, a = divmod(radius, chunks)
    return [min(s if c <= a else s - 1, _CHUNK_BITS) for c in range(chunks)]


def _probe_count(chunks: int, radius: int) -> int:
    return sum(int(_MASKS_WITHIN[k + 1]) for k in _chunk_radii(chunks, radius))


@lru_cache(maxsize=64)
def _probe_plan(chunks: int, radius: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For one radius: the chunk of every probe and the XOR mask it applies."""
    counts = [int(_MASKS_WITHIN[k + 1]) for k in _chunk_radii(chunks, radius)]
    chunk_of_probe = np.repeat(np.arange(chunks, dtype=np.int64), counts)
    masks = np.concatenate([_MASKS[:count] for count in counts]).astype(np.int64)
    return chunk_of_probe, masks


def _concat_ranges(
    starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64], total: int
) -> npt.NDArray[np.int64]:
    """Concatenation of range(start, start + length) for each pair, vectorised."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)
