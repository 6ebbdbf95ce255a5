// One file in, its fingerprints out: what the victim page submits for each file, the
// same set the CLI submits (hashing/algorithms.py hash_file, hashing/cli.py) less
// pHash, which would need Pillow's fixed-point Lanczos resampler ported bit for bit.
//
// MD5 and SHA-256 for every non-empty file (exact copies; all StopNCII uses for
// video). PDQ with its quality for images, refused with a reason under the same rules
// as the Python side, so the service never has to turn the whole batch down:
// quality under 50, a side under 32 pixels, more than 40 million pixels, or a nearly
// blank hash. Like the CLI, it adds the PDQ of the image with flat edge bands trimmed
// (bands.js) when that differs, so a leak with a border added or removed still matches.

import { bandBoxes, crop } from "./bands.js";
import { decodeImage, NotAnImage } from "./decode.js";
import { fileDigests } from "./digests.js";
import { pdqHash } from "./pdq.js";

// Keep in step with hashing/algorithms.py and hashing/images.py.
export const PDQ_QUALITY_MIN = 50;
export const MIN_IMAGE_SIDE = 32;
export const MAX_IMAGE_PIXELS = 40_000_000;
// Bytes are streamed, so this only stops a hopeless wait; a phone video is far below it.
export const MAX_FILE_BYTES = 4 * 1024 ** 3;
// A file larger than this is not read whole for decoding; no decodable image of at most
// MAX_IMAGE_PIXELS comes near it.
const MAX_IMAGE_FILE_BYTES = 256 * 1024 ** 2;

/**
 * @param {Blob} file
 * @returns {Promise<{fingerprints: {algorithm: string, value: string, quality?: number}[],
 *   variants: string[], pdq: {hash: string, quality: number} | null, refused: string | null,
 *   width?: number, height?: number, ms: {digests: number, decode: number, pdq: number}}>}
 *   `refused` names why there is no PDQ (or no fingerprint at all), else null; `variants` are
 *   the PDQ hashes of the band-trimmed crops that are usable and not already sent.
 */
export async function fingerprintFile(file) {
  const ms = { digests: 0, decode: 0, pdq: 0 };
  const result = { fingerprints: [], variants: [], pdq: null, refused: null, ms };
  if (file.size === 0) return { ...result, refused: "empty" };
  if (file.size > MAX_FILE_BYTES) return { ...result, refused: "too_big" };

  let started = performance.now();
  const { md5, sha256 } = await fileDigests(file);
  ms.digests = performance.now() - started;
  const exact = [
    { algorithm: "md5", value: md5 },
    { algorithm: "sha256", value: sha256 },
  ];
  if (file.size > MAX_IMAGE_FILE_BYTES) return { ...result, fingerprints: exact, refused: "not_image" };

  started = performance.now();
  let image;
  try {
    image = await decodeImage(new Uint8Array(await file.arrayBuffer()), { maxPixels: MAX_IMAGE_PIXELS });
  } catch (error) {
    const refused = error?.code === "too_many_pixels" ? "too_many_pixels" : "not_image";
    if (!(error instanceof NotAnImage) && refused === "not_image") console.warn("decode failed", error);
    return { ...result, fingerprints: exact, refused };
  }
  ms.decode = performance.now() - started;
  const { width, height } = image;
  if (Math.min(width, height) < MIN_IMAGE_SIDE) {
    return { ...result, fingerprints: exact, refused: "too_small", width, height };
  }

  started = performance.now();
  const pdq = pdqHash(image.rgba, width, height, { channels: 4 });
  const trimmed = bandBoxes(image).map((box) => {
    const part = crop(image, box);
    return pdqHash(part.rgba, part.width, part.height, { channels: 4 });
  });
  ms.pdq = performance.now() - started;
  const refused = pdq.quality < PDQ_QUALITY_MIN ? "low_quality" : nearlyFlat(pdq.hash) ? "flat" : null;
  const fingerprints = refused ? exact : [{ algorithm: "pdq", value: pdq.hash, quality: pdq.quality }, ...exact];
  const sent = new Set(refused ? [] : [pdq.hash]);
  const variants = [];
  for (const variant of trimmed) {
    if (usable(variant) && !sent.has(variant.hash)) {
      sent.add(variant.hash);
      variants.push(variant.hash);
    }
  }
  return { ...result, fingerprints, variants, pdq, refused, width, height };
}

function usable({ hash, quality }) {
  return quality >= PDQ_QUALITY_MIN && !nearlyFlat(hash);
}

// hashing/algorithms.py degeneracy(): fewer than 1/8 or more than 7/8 of the bits set.
function nearlyFlat(hex) {
  let ones = 0;
  for (const digit of hex) {
    let nibble = parseInt(digit, 16);
    for (; nibble; nibble &= nibble - 1) ones++;
  }
  const bits = hex.length * 4;
  return ones < bits / 8 || ones > (7 * bits) / 8;
}
