// The victim pages' behaviour. The only network calls are the fetches in callApi(),
// to this origin's JSON API, and their bodies are built from fingerprints alone
// (payload()); files go to the hashing worker, which has no network code, and never
// anywhere else. The page's Content-Security-Policy (connect-src 'self') would stop
// anything else even if this file were wrong.

import { MAX_FILE_BYTES, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE, STAGES } from "/static/hasher/fingerprint.js";

const config = JSON.parse(document.getElementById("config").textContent);
const messages = config.messages;
const $ = (id) => document.getElementById(id);

function say(key, values = {}) {
  return messages[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

const numbers = new Intl.NumberFormat(config.lang);
const dates = new Intl.DateTimeFormat(config.lang, { dateStyle: "long", timeStyle: "short" });
const days = new Intl.DateTimeFormat(config.lang, { dateStyle: "long" });

function showMessage(text, kind = "error") {
  const box = $("form-message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = !text;
}

// --- The JSON API -----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? null;
    this.details = body?.error?.details ?? [];
    // A refused case ID and PIN names a time from the clock alone, the same for every case.
    this.retryAt = body?.error?.retry_at ? new Date(body.error.retry_at) : null;
  }
}

const clock = new Intl.DateTimeFormat(config.lang, { timeStyle: "short" });

function basicAuth(caseId, pin) {
  const bytes = new TextEncoder().encode(`${caseId}:${pin}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

async function callApi(method, path, { body, credentials } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (credentials) headers.Authorization = basicAuth(credentials.caseId, credentials.pin);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, { error: { code: "network" } });
  }
  const parsed = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

function explain(error, sent = []) {
  if (!(error instanceof ApiError)) return say("err_other", { message: String(error) });
  switch (error.code) {
    case "network":
      return say("err_network");
    case "case_not_found":
      return say("err_case_not_found", { time: error.retryAt ? clock.format(error.retryAt) : "?" });
    case "case_withdrawn":
      return say("err_case_withdrawn");
    case "too_many_fingerprints":
      return say("err_too_many");
    case "unavailable":
      return say("err_unavailable");
    case "rate_limited":
      return say("err_rate_limited");
    case "invalid_fingerprints": {
      // Name the file each refused fingerprint came from; the service only knows indexes.
      const reasons = error.details.map((item) => {
        const file = sent[item.index]?.file;
        return `${file ?? say("file_item", { n: item.index + 1 })}: ${item.reason}`;
      });
      return `${say("err_invalid_fingerprints")} ${reasons.join("; ")}`;
    }
    default:
      return error.status >= 500 ? say("err_unavailable") : say("err_other", { message: error.message });
  }
}

function readCredentials() {
  const caseId = $("case-id").value.trim();
  const pin = $("pin").value.trim();
  if (!caseId || !pin) {
    showMessage(say("need_credentials"));
    (caseId ? $("pin") : $("case-id")).focus();
    return null;
  }
  return { caseId, pin };
}

// --- Hashing files in the worker ------------------------------------------------------

class Hasher {
  constructor(onChange) {
    this.entries = [];
    this.onChange = onChange;
    this.queue = Promise.resolve();
    this.worker = null;
    this.pending = new Map();
    this.nextId = 0;
    this.done = 0;
    this.stage = 0;
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
        finish({ id, fingerprints: [], variants: [], pdq: null, phash: null, refused: "read_error" });
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
        this.stage = STAGES.indexOf(name);
        this.onChange();
      };
      const finish = (result) => {
        entry.result = result;
        this.done++;
        this.stage = 0;
        renderResult(entry);
        this.onChange();
        resolve();
      };
      this.pending.set(id, { stage, finish });
      this.worker.postMessage({ id, file: entry.file });
    });
  }

  get busy() {
    return this.done < this.entries.length;
  }

  // Files done, plus the share of the current file's stages already started.
  get progress() {
    return this.done + (this.busy ? this.stage / STAGES.length : 0);
  }

  // Every distinct fingerprint, with the name of (the first) file it came from, for messages.
  // Trimmed variants go on the wire as plain PDQ or pHash without a quality, as the CLI sends them.
  fingerprints() {
    const seen = new Map();
    for (const { file, result } of this.entries) {
      for (const fingerprint of [...(result?.fingerprints ?? []), ...(result?.variants ?? [])]) {
        const key = `${fingerprint.algorithm}:${fingerprint.value}`;
        if (!seen.has(key)) seen.set(key, { fingerprint, file: file.name });
      }
    }
    return [...seen.values()];
  }
}

// The request body: {"fingerprints": [{algorithm, value, quality?}, ...]} and nothing else.
function payload(items) {
  return { fingerprints: items.map(({ fingerprint }) => fingerprint) };
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

function renderResult({ item, result }) {
  const state = item.querySelector(".state");
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
  const shown = [
    ...result.fingerprints.map(({ algorithm, value }) => [say(`alg_${algorithm}`), value]),
    ...result.variants.map(({ algorithm, value }) => [say(`alg_${algorithm}_trimmed`), value]),
  ];
  for (const [label, value] of shown) {
    values.append(
      element("dt", { textContent: label }),
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

function setUpHasher(onReady) {
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
    const body = JSON.stringify(payload(items));
    $("progress-text").textContent = say("progress_done", { total, count: items.length });
    $("payload").textContent = JSON.stringify(payload(items), null, 1);
    $("payload-details").hidden = items.length === 0;
    $("send-summary").textContent = items.length
      ? say("will_send", { count: items.length, bytes: numbers.format(new TextEncoder().encode(body).length) })
      : say("nothing_to_send");
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

// Send in batches of the service's per-request limit: the first opens the case when
// `open` is set, the rest are added to it.
async function sendFingerprints(items, { open, credentials }) {
  const batches = [];
  for (let i = 0; i < items.length; i += config.maxPerRequest) batches.push(items.slice(i, i + config.maxPerRequest));
  let opened = null;
  let added = 0;
  let duplicates = 0;
  for (const [index, batch] of batches.entries()) {
    try {
      if (open && index === 0) {
        opened = await callApi("POST", "/v1/cases", { body: payload(batch) });
        credentials = { caseId: opened.case_id, pin: opened.pin };
        added += opened.added;
        duplicates += opened.duplicates;
      } else {
        const result = await callApi("POST", "/v1/case/fingerprints", { body: payload(batch), credentials });
        added += result.added;
        duplicates += result.duplicates;
      }
    } catch (error) {
      error.batch = batch;
      error.opened = opened;
      throw error;
    }
  }
  return { opened, added, duplicates };
}

// --- Pages ----------------------------------------------------------------------------

function startPage() {
  const send = $("send");
  const hasher = setUpHasher((ready) => {
    send.disabled = !ready || send.dataset.sent === "yes";
  });
  $("case-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const items = hasher.fingerprints();
    if (!items.length) return showMessage(say("nothing_to_send"));
    send.disabled = true;
    showMessage(say("sending"), "info");
    try {
      const { opened, added, duplicates } = await sendFingerprints(items, { open: true });
      send.dataset.sent = "yes";
      showMessage("");
      showOpened(opened, say("added", { added, duplicates }));
    } catch (error) {
      if (error.opened) {
        send.dataset.sent = "yes";
        showOpened(error.opened, explain(error, error.batch));
      } else {
        send.disabled = false;
        showMessage(explain(error, error.batch));
      }
    }
  });
}

// Shows a case ID and PIN once (a new case, or a new PIN from the recover page), and on the
// start page the recovery codes, each with its own copy and download.
function showOpened(opened, note) {
  $("opened-case-id").textContent = opened.case_id;
  $("opened-pin").textContent = opened.pin;
  $("opened-result").textContent = note;
  for (const id of ["choose-files", "choose-folder"]) if ($(id)) $(id).disabled = true;
  const section = $("opened");
  section.hidden = false;
  section.focus();
  const text = `${$("opened-case-id").closest("div").querySelector("dt").textContent}: ${opened.case_id}\n` +
    `${$("opened-pin").closest("div").querySelector("dt").textContent}: ${opened.pin}\n`;
  offerCopy($("copy-credentials"), text, section.querySelector("dl"), $("copy-message"), "copy_failed");
  // The file `takedown status --credentials FILE` reads, as `takedown submit --save` writes it:
  // the case ID and PIN only. The recovery codes are a file of their own, to be kept apart.
  const saved = { server: window.location.origin, case_id: opened.case_id, pin: opened.pin };
  $("download-credentials").addEventListener("click", () => {
    download(`takedown-case-${opened.case_id}.json`, `${JSON.stringify(saved)}\n`, "application/json");
  });
  const codes = opened.recovery_codes ?? [];
  if (!$("recovery-codes") || !codes.length) return;
  $("recovery-codes").replaceChildren(...codes.map((code) => element("li", {}, element("code", { textContent: code }))));
  const recoverUrl = new URL("recover", window.location.href).href;
  const codesText = `${say("codes_file", { case_id: opened.case_id, url: recoverUrl })}\n\n${codes.join("\n")}\n`;
  offerCopy($("copy-codes"), codesText, $("recovery-codes"), $("codes-message"), "codes_copy_failed");
  $("download-codes").addEventListener("click", () => {
    download(`takedown-recovery-codes-${opened.case_id}.txt`, codesText, "text/plain");
  });
}

function offerCopy(button, text, shown, message, failed) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      message.textContent = say("copied");
    } catch {
      window.getSelection()?.selectAllChildren(shown);
      message.textContent = say(failed);
    }
  });
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = element("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function recoverPage() {
  $("case-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const caseId = $("case-id").value.trim();
    const code = $("recovery-code").value.trim();
    if (!caseId || !code) {
      showMessage(say("need_recovery"));
      (caseId ? $("recovery-code") : $("case-id")).focus();
      return;
    }
    $("send").disabled = true;
    showMessage(say("checking"), "info");
    try {
      const body = { case_id: caseId, recovery_code: code };
      const recovered = await callApi("POST", "/v1/case/recover", { body });
      showMessage("");
      $("case-form").hidden = true;
      showOpened(recovered, say("codes_left", { count: numbers.format(recovered.recovery_codes_left) }));
    } catch (error) {
      $("send").disabled = false;
      showMessage(error.code === "case_not_found"
        ? say("err_recover_refused", { time: error.retryAt ? clock.format(error.retryAt) : "?" })
        : explain(error));
    }
  });
  $("send").disabled = false;
}

function addPage() {
  const send = $("send");
  // Fingerprints already added from this page; the button waits for new ones.
  let added = 0;
  const hasher = setUpHasher((ready) => {
    send.disabled = !ready || hasher.fingerprints().length <= added;
  });
  $("case-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const credentials = readCredentials();
    if (!credentials) return;
    send.disabled = true;
    showMessage(say("sending"), "info");
    try {
      const items = hasher.fingerprints();
      const result = await sendFingerprints(items, { open: false, credentials });
      added = items.length;
      showMessage(say("added", result), "success");
    } catch (error) {
      send.disabled = false;
      showMessage(explain(error, error.batch));
    }
  });
}

function statusPage() {
  $("case-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const credentials = readCredentials();
    if (!credentials) return;
    $("case-status").hidden = true;
    showMessage(say("checking"), "info");
    try {
      const status = await callApi("GET", "/v1/case", { credentials });
      showMessage("");
      $("status-case-id").textContent = status.case_id;
      $("status-text").textContent = say(status.status === "active" ? "status_active" : "status_withdrawn");
      $("status-opened").textContent = dates.format(new Date(status.created_at));
      $("status-withdrawn-row").hidden = !status.withdrawn_at;
      $("status-withdrawn").textContent = status.withdrawn_at ? dates.format(new Date(status.withdrawn_at)) : "";
      const counts = Object.entries(status.fingerprints);
      $("status-fingerprints").replaceChildren(
        ...(counts.length
          ? counts.map(([algorithm, count]) => element("li", { textContent: `${say(`alg_${algorithm}`)}: ${numbers.format(count)}` }))
          : [element("li", { textContent: say("none") })]),
      );
      renderTimeline(status);
      $("case-status").hidden = false;
      $("case-status").focus();
      showReportForm(status.status === "active" ? credentials : null);
      if (status.status === "active") await showNotifications(credentials);
      else $("notify").hidden = true;
    } catch (error) {
      showMessage(explain(error));
    }
  });
  $("notify-form").addEventListener("submit", saveNotifications);
  $("report-form").addEventListener("submit", sendReport);
  for (const choice of document.querySelectorAll('input[name="notify-channel"]')) {
    choice.addEventListener("change", () => {
      $("notify-address-row").hidden = choice.value === "off";
    });
  }
  // The button stays disabled in the HTML until this handler exists, so an early click is not lost.
  $("send").disabled = false;
}

function renderTimeline(status) {
  $("status-timeline").replaceChildren(
    ...status.timeline.map((event) =>
      element(
        "li",
        {},
        element("time", { dateTime: event.at, textContent: dates.format(new Date(event.at)) }),
        " ",
        element("span", { textContent: timelineText(event) }),
      ),
    ),
  );
}

// --- Reporting where the images are (status page) -----------------------------------------

let reportCredentials = null;
// Bumped when another case is opened on the page, so an older report stops being followed.
let reportGeneration = 0;
const FIRST_POLL_MS = 2000;
const LONGEST_POLL_MS = 15_000;
const FOLLOW_REPORT_MS = 30 * 60 * 1000;

function reportMessage(text, kind = "error") {
  const box = $("report-message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = !text;
}

function showReportForm(credentials) {
  const sameCase = credentials && reportCredentials && credentials.caseId === reportCredentials.caseId;
  if (!sameCase) {
    reportGeneration++;
    $("report-progress").replaceChildren();
    $("report-progress-area").hidden = true;
    reportMessage("");
  }
  reportCredentials = credentials;
  $("report").hidden = !credentials;
  // Reports sent earlier (from here, the CLI or another device) are told too.
  if (credentials && !sameCase) followReports(credentials, reportGeneration, { announce: false });
}

// The distinct web addresses typed, one per line, and the numbers of lines that are not one.
function readUrls() {
  const urls = new Map();
  const bad = [];
  $("report-urls").value.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    let parsed = null;
    try {
      parsed = new URL(line);
    } catch {
      parsed = null;
    }
    if (!parsed || !["http:", "https:"].includes(parsed.protocol)) bad.push(index + 1);
    else if (!urls.has(line)) urls.set(line, index + 1);
  });
  return { urls: [...urls.keys()], lines: [...urls.values()], bad };
}

async function sendReport(event) {
  event.preventDefault();
  if (!reportCredentials) return;
  const { urls, lines, bad } = readUrls();
  if (bad.length) {
    reportMessage(say("report_bad_lines", { lines: bad.map((n) => say("report_line", { n })).join(", ") }));
    $("report-urls").focus();
    return;
  }
  if (!urls.length) {
    reportMessage(say("report_need_urls"));
    $("report-urls").focus();
    return;
  }
  if (urls.length > config.maxUrlsPerReport) {
    reportMessage(say("report_too_many", { count: numbers.format(urls.length), max: config.maxUrlsPerReport }));
    $("report-urls").focus();
    return;
  }
  const note = $("report-note").value.trim();
  const credentials = reportCredentials;
  $("report-send").disabled = true;
  reportMessage(say("report_sending"), "info");
  try {
    const report = await callApi("POST", "/v1/reports", {
      credentials,
      body: note ? { urls, note } : { urls },
    });
    $("report-urls").value = "";
    $("report-note").value = "";
    reportMessage(say("report_sent"), "info");
    renderReports([report]);
    refreshTimeline(credentials);
    reportGeneration++;
    followReports(credentials, reportGeneration, { announce: true });
  } catch (error) {
    if (error.code === "invalid_urls") {
      const refused = error.details.map((item) => `${say("report_line", { n: lines[item.index] })}: ${item.reason}`);
      reportMessage(`${say("report_refused")} ${refused.join("; ")}`);
    } else {
      reportMessage(explain(error));
    }
  } finally {
    $("report-send").disabled = false;
  }
}

// One URL's progress in the page's language, from its kind, reason and counts
// (casework/progress.py); the service's English sentence for a kind this page does not know.
function progressText(item) {
  let key = `rp_${item.progress}`;
  const counted = { found: item.matches, nothing_found: item.images_checked, unreadable: item.images_found };
  if (counted[item.progress] === 1 && `${key}_one` in messages) key += "_one";
  if (!(key in messages)) return item.text;
  const why = `why_${item.reason}`;
  return say(key, {
    count: numbers.format(item.matches),
    checked: numbers.format(item.images_checked),
    found: numbers.format(item.images_found),
    why: say(why in messages ? why : "why_other"),
  });
}

// Every URL of the reports shown, newest report first.
function renderReports(reports) {
  const items = reports.flatMap((report) => report.items);
  $("report-progress").replaceChildren(
    ...items.map((item) =>
      element(
        "li",
        { className: item.progress },
        element("span", { className: "url", textContent: item.url }),
        element("span", { className: "said", textContent: progressText(item) }),
      ),
    ),
  );
  $("report-progress-area").hidden = items.length === 0;
}

async function refreshTimeline(credentials) {
  try {
    renderTimeline(await callApi("GET", "/v1/case", { credentials }));
  } catch {
    // The timeline stays as it was; the report's own progress is what is being shown.
  }
}

// Read the case's newest reports (GET /v1/reports) and ask again while any URL is unfinished,
// less often as time goes on; a failed read (network, rate limit) is simply tried again later.
// A newer call (another case opened, another report sent) makes this one stop.
async function followReports(credentials, generation, { announce }) {
  const started = Date.now();
  let delay = FIRST_POLL_MS;
  let first = true;
  for (;;) {
    if (!first) {
      if (Date.now() - started > FOLLOW_REPORT_MS) {
        reportMessage(say("report_stalled"), "info");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 1.5, LONGEST_POLL_MS);
    }
    first = false;
    if (generation !== reportGeneration) return;
    let listed;
    try {
      listed = await callApi("GET", "/v1/reports", { credentials });
    } catch (error) {
      if (error.code === "case_not_found") {
        reportMessage(explain(error));
        return;
      }
      continue;
    }
    if (generation !== reportGeneration) return;
    renderReports(listed.reports);
    if (listed.reports.every((report) => report.items.every((item) => item.finished))) break;
  }
  if (announce) {
    reportMessage(say("report_all_done"), "success");
    refreshTimeline(credentials);
  }
}

// --- Notifications (status page) ----------------------------------------------------------

let notifyCredentials = null;

function notifyMessage(text, kind = "error") {
  const box = $("notify-message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = !text;
}

function showChannel(shown) {
  const state = shown.channel === null
    ? say("notify_state_off")
    : say(`notify_state_${shown.channel}`, { address: shown.address });
  $("notify-state").textContent = shown.failing ? `${state} ${say("notify_failing")}` : state;
  $(`notify-${shown.channel ?? "off"}`).checked = true;
  $("notify-address-row").hidden = shown.channel === null;
  $("notify-address").value = "";
  $("notify-email-choice").hidden = !shown.email_available && shown.channel !== "email";
}

async function showNotifications(credentials) {
  notifyCredentials = credentials;
  $("notify-secret-row").hidden = true;
  notifyMessage("");
  showChannel(await callApi("GET", "/v1/case/notifications", { credentials }));
  $("notify").hidden = false;
}

async function saveNotifications(event) {
  event.preventDefault();
  if (!notifyCredentials) return;
  const channel = document.querySelector('input[name="notify-channel"]:checked')?.value ?? "off";
  const address = $("notify-address").value.trim();
  if (channel !== "off" && !address) {
    notifyMessage(say("notify_need_address"));
    $("notify-address").focus();
    return;
  }
  $("notify-save").disabled = true;
  try {
    const shown = channel === "off"
      ? await callApi("DELETE", "/v1/case/notifications", { credentials: notifyCredentials })
      : await callApi("PUT", "/v1/case/notifications", {
        credentials: notifyCredentials,
        body: { [channel]: address },
      });
    showChannel(shown);
    $("notify-secret").textContent = shown.secret ?? "";
    $("notify-secret-row").hidden = !shown.secret;
    notifyMessage(say("notify_saved"), "success");
  } catch (error) {
    notifyMessage(explain(error));
  } finally {
    $("notify-save").disabled = false;
  }
}

// One timeline event in the page's language, from its kind and params (casework/timeline.py);
// the service's English text when this page has no words for it (a kind added later).
function timelineText({ kind, params, text }) {
  let key = `tl_${kind}`;
  if (kind === "found" && params.confirmed) key += "_confirmed";
  if (kind === "removed" && params.hours !== undefined) key += "_after";
  if (kind === "checked") key += `_${params.result}`;
  const count = params.count ?? params.hours;
  if (count === 1 && `${key}_one` in messages) key += "_one";
  const values = { ...params };
  for (const name of ["count", "hours"]) if (name in params) values[name] = numbers.format(params[name]);
  if (params.since) values.since = days.format(new Date(params.since));
  const template = messages[key];
  const named = template ? [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]) : [];
  return template && named.every((name) => name in values) ? say(key, values) : text;
}

function withdrawPage() {
  $("case-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const credentials = readCredentials();
    if (!credentials) return;
    if (!$("confirm").checked) {
      showMessage(say("need_confirm"));
      $("confirm").focus();
      return;
    }
    $("send").disabled = true;
    showMessage(say("checking"), "info");
    try {
      const result = await callApi("POST", "/v1/case/withdraw", { credentials });
      showMessage(say("withdrawn", { deleted: result.fingerprints_deleted }), "success");
    } catch (error) {
      $("send").disabled = false;
      showMessage(explain(error));
    }
  });
  $("send").disabled = false;
}

({ start: startPage, add: addPage, status: statusPage, withdraw: withdrawPage, recover: recoverPage })[config.page]();
