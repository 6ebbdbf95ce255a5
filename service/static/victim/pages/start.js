// The start page: hash the chosen images here, then open a case with their fingerprints.

import { sendFingerprints, setUpHasher } from "../hashing.js";
import { showOpened } from "../new-pin.js";
import { $, addedText, explain, say, showMessage } from "../page.js";

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
    const result = await sendFingerprints(items, { open: true, videos: hasher.videos() });
    send.dataset.sent = "yes";
    showMessage("");
    showOpened(result.opened, addedText(result));
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
