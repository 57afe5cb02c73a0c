// tradewar web app: the scenario builder — form -> scenario TOML (editable) -> validate / run as a
// job with a progress bar -> results.
"use strict";

const B = { world: null, edited: false, job: null };
const $ = (id) => document.getElementById(id);
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
    onclick: (e) => { e.target.closest(".measure").remove(); regenerate(); } }, "×");
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
    ["tariffs", "retaliation", "strategies"].forEach((id) => $(id).replaceChildren());
    addTariff();
  }
  regenerate();
}

async function validate() {
  const msg = $("message");
  try {
    const r = await TW.api("/scenarios/validate", { body: $("toml").value, headers: { "Content-Type": "application/toml" } });
    TW.message(msg, `valid: ${r.name} on ${r.dataset} (${r.model}), ${r.tariffs} tariff measure(s), ` +
      `${r.retaliation} retaliation rule(s), actors ${r.actors.join(", ") || "none"}` +
      (r.strategies.length ? `; strategies: ${r.strategies.map((s) => (typeof s === "string" ? s : JSON.stringify(s))).join("; ")}` : ""), "ok");
    return true;
  } catch (e) { TW.message(msg, e.message); return false; }
}

async function run() {
  const msg = $("message");
  TW.message(msg, "");
  $("run").disabled = true; $("cancel").disabled = false;
  const bar = TW.progressBar($("progress"));
  bar.update(0.02, "submitting…");
  let rounds = 0;
  try {
    B.job = TW.runJob($("toml").value, (ev, fraction, jobId) => {
      if (ev.event === "progress") rounds += 1;
      Object.assign($("progress").dataset, { job: jobId, rounds, state: ev.event });
      const label = ev.event === "progress" ? `${ev.label} round ${ev.round ?? ""} (max change ${TW.fmt(ev.max_change, 4)})` : ev.event;
      bar.update(fraction, label);
    });
    const runId = await B.job.done;
    const record = await TW.api(`/runs/${runId}`);
    TW.message(msg, `stored as run ${runId} — `, "ok");
    msg.append(TW.el("a", { href: `/ui/run?id=${runId}` }, "its permanent page"));
    await TW.renderRun($("results"), record);
  } catch (e) {
    bar.update(0, "");
    TW.message(msg, e.message);
  } finally {
    $("run").disabled = false; $("cancel").disabled = true; B.job = null;
  }
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
  $("regenerate").addEventListener("click", () => regenerate(true));
  $("toml").addEventListener("input", () => { B.edited = true; $("toml-state").textContent = "edited by hand (the form no longer overwrites it)"; });
  $("validate").addEventListener("click", validate);
  $("run").addEventListener("click", run);
  $("cancel").addEventListener("click", () => B.job && B.job.cancel());
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
  // a scenario handed over by another page ("open in builder")
  const handed = sessionStorage.getItem("tradewar-scenario");
  if (handed) {
    sessionStorage.removeItem("tradewar-scenario");
    $("toml").value = handed; B.edited = true;
    $("toml-state").textContent = "loaded from another page (edit, then run)";
  }
}

document.addEventListener("DOMContentLoaded", () => init().catch((e) => TW.message($("message"), e.message)));
