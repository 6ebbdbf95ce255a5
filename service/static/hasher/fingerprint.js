// One file in, its fingerprints out: what the victim page submits for each file, the
// same set the CLI submits (hashing/algorithms.py hash_file, hashing/cli.py).
//
// MD5 and SHA-256 for every non-empty file (exact copies; all StopNCII uses for
// video; a video's vPDQ is made on the page, video.js). For images, PDQ with its quality and pHash, each refused under the same rules
// as the Python side, so the service never has to turn the whole batch down: PDQ for a
// quality under 50; both for a side under 32 pixels, more than 40 million pixels, or a
// nearly blank hash (pHash is kept when only PDQ's quality is too low, as the CLI keeps
// it). Like the CLI, it adds the PDQ and pHash of the image with flat edge bands trimmed
// (bands.js) and of its crops (crops.js) where they are usable and new, so a leak with a
// border added or removed, or cropped by its uploader, still matches.

import { bandBoxes } from "./bands.js";
import { cropBoxes } from "./crops.js";
import { decodeImage, isHeic, NotAnImage } from "./decode.js";
import { fileDigests } from "./digests.js";
import { luma } from "./luma.js";
import { pdqHash } from "./pdq.js";
import { PHASH_DENYLIST, phashOfGrey } from "./phash.js";
import { isVideo } from "./video.js";

// Keep in step with hashing/algorithms.py and hashing/images.py.
export const PDQ_QUALITY_MIN = 50;
export const MIN_IMAGE_SIDE = 32;
export const MAX_IMAGE_PIXELS = 40_000_000;
// Bytes are streamed, so this only stops a hopeless wait; a phone video is far below it.
export const MAX_FILE_BYTES = 4 * 1024 ** 3;
// A file larger than this is not read whole for decoding; no decodable image of at most
// MAX_IMAGE_PIXELS comes near it.
const MAX_IMAGE_FILE_BYTES = 256 * 1024 ** 2;

/** The stages of fingerprintFile, in order, as it reports them to `onStage`. */
export const STAGES = ["digests", "decode", "pdq", "phash", "trimmed", "crops"];

/**
 * @param {Blob} file
 * @param {(stage: string) => void} [onStage] called as each stage of STAGES starts
 * @returns {Promise<{fingerprints: {algorithm: string, value: string, quality?: number}[],
 *   variants: {algorithm: string, value: string, from: "trimmed" | "crop"}[], crops: number,
 *   pdq: {hash: string, quality: number} | null, phash: string | null, refused: string | null,
 *   width?: number, height?: number, video?: true, ms: {[stage: string]: number}}>}
 *   `pdq` and `phash` are the image's hashes even where refused; `refused` names why there is
 *   no PDQ (or no fingerprint at all), else null ("video", with `video` true, for a file
 *   that starts like a video: the page fingerprints it with video.js); `variants` are the
 *   PDQ and pHash of the band-trimmed copies, then of the crops, that are usable and not already sent, in the
 *   order of hashing/algorithms.py hash_file's variants, each saying which kind of copy it
 *   came from first; `crops` is how many crops were hashed; `ms` has each stage's time.
 */
