// Hashing the files the victim picks or drops (start and add pages): each goes to the hashing
// worker, which has no network code, and its fingerprints are shown as they come; then sending
// them to the service in batches of its per-request limit. A video's frames are decoded here
// (hasher/video.js) and hashed in the same worker, with its centre crops; its vPDQ text, its
// crops' and the file's SHA-256 are sent on their own after the batches, one request a video,
// as the CLI sends them (hashing/videofiles.py video_body).

import { MAX_FILE_BYTES, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE, STAGES } from "../hasher/fingerprint.js";
import { cropTexts, fingerprintVideo, MIN_USABLE_FRAMES, usableFrames, VideoRefused, vpdqText } from "../hasher/video.js";
import { addFingerprints, addVideo, fingerprintPayload, openCase, videoPayload } from "./api.js";
import { $, config, element, numbers, say } from "./page.js";

class Hasher {
  constructor(onChange) {
    this.entries = [];
    this.onChange = onChange;
    this.queue = Promise.resolve();
    this.worker = null;
    this.pending = new Map();
    this.nextId = 0;
    this.done = 0;
    // The share of the current file done: its stages started, or a video's seconds hashed.
    this.fraction = 0;
  }

  // Started with the page, not at the first file, so that all hashing code is loaded while
  // the page loads: after that it works offline, as the page promises.
  start() {
    this.worker = new Worker("/static/hasher/worker.js", { type: "module" });
    this.worker.onmessage = ({ data }) => {
      if (data.ready) {
        document.documentElement.dataset.hasher = "ready";
        return;
      }
      const waiting = this.pending.get(data.id);
      if (data.stage) {
        waiting?.stage(data.stage);
        return;
      }
      waiting?.finish(data);
      this.pending.delete(data.id);
    };
    // A browser without module workers, or a failed load: say so on every waiting file.
    this.worker.onerror = () => {
      for (const [id, { finish }] of this.pending) {
        finish({ id, fingerprints: [], variants: [], crops: 0, pdq: null, phash: null, refused: "read_error" });
      }
      this.pending.clear();
    };
  }

  add(files) {
    if (!files.length) return;
    for (const file of files) {
      const entry = { file, result: null, item: renderPending(file) };
      this.entries.push(entry);
      $("file-list").append(entry.item);
      this.queue = this.queue.then(() => this.hash(entry));
    }
    $("files-title").hidden = false;
    this.onChange();
  }

  hash(entry) {
    const id = this.nextId++;
    const state = entry.item.querySelector(".state");
    state.textContent = say("working");
    return new Promise((resolve) => {
      const stage = (name) => {
        state.textContent = say(`stage_${name}`);
        this.fraction = STAGES.indexOf(name) / STAGES.length;
        this.onChange();
      };
      const finish = async (result) => {
        entry.result = result;
        if (result.video) await this.hashVideo(entry);
        this.done++;
        this.fraction = 0;
        renderResult(entry);
        this.onChange();
        resolve();
      };
      this.pending.set(id, { stage, finish });
      this.worker.postMessage({ id, file: entry.file });
    });
  }

  // The video's frames through the worker's PDQ, progress in seconds of video; entry.video is
  // {vpdq, crops, frames, seconds}, or entry.videoRefused {reason, values} says why there is none.
  async hashVideo(entry) {
    const state = entry.item.querySelector(".state");
    state.textContent = say("stage_video");
    const onProgress = (done, total) => {
      // {total} is the count the words follow (say formats it); {done} is formatted here.
      const shown = { done: numbers.format(Math.floor(done)), total: Math.floor(total) };
      state.textContent = say("video_progress", shown);
      this.fraction = total > 0 ? Math.min(done / total, 1) : 0;
      this.onChange();
    };
    try {
      const hashFrame = (rgba, width, height, boxes) => this.hashFrame(rgba, width, height, boxes);
      const { frames, seconds } = await fingerprintVideo(entry.file, { hashFrame, onProgress });
      // The service banks a video only with enough usable frames (casework/bank/videos.py).
      if (usableFrames(frames).length < MIN_USABLE_FRAMES) throw new VideoRefused("video_flat");
      entry.video = { vpdq: vpdqText(frames), crops: cropTexts(frames), frames: frames.length, seconds };
    } catch (error) {
      if (!(error instanceof VideoRefused)) console.warn("video fingerprint failed", error);
      entry.videoRefused = error instanceof VideoRefused ? error : new VideoRefused("video_unplayable");
    }
  }

