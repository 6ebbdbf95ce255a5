// The recover page: a case ID and a recovery code set a new PIN, shown once.

import { recoverCase } from "../api.js";
import { showOpened } from "../new-pin.js";
import { $, clock, explain, numbers, say, showMessage } from "../page.js";

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
    const recovered = await recoverCase(caseId, code);
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
