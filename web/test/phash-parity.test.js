// Parity of service/static/hasher/phash.js with imagehash.phash (Pillow 13.0.0, scipy) on the
// same RGB pixels (Pillow decode, EXIF transpose, convert("RGB")), bit for bit at every step:
// the 32x32 LANCZOS-resized grey image, the 64 float64 DCT values before the median
// threshold, and the 64-bit hash. Also checks the pHash values in the vectors' expected.json
// and the denylist against hashing/algorithms.py.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { TWIDDLES_BASE64 } from "../../service/static/hasher/dct.js";
import { luma } from "../../service/static/hasher/luma.js";
import { PHASH_DENYLIST, phash, phashOfGrey } from "../../service/static/hasher/phash.js";
import {
  compareCorpus,
  compareLarge,
  float64FromHex,
  hammingDistanceHex,
  printedByPython,
  streamReference,
  vectorsDir,
} from "./reference.js";

function compare(record, rgb) {
  const { width, height } = record;
  const started = performance.now();
  const js = phashOfGrey(luma(rgb, width * height, 3), width, [0, 0, width, height]);
  const ms = performance.now() - started;
  const pixels = Buffer.from(record.phash_pixels, "hex");
  const dct = float64FromHex(record.phash_dct);
  let pixelMismatches = 0;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== js.pixels[i]) pixelMismatches++;
  let dctMismatches = 0;
  // Object.is tells -0 from +0 too: the values must be the same doubles.
  for (let i = 0; i < dct.length; i++) if (!Object.is(dct[i], js.dct[i])) dctMismatches++;
  return {
    kind: record.kind,
    name: record.name,
    size: `${width}x${height}`,
    jsHash: js.hash,
    pyHash: record.phash,
    distance: hammingDistanceHex(js.hash, record.phash),
    pixelMismatches,
    dctMismatches,
    ms,
  };
}

function assertExact(result) {
  assert.equal(result.pixelMismatches, 0, "32x32 grey pixels differing from Pillow's resize");
  assert.equal(result.dctMismatches, 0, "DCT values differing from scipy.fftpack.dct");
  assert.equal(result.jsHash, result.pyHash, `hash differs by ${result.distance} bits`);
}

test("the embedded DCT twiddles are pocketfft's, computed with the C library's cos and sin", () => {
  assert.equal(TWIDDLES_BASE64, printedByPython("--dct-twiddles"));
});

test("the page refuses exactly the pHash values hashing/algorithms.py refuses as degenerate", () => {
  const python = JSON.parse(printedByPython("--phash-denylist"));
  for (const value of PHASH_DENYLIST) assert.ok(python.includes(value), `${value} is not on Python's list`);
  // The rest are caught by the popcount rule (fewer than 8 of 64 bits set).
  const ones = (hex) => [...hex].reduce((n, d) => n + [...parseInt(d, 16).toString(2)].filter((b) => b === "1").length, 0);
  for (const value of python.filter((v) => !PHASH_DENYLIST.has(v))) assert.ok(ones(value) < 8, value);
});

test("RGBA and RGB input give the same pHash; alpha is ignored", () => {
  const width = 97;
  const height = 61;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 2654435761) >>> 24;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) rgb.set(rgba.subarray(4 * p, 4 * p + 3), 3 * p);
  assert.match(phash(rgba, width, height), /^[0-9a-f]{16}$/);
  assert.equal(phash(rgb, width, height, { channels: 3 }), phash(rgba, width, height));
});

test("PDQ vector images and synthetic edge cases match imagehash.phash bit for bit", async (t) => {
  const dir = vectorsDir();
  assert.ok(dir, "no vectors: expected tests/vectors/pdq or ../shared/vectors/pdq");
  const expected = JSON.parse(readFileSync(path.join(dir, "expected.json"), "utf8")).images;
  const results = [];
  await streamReference(["--vectors", path.join(dir, "images"), "--synthetic"], (record, rgb) => {
    results.push(compare(record, rgb));
  });
  const vectorNames = results.filter((r) => r.kind === "vector").map((r) => r.name);
  assert.deepEqual(vectorNames.sort(), Object.keys(expected).sort(), "every vector image was hashed");
  for (const result of results) {
    await t.test(`${result.kind} ${result.name} (${result.size})`, () => {
      t.diagnostic(`${result.name}: ${result.distance}/64 bits, DCT mismatches ${result.dctMismatches}`);
      assertExact(result);
    });
  }
  // expected.json is the shared contract for Python and JS.
  for (const result of results.filter((r) => r.kind === "vector")) {
    assert.equal(result.jsHash, expected[result.name].phash, `expected.json ${result.name}`);
  }
});

test("12 MP and 6 MP buffers (wide Lanczos windows) match imagehash.phash bit for bit", async (t) => {
  for (const result of await compareLarge(compare)) {
    t.diagnostic(`${result.name}: ${result.distance}/64 bits, JS ${result.ms.toFixed(0)} ms (luma + resize + DCT)`);
    assertExact(result);
  }
});

test("development corpus (JPEG/PNG/WebP) matches imagehash.phash bit for bit", async (t) => {
  const results = await compareCorpus(t, compare);
  if (!results) return;
  const maxDistance = Math.max(...results.map((r) => r.distance));
  const bad = results.filter((r) => r.distance !== 0 || r.pixelMismatches !== 0 || r.dctMismatches !== 0);
  t.diagnostic(`files: ${results.length}; max Hamming distance: ${maxDistance}/64; not bit-exact: ${bad.length}`);
  for (const r of bad) {
    t.diagnostic(`  ${r.name}: ${r.distance} bits, pixels ${r.pixelMismatches}, DCT ${r.dctMismatches}`);
  }
  assert.equal(maxDistance, 0);
  assert.deepEqual(bad.map((r) => r.name), []);
});