  // One frame's PDQ hash and quality, and its crops' (one a box, null for a null box), from the
  // worker (the pixels are handed over, not copied).
  hashFrame(rgba, width, height, boxes) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const finish = (data) => (data.pdq ? resolve(data.pdq) : reject(new Error(data.error ?? "no frame hash")));
      this.pending.set(id, { stage: () => {}, finish });
      this.worker.postMessage({ id, frame: { rgba, width, height, boxes } }, [rgba.buffer]);
    });
  }

  get busy() {
    return this.done < this.entries.length;
  }

  // Files done, plus the share of the current file done.
  get progress() {
    return this.done + (this.busy ? this.fraction : 0);
  }

  // Each video's fingerprint once, as {vpdq, crops, sha256, file}: sha256 is the file's, sent
  // among the fingerprints, which ties the two to one video in the case.
  videos() {
    const seen = new Map();
    for (const { file, video, result } of this.entries) {
      if (!video || seen.has(video.vpdq)) continue;
      const sha256 = result.fingerprints.find(({ algorithm }) => algorithm === "sha256")?.value;
      seen.set(video.vpdq, { vpdq: video.vpdq, crops: video.crops, sha256, file: file.name });
    }
    return [...seen.values()];
  }

  // Every distinct fingerprint once, as {fingerprint, file, photo, derived}: the name of the
  // (first) file it came from, for messages; that file's place in the list, `photo`; and
  // whether it is of a trimmed copy or a crop rather than the file as it is. Variants go on the
  // wire as plain PDQ or pHash without a quality, as the CLI sends them.
  fingerprints() {
    const seen = new Map();
    for (const [photo, { file, result }] of this.entries.entries()) {
      const own = (result?.fingerprints ?? []).map((fingerprint) => ({ fingerprint, derived: false }));
      const variants = (result?.variants ?? []).map(({ algorithm, value }) => ({
        fingerprint: { algorithm, value },
        derived: true,
      }));
      for (const { fingerprint, derived } of [...own, ...variants]) {
        const key = `${fingerprint.algorithm}:${fingerprint.value}`;
        if (!seen.has(key)) seen.set(key, { fingerprint, file: file.name, photo, derived });
      }
    }
    return [...seen.values()];
  }
}

