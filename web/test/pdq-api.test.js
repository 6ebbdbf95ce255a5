// The pdqHash API contract, without reference data (no Python needed).

import assert from "node:assert/strict";
import { test } from "node:test";

import { PDQ_MIN_HASHABLE_DIM, pdqFloat256, pdqHash } from "../../service/static/hasher/pdq.js";

function noiseRgba(width, height, seed = 1) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  let state = seed >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return pixels;
}

function dropAlpha(rgba) {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    rgb[q] = rgba[p];
    rgb[q + 1] = rgba[p + 1];
    rgb[q + 2] = rgba[p + 2];
  }
  return rgb;
}

test("returns 64 lowercase hex digits and an integer quality in 0..100", () => {
  const { hash, quality } = pdqHash(noiseRgba(300, 200), 300, 200);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.ok(Number.isInteger(quality) && quality >= 0 && quality <= 100);
});

test("RGBA (default) and RGB ({channels: 3}) give the same result; alpha is ignored", () => {
  const rgba = noiseRgba(123, 77, 7);
  const rgb = dropAlpha(rgba);
  const fromRgba = pdqHash(rgba, 123, 77);
  assert.deepEqual(pdqHash(rgb, 123, 77, { channels: 3 }), fromRgba);
  const otherAlpha = rgba.slice();
  for (let i = 3; i < otherAlpha.length; i += 4) otherAlpha[i] = 0;
  assert.deepEqual(pdqHash(otherAlpha, 123, 77, { channels: 4 }), fromRgba);
});

test("is deterministic and does not modify its input", () => {
  const rgba = noiseRgba(640, 480, 3);
  const copy = rgba.slice();
  const first = pdqHash(rgba, 640, 480);
  assert.deepEqual(pdqHash(rgba, 640, 480), first);
  assert.deepEqual(rgba, copy);
});

test("accepts Uint8Array, Uint8ClampedArray and plain arrays alike", () => {
  const rgba = noiseRgba(40, 30, 11);
  const expected = pdqHash(rgba, 40, 30);
  assert.deepEqual(pdqHash(new Uint8Array(rgba), 40, 30), expected);
  assert.deepEqual(pdqHash(Array.from(rgba), 40, 30), expected);
});

test("images with a side under 5 pixels get the all-zero hash and quality 0, as pdqhash does", () => {
  assert.equal(PDQ_MIN_HASHABLE_DIM, 5);
  for (const [w, h] of [[4, 100], [100, 4], [1, 1]]) {
    assert.deepEqual(pdqHash(noiseRgba(w, h), w, h), { hash: "0".repeat(64), quality: 0 });
    assert.equal(pdqFloat256(noiseRgba(w, h), w, h).dct, null);
  }
  assert.notEqual(pdqHash(noiseRgba(5, 5), 5, 5).hash, "0".repeat(64));
});

test("a flat image has quality 0 (the server rejects such hashes)", () => {
  const grey = new Uint8ClampedArray(200 * 100 * 4).fill(128);
  assert.equal(pdqHash(grey, 200, 100).quality, 0);
});

test("rejects buffers whose size does not match width x height x channels", () => {
  const rgba = noiseRgba(10, 10);
  assert.throws(() => pdqHash(rgba, 10, 11), RangeError);
  assert.throws(() => pdqHash(rgba, 10, 10, { channels: 3 }), /expected 300 bytes/);
  assert.throws(() => pdqHash(rgba, 10, 10, { channels: 1 }), /channels must be 3/);
  assert.throws(() => pdqHash(rgba, 0, 10), /positive integers/);
  assert.throws(() => pdqHash(rgba, 10.5, 10), /positive integers/);
  assert.throws(() => pdqHash(null, 10, 10), RangeError);
});

test("a box is hashed exactly as a copy cropped to it, in RGBA and RGB", () => {
  const [width, height] = [203, 150];
  const rgba = noiseRgba(width, height, 5);
  const cropped = (pixels, channels, [left, top, right, bottom]) => {
    const rows = [];
    for (let y = top; y < bottom; y++) {
      rows.push(...pixels.subarray((y * width + left) * channels, (y * width + right) * channels));
    }
    return Uint8Array.from(rows);
  };
  // Inside, on every edge, the whole image, the 64x64 shortcut and too thin to hash.
  const boxes = [[6, 9, 190, 141], [0, 0, 203, 12], [0, 12, 203, 150], [17, 0, 203, 150], [0, 0, 203, 150], [30, 40, 94, 104], [10, 10, 14, 100]];
  for (const channels of [4, 3]) {
    const pixels = channels === 4 ? rgba : dropAlpha(rgba);
    for (const box of boxes) {
      const copy = cropped(pixels, channels, box);
      const expected = pdqFloat256(copy, box[2] - box[0], box[3] - box[1], { channels });
      assert.deepEqual(pdqFloat256(pixels, width, height, { channels, box }), expected, `${box}`);
    }
  }
  assert.throws(() => pdqHash(rgba, width, height, { box: [0, 0, 204, 150] }), RangeError);
  assert.throws(() => pdqHash(rgba, width, height, { box: [5, 0, 5, 150] }), RangeError);
});
