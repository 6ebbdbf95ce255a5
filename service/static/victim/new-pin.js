// The box of victim/_new_pin.html, on the start and recover pages.

import { $, element, say } from "./page.js";

// Shows a case ID and PIN once (a new case, or a new PIN from the recover page), and on the
// start page the recovery codes, each with its own copy and download.
export function showOpened(opened, note) {
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
