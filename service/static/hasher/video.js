// A video's vPDQ fingerprint made in the browser, as the CLI makes one (hashing/videos.py):
// frame n is hashed when n % int(rate) == 0, its timestamp n / rate, PDQ with quality of the
// frame's RGB pixels at their own size, the text python-threatexchange's VPDQSignal. The
// browser decodes with its own decoder and converts to RGB its own way, so frames come close to
// the CLI's but not bit for bit (benchmarks/page_videos.py measures how close).
//
// A <video> element decodes (a worker has none). It is never put in the document, so nothing is
// shown, and it reads the file through a blob: URL, so nothing leaves the device; each frame's
// pixels go to the hashing worker through `hashFrame`, with the boxes of the frame's centre
// crops (crops.js videoCropBoxes), which the worker hashes too, as the CLI's hash_bank_video does.

import { videoCropBoxes } from "./crops.js";

// Keep in step with hashing/videos.py and casework/bank/videos.py.
export const MAX_VIDEO_PIXELS = 3840 * 2160;
export const MAX_VIDEO_SECONDS = 3 * 3600;
export const MAX_VIDEO_FRAMES = 3 * 3600 * 60;
export const MIN_VIDEO_SIDE = 16;
export const FRAME_QUALITY_MIN = 50;
export const MIN_USABLE_FRAMES = 2;
const SECONDS_PER_HASH = 1;

// How long the browser may take to open a file or show a frame before the video counts as one
// it cannot play (a stalled decoder gives no error event).
const LOAD_TIMEOUT_MS = 20_000;
const SEEK_TIMEOUT_MS = 10_000;
// A frame callback that does not come after a seek means the frame did not change.
const FRAME_CALLBACK_MS = 300;
// Frames watched while playing to learn the frame rate, and the longest that takes.
const RATE_FRAMES = 16;
const RATE_WATCH_MS = 2_000;

// The most of an MP4's or MOV's header (its moov box) read to find the picture's turn.
const MAX_MOOV_BYTES = 256 * 1024 ** 2;
const MAX_TOP_BOXES = 64;

// Brands of ISO media files that are still images (HEIC, AVIF), not videos.
export const IMAGE_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "mif1", "msf1", "avif", "avis"]);

/** Whether the first 16 bytes (or more) start a container the CLI reads as a video. */
export function isVideo(head) {
  const tag = (from, to) => String.fromCharCode(...head.subarray(from, to));
  if (["ftyp", "moov", "mdat", "free", "wide"].includes(tag(4, 8))) {
    return !(tag(4, 8) === "ftyp" && IMAGE_BRANDS.has(tag(8, 12)));
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return true;
  if (tag(0, 4) === "RIFF" && tag(8, 12) === "AVI ") return true;
  return head[0] === 0x47 && head.length > 188 && head[188] === 0x47;
}

/** Why a video got no similarity fingerprint: `reason` is one word, `values` fill its message. */
export class VideoRefused extends Error {
  constructor(reason, values = {}) {
    super(reason);
    this.reason = reason;
    this.values = values;
  }
}

/**
 * @param {Blob} file
 * @param {{hashFrame: (rgba: Uint8ClampedArray, width: number, height: number, boxes: (number[] | null)[]) =>
 *   Promise<{hash: string, quality: number, crops: ({hash: string, quality: number} | null)[]}>,
 *   onProgress?: (done: number, total: number) => void}} options
 * @returns {Promise<{frames: {hash: string, quality: number, seconds: number, crops: ({hash: string,
 *   quality: number} | null)[]}[], seconds: number, width: number, height: number, rate: number | null,
 *   turns: number}>} or throws VideoRefused:
 *   the frames as the CLI samples them (frame n when n % int(rate) == 0, at n / rate seconds),
 *   each with its crops' hashes (null where a rule cuts none), the duration, the frames' size as stored, the frame rate the page measured (null: it
 *   sampled whole seconds) and the quarter turns it undid.
 */
export async function fingerprintVideo(file, { hashFrame, onProgress = () => {} }) {
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  const url = URL.createObjectURL(file);
  try {
    video.src = url;
    await opened(video);
    // Chromium shows a phone's portrait video upright, turned as its container asks; the CLI,
    // like vpdq, hashes frames as stored, so the canvas turns them back.
    const turns = await quarterTurns(file);
    const [width, height] = turns % 2 ? [video.videoHeight, video.videoWidth] : [video.videoWidth, video.videoHeight];
    // Sound alone (an M4A is an MP4 too) opens with no picture.
    if (!width || !height) throw new VideoRefused("video_no_picture");
    if (width * height > MAX_VIDEO_PIXELS) throw new VideoRefused("video_too_large");
    if (Math.min(width, height) < MIN_VIDEO_SIDE) throw new VideoRefused("video_too_small", { min: MIN_VIDEO_SIDE });
    const duration = await knownDuration(video);
    const tooLong = new VideoRefused("video_too_long", { hours: MAX_VIDEO_SECONDS / 3600 });
    if (duration > MAX_VIDEO_SECONDS) throw tooLong;
    const rate = await frameRate(video);
    // Without a rate (a very short video, or no frame callbacks) a frame a second, at whole seconds.
    const step = rate ? 1 / rate : SECONDS_PER_HASH;
    const total = rate ? Math.max(Math.round(duration * rate), 1) : Math.floor(duration) + 1;
    if (rate && total > MAX_VIDEO_FRAMES) throw tooLong;
    const every = rate ? Math.max(Math.floor(SECONDS_PER_HASH * rate + 1e-9), 1) : 1;

    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true, alpha: false });
    context.setTransform(...UNTURN[turns](width, height));
    const boxes = videoCropBoxes(width, height);
    const frames = [];
    for (let n = 0; n < total; n += every) {
      const seconds = n * step;
      // Half a frame in, so that rounding never lands on the frame before.
      await seek(video, Math.min(seconds + (rate ? step / 2 : 0), Math.max(duration - 1e-3, 0)));
      context.drawImage(video, 0, 0, video.videoWidth, video.videoHeight);
      const { data } = context.getImageData(0, 0, width, height);
      const { hash, quality, crops } = await hashFrame(data, width, height, boxes);
      frames.push({ hash, quality, seconds, crops });
      onProgress(seconds, duration);
    }
    return { frames, seconds: duration, width, height, rate, turns };
  } finally {
    video.removeAttribute("src");
    video.load();
    URL.revokeObjectURL(url);
  }
}

