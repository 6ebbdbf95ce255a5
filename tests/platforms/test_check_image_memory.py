"""H18: uploads are hashed by a bounded pool of memory-limited processes, not in the API process."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
from PIL import Image
from redis import Redis

from casework.settings import Settings
from hashing.images import MAX_IMAGE_PIXELS
from tests.conftest import SHARED, free_port
from tests.harness import encode, start_api, worker_environment
from tests.platformkeys import PlatformKeys, bearer

PHOTO = sorted((SHARED / "corpus" / "dev").glob("*.jpg"))[0]
#: What a pool process may add to its address space: a 640x480 photo needs ~10 MB.
MEMORY_MB = 256
#: ~34 bytes a pixel to hash: ~1.2 GB for this side, under the decoder's pixel cap.
HOSTILE_SIDE = 6000
#: The API process held 1.87 GB for one such upload when it hashed in itself; the pool's
#: processes are separate, so the API's own RSS grows by little more than the bodies it reads.
API_GROWTH_LIMIT_MB = 200
MB = 2**20


@dataclass
class Api:
    url: str
    process: psutil.Process


@pytest.fixture
def api(settings: Settings, redis: Redis, tmp_path: Path) -> Iterator[Api]:
    """`takedown api` in its own process: 2 hashing processes, 2 waiting places, 256 MB each."""
    port = free_port()
    env = worker_environment(settings) | {
        "TAKEDOWN_CHECK_IMAGE_PROCESSES": "2",
        "TAKEDOWN_CHECK_IMAGE_WAITING": "2",
        "TAKEDOWN_CHECK_IMAGE_MEMORY_MB": str(MEMORY_MB),
    }
    log = tmp_path / "api.log"
    process = start_api(env, port, log)
    url = f"http://127.0.0.1:{port}"
    yield Api(url, psutil.Process(process.pid))
    process.terminate()
    process.wait(timeout=60)
    assert "Traceback" not in log.read_text()


def hostile_png() -> bytes:
    """A 36-megapixel gradient: ~120 KB on the wire, under the pixel cap, ~1.2 GB to hash."""
    assert HOSTILE_SIDE**2 <= MAX_IMAGE_PIXELS
    gradient = Image.linear_gradient("L").resize((HOSTILE_SIDE, HOSTILE_SIDE))
    return encode(gradient.convert("RGB"), "PNG")


def upload(api: Api, token: str, body: bytes) -> httpx.Response:
    """POST the bytes to /v1/check/image with the key."""
    headers = {**bearer(token), "Content-Type": "application/octet-stream"}
    return httpx.post(f"{api.url}/v1/check/image", content=body, headers=headers, timeout=120)


class PeakRss:
    """The largest resident size of one process, sampled every 10 ms while in use."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.before = process.memory_info().rss
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)


def pool_processes(api: Api) -> list[psutil.Process]:
    """The API's hashing processes (spawned children; not multiprocessing's resource tracker)."""
    found = []
    for child in api.process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any("spawn_main" in part for part in child.cmdline()):
                found.append(child)
    return found


def at_work(api: Api, idle: dict[int, int]) -> psutil.Process | None:
    """A hashing process holding 50 MB more than it did idle (a 640x480 photo takes ~10 MB)."""
    for process in pool_processes(api):
        with contextlib.suppress(psutil.Error):
            if process.memory_info().rss > idle.get(process.pid, 0) + 50 * MB:
                return process
    return None


@pytest.mark.battery("H18")
def test_h18_eight_hostile_uploads_get_422_or_503_and_the_api_process_stays_small(
    api: Api, keys: PlatformKeys
) -> None:
    hostile = hostile_png()
    with PeakRss(api.process) as rss, ThreadPoolExecutor(8) as uploads:
        answers = list(uploads.map(lambda _: upload(api, keys.alpha, hostile), range(8)))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {422, 503}, statuses
    refused = [answer for answer in answers if answer.status_code == 503]
    assert refused, statuses
    assert all(answer.headers["Retry-After"].isdigit() for answer in refused)
    assert {answer.json()["error"]["code"] for answer in refused} == {"busy"}
    too_large = [answer for answer in answers if answer.status_code == 422]
    assert len(too_large) >= 2, statuses
    assert {answer.json()["error"]["code"] for answer in too_large} == {"image_too_large"}
    assert (rss.peak - rss.before) / MB < API_GROWTH_LIMIT_MB
    assert len(pool_processes(api)) <= 2
    # The processes that ran out of memory hash an ordinary photo afterwards.
    assert upload(api, keys.alpha, PHOTO.read_bytes()).status_code == 200


@pytest.mark.battery("H18")
def test_a_killed_hashing_process_is_replaced_and_uploads_are_answered_again(
    api: Api, keys: PlatformKeys
) -> None:
    photo = PHOTO.read_bytes()
    assert upload(api, keys.alpha, photo).status_code == 200
    [victim, *_] = pool_processes(api)
    victim.kill()
    victim.wait(10)
    # The pool may learn of the death while this upload waits (503) or before it is sent (a new
    # pool hashes it); either way the next upload is hashed, and nothing is a 500.
    statuses = [upload(api, keys.alpha, photo).status_code for _ in range(2)]
    assert statuses[-1] == 200 and set(statuses) <= {200, 503}, statuses
    assert victim.pid not in [process.pid for process in pool_processes(api)]


@pytest.mark.battery("H18")
def test_an_upload_whose_hashing_process_dies_answers_503_and_the_next_one_is_hashed(
    api: Api, keys: PlatformKeys
) -> None:
    photo = PHOTO.read_bytes()
    assert upload(api, keys.alpha, photo).status_code == 200
    idle = {process.pid: process.memory_info().rss for process in pool_processes(api)}
    with ThreadPoolExecutor(1) as background:
        hashing = background.submit(upload, api, keys.alpha, hostile_png())
        # Decoding 36 megapixels takes ~100 MB more than an idle process holds; the death of any
        # process of the pool fails the uploads in it.
        busy = None
        while busy is None and not hashing.done():
            busy = at_work(api, idle)
            time.sleep(0.01)
        assert busy is not None, "the upload was answered before its process was seen at work"
        busy.kill()
        answer = hashing.result()
    assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
    assert answer.json()["error"]["code"] == "unavailable"
    assert upload(api, keys.alpha, photo).status_code == 200
