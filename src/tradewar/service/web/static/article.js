// tradewar web app: an article -> events, figures and their verdicts -> "simulate this".
"use strict";

function verdict(check) {
  if (!check) return "";
  return TW.el("span", { class: `badge verdict verdict-${check.verdict}`, title: (check.rows || []).join("\n") }, check.verdict);
}

function query() {
  const q = new URLSearchParams();
  if ($("date").value) q.set("date", $("date").value);
  return q;
}

// the article's text to an article endpoint (/news/read, /news/scenario)
function postArticle(path, q) {
  return TW.api(`${path}?${q}`, { body: $("article").value, headers: { "Content-Type": "text/plain" } });
}

async function read() {
  const msg = $("message");
  TW.message(msg, "");
  $("simulate").disabled = true;
  try {
    const report = await postArticle("/news/read", query());
    $("date-basis").textContent = `article date ${report.article_date || "unknown"}: ${report.date_basis || ""}`;
    const events = report.events.map((e) => Object.assign({}, e, {
      when: e.date ? e.date.label : "", verdict: e.check ? e.check.verdict : "", statement: e.check ? e.check.statement : "",
      rates: e.rate_after !== null ? `${e.rate_before ?? "?"} → ${e.rate_after}%` : "",
      coverage: e.coverage_usd_bn !== null ? `$${e.coverage_usd_bn}bn` : "" }));
    $("events").replaceChildren(TW.table([
      { key: "id", label: "id" }, { key: "action", label: "event" }, { key: "actor", label: "actor" }, { key: "target", label: "target" },
      { key: "modality", label: "modality" }, { key: "when", label: "date" }, { key: "rates", label: "rates" }, { key: "coverage", label: "on" },
      { key: "verdict", label: "verdict", render: (v, r) => verdict(r.check) }, { key: "statement", label: "what the data say" },
      { key: "text", label: "sentence" }], events, { class: "data events" }));
    const figures = report.figures.map((f) => Object.assign({}, f, {
      verdict: f.check ? f.check.verdict : "", statement: f.check ? f.check.statement : "" }));
    $("figures").replaceChildren(figures.length ? TW.table([
      { key: "id", label: "id" }, { key: "fragment", label: "figure" }, { key: "quantity", label: "quantity" },
      { key: "period", label: "period" }, { key: "verdict", label: "verdict", render: (v, r) => verdict(r.check) },
      { key: "statement", label: "what the data say" }], figures, { class: "data figures" }) : TW.el("p", { class: "muted" }, "No figures found."));
    const counts = {};
    report.events.concat(report.figures).forEach((x) => { if (x.check) counts[x.check.verdict] = (counts[x.check.verdict] || 0) + 1; });
    TW.message(msg, `${report.events.length} events, ${report.figures.length} figures; verdicts: ` +
      Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", "), "ok");
    $("simulate").disabled = false;
  } catch (e) { TW.message(msg, e.message); }
}

async function simulate() {
  const msg = $("sim-message");
  $("simulation").hidden = false;
  TW.message(msg, "");
  const q = query();
  if ($("threats").checked) q.set("threats", "true");
  try {
    const sc = await postArticle("/news/scenario", q);
    $("toml").value = sc.toml;
    $("plan").replaceChildren(
      TW.table([{ key: "event", label: "event" }, { key: "importer", label: "importer" }, { key: "exporter", label: "exporter" },
        { key: "delta_pct", label: "Δ rate pts", num: true }, { key: "coverage_usd_bn", label: "on $bn", num: true },
        { key: "base_usd_bn", label: "of $bn imports", num: true },
        { key: "increment", label: "Δ average tariff", num: true, digits: 5 }], sc.plan.measures, { class: "data plan" }),
      TW.el("p", { class: "muted" }, "Not modelled: " + (sc.plan.not_modelled.join("; ") || "nothing")));
    await run();
  } catch (e) { TW.message(msg, e.message); }
}

function run() {
  return TW.runScenario({ toml: $("toml").value, progress: $("progress"), message: $("sim-message"), button: $("run"),
    results: $("results") });
}

document.addEventListener("DOMContentLoaded", () => {
  $("read").addEventListener("click", read);
  $("simulate").addEventListener("click", simulate);
  $("run").addEventListener("click", run);
  $("open-builder").addEventListener("click", () => TW.openInBuilder($("toml").value));
});
