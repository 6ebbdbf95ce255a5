// imagehash.phash (imagehash 4.3.2), the 64-bit pHash the service keeps next to PDQ, bit for
// bit with the Python side (hashing/algorithms.py phash):
//   image.convert("L").resize((32, 32), LANCZOS)         luma.js, resample.js
//   dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)   dct.js
//   bits = dct[:8, :8] > numpy.median(dct[:8, :8])
// Bits are read row by row from the top-left, most significant first, as str(imagehash) and
// the service's Fingerprint print them.

import { DCT_LENGTH, dctII } from "./dct.js";
import { luma } from "./luma.js";
import { resizeLanczos } from "./resample.js";

const SIZE = DCT_LENGTH;
const LOW = 8;

// imagehash's own nearly-empty hashes of flat and gradient images that the popcount rule of
// hashing/algorithms.py degeneracy() lets through (8 of 64 bits set); the service refuses them,
// so the page must not send them. web/test/phash-parity.test.js checks the list against Python.
export const PHASH_DENYLIST = new Set(["8080808080808080", "ff00000000000000"]);

/**
 * pHash of the box [left, top, right, bottom) of a grey plane `stride` pixels wide (luma.js),
 * as imagehash.phash(image.crop(box)) computes it.
 * @returns {{hash: string, pixels: Uint8Array, dct: Float64Array}} the 16-hex-digit hash, the
 *   32x32 grey image it came from and its 8x8 low-frequency DCT values (row by row)
 */
export function phashOfGrey(levels, stride, box) {
  const pixels = resizeLanczos(levels, stride, box, SIZE, SIZE);
  const columns = new Float64Array(SIZE * SIZE);
  const line = new Float64Array(SIZE);
  // Axis 0 (down each column), keeping the first 8 coefficients of every column.
  for (let x = 0; x < SIZE; x++) {
    for (let y = 0; y < SIZE; y++) line[y] = pixels[y * SIZE + x];
    dctII(line);
    for (let y = 0; y < LOW; y++) columns[y * SIZE + x] = line[y];
  }
  // Axis 1 (along each of those 8 rows).
  const dct = new Float64Array(LOW * LOW);
  for (let y = 0; y < LOW; y++) {
    line.set(columns.subarray(y * SIZE, (y + 1) * SIZE));
    dctII(line);
    dct.set(line.subarray(0, LOW), y * LOW);
  }
  const sorted = Float64Array.from(dct).sort();
  const median = (sorted[LOW * LOW / 2 - 1] + sorted[LOW * LOW / 2]) / 2;
  let hash = "";
  for (let i = 0; i < dct.length; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4; b++) nibble = (nibble << 1) | (dct[i + b] > median ? 1 : 0);
    hash += nibble.toString(16);
  }
  return { hash, pixels, dct };
}

/**
 * pHash of RGB(A) pixels; alpha is ignored, as convert("RGB") drops it.
 * @param {ArrayLike<number>} data
 * @param {number} width
 * @param {number} height
 * @param {{channels?: number}} [options] 4 for RGBA (the default), 3 for RGB
 * @returns {string} 16 lowercase hex digits
 */
export function phash(data, width, height, { channels = 4 } = {}) {
  return phashOfGrey(luma(data, width * height, channels), width, [0, 0, width, height]).hash;
}
