// tradewar web app: a run's results — choropleth world map, bar chart, sortable table and the
// bilateral balance matrix; for a Monte Carlo run the medians, with their 5–95% bands in the table
// and as error bars. Uses plotly.js (served locally) and /geo/world.geojson.
"use strict";

// the per-country metrics worth showing first (the rest follow in the table)
TW.METRICS = {
  welfare: "Δ welfare %", real_wage: "Δ real wage %", prices: "Δ consumer prices %", wage: "Δ nominal wage %",
  exports_gdp: "Δ exports/GDP %", imports_gdp: "Δ imports/GDP %", deficit: "Δ trade deficit %",
  employment: "Δ employment %", tariff_revenue_pct: "tariff revenue % of expenditure", real_income: "Δ real income %",
  government_welfare: "Δ government welfare %", profits: "Δ profits %", terms_of_trade: "terms of trade %",
  median_tariff: "median tariff %",
};
// metric names in display order: those of TW.METRICS in its order, then the others alphabetically
TW.orderMetrics = (names) => {
  const present = new Set(names);
  return Object.keys(TW.METRICS).filter((m) => present.has(m)).concat([...present].filter((m) => !TW.METRICS[m]).sort());
};
// regions of multi-country datasets drawn on the map (Ossa 2014: EU-27 of 2007; ROW: the rest)
TW.REGIONS = {
  EU: ["AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC", "HUN", "IRL", "ITA",
       "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE"],
};
// topojsonURL: plotly's geo base layers come from this server (/geo/world_110m.json), not a CDN
TW.PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"],
                   topojsonURL: "/geo/" };

let geoPromise = null;
TW.world = function () {
  if (!geoPromise) geoPromise = fetch("/geo/world.geojson").then((r) => {
    if (!r.ok) throw new Error("world map shapes: HTTP " + r.status);
    return r.json();
  });
  return geoPromise;
};
TW.countryName = function (geo, code) {
  const f = geo.features.find((x) => x.id === code);
  return f ? f.properties.name : code;
};

// "[q05, q95]" of a band (Monte Carlo runs)
TW.band = (b, digits = 3) => `[${TW.fmt(b ? b[0] : null, digits)}, ${TW.fmt(b ? b[1] : null, digits)}]`;

// a red (losses) to blue (gains) colour scale, symmetric around 0, for the values z (nulls left out)
function diverging(z) {
  const zmax = Math.max(1e-12, ...z.filter((v) => v !== null).map(Math.abs));
  return { colorscale: "RdBu", reversescale: true, zmin: -zmax, zmax, zmid: 0 };
}

// {code: value} (codes or regions) -> map locations, values and hover labels per geo feature;
// bands {code: [q05, q95]} (optional) join the labels
function mapValues(geo, values, bands) {
  const locs = [], z = [], text = [];
  const covered = new Set();
  const put = (code, value, label, unit) => {
    locs.push(code); z.push(value); covered.add(code);
    text.push(bands ? `${label}<br>5–95%: ${TW.band(bands[unit])}` : label);
  };
  for (const [code, v] of Object.entries(values)) {
    if (v === null || v === undefined) continue;
    if (TW.REGIONS[code]) TW.REGIONS[code].forEach((m) => put(m, v, `${TW.countryName(geo, m)} (${code})`, code));
    else if (code !== "ROW") put(code, v, TW.countryName(geo, code), code);
  }
  if (values.ROW !== undefined && values.ROW !== null) {
    geo.features.filter((f) => !covered.has(f.id)).forEach((f) => put(f.id, values.ROW, `${f.properties.name} (ROW)`, "ROW"));
  }
  return { locs, z, text };
}

// a choropleth of {code: value} in div; title and colour bar label; bands: see mapValues
TW.choropleth = async function (div, values, label, bands = null) {
  const geo = await TW.world();
  const { locs, z, text } = mapValues(geo, values, bands);
  const trace = {
    type: "choropleth", geojson: geo, featureidkey: "id", locations: locs, z, text,
    hovertemplate: "%{text}<br>" + label + ": %{z:.3f}<extra></extra>", ...diverging(z),
    marker: { line: { color: "#fff", width: 0.4 } }, colorbar: { title: { text: label }, thickness: 14 },
  };
  const layout = {
    margin: { l: 0, r: 0, t: 10, b: 0 }, height: 460,
    geo: { projection: { type: "natural earth" }, showframe: false, showcoastlines: false, showland: true, landcolor: "#e3e6ea",
           showcountries: false, showocean: true, oceancolor: "#eef3f9", bgcolor: "rgba(0,0,0,0)",
           lataxis: { range: [-58, 85] } },
  };
  await Plotly.react(div, [trace], layout, TW.PLOT_CONFIG);
};

