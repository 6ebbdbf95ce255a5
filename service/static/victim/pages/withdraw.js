// The withdraw page: a case ID and PIN, and a ticked box, delete every fingerprint of the case.

import { withdrawCase } from "../api.js";
import { $, explain, readCredentials, say, showMessage } from "../page.js";

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
    const result = await withdrawCase(credentials);
    const photos = result.photos_deleted;
    const videos = result.videos_deleted;
    const ungrouped = result.ungrouped_deleted;
    const also = ungrouped ? " " + say("withdrawn_ungrouped", { count: ungrouped }) : "";
    showMessage(say("withdrawn", { photos, videos }) + also, "success");
  } catch (error) {
    $("send").disabled = false;
    showMessage(explain(error));
  }
});
$("send").disabled = false;
