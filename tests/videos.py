"""Test videos made here from the dev photos with PyAV, and the leak edits applied to them.

Deterministic: the same photos, camera moves and encoder settings (x264 on one thread, without
its AVX-512 code) give the same bytes. Nothing is downloaded. A video is a few shots of a few
seconds each, every shot a slow pan or zoom across one photo, cut to the next.
"""

from __future__ import annotations

import functools
import io
import platform
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


# PyAV 18.1's x264 made a different file on most encodes of the same frames when it used AVX-512
# (on an AMD EPYC guest); kept to SSE4.2 it makes one file every time, the file the vpdq vectors
# were made from on an earlier guest, and encodes only about 8 % slower.
X264_CPU = {"x264-params": "asm=SSE4.2"} if platform.machine() in {"x86_64", "AMD64"} else {}


def photos(count: int, start: int = 0) -> list[Path]:
    """``count`` dev photos from ``start``, in name order, skipping ones too small to pan."""
    chosen = []
    for path in sorted(CORPUS.iterdir()):
        with Image.open(path) as img:
            if min(img.size) >= 200:
                chosen.append(path)
    return chosen[start : start + count]


def make_video(
    shots: list[Path],
    *,
    size: tuple[int, int] = (320, 240),
    fps: int = 10,
    shot_seconds: float = 3.0,
    codec: str = "libx264",
) -> bytes:
    """An MP4 (or WebM for VP8/VP9) of the shots, alternating pans and zooms."""
    per_shot = round(fps * shot_seconds)

    def frames() -> Iterator[Image.Image]:
        # One frame at a time: a minute of 720p held as images would be gigabytes.
        for number, path in enumerate(shots):
            with Image.open(path) as img:
                photo = img.convert("RGB")
            move = _pan if number % 2 == 0 else _zoom
            for i in range(per_shot):
                yield move(photo, size, i / max(per_shot - 1, 1))

    return encode(frames(), fps=fps, codec=codec)


def encode(
    frames: list[Image.Image] | Iterator[Image.Image],
    *,
    fps: int,
    codec: str = "libx264",
    bitrate: int | None = None,
) -> bytes:
    """Encode RGB frames into a container fit for the codec, in memory."""
    out = io.BytesIO()
    container_format = "webm" if codec.startswith("libvpx") else "mp4"
    # bitexact: no random segment id or encoder version in the container, so bytes repeat.
    with av.open(
        out, mode="w", format=container_format, options={"fflags": "+bitexact"}
    ) as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream(codec, rate=fps)
                stream.width, stream.height = _even(frame.size)
                stream.pix_fmt = "yuv420p"
                stream.thread_count = 1
                options = {"threads": "1"}
                if codec == "libx264":
                    options |= {"preset": "veryfast", "crf": "23"} | X264_CPU
                stream.options = options
                if bitrate is not None:
                    stream.bit_rate = bitrate
            even = frame.crop((0, 0, stream.width, stream.height))
            container.mux(stream.encode(av.VideoFrame.from_image(even)))
        if stream is not None:
            container.mux(stream.encode(None))
    return out.getvalue()


def decode(data: bytes) -> tuple[list[Image.Image], int]:
    """Every frame of a video as RGB images, and its frame rate."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        fps = round(float(stream.average_rate or 10))
        return [frame.to_image() for frame in container.decode(stream)], fps


def _pan(photo: Image.Image, size: tuple[int, int], t: float) -> Image.Image:
    """A window of the photo's aspect ratio moving left to right across 30 % of its width."""
    width, height = photo.size
    box_w = min(width * 0.7, height * size[0] / size[1])
    box_h = box_w * size[1] / size[0]
    left = (width - box_w) * t
    top = (height - box_h) / 2
    return photo.resize(size, Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h))


def _zoom(photo: Image.Image, size: tuple[int, int], t: float) -> Image.Image:
    """A centred window narrowing from the whole photo to 60 % of it."""
    width, height = photo.size
    scale = 1.0 - 0.4 * t
    box_w = min(width, height * size[0] / size[1]) * scale
    box_h = box_w * size[1] / size[0]
    left, top = (width - box_w) / 2, (height - box_h) / 2
    return photo.resize(size, Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h))


def _even(size: tuple[int, int]) -> tuple[int, int]:
    return size[0] // 2 * 2, size[1] // 2 * 2


# The leak edits: each takes a video's bytes and gives the edited video's bytes.