// horizontal bars of the largest moves (all countries if few); bands {code: {metric: [q05, q95]}}
// (a Monte Carlo run) add error bars from q05 to q95
TW.bars = function (div, rows, key, label, names, limit = 30, bands = null) {
  let data = rows.filter((r) => typeof r[key] === "number");
  data.sort((a, b) => a[key] - b[key]);
  if (data.length > limit) data = data.slice(0, limit / 2).concat(data.slice(-limit / 2));
  const y = data.map((r) => names[r.code] ? `${names[r.code]} (${r.code})` : r.code);
  const x = data.map((r) => r[key]);
  const trace = { type: "bar", orientation: "h", x, y,
    marker: { color: x.map((v) => (v < 0 ? "#c0392b" : "#2e7d32")) },
    hovertemplate: "%{y}: %{x:.3f}<extra></extra>" };
  if (bands) {
    const band = data.map((r) => (bands[r.code] || {})[key] || [null, null]);
    const gap = (v) => (typeof v === "number" ? Math.max(0, v) : 0);
    Object.assign(trace, {
      error_x: { type: "data", symmetric: false, array: band.map(([, hi], i) => gap(hi - x[i])),
                 arrayminus: band.map(([lo], i) => gap(x[i] - lo)), color: "#333", thickness: 1.2, width: 3 },
      customdata: band.map((b) => TW.band(b)),
      hovertemplate: "%{y}: median %{x:.3f}, 5–95% %{customdata}<extra></extra>" });
  }
  return Plotly.react(div, [trace],
  { margin: { l: 170, r: 20, t: 30, b: 40 }, height: Math.max(300, 22 * x.length + 80),
    title: { text: label + (rows.length > limit ? ` — the ${limit / 2} lowest and highest` : ""), font: { size: 13 } },
    xaxis: { zeroline: true, zerolinecolor: "#555" }, yaxis: { automargin: true } }, TW.PLOT_CONFIG);
};

// the bilateral balance matrix: rows = countries that set tariffs, columns = partners
TW.balanceMatrix = function (div, matrix, names, limit = 30) {
  const rows = Object.keys(matrix || {});
  if (!rows.length) { div.replaceChildren(TW.el("p", { class: "muted" }, "No bilateral balances: the scenario sets no tariffs.")); return null; }
  let partners = Object.keys(matrix[rows[0]]);
  const size = (p) => Math.max(...rows.map((r) => Math.abs(matrix[r][p] ?? 0)));
  if (partners.length > limit) partners = partners.slice().sort((a, b) => size(b) - size(a)).slice(0, limit);
  const z = rows.map((r) => partners.map((p) => (r === p ? null : matrix[r][p])));
  return Plotly.react(div, [{ type: "heatmap", x: partners, y: rows, z, ...diverging(z.flat()),
    hovertemplate: "%{y} with %{x}: %{z:.4g}<extra></extra>", colorbar: { thickness: 12 } }],
  { margin: { l: 60, r: 10, t: 50, b: 60 }, height: Math.max(300, 40 * rows.length + 160),
    title: { text: "Δ balance (exports − imports), row country with partner" +
      (Object.keys(matrix[rows[0]]).length > limit ? `<br>the ${limit} partners with the largest changes` : ""), font: { size: 13 } },
    xaxis: { type: "category", tickangle: -45 }, yaxis: { type: "category" } }, TW.PLOT_CONFIG);
};

function countryRows(countries) {
  return Object.entries(countries || {}).map(([code, m]) => Object.assign({ code }, m));
}

function metricsOf(rows) {
  return TW.orderMetrics(rows.flatMap((r) => Object.entries(r).filter(([k, v]) => k !== "code" && typeof v === "number").map(([k]) => k)));
}

// a Monte Carlo run's line under the title: draws, seed, the drawn parameters, failures
function monteCarloSummary(out) {
  const failed = (out.failed_draws || []).length;
  return `Monte Carlo: ${out.draws} draws (${out.converged_draws} converged` + (failed ? `, ${failed} failed` : "") +
    `), seed ${out.seed}, drawn: ${(out.parameters_drawn || []).join(", ")} · each value is the median over the draws, ` +
    "[5%, 95%] its band";
}

