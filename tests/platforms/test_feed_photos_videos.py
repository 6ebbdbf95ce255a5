"""The feed names each fingerprint's photo and carries victims' videos, withdrawals included."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import replace

from fastapi.testclient import TestClient
from threatexchange_takedown.exchange import (
    TakedownFeedCollabConfig,
    TakedownFeedCredentials,
    TakedownFeedEntry,
    TakedownFeedSignalExchangeAPI,
)

from casework.bank.banks import parse_feed_page
from casework.bank.fingerprints import SubmittedFingerprint
from casework.bank.videos import add_video
from casework.db import transaction
from casework.runtime import Runtime
from casework.victims import cases
from casework.victims.models import Case
from hashing.algorithms import sha256_of
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.videos import hash_video
from tests import videos
from tests.factories import random_fingerprint, submitted
from tests.platformkeys import PlatformKeys, bank_case, bearer, read_all, withdraw


def photo_items(
    photo: int, fingerprints: list[Fingerprint], *, derived: bool = False
) -> list[SubmittedFingerprint]:
    """A photo's fingerprints as a grouping client sends them."""
    return [replace(submitted(fp), photo=photo, derived=derived) for fp in fingerprints]


def open_photos(runtime: Runtime, items: list[SubmittedFingerprint]) -> Case:
    """A case opened through the domain."""
    with transaction(runtime.sessions) as session:
        return cases.open_case(
            session,
            fingerprints=items,
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        ).case


