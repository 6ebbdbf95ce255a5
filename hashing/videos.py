"""vPDQ video fingerprints: a PDQ hash and quality per sampled frame, with its timestamp.

Compatible with Meta's vPDQ (ThreatExchange ``vpdq/``, python-threatexchange's ``vpdq`` signal):

- frames are decoded in order and frame number ``n`` is hashed when ``n % int(rate) == 0``
  (``int(seconds_per_hash * frame_rate)``, at least 1), its timestamp ``n / rate``, where the
  rate is the stream's average frame rate (its real base rate when that is unknown);
- each hashed frame is converted to RGB24 at its own size with swscale's area filter and the
  BT.601 matrix (vpdq calls ``sws_getContext`` without colour details, which means BT.601) and
  hashed with PDQ at full resolution, as vpdq's ``PDQFrameBufferHasher`` does;
- every sampled frame is kept, low quality ones too: vpdq collapses nothing when hashing; at
  matching time both sides drop repeated hashes and frames under quality 50 (``dedupe`` and
  ``quality_filter`` in python-threatexchange's ``vpdq_brute_matcher``);
- the text form is python-threatexchange's ``VPDQSignal`` string: a JSON list of
  ``"<pdq hex>,<quality>,<seconds>"``.

Two departures from vPDQ, both for leaks vPDQ misses (benchmarks/README.md, videos): the victim's
side also fingerprints centre crops of every sampled frame (hashing/crops.py's
VIDEO_CROP_RULES, each crop a vPDQ fingerprint of its own), and a query frame matches a banked
one within 48 bits rather than 31.

Decoding takes bytes in memory and is bounded: a container allowlist checked from the magic
bytes (FFmpeg is never asked to guess, so playlist and concat demuxers that open other files or
URLs are never reached), and caps on resolution, duration and decoded frames. Failures raise
VideoRejected with a machine-readable reason.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np
import pdqhash

from hashing.algorithms import degeneracy, md5_of, sha256_of
from hashing.crops import VIDEO_CROP_RULES, video_crop_boxes
from hashing.deferred_imports import deferred
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint
from hashing.translations import gettext

if TYPE_CHECKING:
    import av
else:
    av = deferred("av")

#: python-threatexchange's name for a vPDQ fingerprint (VPDQSignal), as the wire, the feed and
#: the export name it.
VPDQ = "vpdq"
#: python-threatexchange vpdq_util: VPDQ_DISTANCE_THRESHOLD, VPDQ_QUALITY_THRESHOLD,
#: VPDQ_QUERY_MATCH_THRESHOLD_PERCENT and VPDQ_INDEX_MATCH_THRESHOLD_PERCENT.
VPDQ_FRAME_RADIUS_BITS = 31
#: vPDQ's 31 bits lose a frame with a corner logo (a median 36 bits away); 48 keeps 90 % of such
#: frames while the closest frame of an unrelated test video stays 84 bits away, and a video
#: match still needs 80 % of its frames (benchmarks/README.md, videos).
FRAME_MATCH_RADIUS_BITS = 48
FRAME_QUALITY_MIN = 50
QUERY_MATCH_PERCENT = 80.0
COMPARED_MATCH_PERCENT = 0.0
SECONDS_PER_HASH = 1.0
#: Fewer usable frames than this is a still image or a flash, not a video to match on its own.
MIN_USABLE_FRAMES = 2

#: 4K UHD: a phone's largest recording size.
MAX_VIDEO_PIXELS = 3840 * 2160
MAX_VIDEO_SECONDS = 3 * 3600
#: Three hours at 60 frames a second; a stream that claims a low rate and then decodes far more
#: frames than its duration allows is stopped here.
MAX_VIDEO_FRAMES = 3 * 3600 * 60
MIN_VIDEO_SIDE = 16
#: What is read of a video found on the web or uploaded to a platform's check: 64 MiB of bytes
#: (the fetcher's max_video_bytes), HD frames, an hour.
FOUND_VIDEO_MAX_BYTES = 64 * 1024 * 1024

VideoRejectionReason = Literal[
    "unsupported_format", "decode_error", "too_large", "too_long", "too_small", "no_frames"
]


class VideoRejected(ValueError):
    """Bytes that will not be decoded as a video; ``reason`` says why in one word."""

    def __init__(self, reason: VideoRejectionReason, message: str) -> None:
        super().__init__(message)
        self.reason: VideoRejectionReason = reason


@dataclass(frozen=True, slots=True)
class VideoLimits:
    """How much one video may make us decode."""

    max_pixels: int = MAX_VIDEO_PIXELS
    max_seconds: float = MAX_VIDEO_SECONDS
    max_frames: int = MAX_VIDEO_FRAMES


@dataclass(frozen=True, slots=True)
class FrameHash:
    """The PDQ hash and quality of one sampled frame, and where it is in the video."""

    pdq: Fingerprint
    quality: int
    seconds: float

    def __post_init__(self) -> None:
        if self.pdq.algorithm is not Algorithm.PDQ:
            raise InvalidFingerprint("a video frame hash is a pdq fingerprint")
        if not 0 <= self.quality <= 100:
            raise InvalidFingerprint("a frame's pdq quality is between 0 and 100")
        if not 0 <= self.seconds < 1e7:
            raise InvalidFingerprint("a frame's timestamp is between 0 and 10,000,000 seconds")

    def __str__(self) -> str:
        return f"{self.pdq.hex},{self.quality},{self.seconds:.3f}"

    @classmethod
    def parse(cls, text: str) -> FrameHash:
        """Parse one ``"<pdq hex>,<quality>,<seconds>"`` entry, raising InvalidFingerprint."""
        parts = text.split(",")
        if len(parts) != 3:
            raise InvalidFingerprint("a frame is '<pdq hex>,<quality>,<seconds>'")
        hex_value, quality, seconds = parts
        try:
            return cls(Fingerprint.parse("pdq", hex_value), int(quality), float(seconds))
        except ValueError as error:
            raise InvalidFingerprint(
                f"a frame is '<pdq hex>,<quality>,<seconds>': {error}"
            ) from None


@dataclass(frozen=True, slots=True)
class VideoFingerprint:
    """A video's vPDQ fingerprint: its sampled frames in time order."""

    frames: tuple[FrameHash, ...]

    @property
    def seconds(self) -> float:
        """The timestamp of the last sampled frame (0 for an empty fingerprint)."""
        return self.frames[-1].seconds if self.frames else 0.0

    def to_vpdq(self) -> str:
        """python-threatexchange's VPDQSignal string for these frames."""
        return json.dumps([str(frame) for frame in self.frames])

    @classmethod
    def from_vpdq(cls, text: str, *, max_frames: int = MAX_VIDEO_FRAMES) -> VideoFingerprint:
        """Parse a VPDQSignal string, raising InvalidFingerprint with the reason."""
        try:
            entries = json.loads(text)
        except ValueError:
            raise InvalidFingerprint("a vpdq fingerprint is a JSON list of frames") from None
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise InvalidFingerprint("a vpdq fingerprint is a JSON list of frame strings")
        if len(entries) > max_frames:
            raise InvalidFingerprint(f"a vpdq fingerprint has at most {max_frames} frames")
        return cls(tuple(FrameHash.parse(entry) for entry in entries))

    def usable(self) -> list[FrameHash]:
        """The frames matching looks at: quality at least 50, each distinct hash once."""
        seen: set[Fingerprint] = set()
        kept = []
        for frame in self.frames:
            if frame.quality >= FRAME_QUALITY_MIN and frame.pdq not in seen:
                seen.add(frame.pdq)
                kept.append(frame)
        return kept

    def __repr__(self) -> str:
        # Hash values are sensitive: keep them out of reprs that end up in logs and tracebacks.
        return f"VideoFingerprint(<{len(self.frames)} frames>)"


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of a query video and of a compared video match, frame by frame.

    ``query_percent`` is the share of the query's usable frames within the frame radius of some
    usable frame of the other, ``compared_percent`` the converse; ``query_ranges`` are the spans
    (first and last timestamp, in seconds) of consecutive matching query frames.
    """

    query_percent: float
    compared_percent: float
    query_ranges: tuple[tuple[float, float], ...]

    @property
    def matched(self) -> bool:
        """vPDQ's rule: both shares at least their thresholds and at least one frame matched."""
        return (
            self.query_percent >= QUERY_MATCH_PERCENT
            and self.compared_percent >= COMPARED_MATCH_PERCENT
            and bool(self.query_ranges)
        )


