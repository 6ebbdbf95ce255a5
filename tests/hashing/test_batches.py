"""The CLI's requests: whole photos, each entry naming its photo, under both limits."""

from __future__ import annotations

from typing import Any

from hashing.batches import Photo, next_batch


def photo(name: str, own: int, derived: int) -> Photo:
    entries: list[dict[str, Any]] = [
        {"algorithm": "md5", "value": f"{name}-own-{i}"} for i in range(own)
    ] + [{"algorithm": "pdq", "value": f"{name}-crop-{i}", "derived": True} for i in range(derived)]
    return Photo(name, name, tuple(entries), "protected")


def test_a_request_numbers_its_photos_and_never_splits_one() -> None:
    photos = [photo("a", 4, 14), photo("b", 4, 14), photo("c", 4, 14)]
    batch, entries = next_batch(photos, 40, set(), photos_per_request=100)
    assert [p.name for p in batch] == ["a", "b"]
    assert [e["photo"] for e in entries] == [0] * 18 + [1] * 18
    assert [e.get("derived", False) for e in entries[:18]] == [False] * 4 + [True] * 14


def test_the_photo_limit_ends_a_request_before_the_fingerprint_limit() -> None:
    photos = [photo(name, 2, 1) for name in "abcde"]
    batch, entries = next_batch(photos, 1000, set(), photos_per_request=2)
    assert [p.name for p in batch] == ["a", "b"]
    assert {e["photo"] for e in entries} == {0, 1}


def test_a_copy_left_with_crop_fingerprints_only_sends_nothing_and_takes_no_number() -> None:
    original = photo("a", 2, 2)
    copy = Photo(
        "copy",
        "copy",
        (*original.entries, {"algorithm": "pdq", "value": "x", "derived": True}),
        "protected",
    )
    later = photo("b", 1, 0)
    seen = {f"{e['algorithm']}:{e['value']}" for e in original.entries}
    batch, entries = next_batch([copy, later], 100, seen, photos_per_request=100)
    assert [p.name for p in batch] == ["copy", "b"]
    assert entries == [{"algorithm": "md5", "value": "b-own-0", "photo": 0}]