/** python-threatexchange's VPDQSignal text of the frames, as hashing/videos.py writes it. */
export function vpdqText(frames) {
  return JSON.stringify(frames.map(({ hash, quality, seconds }) => `${hash},${quality},${seconds.toFixed(3)}`));
}

/**
 * The VPDQSignal text of each crop rule's frames, as hashing/videos.py hash_bank_video gives
 * them: a frame the rule cuts nothing of is left out of that crop, a crop with no frames is
 * left out.
 */
export function cropTexts(frames) {
  const rules = Math.max(0, ...frames.map(({ crops }) => crops.length));
  const texts = [];
  for (let rule = 0; rule < rules; rule++) {
    const cut = frames.filter(({ crops }) => crops[rule]).map(({ crops, seconds }) => ({ ...crops[rule], seconds }));
    if (cut.length) texts.push(vpdqText(cut));
  }
  return texts;
}

/** The frames matching would use: quality 50 or more, each distinct hash once. */
export function usableFrames(frames) {
  const seen = new Set();
  return frames.filter(({ hash, quality }) => quality >= FRAME_QUALITY_MIN && !seen.has(hash) && seen.add(hash));
}

// Canvas transforms from the picture as shown, turned clockwise 0-3 quarters, to the frame as
// stored (width x height).
const UNTURN = [
  () => [1, 0, 0, 1, 0, 0],
  (width, height) => [0, -1, 1, 0, 0, height],
  (width, height) => [-1, 0, 0, -1, width, height],
  (width) => [0, 1, -1, 0, width, 0],
];

/**
 * Clockwise quarter turns an MP4 or MOV asks players to give its first video track (the matrix
 * of its tkhd box); 0 for other containers, other matrices and anything unreadable.
 */
