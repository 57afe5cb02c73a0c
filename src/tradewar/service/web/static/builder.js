// tradewar web app: the scenario builder — form -> scenario TOML (editable) -> validate / run as a
// job (or a Monte Carlo over the [uncertainty] tables: draws > 0) with a progress bar -> results.
"use strict";

const B = { world: null, edited: false };
const DEFAULT_MODEL = { ossa2014: "ossa2014", cp2015: "cp2015" };

function tomlString(s) { return JSON.stringify(String(s)); }
function tomlSelector(v) { return Array.isArray(v) ? "[" + v.map(tomlString).join(", ") + "]" : tomlString(v); }
function num(v) { return Number.isFinite(v) ? String(+v.toFixed(10)) : null; }

// option lists of the loaded dataset: "all", groups, countries
function selectorOptions(withAll = true) {
  const opts = [];
  if (withAll) opts.push(["all", "all countries"]);
  Object.entries(B.world.groups).forEach(([g, members]) => opts.push([g, `${g} (group of ${members.length})`]));
  B.world.countries.forEach((c) => opts.push([c.code, c.code === c.name ? c.code : `${c.code} — ${c.name}`]));
  return opts;
}
function select(cls, options, value) {
  return TW.el("select", { class: cls, onchange: regenerate },
    options.map(([v, text]) => TW.el("option", { value: v, selected: v === value }, text)));
}
function field(label, input) { return TW.el("label", {}, label, input); }
function removeButton() {
  return TW.el("button", { type: "button", class: "danger", title: "remove",
    onclick: (e) => {
      const row = e.target.closest(".measure");
      row.remove();
      if (row.classList.contains("uncertain") && !document.querySelector("#uncertainty .uncertain")) $("draws").value = 0;
      regenerate();
    } }, "×");
}
function firstOther(code) { return (B.world.countries.find((c) => c.code !== code) || {}).code; }

function addTariff(init = {}) {
  const importer = init.importer || (B.world.countries.find((c) => c.code === "USA") ? "USA" : B.world.countries[0].code);
  const exporters = init.exporters || (B.world.countries.find((c) => c.code === "CHN") ? "CHN" : "all");
  const sectors = [["all", "all sectors"]].concat(B.world.sectors.length > 1 ? B.world.sectors.map((s) => [s, s]) : []);
  const row = TW.el("div", { class: "measure tariff row" },
    field("importer", select("importer", selectorOptions(false), importer)),
    field("on exporters", select("exporters", selectorOptions(true), exporters)),
    field("sectors", select("sectors", sectors, "all")),
    field("rate %", TW.el("input", { class: "rate", type: "number", step: "0.5", min: "0", max: "1000", value: init.rate ?? 25, oninput: regenerate })),
    field("mode", select("mode", [["set", "set to"], ["add", "add to baseline"]], init.mode || "set")),
    removeButton());
  $("tariffs").append(row);
  regenerate();
}

function addRetaliation(init = {}) {
  const rule = select("rule", [["reciprocal", "reciprocal (same rates back)"], ["rate", "a rate"], ["optimal", "optimal"]], init.rule || "reciprocal");
  const rate = TW.el("input", { class: "rate", type: "number", step: "0.5", min: "0", value: init.rate ?? 25, oninput: regenerate });
  const row = TW.el("div", { class: "measure retaliation row" },
    field("against", select("against", selectorOptions(false), init.against || "USA")),
    field("by", select("by", selectorOptions(true), init.by || "all")),
    field("rule", rule), field("rate %", rate), removeButton());
  $("retaliation").append(row);
  regenerate();
}

function addStrategy(init = {}) {
  const kinds = [["optimal", "optimal tariffs of one country"], ["nash", "Nash war"], ["cooperative", "cooperative talks"],
                 ["joint_optimal", "joint optimal (players as one)"]];
  const row = TW.el("div", { class: "measure strategy row" },
    field("kind", select("kind", kinds, init.kind || "optimal")),
    field("country (optimal)", select("country", selectorOptions(false), init.country || "USA")),
    field("players", TW.el("input", { class: "players", value: init.players || "all", size: 12, oninput: regenerate, title: "all, or codes separated by commas" })),
    field("against (joint)", TW.el("input", { class: "against", value: init.against || "", size: 8, oninput: regenerate })),
    field("restriction", select("restriction", [["discriminatory", "discriminatory"], ["mfn", "MFN"], ["uniform", "uniform"]], init.restriction || "discriminatory")),
    removeButton());
  $("strategies").append(row);
  regenerate();
}