#: The caps for videos found on the web or uploaded to check (the worker's and the API's).
FOUND_VIDEO_LIMITS = VideoLimits(max_pixels=1920 * 1088, max_seconds=3600, max_frames=3600 * 60)


def compare_videos(
    query: VideoFingerprint,
    compared: VideoFingerprint,
    crops: Sequence[VideoFingerprint] = (),
    *,
    radius: int = FRAME_MATCH_RADIUS_BITS,
) -> VideoMatch:
    """vPDQ's brute-force comparison of two fingerprints (vpdq_brute_matcher), with time ranges.

    A query frame also matches when it is near a frame of one of ``crops`` (the compared video's
    crop fingerprints); ``compared_percent`` is over the compared video's own usable frames, one
    counting when it or a crop of it (the crop frame at its timestamp) is near a query frame.
    ``radius`` is the frame radius (VPDQ_FRAME_RADIUS_BITS gives vPDQ's own verdict).
    """
    mine, theirs = query.usable(), compared.usable()
    if not mine or not theirs:
        return VideoMatch(0.0, 0.0, ())
    cropped = [frame for crop in crops for frame in crop.usable()]
    ours, other = frame_words(mine), frame_words([*theirs, *cropped])
    slots = frame_slots(theirs, cropped)
    query_hits = np.zeros(len(mine), dtype=bool)
    compared_hits = np.zeros(len(theirs), dtype=bool)
    # In slices of the query, so two three-hour fingerprints need megabytes, not a gigabyte.
    for start in range(0, len(mine), _SLICE):
        close = hamming(ours[start : start + _SLICE], other) <= radius
        query_hits[start : start + _SLICE] = close.any(axis=1)
        near = close.any(axis=0)
        compared_hits[slots[near & (slots >= 0)]] = True
    return VideoMatch(
        100.0 * float(query_hits.sum()) / len(mine),
        100.0 * float(compared_hits.sum()) / len(theirs),
        time_ranges([frame.seconds for frame, hit in zip(mine, query_hits, strict=True) if hit]),
    )