def by_photo(entries: list[dict[str, str]]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        grouped[entry["photo"]].add(entry["id"])
    return dict(grouped)


def test_every_fingerprint_of_a_photo_and_its_crops_names_the_photo_in_additions_and_removals(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(40)
    first_own = [random_fingerprint(a, rng) for a in Algorithm]
    first_crops = [random_fingerprint(a, rng) for a in (Algorithm.PDQ, Algorithm.PHASH) * 3]
    second_own = [random_fingerprint(a, rng) for a in Algorithm]
    case = open_photos(
        runtime,
        photo_items(0, first_own)
        + photo_items(0, first_crops, derived=True)
        + photo_items(1, second_own),
    )

    added, cursor = read_all(client, keys.alpha, limit=5)

    values = defaultdict(set)
    for entry in added:
        assert entry["op"] == "add" and entry["photo"]
        values[entry["photo"]].add(entry["value"])
    assert sorted(values.values(), key=len) == [
        {fp.hex for fp in second_own},
        {fp.hex for fp in first_own + first_crops},
    ]
    # Another platform's feed names the same photos with ids of its own.
    beta = read_all(client, keys.beta)[0]
    assert len(by_photo(beta)) == 2 and not set(by_photo(beta)) & set(values)

    withdraw(runtime, case)
    removed, _cursor = read_all(client, keys.alpha, cursor)

    assert {e["op"] for e in removed} == {"remove"} and len(removed) == len(added)
    assert by_photo(removed) == by_photo(added)


def test_fingerprints_sent_without_their_photo_are_each_a_photo_of_their_own(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(41)
    case = bank_case(runtime, [random_fingerprint(a, rng) for a in Algorithm])

    added, cursor = read_all(client, keys.alpha)
    withdraw(runtime, case)
    removed = read_all(client, keys.alpha, cursor)[0]

    assert len(by_photo(added)) == 4
    assert by_photo(removed) == by_photo(added)


def test_a_banked_video_is_a_vpdq_entry_sharing_its_files_photo_id_until_withdrawn(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    source = videos.source_video(0)
    digest = sha256_of(source)
    case = open_photos(runtime, photo_items(0, [digest]))
    text = hash_video(source).to_vpdq()
    with transaction(runtime.sessions) as session:
        assert add_video(
            session,
            case=session.get_one(Case, case.id),
            text=text,
            vault=runtime.vault,
            file_sha256=digest.hex,
        )

    added, cursor = read_all(client, keys.alpha)

    sha, video = added
    assert (sha["algorithm"], sha["value"]) == ("sha256", digest.hex)
    assert (video["op"], video["algorithm"], video["value"]) == ("add", "vpdq", text)
    assert video["photo"] == sha["photo"] and video["id"] != sha["id"]
    # The export's vpdq line holds the same text (python-threatexchange's VPDQSignal).
    export = client.get("/v1/feed/threatexchange", headers=bearer(keys.alpha)).text
    assert f"vpdq {text}" in export.splitlines()

    withdraw(runtime, case)
    removed = read_all(client, keys.alpha, cursor)[0]

    assert {(e["op"], e["id"], e["photo"]) for e in removed} == {
        ("remove", sha["id"], sha["photo"]),
        ("remove", video["id"], video["photo"]),
    }


def test_a_video_sent_without_its_files_digest_has_no_photo_id(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    case = bank_case(runtime, [random_fingerprint(Algorithm.PDQ, random.Random(42))])
    with transaction(runtime.sessions) as session:
        add_video(
            session,
            case=session.get_one(Case, case.id),
            text=hash_video(videos.source_video(1)).to_vpdq(),
            vault=runtime.vault,
        )

    entries = read_all(client, keys.alpha)[0]

    assert [(e["algorithm"], e["photo"] is None) for e in entries] == [
        ("pdq", False),
        ("vpdq", True),
    ]


def test_the_takedown_feed_exchange_keeps_the_photo_on_each_record_and_carries_videos(
    live_server: str, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(43)
    own = [random_fingerprint(a, rng) for a in (Algorithm.PDQ, Algorithm.SHA256)]
    crops = [random_fingerprint(Algorithm.PDQ, rng) for _ in range(3)]
    case = open_photos(runtime, photo_items(0, own) + photo_items(0, crops, derived=True))
    text = hash_video(videos.source_video(0)).to_vpdq()
    with transaction(runtime.sessions) as session:
        add_video(session, case=session.get_one(Case, case.id), text=text, vault=runtime.vault)
    collab = TakedownFeedCollabConfig(name="TAKEDOWN", instance_url=live_server)
    api = TakedownFeedSignalExchangeAPI.for_collab(
        collab, TakedownFeedCredentials(keys.gamma_feed_only)
    )
    state: dict[str, TakedownFeedEntry] = {}
    checkpoint = None
    for delta in api.fetch_iter([], checkpoint):
        TakedownFeedSignalExchangeAPI.naive_fetch_merge(state, delta.updates)
        checkpoint = delta.checkpoint

    records = list(state.values())
    # One record per fingerprint (HMA keeps one signal of a type per record), one photo id.
    photos = {r.photo for r in records if r.signal_type != "vpdq"}
    assert len(records) == 6 and len(photos) == 1 and None not in photos
    assert [(r.signal_type, r.signal) for r in records if r.signal_type == "vpdq"] == [
        ("vpdq", text)
    ]

    withdraw(runtime, case)
    for delta in api.fetch_iter([], checkpoint):
        TakedownFeedSignalExchangeAPI.naive_fetch_merge(state, delta.updates)

    assert state == {}


def test_a_federated_instance_skips_the_video_entries_of_the_feed_it_pulls(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    pdq = random_fingerprint(Algorithm.PDQ, random.Random(44))
    case = bank_case(runtime, [pdq])
    with transaction(runtime.sessions) as session:
        add_video(
            session,
            case=session.get_one(Case, case.id),
            text=hash_video(videos.source_video(0)).to_vpdq(),
            vault=runtime.vault,
        )
    page = client.get("/v1/feed", headers=bearer(keys.alpha)).content
    assert "vpdq" in {e["algorithm"] for e in json.loads(page)["entries"]}

    entries, _cursor, more = parse_feed_page(page)

    assert [(e.algorithm, e.value) for e in entries] == [(Algorithm.PDQ, pdq)] and not more
