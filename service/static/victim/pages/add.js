// The add page: hash more images here and add their fingerprints to a case.

import { sendFingerprints, setUpHasher } from "../hashing.js";
import { $, addedText, explain, readCredentials, say, showMessage } from "../page.js";

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
    const result = await sendFingerprints(items, { open: false, credentials, videos: hasher.videos() });
    added = items.length;
    showMessage(addedText(result), "success");
  } catch (error) {
    send.disabled = false;
    showMessage(explain(error, error.batch));
  }
});
