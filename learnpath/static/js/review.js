// Keyboard shortcuts for the review page: 1-9 pick an option, s/u set confidence,
// Enter checks the answer (Ctrl+Enter inside a text area), n or Enter moves to the next card.
"use strict";

document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === "text");
  const form = document.getElementById("review-form");
  const next = document.getElementById("next-card");
  if (next && !typing && (event.key === "n" || event.key === "Enter")) {
    event.preventDefault();
    next.click();
    return;
  }
  if (!form) return;
  if (event.key === "Enter" && (!typing || event.ctrlKey || event.metaKey)) {
    if (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) return;
    event.preventDefault();
    form.requestSubmit();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (/^[1-9]$/.test(event.key)) {
    const options = form.querySelectorAll('.question > label.option input, .question label.option input');
    const input = options[Number(event.key) - 1];
    if (input) {
      event.preventDefault();
      input.type === "checkbox" ? (input.checked = !input.checked) : (input.checked = true);
      input.focus();
    }
  } else if (event.key === "s" || event.key === "u") {
    const radio = form.querySelector(`input[name="confidence"][value="${event.key === "s" ? "sure" : "unsure"}"]`);
    if (radio) radio.checked = true;
  }
});
