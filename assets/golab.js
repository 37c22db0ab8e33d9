// The Go lab's editor and Run button: the source of learnpath/static/js/golab.js (`npm run build:golab`
// bundles it with CodeMirror 6; the built file is committed so a fresh machine needs no Node to serve it).
//
// Progressive enhancement: without JavaScript the page has a plain <textarea> that the quiz form posts,
// and "Run tests" submits the form, which renders the result on the server. With it, CodeMirror replaces
// the textarea on screen (and keeps it in sync, so Submit posts the same field), Run goes through the
// JSON API (queued, then polled), and the code is saved as a draft while the learner types.
"use strict";

import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, insertTab, indentLess } from "@codemirror/commands";
import {
  indentOnInput, indentUnit, bracketMatching, syntaxHighlighting, defaultHighlightStyle, HighlightStyle,
} from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { go } from "@codemirror/lang-go";
import { oneDarkTheme } from "@codemirror/theme-one-dark";

const SAVE_DELAY_MS = 1500;
const POLL_WAIT_SECONDS = 2;
const editors = new Map(); // question id -> EditorView
const dark = window.matchMedia("(prefers-color-scheme: dark)");

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch (err) {
    data = {};
  }
  return { status: response.status, data };
}

// ---- drafts ------------------------------------------------------------------------------------

const pendingSaves = new Map(); // question id -> timer

function draftUrl(textarea) {
  const form = textarea.form;
  return form ? form.dataset.draftUrl : undefined;
}

