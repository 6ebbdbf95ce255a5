"""The takedown_feed exchange (integrations/threatexchange_takedown) in process, over real HTTP.

What threatexchange and HMA rely on: deltas in feed order from a stored cursor, a tombstone as a
``None`` update, signals only of types they know, and checkpoints, configs and credentials that
survive the JSON form HMA stores them in.
"""

from __future__ import annotations

import random

import pytest
from threatexchange.exchanges.auth import SignalExchangeAPIInvalidAuthException
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.utils import dataclass_json
from threatexchange_takedown import TX_MANIFEST, exchange
from threatexchange_takedown.exchange import (
    TakedownFeedCheckpoint,
    TakedownFeedCollabConfig,
    TakedownFeedCredentials,
    TakedownFeedEntry,
    TakedownFeedSignalExchangeAPI,
)
from threatexchange_takedown.signals import PhotoMD5Signal, PhotoSHA256Signal

from casework.runtime import Runtime
from hashing.fingerprint import Algorithm, Fingerprint
from tests.factories import random_fingerprint
from tests.platformkeys import PlatformKeys, bank_case, withdraw

KNOWN = [PdqSignal, PhotoMD5Signal, PhotoSHA256Signal]
TYPE_NAMES = {Algorithm.PDQ: "pdq", Algorithm.MD5: "photo_md5", Algorithm.SHA256: "photo_sha256"}


def client(url: str, key: str) -> TakedownFeedSignalExchangeAPI:
    collab = TakedownFeedCollabConfig(name="TAKEDOWN", instance_url=url)
    return TakedownFeedSignalExchangeAPI.for_collab(collab, TakedownFeedCredentials(key))


def fetch(
    api: TakedownFeedSignalExchangeAPI,
    state: dict[str, TakedownFeedEntry],
    checkpoint: TakedownFeedCheckpoint | None,
) -> tuple[TakedownFeedCheckpoint | None, int]:
    """Merge every delta into ``state`` as the CLI does; the last checkpoint and the delta count."""
    deltas = 0
    for delta in api.fetch_iter(KNOWN, checkpoint):
        TakedownFeedSignalExchangeAPI.naive_fetch_merge(state, delta.updates)
        checkpoint = delta.checkpoint
        deltas += 1
    return checkpoint, deltas


def signals(api: TakedownFeedSignalExchangeAPI, state: dict[str, TakedownFeedEntry]) -> set[str]:
    converted = TakedownFeedSignalExchangeAPI.naive_convert_to_signal_type(KNOWN, api.collab, state)
    return {f"{st.get_name()} {value}" for st, values in converted.items() for value in values}


def expected(fingerprints: list[Fingerprint]) -> set[str]:
    return {
        f"{TYPE_NAMES[fp.algorithm]} {fp.hex}" for fp in fingerprints if fp.algorithm in TYPE_NAMES
    }


def test_the_exchange_pages_from_its_cursor_and_a_tombstone_deletes_what_its_id_added(
    live_server: str, runtime: Runtime, keys: PlatformKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "PAGE_SIZE", 3)
    rng = random.Random(30)
    kept = [random_fingerprint(a, rng) for a in Algorithm]
    gone = [random_fingerprint(a, rng) for a in Algorithm]
    bank_case(runtime, kept)
    case = bank_case(runtime, gone)
    api = client(live_server, keys.gamma_feed_only)
    state: dict[str, TakedownFeedEntry] = {}
    checkpoint, deltas = fetch(api, state, None)
    assert deltas == 3  # 8 changes, 3 a page
    assert signals(api, state) == expected(kept + gone)  # pHash left out
    assert checkpoint is not None
    stored = dataclass_json.dataclass_dumps(checkpoint)
    assert dataclass_json.dataclass_loads(stored, TakedownFeedCheckpoint) == checkpoint

    withdraw(runtime, case)
    resumed = dataclass_json.dataclass_loads(stored, TakedownFeedCheckpoint)
    removals: dict[str, TakedownFeedEntry | None] = {}
    for delta in api.fetch_iter(KNOWN, resumed):
        removals.update(delta.updates)
    assert len(removals) == 3 and set(removals.values()) == {None}
    TakedownFeedSignalExchangeAPI.naive_fetch_merge(state, removals)
    assert signals(api, state) == expected(kept)
    # The same cursor again (a fetch that died before saving its checkpoint): the same end state.
    fetch(api, state, dataclass_json.dataclass_loads(stored, TakedownFeedCheckpoint))
    assert signals(api, state) == expected(kept)


def test_signals_of_types_the_reader_lacks_are_left_out_and_invalid_values_dropped() -> None:
    collab = TakedownFeedCollabConfig(name="TAKEDOWN", instance_url="https://takedown.example")
    fetched = {
        "a": TakedownFeedEntry("pdq", "f" * 64),
        "b": TakedownFeedEntry("photo_md5", "d41d8cd98f00b204e9800998ecf8427e"),
        "c": TakedownFeedEntry("photo_sha256", "not hex"),
    }
    converted = TakedownFeedSignalExchangeAPI.naive_convert_to_signal_type(
        [PdqSignal, VideoMD5Signal, PhotoSHA256Signal], collab, fetched
    )
    assert converted == {PdqSignal: {"f" * 64: fetched["a"]}}


def test_a_key_without_the_feed_scope_fails_the_fetch_as_invalid_auth(
    live_server: str, keys: PlatformKeys
) -> None:
    api = client(live_server, keys.alpha_check_only)
    with pytest.raises(SignalExchangeAPIInvalidAuthException) as refused:
        list(api.fetch_iter(KNOWN, None))
    assert "(403)" in refused.value.message
    assert keys.alpha_check_only not in refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://takedown.example.org",
        "ftp://takedown.example.org",
        "https://user:pw@takedown.example.org",
        "https://takedown.example.org/?key=td_x",
        "takedown.example.org",
    ],
)
def test_the_key_is_never_sent_in_clear_to_another_machine_nor_put_in_a_url(url: str) -> None:
    with pytest.raises(ValueError, match="instance_url"):
        client(url, "td_a_b")


def test_hma_stores_the_config_and_the_credentials_as_json_and_gets_them_back() -> None:
    collab = TakedownFeedCollabConfig(name="TAKEDOWN", instance_url="https://takedown.example/")
    as_json = dataclass_json.dataclass_dump_dict(collab)
    assert as_json["api"] == "takedown_feed"
    assert dataclass_json.dataclass_load_dict(as_json, TakedownFeedCollabConfig) == collab
    credentials = dataclass_json.dataclass_load_dict(
        {"feed_key": "td_a_b"}, TakedownFeedCredentials
    )
    assert credentials.feed_key == "td_a_b"
    assert not TakedownFeedCredentials("not a key")._are_valid()
    assert client("https://takedown.example/", "td_a_b").base_url == "https://takedown.example"
    assert [api.get_name() for api in TX_MANIFEST.apis] == ["takedown_feed"]