// parameters a Monte Carlo can draw, per model: one number per draw, or one per sector (mean: a
// column of the dataset's sector data, sd = cv × mean)
const MC_PARAMS = {
  one_sector: [{ name: "trade_elasticity", mean: 4, sd: 0.8, low: 2, high: 8 }],
  ossa2014: [{ name: "sigma", column: "sigma_main", cv: 0.1, low: 1.05, high: null, uniformHigh: 6 }],
  cp2015: [{ name: "theta", column: "theta", cv: 0.1, low: 0.5, high: null, uniformHigh: 20 }],
};
function mcParams() { return MC_PARAMS[$("model").value] || []; }
function mcParam(row) { return mcParams().find((p) => p.name === row.querySelector(".param").value); }
function numInput(cls, value, placeholder) {
  return TW.el("input", { class: cls, type: "number", step: "any", value: value ?? "", placeholder, oninput: regenerate });
}

// show the inputs the row's distribution uses (normal: mean, sd or cv, optional low/high; uniform: low, high)
function showDistFields(row) {
  const uniform = row.querySelector(".dist").value === "uniform";
  row.querySelectorAll(".normal-only").forEach((l) => { l.hidden = uniform; });
  row.querySelectorAll(".low, .high").forEach((i) => { i.placeholder = uniform ? "required" : "none"; });
}

function addUncertainty(init = {}) {
  const used = new Set([...document.querySelectorAll("#uncertainty .param")].map((s) => s.value));
  const p = mcParams().find((x) => x.name === init.name) || mcParams().find((x) => !used.has(x.name));
  if (!p) { TW.message($("message"), `model ${$("model").value}: every parameter it can draw has a row already`); return; }
  const columns = (B.world.sector_columns || []).map((c) => [c, c]);
  if (p.column && !columns.some(([c]) => c === p.column)) columns.unshift([p.column, p.column]);
  const mean = p.column
    ? field("mean (sector column)", select("column", columns, p.column))
    : field("mean", numInput("mean", p.mean));
  const spread = p.column ? field("cv (sd / mean)", numInput("cv", p.cv)) : field("sd", numInput("sd", p.sd));
  [mean, spread].forEach((l) => l.classList.add("normal-only"));
  const row = TW.el("div", { class: "measure uncertain row" },
    field("parameter", TW.el("select", { class: "param", onchange: (e) => {
      const row = e.target.closest(".uncertain"); const name = e.target.value;
      row.remove(); addUncertainty({ name }); } },
      mcParams().map((x) => TW.el("option", { value: x.name, selected: x === p }, x.column ? `${x.name} (per sector)` : x.name)))),
    field("distribution", TW.el("select", { class: "dist", onchange: (e) => {
      const row = e.target.closest(".uncertain"), high = row.querySelector(".high");
      if (e.target.value === "uniform" && !high.value && p.uniformHigh) high.value = p.uniformHigh;  // uniform needs one
      showDistFields(row); regenerate(); } },
      [["normal", "normal"], ["uniform", "uniform"]].map(([v, t]) => TW.el("option", { value: v }, t)))),
    mean, spread, field("low", numInput("low", p.low)), field("high", numInput("high", p.high)),
    p.column ? field("sectors", select("correlation", [["independent", "independent"], ["common", "move together"]], "independent")) : null,
    removeButton());
  $("uncertainty").append(row);
  showDistFields(row);
  if (!(parseInt($("draws").value, 10) > 0)) $("draws").value = 200;
  regenerate();
}

// after a change of model: rows of parameters the new model does not have become its own
function syncUncertainty() {
  const stale = [...document.querySelectorAll("#uncertainty .uncertain")].filter((r) => !mcParam(r));
  stale.forEach((r) => r.remove());
  const used = () => new Set([...document.querySelectorAll("#uncertainty .param")].map((s) => s.value));
  stale.forEach(() => { if (mcParams().some((p) => !used().has(p.name))) addUncertainty(); });
  regenerate();
}