def time_ranges(
    seconds: Sequence[float], gap: float = 2.5 * SECONDS_PER_HASH
) -> tuple[tuple[float, float], ...]:
    """Spans of sorted timestamps, a new span wherever two are more than ``gap`` apart."""
    spans: list[tuple[float, float]] = []
    for second in sorted(seconds):
        if spans and second - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], second)
        else:
            spans.append((second, second))
    return tuple(spans)


def clock(seconds: float) -> str:
    """A timestamp as mm:ss (h:mm:ss from an hour on), as notices and the console show it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def hash_video(
    data: bytes,
    *,
    limits: VideoLimits = VideoLimits(),
    progress: Callable[[float, float], None] | None = None,
) -> VideoFingerprint:
    """The vPDQ fingerprint of a video held in memory, or VideoRejected.

    ``progress(seconds_done, seconds_total)`` is called after each sampled frame; the total is
    the container's stated duration (0 when it states none).
    """
    frames = [
        FrameHash(_pdq(vector), int(quality), seconds)
        for (vector, quality), seconds in _sampled(data, limits, progress, pdqhash.compute)
    ]
    return VideoFingerprint(tuple(frames))


def frame_slots(frames: Sequence[FrameHash], cropped: Sequence[FrameHash]) -> np.ndarray:
    """For ``frames`` then ``cropped``, the position among ``frames`` each stands for: its own,
    or a crop frame's at its timestamp (-1 when that frame is not among ``frames``)."""
    at = {frame.seconds: position for position, frame in enumerate(frames)}
    return np.array(
        [*range(len(frames)), *(at.get(frame.seconds, -1) for frame in cropped)], dtype=np.int64
    )


@dataclass(frozen=True, slots=True)
class BankVideo:
    """A victim's video: its vPDQ fingerprint and one per crop rule (the same frames, cropped)."""

    video: VideoFingerprint
    crops: tuple[VideoFingerprint, ...]


