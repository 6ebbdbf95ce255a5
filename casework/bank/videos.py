"""Victims' video fingerprints in the bank: vetting, storing, and each process's video index.

A video is one sealed vPDQ text per row (casework/victims/models.py, CaseVideo), with its
centre crops' texts beside it when the victim's device sent them. The index holds every usable
frame of every banked video and of its crops in one matrix and answers a query video with
vPDQ's rule per banked video, at our frame radius (hashing/videos.py): the share of the query's
usable frames within 48 bits of a frame of the banked video or of one of its crops, at least
80 %.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.bank.bank import record_changes
from casework.bank.models import BankOp
from casework.errors import CaseWithdrawn, InvalidFingerprints, ItemProblem, TooManyFingerprints
from casework.vault import Vault
from casework.victims.models import Case, CaseFingerprint, CaseStatus, CaseVideo
from hashing.algorithms import sha256_of
from hashing.crops import VIDEO_CROP_RULES
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint
from hashing.videos import (
    COMPARED_MATCH_PERCENT,
    FRAME_MATCH_RADIUS_BITS,
    MIN_USABLE_FRAMES,
    QUERY_MATCH_PERCENT,
    VideoFingerprint,
    frame_slots,
    frame_words,
    hamming,
    time_ranges,
)

#: A case's videos; each is up to three hours of frames.
MAX_VIDEOS_PER_CASE = 100


def vet_video(text: str) -> VideoFingerprint:
    """Parse a vPDQ text and refuse one matching could not use, raising InvalidFingerprints."""
    try:
        video = VideoFingerprint.from_vpdq(text)
    except InvalidFingerprint as error:
        raise InvalidFingerprints([ItemProblem(0, str(error))]) from None
    usable = len(video.usable())
    if usable < MIN_USABLE_FRAMES:
        raise InvalidFingerprints(
            [
                ItemProblem(
                    0,
                    f"{usable} distinct frames of pdq quality 50 or more; a video needs "
                    f"{MIN_USABLE_FRAMES} to be matched",
                )
            ]
        )
    return video


#: Crop fingerprints one video may bring: one per crop rule of the victim's device.
MAX_CROPS_PER_VIDEO = len(VIDEO_CROP_RULES)


def vet_crops(video: VideoFingerprint, texts: Sequence[str]) -> list[VideoFingerprint]:
    """Parse a video's crop fingerprints (numbered from 1 in problems: 0 is the video); a crop
    has no more frames than its video."""
    if len(texts) > MAX_CROPS_PER_VIDEO:
        raise TooManyFingerprints(f"a video brings at most {MAX_CROPS_PER_VIDEO} crops")
    crops: list[VideoFingerprint] = []
    problems: list[ItemProblem] = []
    for position, text in enumerate(texts, 1):
        try:
            crop = VideoFingerprint.from_vpdq(text)
        except InvalidFingerprint as error:
            problems.append(ItemProblem(position, f"crop: {error}"))
            continue
        if len(crop.frames) > len(video.frames):
            problems.append(ItemProblem(position, "crop: more frames than the video"))
            continue
        crops.append(crop)
    if problems:
        raise InvalidFingerprints(problems)
    return crops


def add_video(
    session: Session,
    *,
    case: Case,
    text: str,
    vault: Vault,
    crops: Sequence[str] = (),
    file_sha256: str | None = None,
) -> bool:
    """Bank a video fingerprint, and its crops', for an active case; False when the case already
    holds the video (its crops are then left as they were).

    ``file_sha256`` is the video file's SHA-256, which the case holds among its fingerprints
    when the client sent the file's digests: the video then takes their photo number, so the
    file counts as one video and not as a photo besides.
    """
    if case.status != CaseStatus.ACTIVE:
        raise CaseWithdrawn()
    video = vet_video(text)
    cut = vet_crops(video, crops)
    canonical = video.to_vpdq()
    mac = vault.mac(sha256_of(canonical.encode()))
    held = session.scalars(select(CaseVideo.value_mac).where(CaseVideo.case_id == case.id)).all()
    if mac in held:
        return False
    if len(held) >= MAX_VIDEOS_PER_CASE:
        raise TooManyFingerprints(f"a case holds at most {MAX_VIDEOS_PER_CASE} videos")
    row = CaseVideo(
        case_id=case.id,
        value_sealed=vault.seal_text(canonical),
        value_mac=mac,
        frames=len(video.frames),
        crops_sealed=(
            vault.seal_text(json.dumps([crop.to_vpdq() for crop in cut])) if cut else None
        ),
        photo=_digests_photo(session, case=case, file_sha256=file_sha256, vault=vault),
    )
    session.add(row)
    session.flush()
    record_changes(session, [(row, BankOp.ADD)])
    return True


def _digests_photo(
    session: Session, *, case: Case, file_sha256: str | None, vault: Vault
) -> int | None:
    """The photo number of the case's SHA-256 fingerprint ``file_sha256``, if it holds one."""
    if file_sha256 is None:
        return None
    try:
        digest = Fingerprint.parse(Algorithm.SHA256.value, file_sha256)
    except InvalidFingerprint as error:
        raise InvalidFingerprints([ItemProblem(0, str(error))]) from None
    return session.scalar(
        select(CaseFingerprint.photo).where(
            CaseFingerprint.case_id == case.id,
            CaseFingerprint.algorithm == Algorithm.SHA256.value,
            CaseFingerprint.value_mac == vault.mac(digest),
        )
    )