export async function quarterTurns(file) {
  const read = async (start, end) => new DataView(await file.slice(start, end).arrayBuffer());
  let moov = null;
  for (let offset = 0, count = 0; offset + 8 <= file.size && count < MAX_TOP_BOXES; count++) {
    const [box] = boxes(await read(offset, offset + 16), 0, Infinity, offset);
    if (!box) return 0;
    if (box.type === "moov") {
      moov = box;
      break;
    }
    offset = box.end;
  }
  if (!moov || Math.min(moov.end, file.size) - moov.start > MAX_MOOV_BYTES) return 0;
  const view = await read(moov.start, Math.min(moov.end, file.size));
  for (const trak of boxes(view, 0, view.byteLength).filter((box) => box.type === "trak")) {
    const parts = boxes(view, trak.start, trak.end);
    const tkhd = parts.find((box) => box.type === "tkhd");
    const mdia = parts.find((box) => box.type === "mdia");
    const hdlr = mdia && boxes(view, mdia.start, mdia.end).find((box) => box.type === "hdlr");
    if (!tkhd || !hdlr || hdlr.end - hdlr.start < 12 || tkhd.end - tkhd.start < 76) continue;
    if (String.fromCharCode(...new Uint8Array(view.buffer, hdlr.start + 8, 4)) !== "vide") continue;
    // Version 1 has 64-bit times: 12 more bytes before the matrix.
    const matrix = tkhd.start + (view.getUint8(tkhd.start) === 1 ? 52 : 40);
    if (matrix + 20 > tkhd.end) return 0;
    const [a, b, c, d] = [0, 4, 12, 16].map((at) => view.getInt32(matrix + at));
    if (a === 0 && d === 0 && b > 0 && c < 0) return 1;
    if (a < 0 && d < 0 && b === 0 && c === 0) return 2;
    if (a === 0 && d === 0 && b < 0 && c > 0) return 3;
    return 0;
  }
  return 0;
}

// The boxes of an ISO media view between start and end, as {type, start, end}: start after
// the header, end Infinity for a box that runs to the end of the file. `base` is the view's
// place in the file, for top-level boxes read a header at a time.
function boxes(view, start, end, base = 0) {
  const found = [];
  for (let offset = start; offset + 8 <= Math.min(end, view.byteLength); ) {
    let size = view.getUint32(offset);
    const type = String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + offset + 4, 4));
    let header = 8;
    if (size === 1) {
      if (offset + 16 > view.byteLength) break;
      size = Number(view.getBigUint64(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = Infinity;
    }
    if (size < header) break;
    found.push({ type, start: base + offset + header, end: base + offset + size });
    if (size === Infinity) break;
    offset += size;
  }
  return found;
}

function opened(video) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new VideoRefused("video_unplayable")), LOAD_TIMEOUT_MS);
    video.addEventListener("loadeddata", () => (clearTimeout(timer), resolve()), { once: true });
    video.addEventListener("error", () => (clearTimeout(timer), reject(new VideoRefused("video_unplayable"))), {
      once: true,
    });
  });
}

// A WebM written live may state no duration; seeking far past the end makes the browser find it.
async function knownDuration(video) {
  if (Number.isFinite(video.duration)) return video.duration;
  await seek(video, 1e9);
  if (!Number.isFinite(video.duration)) throw new VideoRefused("video_unplayable");
  return video.duration;
}

function seek(video, seconds) {
  return new Promise((resolve, reject) => {
    let seeked = false;
    let painted = !("requestVideoFrameCallback" in video);
    const done = () => {
      if (seeked && painted) {
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => reject(new VideoRefused("video_unplayable")), SEEK_TIMEOUT_MS);
    video.addEventListener(
      "seeked",
      () => {
        seeked = true;
        // drawImage() may still see the old frame until the new one is presented.
        setTimeout(() => ((painted = true), done()), FRAME_CALLBACK_MS);
        done();
      },
      { once: true },
    );
    video.requestVideoFrameCallback?.(() => ((painted = true), done()));
    video.currentTime = seconds;
  });
}

// The frame rate from the timestamps of the frames presented while the video plays muted for a
// moment: the mean step over steps of about one frame (a dropped frame makes a double step),
// snapped to a whole rate when the timestamps cannot tell it apart (WebM stores milliseconds).
async function frameRate(video) {
  if (!("requestVideoFrameCallback" in video)) return null;
  const times = [];
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, RATE_WATCH_MS);
    const watch = (_, { mediaTime }) => {
      times.push(mediaTime);
      if (times.length >= RATE_FRAMES || video.ended) {
        clearTimeout(timer);
        resolve();
      } else video.requestVideoFrameCallback(watch);
    };
    video.requestVideoFrameCallback(watch);
    video.addEventListener("ended", () => (clearTimeout(timer), resolve()), { once: true });
    video.play().catch(() => (clearTimeout(timer), resolve()));
  });
  video.pause();
  const steps = times.slice(1).map((time, i) => time - times[i]).filter((step) => step > 0);
  if (steps.length < 2) return null;
  const typical = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
  const single = steps.filter((step) => step < 1.5 * typical);
  const rate = single.length / single.reduce((sum, step) => sum + step, 0);
  const milliseconds = times.every((time) => Math.abs(time * 1000 - Math.round(time * 1000)) < 1e-6);
  const tolerance = milliseconds ? 5e-3 : 5e-4;
  return Math.abs(rate - Math.round(rate)) <= tolerance * rate ? Math.round(rate) : rate;
}
