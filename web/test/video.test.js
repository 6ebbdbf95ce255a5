// service/static/hasher/video.js against hashing/videos.py: the same bounds, the same files told
// apart as videos, and the VPDQSignal text and usable frames the Python side reads and keeps
// (tests/browser/test_victim_videos.py then compares the frame hashes themselves).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  cropTexts,
  FRAME_QUALITY_MIN,
  IMAGE_BRANDS,
  MAX_VIDEO_FRAMES,
  MAX_VIDEO_PIXELS,
  MAX_VIDEO_SECONDS,
  MIN_USABLE_FRAMES,
  MIN_VIDEO_SIDE,
  isVideo,
  quarterTurns,
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

test("the page's still-image brands are hashing/videos.py IMAGE_BRANDS", () => {
  assert.deepEqual([...IMAGE_BRANDS].sort(), python.image_brands);
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

test("each crop rule's text has the frames it cut, at their own timestamps, as hash_bank_video's", () => {
  const [a, b, c] = ["a", "b", "c"].map((digit) => digit.repeat(64));
  const frames = [
    { hash: a, quality: 100, seconds: 0, crops: [{ hash: b, quality: 90 }, null, null] },
    { hash: a, quality: 100, seconds: 1, crops: [{ hash: c, quality: 80 }, { hash: a, quality: 70 }, null] },
  ];
  // The rule that cut no frame is left out, as hash_bank_video leaves out a crop with no frames.
  assert.deepEqual(cropTexts(frames), [`["${b},90,0.000","${c},80,1.000"]`, `["${a},70,1.000"]`]);
  assert.deepEqual(cropTexts([{ hash: a, quality: 100, seconds: 0, crops: [null, null] }]), []);
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

// An ISO media box: 32-bit size, type, content; `large` writes the 64-bit size form.
function box(type, content = new Uint8Array(), { large = false } = {}) {
  const header = large ? 16 : 8;
  const out = new Uint8Array(header + content.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(type), 4);
  if (large) {
    view.setUint32(0, 1);
    view.setBigUint64(8, BigInt(out.length));
  } else view.setUint32(0, out.length);
  out.set(content, header);
  return out;
}

function join(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// A track: a version 0 tkhd with this matrix (a, b, c, d in 16.16) and a handler of this type.
function trak(handler, [a, b, c, d]) {
  const tkhd = new Uint8Array(84);
  const view = new DataView(tkhd.buffer);
  [a, b, 0, c, d, 0, 0, 0, 1 << 14].forEach((value, i) => view.setInt32(40 + 4 * i, value * (1 << 16)));
  const hdlr = new Uint8Array(24);
  hdlr.set(new TextEncoder().encode(handler), 8);
  return box("trak", join(box("tkhd", tkhd), box("mdia", box("hdlr", hdlr))));
}

test("the page reads a phone's quarter turn from the video track's tkhd matrix", async () => {
  const turns = { 0: [1, 0, 0, 1], 1: [0, 1, -1, 0], 2: [-1, 0, 0, -1], 3: [0, -1, 1, 0] };
  for (const [expected, matrix] of Object.entries(turns)) {
    // moov after a large mdat with a 64-bit size, a sound track before the video's.
    const file = join(box("ftyp", new TextEncoder().encode("isom")), box("mdat", new Uint8Array(100), { large: true }),
      box("moov", join(trak("soun", [0, 1, -1, 0]), trak("vide", matrix))));
    assert.equal(await quarterTurns(new Blob([file])), Number(expected));
  }
  const mirrored = box("moov", trak("vide", [-1, 0, 0, 1]));
  assert.equal(await quarterTurns(new Blob([mirrored])), 0);
  assert.equal(await quarterTurns(new Blob([new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0])])), 0);
  assert.equal(await quarterTurns(new Blob([box("moov", new Uint8Array(3))])), 0);
});
