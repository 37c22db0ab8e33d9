// Progressive enhancement for SQL exercises: "Run query" shows the result without a page
// reload. Without JavaScript the button submits the form and the server renders the same table.
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-run-question]");
  if (!button) return;
  const id = button.dataset.runQuestion;
  const textarea = document.getElementById("q" + id);
  const output = document.getElementById("run-" + id);
  const token = document.querySelector('meta[name="csrf-token"]');
  if (!textarea || !output || !token) return;
  event.preventDefault();
  button.disabled = true;
  output.textContent = "Running…";
  try {
    const response = await fetch(`/api/v1/questions/${id}/run`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.content },
      body: JSON.stringify({ sql: textarea.value }),
    });
    const body = await response.json();
    render(output, response.ok ? body : { error: (body.error && body.error.message) || "The query could not run." });
  } catch (err) {
    render(output, { error: "The query could not be sent. Check your connection." });
  } finally {
    button.disabled = false;
  }
});

function render(output, result) {
  output.replaceChildren();
  if (result.error) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = result.error;
    output.append(p);
    return;
  }
  const meta = document.createElement("p");
  meta.className = "meta";
  const n = result.rows.length;
  meta.textContent = `${n} row${n === 1 ? "" : "s"}${result.truncated ? " (first 1,000 shown)" : ""} · ${result.elapsed_ms} ms`;
  const wrap = document.createElement("div");
  wrap.className = "table-scroll";
  const table = document.createElement("table");
  table.className = "sample";
  const head = table.createTHead().insertRow();
  for (const column of result.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = column;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of result.rows.slice(0, 200)) {
    const tr = body.insertRow();
    for (const value of row) tr.insertCell().textContent = value === null ? "NULL" : String(value);
  }
  wrap.append(table);
  output.append(meta, wrap);
}
