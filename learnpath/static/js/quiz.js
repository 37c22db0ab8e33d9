// The quiz form: Enter in a one-line field never submits the quiz; it moves to the next field
// (without JavaScript, the form's first button is a hidden "Save" that stays on the page).
"use strict";

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== "Enter" || !(target instanceof HTMLInputElement) || !target.form?.classList.contains("quiz")) return;
  if (["checkbox", "radio", "text", "number", "search", "email", "url", "tel"].indexOf(target.type) < 0) return;
  event.preventDefault();
  const fields = Array.from(target.form.querySelectorAll("input:not([type=hidden]), select, textarea"))
    .filter((field) => !field.disabled && field.tabIndex >= 0 && field.getClientRects().length > 0);
  const next = fields[fields.indexOf(target) + 1];
  if (next) next.focus();
});
