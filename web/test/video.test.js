// service/static/hasher/video.js against hashing/videos.py: the same bounds, the same files told
// apart as videos, and the VPDQSignal text and usable frames the Python side reads and keeps
// (tests/browser/test_victim_videos.py then compares the frame hashes themselves).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  FRAME_QUALITY_MIN,
  MAX_VIDEO_FRAMES,
  MAX_VIDEO_PIXELS,
  MAX_VIDEO_SECONDS,
  MIN_USABLE_FRAMES,
  MIN_VIDEO_SIDE,
  isVideo,
  usableFrames,
  vpdqText,
} from "../../service/static/hasher/video.js";
import { printedByPython } from "./reference.js";

const python = JSON.parse(printedByPython("--video-rules"));

test("the page's video bounds are hashing/videos.py's and casework/bank/videos.py's", () => {
  assert.deepEqual(
    [MAX_VIDEO_PIXELS, MAX_VIDEO_SECONDS, MAX_VIDEO_FRAMES, MIN_VIDEO_SIDE, FRAME_QUALITY_MIN, MIN_USABLE_FRAMES],
    [python.max_pixels, python.max_seconds, python.max_frames, python.min_side, python.quality_min, python.min_usable_frames],
  );
});

test("the page takes for a video what looks_like_video takes for one", () => {
  for (const [head, video] of python.heads) {
    assert.equal(isVideo(Uint8Array.from(head)), video, String.fromCharCode(...head.slice(0, 12)));
  }
});

test("a HEIC or AVIF photo is not a video to the page, so the worker still reads it as an image", () => {
  for (const brand of ["heic", "mif1", "avif"]) {
    assert.equal(isVideo(new TextEncoder().encode(`\0\0\0\x18ftyp${brand}\0\0\0\0`)), false, brand);
  }
});

test("the vPDQ text has one '<hex>,<quality>,<seconds with 3 decimals>' string a frame", () => {
  const frames = [
    { hash: "f".repeat(64), quality: 100, seconds: 0 },
    { hash: "0".repeat(64), quality: 7, seconds: 29 / (30000 / 1001) },
  ];
  assert.equal(vpdqText(frames), `["${"f".repeat(64)},100,0.000","${"0".repeat(64)},7,0.968"]`);
});

test("usable frames drop low quality and repeated hashes, as VideoFingerprint.usable does", () => {
  const a = "a".repeat(64);
  const b = "b".repeat(64);
  const frames = [
    { hash: a, quality: 100, seconds: 0 },
    { hash: a, quality: 90, seconds: 1 },
    { hash: b, quality: 49, seconds: 2 },
    { hash: b, quality: 50, seconds: 3 },
  ];
  assert.deepEqual(usableFrames(frames), [frames[0], frames[3]]);
});
