// tradewar web app: shared helpers of every page (API calls with the token, DOM building, jobs,
// formatting, handing a scenario to the builder).
"use strict";

const TW = window.TW = {};
const $ = (id) => document.getElementById(id);     // the page scripts' element lookup

TW.token = () => sessionStorage.getItem("tradewar-token") || "";

// fetch an API path; JSON in/out; errors become Error("status field: message")
TW.api = async function (path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  const token = TW.token();
  if (token) headers["Authorization"] = "Bearer " + token;
  let body = opts.body;
  if (opts.json !== undefined) { body = JSON.stringify(opts.json); headers["Content-Type"] = "application/json"; }
  const resp = await fetch(path, { method: opts.method || (body !== undefined ? "POST" : "GET"), headers, body });
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text }; }
  if (!resp.ok) {
    const where = data && data.field ? data.field + ": " : "";
    const hint = resp.status === 401 ? " (enter the server's token at the top right)" : "";
    const err = new Error(`${resp.status} ${where}${(data && data.message) || resp.statusText}${hint}`);
    err.status = resp.status; err.field = data && data.field;
    throw err;
  }
  return data;
};

// el("div", {class: "x", onclick: f}, "text", child...)
TW.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "value") node.value = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
};

TW.fmt = function (x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (typeof x !== "number") return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return x.toExponential(2);
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
};

TW.message = function (node, text, kind = "error") {
  node.className = "msg" + (text ? " " + kind : "");
  node.textContent = text || "";
};

TW.param = (name) => new URLSearchParams(location.search).get(name);

// a page's async start() once the DOM is ready; its error in the page's #message
TW.ready = (start) => document.addEventListener("DOMContentLoaded", () => start().catch((e) => TW.message($("message"), e.message)));

// "open in the builder": hand a scenario's TOML (and a Monte Carlo run's {draws, seed}) to the builder page
TW.openInBuilder = function (toml, monteCarlo = null) {
  sessionStorage.setItem("tradewar-scenario", toml);
  if (monteCarlo) sessionStorage.setItem("tradewar-draws", JSON.stringify(monteCarlo));
  location.href = "/";
};

// the builder's side, once: {toml, monteCarlo} handed over by another page (null where none was)
TW.takeHanded = function () {
  const toml = sessionStorage.getItem("tradewar-scenario");
  const mc = sessionStorage.getItem("tradewar-draws");
  sessionStorage.removeItem("tradewar-scenario");
  sessionStorage.removeItem("tradewar-draws");
  return { toml, monteCarlo: mc ? JSON.parse(mc) : null };
};

// Run a scenario (TOML text) as a job; onEvent(event, fraction, jobId, rounds) per streamed event
// (rounds: progress events so far); query: {draws, seed} for a Monte Carlo (progress events then
// carry done/total). Returns {done: Promise<run id>, cancel()}.
TW.runJob = function (toml, onEvent, query = null) {
  let jobId = null, source = null, cancelled = false;
  const done = (async () => {
    const path = "/jobs" + (query ? "?" + new URLSearchParams(query) : "");
    const job = await TW.api(path, { body: toml, headers: { "Content-Type": "application/toml" } });
    jobId = job.id;
    if (cancelled) await TW.api("/jobs/" + jobId, { method: "DELETE" });
    return await new Promise((resolve, reject) => {
      let rounds = 0;
      source = new EventSource(job.events_url);
      source.onmessage = (msg) => {
        const ev = JSON.parse(msg.data);
        if (ev.event === "progress") rounds += 1;
        const fraction = { queued: 0.1, started: 0.25, done: 1 }[ev.event] ?? (ev.total
          ? 0.25 + 0.7 * Math.min(1, ev.done / ev.total)
          : Math.min(0.95, 0.25 + 0.7 * (1 - Math.pow(0.85, rounds))));
        onEvent && onEvent(ev, fraction, jobId, rounds);
        if (ev.event === "done") { source.close(); resolve(ev.run_id); }
        else if (ev.event === "failed") { source.close(); reject(new Error(`run failed: ${ev.field ? ev.field + ": " : ""}${ev.message}`)); }
        else if (ev.event === "cancelled") { source.close(); reject(new Error("run cancelled")); }
      };
      source.onerror = () => { if (source.readyState === EventSource.CLOSED) reject(new Error("lost the job's event stream")); };
    });
  })();
  return {
    done,
    cancel: async () => { cancelled = true; if (jobId) await TW.api("/jobs/" + jobId, { method: "DELETE" }); },
  };
};

// A progress bar bound to a job: returns {update(fraction, label), node}
TW.progressBar = function (container) {
  const bar = TW.el("div");
  const label = TW.el("div", { class: "muted" });
  container.replaceChildren(TW.el("div", { class: "progress", role: "progressbar" }, bar), label);
  return {
    update(fraction, text) {
      bar.style.width = Math.round(100 * fraction) + "%";
      bar.parentNode.setAttribute("aria-valuenow", Math.round(100 * fraction));
      label.textContent = text || "";
    },
  };
};

