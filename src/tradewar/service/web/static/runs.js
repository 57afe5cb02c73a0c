// tradewar web app: run history — list, open, delete, pick two to compare.
"use strict";

// the ticked runs, oldest first (a = the older run, b = the newer)
function selected() {
  return [...document.querySelectorAll("input.pick:checked")].sort((x, y) => x.dataset.created.localeCompare(y.dataset.created))
    .map((c) => c.value);
}

function updateCompare() {
  const ids = selected();
  $("compare").disabled = ids.length !== 2;
  $("count").textContent = ids.length === 2 ? "" : "select two runs to compare";
}

async function remove(id) {
  if (!confirm(`Delete run ${id}?`)) return;
  try { await TW.api(`/runs/${id}`, { method: "DELETE" }); await load(); } catch (e) { TW.message($("message"), e.message); }
}

async function load() {
  try {
    const runs = await TW.api("/runs?limit=1000");
    runs.forEach((r) => { r.created_iso = r.created; r.created = r.created.replace("T", " ").slice(0, 19); });
    if (!runs.length) { $("runs").replaceChildren(TW.el("p", { class: "muted" }, "No runs stored yet: build one in the scenario builder.")); return; }
    $("runs").replaceChildren(TW.table([
      { key: "id", label: "", sort: false, render: (v, r) => TW.el("input", { type: "checkbox", class: "pick", value: v,
        "data-created": r.created_iso, onchange: updateCompare, "aria-label": "select " + v }) },
      { key: "created", label: "created" },
      { key: "scenario_name", label: "scenario", render: (v, r) => TW.el("a", { href: `/ui/run?id=${r.id}` }, v) },
      { key: "dataset", label: "dataset" }, { key: "engine_version", label: "engine" },
      { key: "seconds", label: "seconds", num: true },
      { key: "id", label: "id", render: (v) => TW.el("code", {}, v.slice(0, 12)) },
      { key: "id", label: "", sort: false, render: (v) => TW.el("button", { type: "button", class: "danger", onclick: () => remove(v) }, "delete") },
    ], runs, { sortKey: "created_iso", sortDir: -1, class: "data runs" }));
    updateCompare();
  } catch (e) { TW.message($("message"), e.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("compare").addEventListener("click", () => {
    const [a, b] = selected();
    location.href = `/ui/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
  });
  load();
});
