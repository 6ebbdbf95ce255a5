"""An upload being hashed holds no transaction: other writes, and the key's other checks, go on."""

from __future__ import annotations

import asyncio
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from casework.runtime import Runtime
from hashing.algorithms import hash_file
from service.uploads import Hashed, UploadHasher
from tests.conftest import SHARED
from tests.factories import image_set, wire
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index

PHOTO = sorted((SHARED / "corpus" / "dev").glob("*.jpg"))[0]
#: Far below the 30 s SQLite busy timeout and the minutes a hostile image can take to hash.
OTHER_REQUEST_SECONDS = 10


@pytest.mark.battery("F14")
def test_a_case_opens_and_the_same_keys_checks_answer_while_an_upload_is_being_hashed(
    live_server: str, runtime: Runtime, keys: PlatformKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = Path(PHOTO).read_bytes()
    bank_case(runtime, list(hash_file(upload).fingerprints))
    refresh_index(runtime)
    hashing, release = threading.Event(), threading.Event()
    hash_upload = UploadHasher.hash

    async def held_hashing(hasher: UploadHasher, data: bytes) -> Hashed:
        # Stands for a hostile image that takes minutes to hash; the database is the real one.
        hashing.set()
        await asyncio.to_thread(release.wait, 60)
        return await hash_upload(hasher, data)

    monkeypatch.setattr(UploadHasher, "hash", held_hashing)
    headers = {**bearer(keys.alpha), "Content-Type": "application/octet-stream"}
    with ThreadPoolExecutor(1) as background:
        # A fresh key: its first use writes last_used_at, the write that used to be held.
        checking = background.submit(
            httpx.post,
            f"{live_server}/v1/check/image",
            content=upload,
            headers=headers,
            timeout=60,
        )
        try:
            assert hashing.wait(10)
            with httpx.Client(base_url=live_server, timeout=OTHER_REQUEST_SECONDS) as other:
                fingerprints = wire(image_set(random.Random(7), 1))
                same_key = other.post("/v1/check", json=fingerprints, headers=bearer(keys.alpha))
                opened = other.post("/v1/cases", json=fingerprints)
                status = other.get(
                    "/v1/case", auth=(opened.json()["case_id"], opened.json()["pin"])
                )
        finally:
            release.set()
        answered = checking.result()
    assert same_key.status_code == 200
    assert opened.status_code == 201 and status.status_code == 200
    assert answered.status_code == 200 and answered.json()["verdict"] == "match"
