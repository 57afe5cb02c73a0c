// tradewar web app: one stored run (?id=...).
"use strict";

const $ = (id) => document.getElementById(id);

document.addEventListener("DOMContentLoaded", async () => {
  try {
    const run = await TW.api(`/runs/${encodeURIComponent(TW.param("id") || "")}`);
    $("toml").textContent = run.scenario_toml;
    $("open-builder").addEventListener("click", () => { sessionStorage.setItem("tradewar-scenario", run.scenario_toml); location.href = "/"; });
    await TW.renderRun($("results"), run);
  } catch (e) { TW.message($("message"), e.message); }
});
