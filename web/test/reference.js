// Reference data for the PDQ and pHash parity tests: runs web/scripts/dump_pixels.py (Pillow
// decode + pdqhash 0.2.8 + imagehash.phash) and streams its records, with the raw RGB pixels, to a
// callback. Pixel files go to a temp directory and are deleted as soon as each
// record is consumed (the script waits for an acknowledgement per record), so a
// few hundred images never sit on disk at once.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, "..", "..");
const DUMP_SCRIPT = path.join(REPO_ROOT, "web", "scripts", "dump_pixels.py");
const ACK_WINDOW = 4;

function firstExisting(candidates) {
  return candidates.find((candidate) => candidate && existsSync(candidate)) ?? null;
}

// tests/vectors/pdq in the repo; the shared copy next to the repo as a fallback.
export function vectorsDir() {
  const candidates = [
    process.env.PDQ_VECTORS_DIR,
    path.join(REPO_ROOT, "tests", "vectors", "pdq"),
    path.join(REPO_ROOT, "..", "shared", "vectors", "pdq"),
  ];
  return (
    candidates.find(
      (dir) => dir && existsSync(path.join(dir, "expected.json")) && existsSync(path.join(dir, "images")),
    ) ?? null
  );
}

export function corpusDir() {
  return firstExisting([process.env.PDQ_CORPUS_DIR, path.join(REPO_ROOT, "..", "shared", "corpus", "dev")]);
}

export function pythonExecutable() {
  return (
    process.env.TAKEDOWN_PYTHON ??
    firstExisting([
      path.join(REPO_ROOT, ".venv", "bin", "python"),
      path.join(REPO_ROOT, ".venv", "Scripts", "python.exe"),
    ]) ??
    "python3"
  );
}

const HOW_TO_FIX =
  "The parity tests need a Python with Pillow 13.0.0, numpy, scipy, imagehash 4.3.2 and pdqhash 0.2.8: " +
  "the repo's .venv, or set TAKEDOWN_PYTHON=/path/to/python.";

// What dump_pixels.py prints for one of its print-and-exit flags, trimmed.
export function printedByPython(flag) {
  // Room for the crop reference (about 1 MB), past spawnSync's 1 MB default.
  const result = spawnSync(pythonExecutable(), [DUMP_SCRIPT, flag], { encoding: "utf8", maxBuffer: 64 * 1024 ** 2 });
  if (result.status !== 0) {
    throw new Error(`${HOW_TO_FIX}\n${result.error ?? ""}${result.stderr ?? ""}`);
  }
  return result.stdout.trim();
}

export function dctMatrixFromPython() {
  return printedByPython("--dct-matrix");
}

/**
 * Run dump_pixels.py with `args` and call onRecord(record, rgbBytes) per image.
 * Resolves with the number of records once the script has exited cleanly.
 */
export async function streamReference(args, onRecord) {
  const out = mkdtempSync(path.join(tmpdir(), "pdq-parity-"));
  const child = spawn(
    pythonExecutable(),
    [DUMP_SCRIPT, "--out", out, "--ack-window", String(ACK_WINDOW), ...args],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => {
    child.on("error", (error) => resolve({ code: null, error }));
    child.on("close", (code) => resolve({ code, error: null }));
  });
  child.stdin.on("error", () => {}); // the script may exit before reading every ack

  let count = 0;
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (!line.trim()) continue;
      const record = JSON.parse(line);
      const file = path.join(out, record.pixels);
      const rgb = readFileSync(file);
      unlinkSync(file);
      await onRecord(record, rgb);
      count++;
      child.stdin.write("\n");
    }
  } finally {
    child.stdin.end();
    const { code, error } = await exited;
    rmSync(out, { recursive: true, force: true });
    if (code !== 0) {
      throw new Error(`dump_pixels.py failed (exit ${code}). ${HOW_TO_FIX}\n${error ?? ""}${stderr}`);
    }
  }
  return count;
}

export function float32FromHex(hex) {
  const bytes = Buffer.from(hex, "hex");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
  return values;
}

export function hammingDistanceHex(a, b) {
  let distance = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i], 16) ^ parseInt(b[i], 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}

// Number of float32 values whose bit patterns differ (so -0 vs +0 counts too).
export function float32BitMismatches(a, b) {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let mismatches = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) mismatches++;
  return mismatches;
}

export function float64FromHex(hex) {
  const bytes = Buffer.from(hex, "hex");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float64Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getFloat64(8 * i, true));
}

/** The 12 MP and 6 MP buffers (dump_pixels.py --large) through `compare`, one result each. */
export async function compareLarge(compare) {
  const dir = vectorsDir();
  assert.ok(dir, "no vectors: expected tests/vectors/pdq or ../shared/vectors/pdq");
  const results = [];
  await streamReference(["--vectors", path.join(dir, "images"), "--large"], (record, rgb) => {
    if (record.kind === "large") results.push(compare(record, rgb));
  });
  assert.equal(results.length, 2);
  return results;
}

/**
 * The development corpus (PDQ_CORPUS_LIMIT files of it, when set) through `compare`; null,
 * with the test skipped, when the corpus is not there.
 */
export async function compareCorpus(t, compare) {
  const dir = corpusDir();
  if (!dir) {
    t.skip("corpus not found (../shared/corpus/dev or PDQ_CORPUS_DIR); skipping");
    return null;
  }
  const limit = process.env.PDQ_CORPUS_LIMIT;
  const results = [];
  await streamReference(["--corpus", dir, ...(limit ? ["--corpus-limit", limit] : [])], (record, rgb) => {
    results.push(compare(record, rgb));
  });
  t.diagnostic(`corpus: ${dir}`);
  assert.ok(results.length >= (limit ? 1 : 50), "at least 50 corpus files");
  return results;
}
