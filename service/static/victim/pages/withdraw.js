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
    showMessage(say("withdrawn", { deleted: result.fingerprints_deleted }), "success");
  } catch (error) {
    $("send").disabled = false;
    showMessage(explain(error));
  }
});
$("send").disabled = false;
