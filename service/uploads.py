"""Uploads to check are hashed in a small pool of processes, each under an address-space limit.

Decoding and hashing an image inside the pixel caps can take gigabytes (~34 bytes a pixel); in
the API process that memory would be every request's. A pool process may grow by at most
``memory_bytes`` (RLIMIT_AS, as the worker's work horses may), at most ``processes`` uploads are
hashed at once, at most ``waiting`` more wait for a process, and any more are refused at once
(HashingBusy, 503) before their body is read.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

from casework.errors import HashingBusy, ImageTooLarge, Unavailable
from casework.memory import limit_address_space
from casework.platforms import checks
from hashing.videos import FOUND_VIDEO_LIMITS, VideoFingerprint, VideoRejected, hash_query_video

Hashed = tuple[list[checks.Query], str | None]
#: A video upload's fingerprints as found and mirrored, or the reason it has none.
VideoHashed = tuple[tuple[VideoFingerprint, ...], str | None]
_R = TypeVar("_R")


class UploadHasher:
    """The pool: created on the first upload, replaced when a process dies, closed at stop."""

    def __init__(self, *, processes: int, waiting: int, memory_bytes: int) -> None:
        self._processes = processes
        self._capacity = processes + waiting
        self._memory_bytes = memory_bytes
        self._admitted = 0
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @contextmanager
    def admission(self) -> Iterator[None]:
        """Hold one of the hashing and waiting places, or raise HashingBusy if none is free."""
        # Taken before the body is read, so refused uploads cost no memory either.
        with self._lock:
            if self._admitted >= self._capacity:
                raise HashingBusy()
            self._admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self._admitted -= 1

    async def hash(self, data: bytes) -> Hashed:
        """The upload's queries, hashed in a pool process; ImageTooLarge past the memory limit."""
        return await self._run(data, _hash_within_limit)

    async def hash_video(self, data: bytes) -> VideoHashed:
        """A video upload's fingerprints (as found, mirrored) or why none; ImageTooLarge past
        the memory limit."""
        return await self._run(data, _hash_video_within_limit)

    async def _run(self, data: bytes, work: Callable[[bytes], _R | None]) -> _R:
        pool, future = self._submit(data, work)
        try:
            hashed = await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # A process died (a decoder crash, a kill): its pool takes no more work.
            self._replace(pool)
            raise Unavailable("the process hashing this upload stopped; try again") from None
        if hashed is None:
            raise ImageTooLarge()
        return hashed

    def close(self) -> None:
        """Stop the pool's processes once the uploads being hashed are done."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(
        self, data: bytes, work: Callable[[bytes], _R]
    ) -> tuple[ProcessPoolExecutor, Future[_R]]:
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool()
            try:
                return self._pool, self._pool.submit(work, data)
            except BrokenProcessPool:
                # It broke while idle: this upload had no part in it and goes to a new pool.
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                return self._pool, self._pool.submit(work, data)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = self._new_pool()
        broken.shutdown(wait=False, cancel_futures=True)

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the API process has threads (the index keeper, the thread pool), and
        # a forked copy of a lock one of them held would never be released.
        return ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process,
            initargs=(self._memory_bytes,),
        )


def _start_process(memory_bytes: int) -> None:
    # The server's Ctrl-C reaches the whole process group; the pool is stopped by close().
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # This module's imports (the hashing libraries) are loaded by now and sit under the limit.
    limit_address_space(memory_bytes)


def _hash_within_limit(data: bytes) -> Hashed | None:
    """Hash in a pool process; None when the image needs more memory than the limit allows."""
    try:
        return checks.hash_upload(data)
    except MemoryError:
        return None


def _hash_video_within_limit(data: bytes) -> VideoHashed | None:
    """A video's fingerprints under the worker's caps; None past the memory limit."""
    try:
        return hash_query_video(data, limits=FOUND_VIDEO_LIMITS), None
    except VideoRejected as rejected:
        return (), f"{rejected.reason}: {rejected}"
    except MemoryError:
        return None
