// tradewar web app: one stored run (?id=...).
"use strict";

TW.ready(async () => {
  const run = await TW.api(`/runs/${encodeURIComponent(TW.param("id") || "")}`);
  $("toml").textContent = run.scenario_toml;
  // a Monte Carlo run: its draws and seed too
  $("open-builder").addEventListener("click", () => TW.openInBuilder(run.scenario_toml, (run.parameters || {}).monte_carlo));
  await TW.renderRun($("results"), run);
});
