"""End to end: a victim reports a URL on a platform's domain, the `takedown worker` process
fetches and matches it, and the platform's webhook receives the signed match event."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from casework.db import transaction
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from hashing.fingerprint import Algorithm
from tests.conftest import SHARED
from tests.harness import ContentServer, WorkerProcess
from tests.platformkeys import bearer
from tests.receivers import Receiver

WAIT_SECONDS = 90


def test_a_reported_leak_on_a_platforms_domain_reaches_its_webhook_with_a_usable_token(
    live_server: str,
    runtime: Runtime,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    receiver: Receiver,
) -> None:
    photo = next(
        path
        for path in sorted((SHARED / "corpus" / "dev").glob("*.jpg"))
        if Algorithm.PDQ in {fp.algorithm for fp in hash_file(path.read_bytes()).fingerprints}
    )
    with transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session,
            name="loopback-host",
            domains=["127.0.0.1"],
            algorithms=platforms.parse_algorithms(None),
        )
        secret = platforms.set_webhook(
            session, vault=runtime.vault, platform=platform, url=receiver.url, require_https=False
        )
        key = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.OUTCOMES]
        ).token
    assert secret is not None
    image_url = content_server.add("/u/leak.jpg", "image/jpeg", photo.read_bytes())
    hashed = hash_file(photo.read_bytes())
    items = [
        {"algorithm": fp.algorithm.value, "value": fp.hex}
        | ({"quality": hashed.pdq_quality} if fp.algorithm is Algorithm.PDQ else {})
        for fp in hashed.fingerprints
    ]
    with httpx.Client(base_url=live_server, timeout=30) as api:
        opened = api.post("/v1/cases", json={"fingerprints": items}).json()
        auth = (opened["case_id"], opened["pin"])
        assert api.post("/v1/reports", json={"urls": [image_url]}, auth=auth).status_code == 202
        start_worker()
        deadline = time.monotonic() + WAIT_SECONDS
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.5)
        events = [json.loads(body) for _headers, body in receiver.received]
        found = [e for e in events if e["type"] == "match.found"]
        assert found, f"no match.found within {WAIT_SECONDS} s: {events}"
        assert found[0]["data"]["urls"] == [image_url]
        token = found[0]["data"]["match_token"]
        reported = api.post(
            "/v1/outcomes",
            json={"outcomes": [{"match_token": token, "outcome": "removed"}]},
            headers=bearer(key),
        )
        assert reported.status_code == 201, reported.text
