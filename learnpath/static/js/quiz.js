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

// Time on each question, for the item analysis' median time. While the page is visible, the window
// has focus and the learner has done something in the last few minutes, the time passing is shared
// equally among the questions on screen. Each question's hidden field time-<id> arrives holding its
// total saved so far; every post of the form (any button, or countdown.js's submit at a deadline)
// sends that total plus what this page measured. Without this script the fields go back unchanged.
(() => {
  const form = document.querySelector("form.quiz");
  if (!form || !("IntersectionObserver" in window)) return;
  const IDLE_MS = 5 * 60 * 1000; // no input for this long: a tab left open, stop counting
  const timed = new Map(); // <li> of a question -> {input, base, measured}
  for (const input of form.querySelectorAll("input[type=hidden][name^='time-']")) {
    const base = /^[0-9]{1,10}$/.test(input.value) ? Number(input.value) : 0;
    timed.set(input.closest("li"), { input, base, measured: 0 });
  }
  if (!timed.size) return;

  const onScreen = new Set();
  let lastInput = performance.now();
  let last = performance.now();
  const counting = () => document.visibilityState === "visible" && document.hasFocus()
    && performance.now() - lastInput < IDLE_MS;
  let running = counting();

  // Credit the time since the last change to what was on screen meanwhile, then look again.
  const flush = () => {
    const now = performance.now();
    if (running && onScreen.size) {
      const share = (now - last) / onScreen.size;
      for (const item of onScreen) timed.get(item).measured += share;
    }
    last = now;
  };
  const update = () => {
    flush();
    running = counting();
  };

  // A question counts as on screen when half of it is, or when it fills half the viewport (a long one).
  const observer = new IntersectionObserver((entries) => {
    flush();
    for (const entry of entries) {
      const viewport = entry.rootBounds ? entry.rootBounds.height : window.innerHeight;
      const shown = entry.isIntersecting
        && (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= viewport / 2);
      if (shown) onScreen.add(entry.target); else onScreen.delete(entry.target);
    }
  }, { threshold: Array.from({ length: 21 }, (_, i) => i / 20) });
  for (const item of timed.keys()) observer.observe(item);

  document.addEventListener("visibilitychange", update);
  window.addEventListener("focus", update);
  window.addEventListener("blur", update);
  const touched = () => {
    lastInput = performance.now();
    if (!running) update();
  };
  for (const type of ["pointerdown", "pointermove", "keydown", "wheel", "scroll", "touchstart"]) {
    document.addEventListener(type, touched, { passive: true, capture: true });
  }
  window.setInterval(() => { if (running && !counting()) update(); }, 15000);

  // "formdata" fires for every way the form is sent, form.submit() included.
  form.addEventListener("formdata", (event) => {
    flush();
    for (const { input, base, measured } of timed.values()) {
      event.formData.set(input.name, String(Math.round(base + measured)));
    }
  });
})();
