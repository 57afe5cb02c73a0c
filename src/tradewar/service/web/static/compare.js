// tradewar web app: two stored runs side by side (?a=...&b=...), differences b − a.
"use strict";

TW.ready(async () => {
  const q = new URLSearchParams({ a: TW.param("a") || "", b: TW.param("b") || "" });
  const cmp = await TW.api("/runs/compare?" + q);
  const geo = await TW.world();
  $("heading").replaceChildren("a = ", TW.el("a", { href: `/ui/run?id=${cmp.a}` }, cmp.scenario_a), ` (${cmp.a.slice(0, 12)})  ·  b = `,
    TW.el("a", { href: `/ui/run?id=${cmp.b}` }, cmp.scenario_b), ` (${cmp.b.slice(0, 12)})` +
    (cmp.only_in_a.length || cmp.only_in_b.length ? `  ·  only in a: ${cmp.only_in_a.length}, only in b: ${cmp.only_in_b.length}` : ""));
  const codes = Object.keys(cmp.countries);
  const metrics = TW.orderMetrics(codes.flatMap((c) => Object.keys(cmp.countries[c])));
  $("metric").replaceChildren(...metrics.map((m) => TW.el("option", { value: m }, TW.METRICS[m] || m)));
  const names = {};
  codes.forEach((c) => { names[c] = TW.countryName(geo, c); });
  async function draw() {
    const m = $("metric").value;
    const label = TW.METRICS[m] || m;
    const rows = codes.map((c) => {
      const v = cmp.countries[c][m] || {};
      return { code: c, name: names[c], a: v.a, b: v.b, difference: v.difference };
    });
    const values = {};
    rows.forEach((r) => { values[r.code] = r.difference; });
    await TW.choropleth($("map"), values, `b − a: ${label}`);
    await TW.bars($("bars"), rows, "difference", `${label}: b − a`, names);
    $("table").replaceChildren(TW.table([{ key: "code", label: "ISO3" }, { key: "name", label: "country" },
      { key: "a", label: `a: ${cmp.scenario_a}`, num: true, sign: true }, { key: "b", label: `b: ${cmp.scenario_b}`, num: true, sign: true },
      { key: "difference", label: "b − a", num: true, sign: true }], rows, { sortKey: "difference", sortDir: 1, class: "data compare" }));
  }
  $("metric").addEventListener("change", draw);
  await draw();
});