export async function fingerprintFile(file, onStage = () => {}) {
  const ms = Object.fromEntries(STAGES.map((stage) => [stage, 0]));
  const result = { fingerprints: [], variants: [], crops: 0, pdq: null, phash: null, refused: null, ms };
  if (file.size === 0) return { ...result, refused: "empty" };
  if (file.size > MAX_FILE_BYTES) return { ...result, refused: "too_big" };
  // Each stage reported as it starts and timed (the browser tests report the times).
  const timed = async (stage, work) => {
    onStage(stage);
    const started = performance.now();
    const value = await work();
    ms[stage] = performance.now() - started;
    return value;
  };

  const { md5, sha256 } = await timed("digests", () => fileDigests(file));
  const exact = [
    { algorithm: "md5", value: md5 },
    { algorithm: "sha256", value: sha256 },
  ];
  // A video's similarity fingerprint needs the page's <video> element (video.js), not this worker.
  if (isVideo(new Uint8Array(await file.slice(0, 192).arrayBuffer()))) {
    return { ...result, fingerprints: exact, refused: "video", video: true };
  }
  if (file.size > MAX_IMAGE_FILE_BYTES) return { ...result, fingerprints: exact, refused: "not_image" };

  let image;
  try {
    image = await timed("decode", async () =>
      decodeImage(new Uint8Array(await file.arrayBuffer()), { maxPixels: MAX_IMAGE_PIXELS }),
    );
  } catch (error) {
    if (error?.code === "too_many_pixels") return { ...result, fingerprints: exact, refused: "too_many_pixels" };
    if (!(error instanceof NotAnImage)) console.warn("decode failed", error);
    // Chromium cannot decode HEIC, what iPhones save photos as; the page says the CLI can.
    const heic = isHeic(new Uint8Array(await file.slice(0, 12).arrayBuffer()));
    return { ...result, fingerprints: exact, refused: heic ? "heic" : "not_image" };
  }
  const { width, height } = image;
  if (Math.min(width, height) < MIN_IMAGE_SIDE) {
    return { ...result, fingerprints: exact, refused: "too_small", width, height };
  }

  const pdq = await timed("pdq", () => pdqHash(image.rgba, width, height, { channels: 4 }));
  // One grey plane serves pHash, the band search and the pHash of every trimmed crop.
  const { levels, phash } = await timed("phash", () => {
    const grey = luma(image.rgba, width * height);
    return { levels: grey, phash: phashOfGrey(grey, width, [0, 0, width, height]).hash };
  });
  // PDQ of the box's own pixels at full resolution, read in place; pHash straight from the
  // shared grey plane.
  const perceptualOf = (box, from) => {
    const { hash, quality } = pdqHash(image.rgba, width, height, { channels: 4, box });
    return [
      { algorithm: "pdq", value: hash, quality, from },
      { algorithm: "phash", value: phashOfGrey(levels, width, box).hash, from },
    ];
  };
  const trimmed = await timed("trimmed", () =>
    bandBoxes({ width, height, levels }).flatMap((box) => perceptualOf(box, "trimmed")),
  );
  const boxes = cropBoxes(width, height);
  const cropped = await timed("crops", () => boxes.flatMap(([, box]) => perceptualOf(box, "crop")));

  const refused = pdq.quality < PDQ_QUALITY_MIN ? "low_quality" : nearlyFlat(pdq.hash) ? "flat" : null;
  const perceptual = [];
  if (!refused) perceptual.push({ algorithm: "pdq", value: pdq.hash, quality: pdq.quality });
  if (usable({ algorithm: "phash", value: phash })) perceptual.push({ algorithm: "phash", value: phash });
  const sent = new Set(perceptual.map(({ algorithm, value }) => `${algorithm}:${value}`));
  const variants = [];
  for (const { algorithm, value, quality, from } of [...trimmed, ...cropped]) {
    const key = `${algorithm}:${value}`;
    if (usable({ algorithm, value, quality }) && !sent.has(key)) {
      sent.add(key);
      variants.push({ algorithm, value, from });
    }
  }
  const fingerprints = [...perceptual, ...exact];
  return { ...result, fingerprints, variants, crops: boxes.length, pdq, phash, refused, width, height };
}

// hashing/algorithms.py _usable_perceptual and degeneracy().
function usable({ algorithm, value, quality }) {
  if (algorithm === "pdq") return quality >= PDQ_QUALITY_MIN && !nearlyFlat(value);
  return !nearlyFlat(value) && !PHASH_DENYLIST.has(value);
}

// Fewer than 1/8 or more than 7/8 of the bits set.
function nearlyFlat(hex) {
  let ones = 0;
  for (const digit of hex) {
    let nibble = parseInt(digit, 16);
    for (; nibble; nibble &= nibble - 1) ones++;
  }
  const bits = hex.length * 4;
  return ones < bits / 8 || ones > (7 * bits) / 8;
}