def hash_bank_video(
    data: bytes,
    *,
    limits: VideoLimits = VideoLimits(),
    progress: Callable[[float, float], None] | None = None,
) -> BankVideo:
    """The vPDQ fingerprint of a victim's video and of its frames cut by VIDEO_CROP_RULES.

    A rule whose cut is too small to hash or cuts nothing (hashing/crops.py video_crop_boxes)
    leaves that frame out of its crop; a crop with no frames is left out.
    """
    sampled = _sampled(data, limits, progress, _with_crops)
    whole = VideoFingerprint(
        tuple(FrameHash(_pdq(vector), int(quality), at) for ((vector, quality), _), at in sampled)
    )
    crops = []
    for rule in range(len(VIDEO_CROP_RULES)):
        frames = tuple(
            FrameHash(_pdq(cut[0]), int(cut[1]), at)
            for (_, cuts), at in sampled
            if (cut := cuts[rule]) is not None
        )
        if frames:
            crops.append(VideoFingerprint(frames))
    return BankVideo(whole, tuple(crops))


def _with_crops(
    rgb: np.ndarray,
) -> tuple[tuple[np.ndarray, float], list[tuple[np.ndarray, float] | None]]:
    """PDQ of the frame and of each crop rule's cut of it (None: it cuts nothing, or too much)."""
    height, width = rgb.shape[:2]
    cuts: list[tuple[np.ndarray, float] | None] = []
    for box in video_crop_boxes(width, height):
        if box is None:
            cuts.append(None)
            continue
        left, top, right, bottom = box
        cuts.append(pdqhash.compute(np.ascontiguousarray(rgb[top:bottom, left:right])))
    return pdqhash.compute(rgb), cuts


def hash_query_video(
    data: bytes, *, limits: VideoLimits = VideoLimits()
) -> tuple[VideoFingerprint, VideoFingerprint]:
    """A found video's fingerprint as it is and mirrored left to right, from one decoding.

    PDQ's dihedral hashes come from the same DCT, so the mirrored copy costs little; a leak
    re-uploaded mirrored (a common way round upload filters) matches through it.
    """
    as_found: list[FrameHash] = []
    mirrored: list[FrameHash] = []
    for (vectors, quality), seconds in _sampled(data, limits, None, pdqhash.compute_dihedral):
        as_found.append(FrameHash(_pdq(vectors[0]), int(quality), seconds))
        mirrored.append(FrameHash(_pdq(vectors[_MIRROR]), int(quality), seconds))
    return VideoFingerprint(tuple(as_found)), VideoFingerprint(tuple(mirrored))


_T = TypeVar("_T")

#: Position of the left-right mirror among pdqhash.compute_dihedral's eight hashes.
_MIRROR = 5


def _sampled(
    data: bytes,
    limits: VideoLimits,
    progress: Callable[[float, float], None] | None,
    hasher: Callable[[np.ndarray], _T],
) -> list[tuple[_T, float]]:
    """hasher() of each sampled frame as RGB24, with its timestamp, or VideoRejected."""
    container_format = _container_format(data)
    try:
        container = av.open(io.BytesIO(data), format=container_format, mode="r")
    except (av.FFmpegError, ValueError, OSError, EOFError) as error:
        raise VideoRejected(
            "decode_error", gettext("the video cannot be read: {error}").format(error=_short(error))
        ) from None
    with container:
        if not container.streams.video:
            raise VideoRejected("unsupported_format", gettext("the file holds no video stream"))
        stream = container.streams.video[0]
        # One decoding thread: the worker shares its cores, and the output does not depend on it.
        stream.thread_count = 1
        _check_size(stream.codec_context.width, stream.codec_context.height, limits)
        total = _stated_seconds(container, stream)
        if total > limits.max_seconds:
            raise VideoRejected("too_long", _too_long(limits))
        rate = stream.average_rate or stream.base_rate or stream.guessed_rate
        if not rate or rate <= 0:
            raise VideoRejected("decode_error", gettext("the video states no frame rate"))
        every = max(int(SECONDS_PER_HASH * Fraction(rate)), 1)
        hashed: list[tuple[_T, float]] = []
        try:
            for number, frame in enumerate(container.decode(stream)):
                late = frame.time is not None and frame.time > limits.max_seconds
                if number >= limits.max_frames or number / rate > limits.max_seconds or late:
                    raise VideoRejected("too_long", _too_long(limits))
                if number % every:
                    continue
                # A stream may change size midway; each frame is held to the caps again.
                _check_size(frame.width, frame.height, limits)
                rgb = frame.to_ndarray(
                    format="rgb24", interpolation="AREA", src_colorspace="ITU601"
                )
                hashed.append((hasher(np.ascontiguousarray(rgb)), float(number / rate)))
                if progress is not None:
                    progress(hashed[-1][1], total)
        except av.FFmpegError as error:
            raise VideoRejected(
                "decode_error",
                gettext("the video is corrupt: {error}").format(error=_short(error)),
            ) from None
    if not hashed:
        raise VideoRejected("no_frames", gettext("no frame of the video could be decoded"))
    return hashed


