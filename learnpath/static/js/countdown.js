// A timed course test: shows the time left and, at the deadline, submits what is filled in.
// The server enforces the deadline whatever this script does (answers arriving later do not count);
// without JavaScript the page prints the deadline instead.
"use strict";

(() => {
  const shown = document.querySelector(".countdown[data-deadline]");
  const form = document.querySelector("form.quiz");
  if (!shown || !form) return;
  const deadline = Date.parse(shown.dataset.deadline.endsWith("Z") || /[+-]\d\d:\d\d$/.test(shown.dataset.deadline)
    ? shown.dataset.deadline : shown.dataset.deadline + "Z");
  if (Number.isNaN(deadline)) return;
  shown.hidden = false;
  let submitted = false;

  const two = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const hours = Math.floor(left / 3600);
    const text = `${hours ? hours + ":" : ""}${two(Math.floor(left / 60) % 60)}:${two(left % 60)}`;
    shown.textContent = ` Time left: ${text}.`;
    // Announce to screen readers only at a few moments, not every second.
    shown.setAttribute("aria-live", left === 300 || left === 60 || left === 0 ? "polite" : "off");
    if (left === 0 && !submitted) {
      submitted = true;
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "submit";
      form.append(action);
      // submit() skips the form's submit handlers (a confirmation would only lose the answers now).
      for (const button of form.querySelectorAll("button[name=action]")) button.disabled = true;
      form.submit();
      return;
    }
    window.setTimeout(tick, 1000 - (Date.now() % 1000) || 1000);
  };
  tick();
})();