function humanSize(bytes) {
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${new Intl.NumberFormat(config.lang, { maximumFractionDigits: 1 }).format(value)} ${units[unit]}`;
}

function renderPending(file) {
  const name = file.webkitRelativePath || file.relativePath || file.name;
  return element(
    "li",
    {},
    element("p", { className: "name" }, element("span", { textContent: name }), " ", element("span", { className: "size", textContent: humanSize(file.size) })),
    element("p", { className: "state", textContent: say("waiting") }),
  );
}

function renderResult({ item, result, video, videoRefused }) {
  const state = item.querySelector(".state");
  if (result.video) return renderVideo(item, result, video, videoRefused);
  const pdq = result.fingerprints.find((f) => f.algorithm === "pdq");
  const phash = result.fingerprints.find((f) => f.algorithm === "phash");
  if (result.refused === "empty" || result.refused === "too_big" || result.refused === "read_error") {
    state.textContent = say(result.refused, { mb: MAX_FILE_BYTES / 1024 ** 2 });
    item.classList.add("refused");
    return;
  }
  if (pdq) {
    state.textContent = `${say("ready")} · ${say("quality", { quality: pdq.quality })}`;
    item.classList.add("ready");
  } else if (phash) {
    // PDQ refused the image (too little detail), but pHash still recognises copies; the CLI
    // sends it too.
    state.textContent = `${say("ready")} · ${say("no_pdq")}`;
    item.classList.add("partial");
  } else {
    const reason = say(result.refused, { min: MIN_IMAGE_SIDE, max: MAX_IMAGE_PIXELS / 1e6 });
    state.textContent = `${say("exact_only")} ${reason}`;
    item.classList.add("partial");
  }
  const values = element("dl", { className: "values" });
  const trimmed = result.variants.filter((variant) => variant.from === "trimmed");
  const shown = [
    ...result.fingerprints.map(({ algorithm, value }) => [say(`alg_${algorithm}`), value]),
    ...trimmed.map(({ algorithm, value }) => [say(`alg_${algorithm}_trimmed`), value]),
  ];
  for (const [label, value] of shown) {
    values.append(
      element("dt", { textContent: label }),
      element("dd", {}, element("code", { textContent: value })),
    );
  }
  item.append(values);
  // Up to 14 more values would bury the ones above: the crops are counted, not listed (the
  // payload shown before sending still lists every fingerprint).
  const sent = result.variants.length - trimmed.length;
  if (result.crops && sent) {
    const told = { fingerprints: say("similarity_fingerprints", { count: sent }), crops: say("crops", { count: result.crops }) };
    item.append(element("p", { className: "crops", textContent: say("crops_hashed", told) }));
  }
}

function renderVideo(item, result, video, refused) {
  const state = item.querySelector(".state");
  const values = element("dl", { className: "values" });
  if (video) {
    const seconds = Math.round(video.seconds);
    state.textContent = `${say("ready")} · ${say("video_frames", { frames: numbers.format(video.frames), seconds })}`;
    item.classList.add("ready");
  } else {
    state.textContent = `${say("exact_only")} ${say(refused.reason, refused.values)}`;
    item.classList.add("partial");
  }
  for (const { algorithm, value } of result.fingerprints) {
    values.append(
      element("dt", { textContent: say(`alg_${algorithm}`) }),
      element("dd", {}, element("code", { textContent: value })),
    );
  }
  item.append(values);
}

function watchDrops(onFiles) {
  const zone = $("dropzone");
  // A file dropped anywhere must not make the browser open it in place of the page.
  for (const type of ["dragover", "drop"]) document.addEventListener(type, (event) => event.preventDefault());
  document.addEventListener("dragenter", () => zone.classList.add("over"));
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) zone.classList.remove("over");
  });
  document.addEventListener("drop", async (event) => {
    zone.classList.remove("over");
    const items = [...(event.dataTransfer?.items ?? [])];
    const entries = items.map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
    onFiles(entries.length ? await filesOfEntries(entries) : [...(event.dataTransfer?.files ?? [])]);
  });
}

// Files of dropped files and folders (folders read recursively, in name order).
async function filesOfEntries(entries, prefix = "") {
  const files = [];
  for (const entry of entries) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      file.relativePath = prefix + file.name;
      files.push(file);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      const children = [];
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        children.push(...batch);
      }
      children.sort((a, b) => a.name.localeCompare(b.name));
      files.push(...(await filesOfEntries(children, `${prefix}${entry.name}/`)));
    }
  }
  return files;
}

// Hashes what the buttons pick or is dropped; onReady(false) while files wait, and once all
// are done, onReady(whether there are fingerprints to send).
export function setUpHasher(onReady) {
  const hasher = new Hasher(() => {
    const total = hasher.entries.length;
    $("progress-area").hidden = false;
    $("progress").max = Math.max(total, 1);
    $("progress").value = hasher.progress;
    if (hasher.busy) {
      $("progress-text").textContent = say("progress", { done: hasher.done, total });
      $("send-summary").textContent = "";
      onReady(false);
      return;
    }
    // Summarised once all files are done: rebuilding it per file would be quadratic in a folder.
    const items = hasher.fingerprints();
    const videos = hasher.videos();
    const bodies = [...requestBatches(items).map(fingerprintPayload), ...videos.map(videoPayload)];
    const bytes = bodies.reduce((sum, body) => sum + new TextEncoder().encode(JSON.stringify(body)).length, 0);
    $("progress-text").textContent = say("progress_done", {
      files: say("files", { count: total }),
      fingerprints: say("fingerprints", { count: items.length }),
    });
    // One JSON document per request, as each will be sent.
    $("payload").textContent = bodies.map((body) => JSON.stringify(body, null, 1)).join("\n");
    $("payload-details").hidden = items.length === 0;
    const sizes = { count: items.length, videos: videos.length, bytes: numbers.format(bytes) };
    $("send-summary").textContent = !items.length
      ? say("nothing_to_send")
      : videos.length
        ? say("will_send_videos", sizes)
        : say("will_send", sizes);
    onReady(items.length > 0);
  });
  hasher.start();
  const pick = (input) => {
    hasher.add([...input.files]);
    input.value = "";
  };
  $("choose-files").addEventListener("click", () => $("files").click());
  $("choose-folder").addEventListener("click", () => $("folder").click());
  $("files").addEventListener("change", () => pick($("files")));
  $("folder").addEventListener("change", () => pick($("folder")));
  watchDrops((files) => hasher.add(files));
  return hasher;
}

// The items (from Hasher.fingerprints) in requests of at most the service's per-request limit,
// each photo's fingerprints in one request, as the CLI batches them (hashing/batches.py), so
// the service sees them together. Only a photo with more than the limit on its own is split.
function requestBatches(items) {
  const photos = new Map();
  for (const item of items) photos.set(item.photo, [...(photos.get(item.photo) ?? []), item]);
  const batches = [];
  let batch = [];
  for (const photo of photos.values()) {
    if (batch.length && batch.length + photo.length > config.maxPerRequest) {
      batches.push(batch);
      batch = [];
    }
    batch.push(...photo);
    while (batch.length > config.maxPerRequest) batches.push(batch.splice(0, config.maxPerRequest));
  }
  if (batch.length) batches.push(batch);
  return batches;
}

// Send in batches (requestBatches): the first opens the case when `open` is set, the rest are
// added to it; then each video's vPDQ (`videos`, from Hasher.videos) in the case.
export async function sendFingerprints(items, { open, credentials, videos = [] }) {
  const batches = requestBatches(items);
  let opened = null;
  let added = 0;
  let duplicates = 0;
  for (const [index, batch] of batches.entries()) {
    try {
      if (open && index === 0) {
        opened = await openCase(batch);
        credentials = { caseId: opened.case_id, pin: opened.pin };
        added += opened.added;
        duplicates += opened.duplicates;
      } else {
        const result = await addFingerprints(credentials, batch);
        added += result.added;
        duplicates += result.duplicates;
      }
    } catch (error) {
      error.batch = batch;
      error.opened = opened;
      throw error;
    }
  }
  let videosAdded = 0;
  for (const video of videos) {
    try {
      videosAdded += (await addVideo(credentials, video)).added ? 1 : 0;
    } catch (error) {
      error.batch = [video];
      error.opened = opened;
      throw error;
    }
  }
  return { opened, added, duplicates, videosAdded, videosHeld: videos.length - videosAdded };
}