async function saveDraft(id, textarea) {
  clearTimeout(pendingSaves.get(id));
  pendingSaves.delete(id);
  const url = draftUrl(textarea);
  if (!url) return;
  const status = document.getElementById("saved-" + id);
  const { status: code } = await api("POST", url, { answers: { [id]: textarea.value } }).catch(() => ({ status: 0 }));
  if (status) {
    status.textContent = code === 200 ? `Draft saved at ${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "";
  }
}

function scheduleSave(id, textarea) {
  if (!draftUrl(textarea)) return;
  clearTimeout(pendingSaves.get(id));
  pendingSaves.set(id, setTimeout(() => saveDraft(id, textarea), SAVE_DELAY_MS));
}

// ---- the editor --------------------------------------------------------------------------------

// Our look, inside the editor's shadow root (the page's stylesheet does not reach it; custom properties do).
const frame = EditorView.theme({
  "&": { border: "1px solid var(--muted)", borderRadius: "6px", fontSize: ".9rem", maxWidth: "100%" },
  "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "2px" },
  // Long lines wrap and the editor grows with the file: no box that scrolls without being focusable
  // (axe: scrollable-region-focusable), no sideways scroll at 320 px.
  ".cm-scroller": { minHeight: "12rem", fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
});
// Dark mode: one-dark's editor colours with token colours lightened so that each is at least 4.5:1 on
// its background and active line (WCAG 1.4.3; one-dark's own are 3.9-4.4:1), and lighter line numbers.
const darkHighlight = HighlightStyle.define([
  { tag: t.keyword, color: "#dcb0ea" },
  { tag: [t.name, t.deleted, t.character, t.propertyName, t.macroName], color: "#f0a0a7" },
  { tag: [t.function(t.variableName), t.labelName], color: "#8dc8f6" },
  { tag: [t.color, t.constant(t.name), t.standard(t.name), t.atom, t.bool, t.special(t.variableName)], color: "#e8bc8c" },
  { tag: [t.definition(t.name), t.separator], color: "#d0d5dd" },
  { tag: [t.typeName, t.className, t.number, t.changed, t.annotation, t.modifier, t.self, t.namespace], color: "#f2d096" },
  { tag: [t.operator, t.operatorKeyword, t.url, t.escape, t.regexp, t.special(t.string)], color: "#8ad8e2" },
  { tag: [t.meta, t.comment], color: "#a7afbd", fontStyle: "italic" },
  { tag: [t.processingInstruction, t.string, t.inserted], color: "#b5dc9a" },
  { tag: t.invalid, color: "#ffffff" },
]);
const darkTheme = [
  oneDarkTheme, syntaxHighlighting(darkHighlight),
  EditorView.theme({ "& .cm-gutters .cm-gutterElement": { color: "#abb2bf" } }, { dark: true }),
];

function makeEditor(textarea) {
  const id = textarea.dataset.goEditor;
  const theme = new Compartment();
  // The editor lives in a shadow root: CodeMirror then puts its styles in a constructed stylesheet
  // (adoptedStyleSheets) instead of a <style> element, which the CSP (style-src 'self') forbids.
  const host = document.createElement("div");
  host.className = "go-editor";
  textarea.after(host);
  const root = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    root,
    parent: root,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        indentUnit.of("\t"),
        EditorState.tabSize.of(4),
        go(),
        // Tab indents (gofmt uses tabs). Escape, then Tab within 2 s, leaves the editor: CodeMirror's
        // tab focus mode, so a keyboard user is never trapped.
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap,
                   { key: "Tab", run: insertTab, shift: indentLess }]),
        frame,
        EditorView.lineWrapping,
        theme.of(dark.matches ? darkTheme : []),
        EditorView.contentAttributes.of({ "aria-label": "Your solution.go (Go code editor)" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            textarea.value = update.state.doc.toString();
            scheduleSave(id, textarea);
          }
        }),
      ],
    }),
  });
  dark.addEventListener("change", () => view.dispatch({ effects: theme.reconfigure(dark.matches ? darkTheme : []) }));
  textarea.hidden = true;
  // The textarea's label now names the editor: clicking it focuses the editor.
  const label = textarea.id ? document.querySelector(`label[for="${textarea.id}"]`) : null;
  if (label) label.addEventListener("click", (event) => { event.preventDefault(); view.focus(); });
  editors.set(id, view);
}

function goToLine(id, line) {
  const view = editors.get(id);
  if (!view) return false;
  const n = Math.min(Math.max(1, line), view.state.doc.lines);
  view.dispatch({ selection: { anchor: view.state.doc.line(n).from }, scrollIntoView: true });
  view.focus();
  return true;
}

// ---- Run ---------------------------------------------------------------------------------------

const LABELS = {
  passed: "All visible tests pass",
  failed: "Some tests fail",
  compile_error: "Does not compile",
  timeout: "Time limit reached",
  limit: "A resource limit was reached",
};

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  node.append(...children);
  return node;
}

// The same markup as templates/quiz/kinds/go.html's run_result macro (the page without JavaScript).
function render(output, id, result) {
  output.replaceChildren();
  if (result.error) {
    output.append(el("p", { className: "error" }, result.error));
    return;
  }
  output.append(el("p", { className: `go-status go-${result.status}` }, el("strong", {}, LABELS[result.status] || result.status)));
  if (result.diagnostics && result.diagnostics.length) {
    const list = el("ul", { className: "go-diagnostics" });
    for (const d of result.diagnostics) {
      const link = el("a", { href: "#q" + id }, `solution.go:${d.line}:${d.column}`);
      link.dataset.goLine = String(d.line);
      list.append(el("li", {}, link, `: ${d.message}`));
    }
    output.append(list);
  }
  if (result.tests && result.tests.length) {
    const list = el("ul", { className: "go-tests-result" });
    for (const t of result.tests) {
      const item = el("li", { className: t.passed ? "pass" : "fail" },
        el("span", { className: "go-verdict" }, t.passed ? "PASS" : "FAIL"), " ", el("code", {}, t.name));
      if (t.message) item.append(el("pre", { className: "go-message", tabIndex: 0 }, t.message));
      list.append(item);
    }
    output.append(list);
  }
  if (result.output) output.append(el("pre", { className: "go-output", tabIndex: 0 }, result.output));
}

function errorMessage(data, fallback) {
  return (data && data.error && data.error.message) || fallback;
}

async function run(button) {
  const id = button.dataset.goRun;
  const textarea = document.getElementById("q" + id);
  const output = document.getElementById("run-" + id);
  if (!textarea || !output) return;
  button.disabled = true;
  output.replaceChildren(el("p", { className: "meta go-pending" }, "Sending…"));
  try {
    if (pendingSaves.has(id)) saveDraft(id, textarea);
    let { status, data } = await api("POST", `/api/v1/questions/${id}/run`, { code: textarea.value, wait: 0 });
    while (status === 202) {
      output.replaceChildren(el("p", { className: "meta go-pending" }, data.status === "queued" ? `Queued (${data.ahead} ahead)…` : "Running…"));
      ({ status, data } = await api("GET", `${data.poll}?wait=${POLL_WAIT_SECONDS}`));
    }
    render(output, id, status === 200 ? data : { error: errorMessage(data, "The run could not be started.") });
  } catch (err) {
    render(output, id, { error: "The code could not be sent. Check your connection." });
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-go-run]");
  if (button) {
    event.preventDefault();
    run(button);
    return;
  }
  const link = event.target.closest("a[data-go-line]");
  if (link) {
    const output = link.closest(".go-run");
    const id = output ? output.id.replace(/^run-/, "") : "";
    if (goToLine(id, Number(link.dataset.goLine))) event.preventDefault();
  }
});

function start() {
  for (const textarea of document.querySelectorAll("textarea[data-go-editor]")) makeEditor(textarea);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