function uncertaintyToml(r, lines) {
  const p = mcParam(r);
  if (!p) return;                    // a row of the previous model, about to be replaced (syncUncertainty)
  const dist = r.querySelector(".dist").value;
  const value = (cls) => parseFloat(r.querySelector(cls).value);
  lines.push("", `[uncertainty.${p.name}]`, `dist = ${tomlString(dist)}`);
  if (dist === "normal" && p.column) lines.push(`mean = ${tomlString(r.querySelector(".column").value)}`, `cv = ${num(value(".cv")) ?? "nan"}`);
  else if (dist === "normal") lines.push(`mean = ${num(value(".mean")) ?? "nan"}`, `sd = ${num(value(".sd")) ?? "nan"}`);
  else if (p.column) lines.push("per_sector = true");
  ["low", "high"].forEach((k) => {   // left out when empty (uniform needs both: the server says so)
    if (r.querySelector("." + k).value.trim() !== "") lines.push(`${k} = ${num(value("." + k)) ?? "nan"}`);
  });
  if (p.column && r.querySelector(".correlation").value !== "independent") lines.push(`correlation = "common"`);
}

function splitCodes(text) {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  return parts.length === 1 ? parts[0] : parts;
}

// the form as scenario TOML
function formToml() {
  const lines = [`name = ${tomlString($("name").value.trim() || "scenario")}`, `dataset = ${tomlString($("dataset").value)}`, "",
                 "[model]", `name = ${tomlString($("model").value)}`];
  const te = parseFloat($("trade_elasticity").value);
  if (Number.isFinite(te)) lines.push(`trade_elasticity = ${num(te)}`);
  document.querySelectorAll("#tariffs .tariff").forEach((r) => {
    lines.push("", "[[tariffs]]", `importer = ${tomlSelector(r.querySelector(".importer").value)}`,
               `exporters = ${tomlSelector(r.querySelector(".exporters").value)}`);
    const sec = r.querySelector(".sectors").value;
    if (sec !== "all") lines.push(`sectors = ${tomlSelector(sec)}`);
    lines.push(`rate = ${num(parseFloat(r.querySelector(".rate").value) / 100) ?? "nan"}`);
    if (r.querySelector(".mode").value !== "set") lines.push(`mode = "add"`);
  });
  document.querySelectorAll("#retaliation .retaliation").forEach((r) => {
    const rule = r.querySelector(".rule").value;
    lines.push("", "[[retaliation]]", `against = ${tomlString(r.querySelector(".against").value)}`,
               `by = ${tomlSelector(r.querySelector(".by").value)}`, `rule = ${tomlString(rule)}`);
    if (rule === "rate") lines.push(`rate = ${num(parseFloat(r.querySelector(".rate").value) / 100) ?? "nan"}`);
    r.querySelector(".rate").disabled = rule !== "rate";
  });
  document.querySelectorAll("#strategies .strategy").forEach((r) => {
    const kind = r.querySelector(".kind").value;
    lines.push("", "[[strategy]]", `kind = ${tomlString(kind)}`);
    if (kind === "optimal") lines.push(`country = ${tomlString(r.querySelector(".country").value)}`);
    else lines.push(`players = ${tomlSelector(splitCodes(r.querySelector(".players").value) || "all")}`);
    if (kind === "joint_optimal") lines.push(`against = ${tomlSelector(splitCodes(r.querySelector(".against").value))}`);
    lines.push(`restriction = ${tomlString(r.querySelector(".restriction").value)}`);
  });
  document.querySelectorAll("#uncertainty .uncertain").forEach((r) => uncertaintyToml(r, lines));
  return lines.join("\n") + "\n";
}

function regenerate(force) {
  if (!B.world) return;
  if (B.edited && force !== true) return;
  $("toml").value = formToml();
  B.edited = false;
  $("toml-state").textContent = "generated from the form";
}

