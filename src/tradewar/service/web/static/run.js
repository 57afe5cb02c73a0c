// tradewar web app: one stored run (?id=...).
"use strict";

const $ = (id) => document.getElementById(id);

document.addEventListener("DOMContentLoaded", async () => {
  try {
    const run = await TW.api(`/runs/${encodeURIComponent(TW.param("id") || "")}`);
    $("toml").textContent = run.scenario_toml;
    $("open-builder").addEventListener("click", () => {
      sessionStorage.setItem("tradewar-scenario", run.scenario_toml);
      const mc = (run.parameters || {}).monte_carlo;   // a Monte Carlo run: its draws and seed too
      if (mc) sessionStorage.setItem("tradewar-draws", JSON.stringify(mc));
      location.href = "/";
    });
    await TW.renderRun($("results"), run);
  } catch (e) { TW.message($("message"), e.message); }
});