@dataclass(frozen=True)
class VideoHit:
    """A banked video that a query video matches (hashing/videos.py's rule)."""

    video_id: int
    case_id: int
    query_percent: float
    compared_percent: float
    query_ranges: tuple[tuple[float, float], ...]


class VideoBank:
    """One process's index of the banked videos of active cases.

    ``refresh`` reloads when the set of banked videos changed (their count, newest id or newest
    time of adding): videos are few next to image hashes, and a withdrawn case deletes its rows.
    The time counts because SQLite gives a new row the id of a deleted newest one.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, str] | None = None
        self._owners: list[tuple[int, int]] = []
        self._words = np.zeros((0, 4), dtype=np.uint64)
        self._video_of_frame = np.zeros(0, dtype=np.int64)
        #: Which of its video's own usable frames each frame is, or is a crop of (-1: none).
        self._slot_of_frame = np.zeros(0, dtype=np.int64)
        self._frames_per_video = np.zeros(0, dtype=np.int64)

    @property
    def loaded(self) -> bool:
        """True once the first load has completed."""
        return self._stamp is not None

    def __len__(self) -> int:
        return len(self._owners)

    def refresh(self, session: Session) -> None:
        """Bring the index up to the committed set of active cases' videos."""
        active = select(CaseVideo).join(Case).where(Case.status == CaseStatus.ACTIVE).subquery()
        count, newest, latest = session.execute(
            select(
                func.count(), func.coalesce(func.max(active.c.id), 0), func.max(active.c.created_at)
            )
        ).one()
        stamp = (int(count), int(newest), str(latest))
        with self._lock:
            if stamp == self._stamp:
                return
        rows = session.execute(
            select(CaseVideo.id, CaseVideo.case_id, CaseVideo.value_sealed, CaseVideo.crops_sealed)
            .join(Case)
            .where(Case.status == CaseStatus.ACTIVE)
            .order_by(CaseVideo.id)
        ).all()
        owners: list[tuple[int, int]] = []
        stacks: list[np.ndarray] = []
        own_counts: list[int] = []
        slots: list[np.ndarray] = []
        for video_id, case_id, sealed, crops_sealed in rows:
            frames = VideoFingerprint.from_vpdq(self._vault.open_text(sealed)).usable()
            if not frames:
                continue
            crops = json.loads(self._vault.open_text(crops_sealed)) if crops_sealed else []
            cut = [f for text in crops for f in VideoFingerprint.from_vpdq(text).usable()]
            owners.append((video_id, case_id))
            stacks.append(frame_words([*frames, *cut]))
            slots.append(frame_slots(frames, cut))
            own_counts.append(len(frames))
        counts = np.array([len(stack) for stack in stacks], dtype=np.int64)
        video_of_frame = np.repeat(np.arange(len(owners)), counts)
        slot_of_frame = np.concatenate([np.zeros(0, dtype=np.int64), *slots])
        with self._lock:
            self._owners = owners
            self._words = np.concatenate(stacks) if stacks else np.zeros((0, 4), dtype=np.uint64)
            self._frames_per_video = np.array(own_counts, dtype=np.int64)
            self._video_of_frame = video_of_frame
            self._slot_of_frame = slot_of_frame
            self._stamp = stamp

    def match(self, query: VideoFingerprint) -> list[VideoHit]:
        """Banked videos the query matches (vPDQ's rule at our frame radius, a banked video's crops
        counting as its frames), the largest query share first."""
        mine = query.usable()
        with self._lock:
            words, owners = self._words, self._owners
            video_of_frame, per_video = self._video_of_frame, self._frames_per_video
            slot_of_frame = self._slot_of_frame
        if not mine or not owners:
            return []
        ours = frame_words(mine)
        # hits[i, v]: query frame i is near some frame of banked video v.
        hits = np.zeros((len(mine), len(owners)), dtype=bool)
        banked_hit = np.zeros(len(words), dtype=bool)
        for start in range(0, len(words), _BANK_SLICE):
            close = hamming(ours, words[start : start + _BANK_SLICE]) <= FRAME_MATCH_RADIUS_BITS
            banked_hit[start : start + _BANK_SLICE] = close.any(axis=0)
            videos = video_of_frame[start : start + _BANK_SLICE]
            for column in np.unique(videos[close.any(axis=0)]):
                hits[:, column] |= close[:, videos == column].any(axis=1)
        query_percent = 100.0 * hits.sum(axis=0) / len(mine)
        # A banked frame counts once, whether it or crops of it were near.
        counted = banked_hit & (slot_of_frame >= 0)
        width = int(per_video.max()) + 1
        seen = np.unique(video_of_frame[counted] * width + slot_of_frame[counted])
        compared_percent = (
            100.0 * np.bincount(seen // width, minlength=len(owners)) / np.maximum(per_video, 1)
        )
        found = [
            VideoHit(
                video_id=owners[column][0],
                case_id=owners[column][1],
                query_percent=float(query_percent[column]),
                compared_percent=float(compared_percent[column]),
                query_ranges=time_ranges(
                    [frame.seconds for frame, hit in zip(mine, hits[:, column], strict=True) if hit]
                ),
            )
            for column in range(len(owners))
            if query_percent[column] >= QUERY_MATCH_PERCENT
            and compared_percent[column] >= COMPARED_MATCH_PERCENT
            and hits[:, column].any()
        ]
        return sorted(found, key=lambda hit: -hit.query_percent)

    def match_any(self, queries: Sequence[VideoFingerprint]) -> list[VideoHit]:
        """Hits of the best-matching query (a found video as it is and mirrored, say)."""
        best: list[VideoHit] = []
        for query in queries:
            found = self.match(query)
            if found and (not best or found[0].query_percent > best[0].query_percent):
                best = found
        return best


#: Query frames x this many banked frames of int32 distances at a time (44 MB for 3 hours).
_BANK_SLICE = 1024


def threatexchange_lines(session: Session, *, vault: Vault) -> Iterator[str]:
    """``vpdq <VPDQSignal text>`` lines of active cases' videos, distinct, oldest first.

    threatexchange's local_file exchange splits a line at its first space, so the JSON text's
    own spaces stay in the signal.
    """
    seen: set[bytes] = set()
    rows = session.execute(
        select(CaseVideo.value_mac, CaseVideo.value_sealed)
        .join(Case)
        .where(Case.status == CaseStatus.ACTIVE)
        .order_by(CaseVideo.id)
        .execution_options(yield_per=100)
    )
    for mac, sealed in rows:
        if mac not in seen:
            seen.add(mac)
            yield f"vpdq {vault.open_text(sealed)}\n"
