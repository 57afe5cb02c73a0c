// tradewar web app: the US–China war timeline — rates over time, events, the model by date.
"use strict";

const STEP_LINE = { shape: "hv", width: 2 };

function ratesChart(data) {
  const traces = Object.entries(data.rates).map(([direction, s]) => {
    const x = s.dates.concat(["2020-12-31"]);
    const y = s.average.concat([s.average[s.average.length - 1]]);
    return { type: "scatter", mode: "lines", name: `${s.importer} tariff on ${s.exporter} goods`, x, y, line: STEP_LINE,
             text: s.labels.concat([""]), hovertemplate: "%{x}: %{y:.2f}%<br>%{text}<extra></extra>" };
  });
  const events = data.events;
  traces.push({ type: "scatter", mode: "markers", name: "events", x: events.map((e) => e.date), y: events.map(() => 0),
                marker: { symbol: "line-ns-open", size: 14, color: "#666" },
                text: events.map((e) => `${e.actor} → ${e.target}: ${e.list_name || ""} (${e.status || ""})<br>${(e.action || "").slice(0, 90)}`),
                hovertemplate: "%{x}<br>%{text}<extra></extra>" });
  return Plotly.react($("rates"), traces, {
    margin: { l: 50, r: 20, t: 10, b: 40 }, height: 380, yaxis: { title: { text: "%" }, rangemode: "tozero" },
    legend: { orientation: "h", y: 1.08 }, hovermode: "closest" }, TW.PLOT_CONFIG);
}

function stepsChart(div, steps, series, yTitle) {
  const x = steps.map((s) => s.date);
  const traces = series.map(([key, name]) => ({ type: "scatter", mode: "lines+markers", name, x, y: steps.map((s) => s[key]),
    line: STEP_LINE, text: steps.map((s) => s.event), hovertemplate: "%{x}: %{y:.3f}<br>%{text}<extra></extra>" }));
  return Plotly.react(div, traces, { margin: { l: 55, r: 20, t: 10, b: 40 }, height: 340,
    yaxis: { title: { text: yTitle }, zeroline: true }, legend: { orientation: "h", y: 1.12 } }, TW.PLOT_CONFIG);
}

async function load() {
  const world = $("world").value;
  $("status").textContent = `solving every step of the war on ${world}…`;
  TW.message($("message"), "");
  try {
    const data = await TW.api(`/war/timeline?world=${encodeURIComponent(world)}`);
    await ratesChart(data);
    await stepsChart($("welfare"), data.steps, [["welfare_USA", "USA"], ["welfare_CHN", "China"], ["welfare_rest", "rest of the world"]], "Δ welfare %");
    await stepsChart($("trade"), data.steps, [["us_imports_from_chn", "US imports from China %"],
      ["chn_imports_from_usa", "China's imports from the US %"], ["third_exports_to_usa", "third countries → US %"],
      ["third_exports_to_chn", "third countries → China %"]], "Δ %");
    const num = (key, label, digits = 3) => ({ key, label, num: true, sign: key.startsWith("welfare"), digits });
    $("steps").replaceChildren(TW.table([{ key: "date", label: "date" }, num("us_avg", "US avg %", 2), num("cn_avg", "CN avg %", 2),
      num("welfare_USA", "ΔW USA %"), num("welfare_CHN", "ΔW CHN %"), num("welfare_rest", "ΔW rest %"),
      num("prices_USA", "ΔP USA %"), num("prices_CHN", "ΔP CHN %"), num("us_balance_with_chn_bn", "US balance with CHN, bn", 1),
      { key: "event", label: "what changed" }], data.steps, { sortKey: "date", class: "data steps" }));
    $("notes").replaceChildren(...data.notes.map((n) => TW.el("p", {}, n)));
    const numeric = ["coverage_usd_bn", "rate_before_pct", "rate_after_pct"];
    const cols = ["date", "actor", "target", "list_name", "action", "status", ...numeric];
    $("events").replaceChildren(TW.table(cols.map((k) => ({ key: k, label: k.replace(/_/g, " "), num: numeric.includes(k), digits: 1 })),
      data.events, { sortKey: "date", class: "data events" }));
    $("status").textContent = `${data.steps.length} steps, ${data.events.length} events`;
  } catch (e) {
    $("status").textContent = "";
    TW.message($("message"), e.message);
  }
}

// the war's tariffs at a date as a scenario, handed to the builder to edit and run
async function openInBuilder() {
  try {
    const q = new URLSearchParams({ date: $("date").value, world: $("world").value });
    TW.openInBuilder((await TW.api("/war/scenario?" + q)).toml);
  } catch (e) { TW.message($("message"), e.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("world").addEventListener("change", load);
  $("open-builder").addEventListener("click", openInBuilder);
  load();
});