def _pdq(vector: np.ndarray) -> Fingerprint:
    packed = np.packbits(np.asarray(vector, dtype=bool).ravel()).tobytes()
    return Fingerprint.from_bytes(Algorithm.PDQ, packed)


def _check_size(width: int, height: int, limits: VideoLimits) -> None:
    if width <= 0 or height <= 0:
        raise VideoRejected("decode_error", gettext("the video states no picture size"))
    if width * height > limits.max_pixels:
        raise VideoRejected(
            "too_large",
            gettext(
                "the video is {width}x{height}; at most {pixels} pixels a frame are read"
            ).format(width=width, height=height, pixels=limits.max_pixels),
        )
    if min(width, height) < MIN_VIDEO_SIDE:
        raise VideoRejected(
            "too_small",
            gettext("the video is {width}x{height}, too small to fingerprint").format(
                width=width, height=height
            ),
        )


def _stated_seconds(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _too_long(limits: VideoLimits) -> str:
    return gettext("the video is longer than {seconds} seconds, the most that is read").format(
        seconds=int(limits.max_seconds)
    )


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


#: Major brands of ISO media files that are still images (HEIC, AVIF), not videos; the page's
#: hasher (service/static/hasher/video.js IMAGE_BRANDS) tells them apart the same way.
IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
)


def _container_format(data: bytes) -> str:
    """The FFmpeg demuxer for the bytes' container, from its magic bytes, or VideoRejected."""
    head = data[:16]
    if head[4:8] == b"ftyp" and head[8:12] not in IMAGE_BRANDS:
        return "mov"
    if head[4:8] in (b"moov", b"mdat", b"free", b"wide"):
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:1] == b"\x47" and len(data) > 188 and data[188:189] == b"\x47":
        return "mpegts"
    raise VideoRejected(
        "unsupported_format",
        gettext("not a video in a known container (MP4, MOV, WebM, Matroska, AVI, MPEG-TS)"),
    )


_SLICE = 256


def frame_words(frames: Sequence[FrameHash]) -> np.ndarray:
    """Frames' PDQ hashes as rows of four 64-bit words."""
    raw = b"".join(frame.pdq.to_bytes() for frame in frames)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(frames), 4)


def hamming(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """All pairwise Hamming distances between two stacks of 256-bit hashes."""
    distances = np.zeros((len(left), len(right)), dtype=np.int32)
    for word in range(4):
        xor = np.bitwise_xor.outer(left[:, word], right[:, word])
        distances += np.bitwise_count(xor).astype(np.int32)
    return distances


@dataclass(frozen=True, slots=True)
class HashedVideo:
    """Everything hash_video_file learned about one file: its digests and, if it is a video
    that could be read, its vPDQ fingerprint; otherwise why not."""

    digests: tuple[Fingerprint, ...]
    video: VideoFingerprint | None
    reason: VideoRejectionReason | None = None
    message: str | None = None
    crops: tuple[VideoFingerprint, ...] = ()


def hash_video_file(
    data: bytes,
    *,
    limits: VideoLimits = VideoLimits(),
    progress: Callable[[float, float], None] | None = None,
) -> HashedVideo:
    """MD5 and SHA-256 of the bytes, and if they are a readable video, its vPDQ fingerprint and
    its crops' (hash_bank_video: this is the victim's side).

    Never raises for bad input: a file that is not a video, or a corrupt, too long or too large
    one, keeps its digests and says why it has no fingerprint (an empty file has neither).
    """
    digests = tuple(fp for fp in (md5_of(data), sha256_of(data)) if degeneracy(fp) is None)
    try:
        banked = hash_bank_video(data, limits=limits, progress=progress)
    except VideoRejected as rejected:
        return HashedVideo(digests, None, rejected.reason, str(rejected))
    return HashedVideo(digests, banked.video, crops=banked.crops)


def looks_like_video(data: bytes) -> bool:
    """True when the bytes start like a container hash_video reads."""
    try:
        _container_format(data)
    except VideoRejected:
        return False
    return True
