// What every victim page shares: the config the server embeds in it (its words in the page's
// language, service/web/texts.py), building and finding elements, the form's message line, and
// what an API error tells the victim.

import { ApiError } from "./api.js";

export const config = JSON.parse(document.getElementById("config").textContent);
export const messages = config.messages;
export const $ = (id) => document.getElementById(id);

// A message in the page's language with its {name} placeholders filled in. A message with a
// count (config.counted) takes its form for the number given as that placeholder's value, which
// is shown formatted for the language; a sentence with two numbers is given each as such a
// counted piece, say("files", { count }), so that each takes its own form.
export function say(key, values = {}) {
  const counted = config.counted[key];
  let text = messages[key];
  if (counted) {
    const number = values[counted.count];
    text = plurals.select(number) === "one" ? counted.one : counted.other;
    values = { ...values, [counted.count]: numbers.format(number) };
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

export function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export const numbers = new Intl.NumberFormat(config.lang);
const plurals = new Intl.PluralRules(config.lang);
export const clock = new Intl.DateTimeFormat(config.lang, { timeStyle: "short" });

// A function that shows a text in the message box with this id (an empty text hides it).
export function messageBox(id) {
  return (text, kind = "error") => {
    const box = $(id);
    box.textContent = text;
    box.className = `message ${kind}`;
    box.hidden = !text;
  };
}

export const showMessage = messageBox("form-message");

export function explain(error, sent = []) {
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

// What sending added to the case (sendFingerprints' result), videos in a sentence of their own.
export function addedText({ added, duplicates, videosAdded = 0, videosHeld = 0 }) {
  const fingerprints = say("added", {
    fingerprints: say("fingerprints", { count: added }),
    held: say("already_held", { count: duplicates }),
  });
  if (!videosAdded && !videosHeld) return fingerprints;
  return `${fingerprints} ${say("videos_added", { added: videosAdded, held: videosHeld })}`;
}

export function readCredentials() {
  const caseId = $("case-id").value.trim();
  const pin = $("pin").value.trim();
  if (!caseId || !pin) {
    showMessage(say("need_credentials"));
    (caseId ? $("pin") : $("case-id")).focus();
    return null;
  }
  return { caseId, pin };
}