def reencoded(data: bytes) -> bytes:
    """Another codec (VP8 in WebM) at a quarter of a typical bitrate."""
    frames, fps = decode(data)
    return encode(frames, fps=fps, codec="libvpx", bitrate=150_000)


def resized(data: bytes) -> bytes:
    """Half the width and height."""
    frames, fps = decode(data)
    return encode([f.resize((f.width // 2, f.height // 2)) for f in frames], fps=fps)


def trimmed(data: bytes, seconds: float = 2.0) -> bytes:
    """The first ``seconds`` cut off."""
    frames, fps = decode(data)
    return encode(frames[round(seconds * fps) :], fps=fps)


def cropped(data: bytes, share: float = 0.05) -> bytes:
    """``share`` of the width and height cut off each edge."""
    frames, fps = decode(data)
    return encode([_crop(f, share) for f in frames], fps=fps)


def logo(data: bytes) -> bytes:
    """A white box with dark text in the bottom-right corner, 20 % of the width."""
    frames, fps = decode(data)
    return encode([_logo(f) for f in frames], fps=fps)


def excerpt(data: bytes, start: float = 3.0, seconds: float = 10.0) -> bytes:
    """``seconds`` of the video from ``start``."""
    frames, fps = decode(data)
    first = round(start * fps)
    return encode(frames[first : first + round(seconds * fps)], fps=fps)


def mirrored(data: bytes) -> bytes:
    """Flipped left to right."""
    frames, fps = decode(data)
    return encode([f.transpose(Image.Transpose.FLIP_LEFT_RIGHT) for f in frames], fps=fps)


LEAK_EDITS: dict[str, Callable[[bytes], bytes]] = {
    "reencoded_vp8_low_bitrate": reencoded,
    "resized_50": resized,
    "trimmed_first_2s": trimmed,
    "cropped_5_per_edge": cropped,
    "logo_in_corner": logo,
    "excerpt_10s": excerpt,
    "mirrored": mirrored,
}


def _crop(frame: Image.Image, share: float) -> Image.Image:
    dx, dy = round(frame.width * share), round(frame.height * share)
    return frame.crop((dx, dy, frame.width - dx, frame.height - dy))


def _logo(frame: Image.Image) -> Image.Image:
    marked = frame.copy()
    draw = ImageDraw.Draw(marked)
    w, h = frame.size
    box = (int(w * 0.78), int(h * 0.86), w - 4, h - 4)
    draw.rectangle(box, fill=(255, 255, 255))
    draw.text((box[0] + 3, box[1] + 1), "leaks.example", fill=(30, 30, 30))
    return marked


def noise_video(seconds: int = 2, size: tuple[int, int] = (64, 48), fps: int = 5) -> bytes:
    """Seeded random pixels: a valid video unlike any photo video."""
    rng = np.random.default_rng(7)
    frames = [
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
        for _ in range(seconds * fps)
    ]
    return encode(frames, fps=fps)


def turned(data: bytes, quarters: int) -> bytes:
    """The same MP4 asking players to turn its picture ``quarters`` quarter turns clockwise.

    Phones store a portrait video as landscape frames and a turn in the track header's matrix
    (tkhd, ISO 14496-12 8.3.2); this writes the matrix a phone writes, translation included.
    """
    at = data.index(b"tkhd") + 4
    if data[at] != 0:
        raise ValueError("a version 0 tkhd was expected")
    matrix = at + 40
    width, height = (value >> 16 for value in struct.unpack(">II", data[matrix + 36 : matrix + 44]))
    one, fixed = 0x10000, 0x40000000
    matrices = {
        0: (one, 0, 0, 0, one, 0, 0, 0, fixed),
        1: (0, one, 0, -one, 0, 0, height * one, 0, fixed),
        2: (-one, 0, 0, 0, -one, 0, width * one, height * one, fixed),
        3: (0, -one, 0, one, 0, 0, 0, width * one, fixed),
    }
    return data[:matrix] + struct.pack(">9i", *matrices[quarters]) + data[matrix + 36 :]


def sound_only(seconds: int = 1) -> bytes:
    """An MP4 of silence with no video stream: what a voice memo (M4A) looks like."""
    out = io.BytesIO()
    rate = 8000
    with av.open(out, mode="w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("aac", rate=rate)
        for number in range(seconds * rate // 1024):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = rate, number * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


@functools.cache
def source_video(offset: int = 0) -> bytes:
    """A 14.4-second 240x180 test video of six dev photos; offsets 0, 13 and 27 share none."""
    return make_video(photos(300)[offset::45][:6], size=(240, 180), fps=5, shot_seconds=2.5)