// everything for one stored run (GET /runs/{id}) into container
TW.renderRun = async function (container, run) {
  const out = run.outcome || {};
  const mc = out.kind === "monte_carlo";
  const bands = mc ? out.bands || {} : null;
  const groups = new Set(mc ? out.groups || [] : []);     // group medians (world, EU27…): not map rows
  const rows = countryRows(out.countries).filter((r) => !groups.has(r.code));
  const metrics = metricsOf(rows);
  const geo = await TW.world();
  const names = {};
  let datasetNames = {};
  try {  // the dataset's own names (regions such as EU, ROW), else the map's
    const world = await TW.api(`/datasets/${encodeURIComponent(run.dataset)}/world`);
    world.countries.forEach((c) => { if (c.name && c.name !== c.code) datasetNames[c.code] = c.name; });
  } catch (e) { datasetNames = {}; }
  rows.forEach((r) => { names[r.code] = datasetNames[r.code] || TW.countryName(geo, r.code); r.name = names[r.code]; });
  const diag = run.diagnostics || out.diagnostics || {};
  const select = TW.el("select", { id: "metric" }, metrics.map((m) => TW.el("option", { value: m }, TW.METRICS[m] || m)));
  const mapDiv = TW.el("div", { class: "plot map", id: "map" });
  const barDiv = TW.el("div", { class: "plot", id: "bars" });
  const matrixDiv = TW.el("div", { class: "plot", id: "matrix" });
  const columns = [{ key: "code", label: "ISO3" }, { key: "name", label: "country" }]
    .concat(metrics.map((m) => ({ key: m, label: TW.METRICS[m] || m, num: true, sign: true,
      render: mc ? (v, r) => TW.el("span", { class: "mc" }, TW.fmt(v, 3), " ",
        TW.el("span", { class: "band" }, TW.band((bands[r.code] || {})[m]))) : undefined })));
  const table = TW.table(columns, rows, { sortKey: metrics[0], sortDir: 1, class: "data results" });
  const world = out.world || {};
  const worldMc = mc && out.countries && out.countries.world ? out.countries.world.welfare : undefined;
  container.replaceChildren(
    TW.el("div", { class: "card" },
      TW.el("h2", {}, `Run ${run.scenario_name || out.scenario} `, TW.el("span", { class: "muted" }, run.id ? `(${run.id})` : "")),
      TW.el("p", { class: "muted" },
        `dataset ${run.dataset} · model ${out.model || (run.parameters || {}).model} · ${rows.length} countries · ` +
        `solved in ${TW.fmt(run.seconds, 3)} s · ` + (mc ? "" : `converged: ${diag.converged} · `) +
        `engine ${run.engine_version || ""}` +
        (typeof world.welfare === "number" ? ` · world Δ welfare ${TW.fmt(world.welfare, 4)} %` : "") +
        (typeof worldMc === "number" ? ` · world Δ welfare ${TW.fmt(worldMc, 4)} % ${TW.band(out.bands.world.welfare, 4)}` : "")),
      mc ? TW.el("p", { class: "mc-summary" }, monteCarloSummary(out)) : null,
      (out.notes || []).length ? TW.el("ul", { class: "muted" }, out.notes.map((n) => TW.el("li", {}, n))) : null,
      TW.el("div", { class: "row" }, TW.el("label", {}, "metric", select))),
    TW.el("div", { class: "card" }, TW.el("h3", {}, "World map"), mapDiv),
    TW.el("div", { class: "grid2" },
      TW.el("div", { class: "card" }, TW.el("h3", {}, "Largest changes"), barDiv),
      TW.el("div", { class: "card" }, TW.el("h3", {}, "Bilateral balance matrix"),
        TW.el("p", { class: "muted" }, "Rows: the countries whose tariffs the scenario sets (its actors); model units."), matrixDiv)),
    TW.el("div", { class: "card" }, TW.el("h3", {}, "All countries"), TW.el("div", { class: "scroll" }, table)));
  async function draw() {
    const key = select.value;
    const values = {};
    rows.forEach((r) => { values[r.code] = r[key]; });
    const label = (TW.METRICS[key] || key) + (mc ? " (median)" : "");
    const metricBands = mc ? Object.fromEntries(Object.entries(bands).map(([c, b]) => [c, b[key]])) : null;
    await TW.choropleth(mapDiv, values, label, metricBands);
    await TW.bars(barDiv, rows, key, label + (mc ? ", 5–95% bands" : ""), names, 30, bands);
  }
  select.addEventListener("change", draw);
  await draw();
  if (mc) matrixDiv.replaceChildren(TW.el("p", { class: "muted" }, "A Monte Carlo run keeps medians and bands per country, not the bilateral balances."));
  else await TW.balanceMatrix(matrixDiv, out.bilateral_balance_change, names);
};
