"""A video's frame hashes as the victim page makes them, in Chromium, beside the CLI's.

Shared by the browser tests and benchmarks/page_videos.py: the page's own modules
(static/hasher/video.js on the page, frames and their crops through static/hasher/worker.js),
given the bytes as a File, as the file picker would.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from playwright.sync_api import Page

from hashing.videos import FrameHash, VideoFingerprint

HASH_VIDEO = """
async (data) => {
  const { cropTexts, fingerprintVideo } = await import('/static/hasher/video.js');
  const worker = new Worker('/static/hasher/worker.js', {type: 'module'});
  const waiting = new Map();
  let next = 0;
  worker.onmessage = ({data}) => {
    if (data.ready) return;
    waiting.get(data.id)(data);
    waiting.delete(data.id);
  };
  const hashFrame = (rgba, width, height, boxes) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, (answer) => answer.pdq ? resolve(answer.pdq) : reject(answer.error));
    worker.postMessage({id, frame: {rgba, width, height, boxes}}, [rgba.buffer]);
  });
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  try {
    const result = await fingerprintVideo(new File([bytes], 'video'), {hashFrame});
    return {...result, crops: cropTexts(result.frames), refused: null};
  } catch (error) {
    return {frames: [], crops: [], refused: error.reason ?? String(error)};
  } finally {
    worker.terminate();
  }
}
"""


@dataclass(frozen=True, slots=True)
class PageVideo:
    """What the page made of a video: its fingerprint and its crops' (the texts it would send),
    or the reason it made none."""

    fingerprint: VideoFingerprint
    refused: str | None
    rate: float | None
    crops: tuple[VideoFingerprint, ...] = ()


def hash_video_in_page(page: Page, data: bytes) -> PageVideo:
    """The page's vPDQ fingerprint of the video (page already on a page of our origin)."""
    result = page.evaluate(HASH_VIDEO, base64.b64encode(data).decode())
    frames = tuple(
        FrameHash.parse(f"{frame['hash']},{frame['quality']},{frame['seconds']:.3f}")
        for frame in result["frames"]
    )
    crops = tuple(VideoFingerprint.from_vpdq(text) for text in result["crops"])
    return PageVideo(VideoFingerprint(frames), result["refused"], result.get("rate"), crops)


@dataclass(frozen=True, slots=True)
class Agreement:
    """The page's frames beside the CLI's at the same timestamps."""

    frames: int
    aligned: bool
    within_0: int
    within_10: int
    within_31: int

    @property
    def share_31(self) -> float:
        return self.within_31 / self.frames if self.frames else 0.0


def agreement(page: VideoFingerprint, cli: VideoFingerprint) -> Agreement:
    """Each page frame against the CLI's frame with the nearest timestamp, in PDQ bits."""
    distances = []
    for frame in page.frames:
        nearest = min(cli.frames, key=lambda other: abs(other.seconds - frame.seconds))
        distances.append((frame.pdq.bits ^ nearest.pdq.bits).bit_count())
    aligned = len(page.frames) == len(cli.frames) and all(
        abs(mine.seconds - theirs.seconds) < 1e-3
        for mine, theirs in zip(page.frames, cli.frames, strict=True)
    )
    return Agreement(
        frames=len(distances),
        aligned=aligned,
        within_0=sum(d == 0 for d in distances),
        within_10=sum(d <= 10 for d in distances),
        within_31=sum(d <= 31 for d in distances),
    )
