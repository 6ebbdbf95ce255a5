// Parity of service/static/hasher/pdq.js with Python pdqhash 0.2.8 on the same
// RGB pixels (Pillow decode, EXIF transpose, convert("RGB")), bit for bit:
// the 256-bit hash, the quality score, and the 256 float32 DCT values before the
// median threshold. Also checks the hashes in the PDQ vectors' expected.json.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { DCT_MATRIX_BASE64, pdqFloat256, pdqHash } from "../../service/static/hasher/pdq.js";
import {
  compareCorpus,
  compareLarge,
  dctMatrixFromPython,
  float32BitMismatches,
  float32FromHex,
  hammingDistanceHex,
  streamReference,
  vectorsDir,
} from "./reference.js";

// Compare one reference record with the JS port; returns a plain summary.
function compare(record, rgb) {
  const { width, height } = record;
  const started = performance.now();
  const js = pdqHash(rgb, width, height, { channels: 3 });
  const ms = performance.now() - started;
  let dctMismatches = null;
  if (record.dct !== null) {
    const { dct } = pdqFloat256(rgb, width, height, { channels: 3 });
    dctMismatches = float32BitMismatches(dct, float32FromHex(record.dct));
  }
  return {
    kind: record.kind,
    name: record.name,
    size: `${width}x${height}`,
    jsHash: js.hash,
    pyHash: record.pdq,
    distance: hammingDistanceHex(js.hash, record.pdq),
    jsQuality: js.quality,
    pyQuality: record.quality,
    dctMismatches,
    ms,
  };
}

function assertExact(result) {
  assert.equal(result.jsHash, result.pyHash, `hash differs by ${result.distance} bits`);
  assert.equal(result.jsQuality, result.pyQuality, "quality");
  if (result.dctMismatches !== null) {
    assert.equal(result.dctMismatches, 0, "float32 DCT values differing from pdqhash.compute_float");
  }
}

function rgbToRgba(rgb) {
  const pixels = rgb.length / 3;
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    rgba[4 * p] = rgb[3 * p];
    rgba[4 * p + 1] = rgb[3 * p + 1];
    rgba[4 * p + 2] = rgb[3 * p + 2];
    rgba[4 * p + 3] = (p * 37) & 255; // alpha is ignored, as Pillow's convert("RGB") drops it
  }
  return rgba;
}

test("the embedded DCT matrix is the C library's, and this engine's Math.cos agrees", () => {
  assert.equal(DCT_MATRIX_BASE64, dctMatrixFromPython());
  const embedded = float32FromHex(Buffer.from(DCT_MATRIX_BASE64, "base64").toString("hex"));
  const scale = Math.fround(Math.sqrt(2.0 / 64));
  const computed = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      computed[i * 64 + j] = scale * Math.cos((Math.PI / 2.0 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  assert.equal(float32BitMismatches(embedded, computed), 0);
});

test("PDQ vector images and synthetic edge cases match pdqhash bit for bit", async (t) => {
  const dir = vectorsDir();
  assert.ok(dir, "no PDQ vectors: expected tests/vectors/pdq or ../shared/vectors/pdq");
  t.diagnostic(`vectors: ${dir}`);
  const expected = JSON.parse(readFileSync(path.join(dir, "expected.json"), "utf8")).images;

  const results = [];
  await streamReference(["--vectors", path.join(dir, "images"), "--synthetic"], (record, rgb) => {
    const result = compare(record, rgb);
    // RGBA input (canvas getImageData) must give the same answer as RGB.
    result.rgbaHash = pdqHash(rgbToRgba(rgb), record.width, record.height).hash;
    results.push(result);
  });
  const vectorNames = results.filter((r) => r.kind === "vector").map((r) => r.name);
  assert.deepEqual(vectorNames.sort(), Object.keys(expected).sort(), "every vector image was hashed");

  for (const result of results) {
    await t.test(`${result.kind} ${result.name} (${result.size})`, () => {
      t.diagnostic(
        `${result.name}: ${result.distance}/256 bits, quality ${result.jsQuality}/${result.pyQuality}, ` +
          `DCT float mismatches ${result.dctMismatches ?? "n/a"}`,
      );
      assertExact(result);
      assert.equal(result.rgbaHash, result.jsHash, "RGBA input gives the RGB hash");
    });
  }

  // expected.json is the shared contract for Python and JS.
  for (const result of results.filter((r) => r.kind === "vector")) {
    const want = expected[result.name];
    const distance = hammingDistanceHex(result.jsHash, want.pdq);
    const pdqhashDistance = hammingDistanceHex(result.pyHash, want.pdq);
    // If pdqhash itself, on Pillow's pixels, disagrees with expected.json, the entry is
    // a claim about a different decode (e.g. "equals aaa-orig.jpg"), not a port defect.
    const todo =
      pdqhashDistance > 0
        ? `expected.json differs from pdqhash on Pillow's RGB by ${pdqhashDistance} bits` +
          (want.note ? ` (entry note: "${want.note}")` : "")
        : undefined;
    await t.test(`expected.json ${result.name}`, { todo }, () => {
      t.diagnostic(`expected.json ${result.name}: ${distance}/256 bits`);
      assert.equal(result.jsHash, want.pdq, `differs by ${distance} bits`);
      if (want.quality !== undefined) assert.equal(result.jsQuality, want.quality, "quality");
    });
  }
});

test("12 MP and 6 MP buffers (large filter windows) match pdqhash bit for bit", async (t) => {
  for (const result of await compareLarge(compare)) {
    t.diagnostic(`${result.name}: ${result.distance}/256 bits, JS ${result.ms.toFixed(0)} ms`);
    assertExact(result);
  }
});

test("development corpus (JPEG/PNG/WebP) matches pdqhash bit for bit", async (t) => {
  const results = await compareCorpus(t, compare);
  if (!results) return;

  const byType = {};
  for (const r of results) {
    const ext = path.extname(r.name).toLowerCase();
    byType[ext] = (byType[ext] ?? 0) + 1;
  }
  const maxDistance = Math.max(...results.map((r) => r.distance));
  const bad = results.filter(
    (r) => r.distance !== 0 || r.jsQuality !== r.pyQuality || (r.dctMismatches ?? 0) !== 0,
  );
  t.diagnostic(`files: ${results.length} ${JSON.stringify(byType)}`);
  t.diagnostic(`max Hamming distance: ${maxDistance}/256; files not bit-exact: ${bad.length}`);
  for (const r of bad) {
    t.diagnostic(
      `  ${r.name}: ${r.distance} bits, quality ${r.jsQuality}/${r.pyQuality}, DCT ${r.dctMismatches}`,
    );
  }
  assert.equal(maxDistance, 0);
  assert.deepEqual(bad.map((r) => r.name), []);
});
