// Tells the server the browser's time zone, so the learner's days (streaks, the activity calendar)
// begin at their own midnight. base.html loads this only while the account has no zone yet; the
// learner can change it on the account page, and without JavaScript UTC is used until they do.
"use strict";

(() => {
  const script = document.currentScript;
  let zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (err) {
    return;
  }
  if (!script || !zone) return;
  fetch(script.dataset.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": script.dataset.csrf },
    body: new URLSearchParams({ time_zone: zone }),
  }).catch(() => {}); // best effort: the next page tries again
})();
