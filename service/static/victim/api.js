// The client of this origin's JSON API (service/api/), and the only code on the victim pages
// that makes a request to it. Every request goes to this origin without cookies or referrer,
// and a body that carries fingerprints is built from fingerprints alone, each with the number
// of its photo within the request and whether it is of a crop or copy (fingerprintPayload), or
// from one video's frame hashes, its crops' and its file's SHA-256 (videoPayload): files go to
// the hashing worker, which has no network code, or a video to a <video> element through a
// blob: URL (hasher/video.js), and never anywhere else. The pages' Content-Security-Policy (connect-src 'self') would stop
// anything else even if this file were wrong.

// A refused request: the HTTP status with the API's error code, details and retry time
// ({"error": {code, message, details?, retry_at?}}); status 0 and code "network" when no answer came.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? null;
    this.details = body?.error?.details ?? [];
    // A refused case ID and PIN names a time from the clock alone, the same for every case.
    this.retryAt = body?.error?.retry_at ? new Date(body.error.retry_at) : null;
  }
}

function basicAuth(caseId, pin) {
  const bytes = new TextEncoder().encode(`${caseId}:${pin}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

async function call(method, path, { body, credentials } = {}) {
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

// The request body of hashed files ({fingerprint, photo, derived} items, hashing.js):
// {"fingerprints": [{algorithm, value, quality?, photo, derived?}, ...]} and nothing else.
// `photo` numbers the request's photos from 0 in their order, so the entries of one photo
// share it; `derived` is there, true, only for a trimmed copy's or a crop's fingerprint.
export function fingerprintPayload(items) {
  const photos = new Map();
  const fingerprints = items.map(({ fingerprint, photo, derived }) => {
    if (!photos.has(photo)) photos.set(photo, photos.size);
    return { ...fingerprint, photo: photos.get(photo), ...(derived ? { derived: true } : {}) };
  });
  return { fingerprints };
}

// {case_id, pin, recovery_codes, status, added, duplicates}
export function openCase(items) {
  return call("POST", "/v1/cases", { body: fingerprintPayload(items) });
}

// {added, duplicates}
export function addFingerprints(credentials, items) {
  return call("POST", "/v1/case/fingerprints", { body: fingerprintPayload(items), credentials });
}

// The request body of one video's fingerprint, as the CLI sends it (hashing/videofiles.py
// video_body): {"vpdq": its VPDQSignal text, "crops": its crops' texts, "sha256": the file's
// SHA-256} and nothing else (frame hashes, their qualities and timestamps; video.js vpdqText
// and cropTexts). A file without a SHA-256 (never the case for a file read whole) sends none.
export function videoPayload({ vpdq, crops = [], sha256 }) {
  return sha256 ? { vpdq, crops, sha256 } : { vpdq, crops };
}

// {added}: false when the case already held this video's fingerprint.
export function addVideo(credentials, video) {
  return call("POST", "/v1/case/videos", { body: videoPayload(video), credentials });
}

// {case_id, status, created_at, withdrawn_at, fingerprints: {algorithm: count}, timeline}
export function readCase(credentials) {
  return call("GET", "/v1/case", { credentials });
}

// {case_id, status, photos_deleted, videos_deleted, ungrouped_deleted, fingerprints_deleted}
export function withdrawCase(credentials) {
  return call("POST", "/v1/case/withdraw", { credentials });
}

// {case_id, pin, recovery_codes_left}
export function recoverCase(caseId, recoveryCode) {
  return call("POST", "/v1/case/recover", { body: { case_id: caseId, recovery_code: recoveryCode } });
}

// The report made: {report_id, created_at, items: [{url, progress, finished, text, ...}]}
export function reportUrls(credentials, urls, note) {
  return call("POST", "/v1/reports", { credentials, body: note ? { urls, note } : { urls } });
}

// The case's newest reports: {reports: [report, ...]}
export function listReports(credentials) {
  return call("GET", "/v1/reports", { credentials });
}

// {channel, address, failing, email_available, ...}
export function readNotifications(credentials) {
  return call("GET", "/v1/case/notifications", { credentials });
}

// Notes go to one channel ("email" or "webhook"); the answer adds a webhook's secret, once.
export function setNotifications(credentials, channel, address) {
  return call("PUT", "/v1/case/notifications", { credentials, body: { [channel]: address } });
}

export function stopNotifications(credentials) {
  return call("DELETE", "/v1/case/notifications", { credentials });
}
