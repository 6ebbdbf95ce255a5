// The status page: a case ID and PIN show the case, its timeline in the page's language, the
// form to report where the images are (followed until every address is checked) and the
// choice of notifications.

import {
  listReports,
  readCase,
  readNotifications,
  reportUrls,
  setNotifications,
  stopNotifications,
} from "../api.js";
import { $, config, element, explain, messageBox, messages, numbers, readCredentials, say, showMessage } from "../page.js";

const dates = new Intl.DateTimeFormat(config.lang, { dateStyle: "long", timeStyle: "short" });
const days = new Intl.DateTimeFormat(config.lang, { dateStyle: "long" });

// --- The case and its timeline --------------------------------------------------------

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

// One timeline event in the page's language, from its kind and params (casework/victims/timeline.py);
// the service's English text when this page has no words for it (a kind added later).
function timelineText({ kind, params, text }) {
  let key = `tl_${kind}`;
  if ((kind === "found" || kind === "video_found") && params.confirmed) key += "_confirmed";
  if (kind === "removed" && params.hours !== undefined) key += "_after";
  if (kind === "checked") key += `_${params.result}`;
  if (params.video && (`${key}_video` in messages || `${key}_video` in config.counted)) key += "_video";
  const values = { ...params };
  if (params.since) values.since = days.format(new Date(params.since));
  const template = config.counted[key]?.other ?? messages[key];
  const named = template ? [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]) : [];
  return template && named.every((name) => name in values) ? say(key, values) : text;
}

// --- Reporting where the images are ---------------------------------------------------

let reportCredentials = null;
// Bumped when another case is opened on the page, so an older report stops being followed.
let reportGeneration = 0;
const FIRST_POLL_MS = 2000;
const LONGEST_POLL_MS = 15_000;
const FOLLOW_REPORT_MS = 30 * 60 * 1000;

const reportMessage = messageBox("report-message");

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
    reportMessage(say("report_too_many", { count: urls.length, max: config.maxUrlsPerReport }));
    $("report-urls").focus();
    return;
  }
  const note = $("report-note").value.trim();
  const credentials = reportCredentials;
  $("report-send").disabled = true;
  reportMessage(say("report_sending"), "info");
  try {
    const report = await reportUrls(credentials, urls, note);
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
// (casework/reports/progress.py); the service's English sentence for a kind this page does not know.
function progressText(item) {
  let key = `rp_${item.progress}`;
  const videos = item.videos ?? 0;
  if (item.progress === "found" && videos) key = item.matches ? "rp_found_both" : "rp_found_videos";
  if (key === "rp_found_both") {
    return say(key, { images: say("rp_images", { count: item.matches }), videos: say("rp_videos", { count: videos }) });
  }
  if (!(key in messages || key in config.counted)) return item.text;
  const why = `why_${item.reason}`;
  return say(key, {
    count: item.matches,
    videos,
    checked: item.images_checked,
    found: item.images_found,
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
    renderTimeline(await readCase(credentials));
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
      listed = await listReports(credentials);
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

// --- Notifications --------------------------------------------------------------------

let notifyCredentials = null;

const notifyMessage = messageBox("notify-message");

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
  showChannel(await readNotifications(credentials));
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
      ? await stopNotifications(notifyCredentials)
      : await setNotifications(notifyCredentials, channel, address);
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

// --- The forms ------------------------------------------------------------------------

$("case-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const credentials = readCredentials();
  if (!credentials) return;
  $("case-status").hidden = true;
  showMessage(say("checking"), "info");
  try {
    const status = await readCase(credentials);
    showMessage("");
    $("status-case-id").textContent = status.case_id;
    $("status-text").textContent = say(status.status === "active" ? "status_active" : "status_withdrawn");
    $("status-opened").textContent = dates.format(new Date(status.created_at));
    $("status-withdrawn-row").hidden = !status.withdrawn_at;
    $("status-withdrawn").textContent = status.withdrawn_at ? dates.format(new Date(status.withdrawn_at)) : "";
    $("status-photos").textContent = numbers.format(status.photos);
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