// A page's "run": the scenario as a job (TW.runJob) with a progress bar in `progress` (its
// data-job, data-rounds, data-state, and a Monte Carlo's data-done/data-total), `button` disabled
// and `cancel` (optional) enabled while it runs, errors or "stored as run …" in `message`, the
// stored run drawn in `results` (TW.renderRun, results.js). query: {draws, seed} for a Monte Carlo.
TW.runScenario = async function ({ toml, query = null, progress, message, button, cancel = null, results }) {
  TW.message(message, "");
  button.disabled = true;
  const bar = TW.progressBar(progress);
  bar.update(0.02, "submitting…");
  delete progress.dataset.done; delete progress.dataset.total;   // of an earlier Monte Carlo
  let drawn = "";
  const job = TW.runJob(toml, (ev, fraction, jobId, rounds) => {
    Object.assign(progress.dataset, { job: jobId, rounds, state: ev.event });
    if (ev.total !== undefined) {
      Object.assign(progress.dataset, { done: ev.done, total: ev.total });
      drawn = `${ev.done}/${ev.total} draws`;
    }
    let label = ev.event;
    if (ev.event === "progress") label = ev.total !== undefined ? drawn : `${ev.label} round ${ev.round ?? ""} (max change ${TW.fmt(ev.max_change, 4)})`;
    else if (drawn) label = `${ev.event} (${drawn})`;
    bar.update(fraction, label);
  }, query);
  const stop = () => job.cancel();
  if (cancel) { cancel.disabled = false; cancel.addEventListener("click", stop); }
  try {
    const runId = await job.done;
    const record = await TW.api(`/runs/${runId}`);
    TW.message(message, `stored as run ${runId} — `, "ok");
    message.append(TW.el("a", { href: `/ui/run?id=${runId}` }, "its permanent page"));
    await TW.renderRun(results, record);
  } catch (e) {
    bar.update(0, "");
    TW.message(message, e.message);
  } finally {
    button.disabled = false;
    if (cancel) { cancel.disabled = true; cancel.removeEventListener("click", stop); }
  }
};

// the page header: navigation and the token field (kept in sessionStorage)
TW.header = async function () {
  const here = location.pathname;
  const links = [["/", "Scenario builder"], ["/ui/war", "US–China war"], ["/ui/article", "Article"], ["/ui/runs", "Runs"]];
  const input = TW.el("input", { type: "password", id: "token", placeholder: "token (if required)", value: TW.token(),
    autocomplete: "off", oninput: (e) => sessionStorage.setItem("tradewar-token", e.target.value.trim()) });
  const tokenBox = TW.el("label", { class: "token" }, "API token ", input);
  const header = TW.el("header", {},
    TW.el("span", { class: "brand" }, "tradewar"),
    TW.el("nav", {}, links.map(([href, text]) => TW.el("a", { href, class: here === href ? "active" : null }, text)),
      TW.el("a", { href: "/docs" }, "API")),
    tokenBox);
  document.body.prepend(header);
  try {
    const cfg = await TW.api("/web/config");
    if (cfg.token_required) { tokenBox.classList.add("required"); tokenBox.title = "This server needs a token to run and delete."; }
  } catch (e) { /* the page works without it */ }
};

// a sortable table: columns [{key, label, num, digits, sign, render, sort}], rows [objects]
TW.table = function (columns, rows, opts = {}) {
  const table = TW.el("table", { class: opts.class || "data" });
  const thead = TW.el("thead", {}, TW.el("tr", {}, columns.map((c) =>
    TW.el("th", { class: (c.sort === false ? "" : "sortable") + (c.num ? " num" : ""), "data-key": c.key }, c.label))));
  const tbody = TW.el("tbody");
  table.append(thead, tbody);
  let sortKey = opts.sortKey || null, sortDir = opts.sortDir || 1;
  function render() {
    const sorted = rows.slice();
    if (sortKey) {
      sorted.sort((a, b) => {
        const x = a[sortKey], y = b[sortKey];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * sortDir;
      });
    }
    tbody.replaceChildren(...sorted.map((r) => TW.el("tr", {}, columns.map((c) => {
      const v = r[c.key];
      const cell = c.render ? c.render(v, r) : (c.num ? TW.fmt(v, c.digits ?? 3) : (v ?? ""));
      const cls = (c.num ? "num" : "") + (c.sign && typeof v === "number" ? (v < 0 ? " neg" : v > 0 ? " pos" : "") : "");
      return TW.el("td", { class: cls || null }, cell);
    }))));
    thead.querySelectorAll("th").forEach((th) => {
      th.classList.toggle("sorted-asc", th.dataset.key === sortKey && sortDir === 1);
      th.classList.toggle("sorted-desc", th.dataset.key === sortKey && sortDir === -1);
    });
  }
  thead.addEventListener("click", (e) => {
    const th = e.target.closest("th.sortable");
    if (!th) return;
    sortDir = th.dataset.key === sortKey ? -sortDir : (columns.find((c) => c.key === th.dataset.key).num ? -1 : 1);
    sortKey = th.dataset.key;
    render();
  });
  render();
  return table;
};

document.addEventListener("DOMContentLoaded", TW.header);