async function loadDataset(name, keepMeasures = false) {
  const msg = $("message");
  try {
    B.world = await TW.api(`/datasets/${encodeURIComponent(name)}/world`);
  } catch (e) { TW.message(msg, e.message); return; }
  $("model").value = DEFAULT_MODEL[name] || "one_sector";
  $("dataset-info").textContent = `${B.world.countries.length} countries, ${B.world.sectors.length} sector(s)` +
    (Object.keys(B.world.groups).length ? `, groups: ${Object.keys(B.world.groups).join(", ")}` : "");
  if (!keepMeasures) {
    ["tariffs", "retaliation", "strategies", "uncertainty"].forEach((id) => $(id).replaceChildren());
    addTariff();
  }
  regenerate();
}

async function validate() {
  const msg = $("message");
  TW.message(msg, "");
  try {
    const r = await TW.api("/scenarios/validate", { body: $("toml").value, headers: { "Content-Type": "application/toml" } });
    TW.message(msg, `valid: ${r.name} on ${r.dataset} (${r.model}), ${r.tariffs} tariff measure(s), ` +
      `${r.retaliation} retaliation rule(s), actors ${r.actors.join(", ") || "none"}` +
      (r.strategies.length ? `; strategies: ${r.strategies.map((s) => (typeof s === "string" ? s : JSON.stringify(s))).join("; ")}` : ""), "ok");
    return true;
  } catch (e) { TW.message(msg, e.message); return false; }
}

// a Monte Carlo when draws > 0
function run() {
  const draws = parseInt($("draws").value, 10) || 0;
  return TW.runScenario({ toml: $("toml").value, query: draws > 0 ? { draws, seed: $("seed").value.trim() || "0" } : null,
    progress: $("progress"), message: $("message"), button: $("run"), cancel: $("cancel"), results: $("results") });
}

async function init() {
  const datasets = (await TW.api("/datasets")).filter((d) => d.available && d.kind === "world");
  $("dataset").replaceChildren(...datasets.map((d) => TW.el("option", { value: d.name, title: d.title }, `${d.name} — ${d.title}`)));
  const preferred = datasets.find((d) => d.name === "ignatenko2025") || datasets[0];
  if (!preferred) { TW.message($("message"), "no dataset available: see `tradewar datasets`"); return; }
  $("dataset").value = preferred.name;
  await loadDataset(preferred.name);
  $("dataset").addEventListener("change", (e) => loadDataset(e.target.value));
  ["name", "model", "trade_elasticity"].forEach((id) => $(id).addEventListener("input", regenerate));
  $("add-tariff").addEventListener("click", () => addTariff());
  $("add-retaliation").addEventListener("click", () => addRetaliation());
  $("add-strategy").addEventListener("click", () => addStrategy());
  $("add-uncertainty").addEventListener("click", () => addUncertainty());
  $("model").addEventListener("change", syncUncertainty);
  $("regenerate").addEventListener("click", () => regenerate(true));
  $("toml").addEventListener("input", () => { B.edited = true; $("toml-state").textContent = "edited by hand (the form no longer overwrites it)"; });
  $("validate").addEventListener("click", validate);
  $("run").addEventListener("click", run);
  const library = await TW.api("/scenarios/library");
  $("library").append(...library.map((x) => TW.el("option", { value: x.name, title: x.title }, `${x.name} — ${x.title}`.slice(0, 90))));
  $("library").addEventListener("change", async (e) => {
    if (!e.target.value) return;
    try {
      const sc = await TW.api(`/scenarios/library/${e.target.value}`);
      $("toml").value = sc.toml; B.edited = true;
      $("toml-state").textContent = `${sc.name} from the library (edit it, then run; the form is not changed)`;
    } catch (err) { TW.message($("message"), err.message); }
  });
  // a scenario handed over by another page ("open in the builder"), with a Monte Carlo run's {draws, seed}
  const handed = TW.takeHanded();
  if (handed.toml) {
    $("toml").value = handed.toml; B.edited = true;
    $("toml-state").textContent = "loaded from another page (edit, then run)";
  }
  if (handed.monteCarlo) {
    $("draws").value = handed.monteCarlo.draws; $("seed").value = handed.monteCarlo.seed;
  }
}

TW.ready(init);
