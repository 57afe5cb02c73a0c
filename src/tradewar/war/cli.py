"""``tradewar war …``: the US–China war by date (a typer sub-app mounted by tradewar.cli)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

war_app = typer.Typer(add_completion=False, no_args_is_help=True,
                      help="The US–China trade war 2018–2020: tariffs by date, scenarios, the timeline run.")
DataOpt = typer.Option(None, "--data", help="Data directory (default: $TRADEWAR_DATA or ../shared/data).")


def _console():
    from tradewar.cli import out

    return out


@war_app.command("us-china")
def us_china(
    date: str = typer.Option("seed", "--date", "-d", help="YYYY-MM-DD, YYYY-MM, or 'seed' (2019-07-15)."),
    by: Optional[str] = typer.Option(None, "--by", help="Also show rates by hs2, hs6, ossa2014, cp2015 or one_sector."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Write the rates-over-time chart (.png/.svg/.pdf)."),
    scenario: Optional[str] = typer.Option(None, "--scenario", help="Print the state as a scenario TOML for "
                                                                     "this world (ossa2014 or ignatenko2025)."),
    data: Optional[Path] = DataOpt,
):
    """Coverage (USD, share of imports) and average tariffs both ways at a date."""
    from tradewar.war.api import averages, events, rates, resolve_date

    d = resolve_date(date)
    av = averages(d, data)
    if chart:
        from tradewar.war.chart import rates_chart

        rates_chart(chart, data, mark=d)
    if scenario:
        from tradewar.war.scenarios import scenario_at, scenario_toml

        sys.stdout.write(scenario_toml(scenario_at(d, scenario, data=data)))
        return
    table = rates(d, "us_on_china", by=by, data=data) if by else None
    table2 = rates(d, "china_on_us", by=by, data=data) if by else None
    if json_out:
        payload = dict(av)
        if by:
            payload["by"] = by
            payload["us_on_china_by"] = json.loads(table.reset_index().to_json(orient="records"))
            payload["china_on_us_by"] = json.loads(table2.reset_index().to_json(orient="records"))
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
        return
    from rich.table import Table

    out = _console()
    t = Table(title=f"US–China trade war on {d.date()}", title_justify="left")
    for col in ("tariffs of", "on", "average %", "on 2018-01-01 %", "war duty pp", "covered USD bn",
                "covered share %", "imports USD bn (2017)"):
        t.add_column(col, justify="right" if col[0].islower() and col not in ("tariffs of", "on") else "left")
    for k in ("us_on_china", "china_on_us"):
        a = av[k]
        t.add_row(a["importer"], a["exporter"], f"{a['average']:.2f}", f"{a['average_2018_01_01']:.2f}",
                  f"{a['war_duty']:.2f}", f"{a['covered_usd'] / 1e9:.1f}", f"{100 * a['covered_share']:.1f}",
                  f"{a['imports_usd'] / 1e9:.1f}")
    out.print(t)
    ev = events(d - __import__("pandas").Timedelta(days=60), d, data)
    if len(ev):
        out.print("[bold]events of the previous 60 days[/bold]")
        for _, r in ev.iterrows():
            out.print(f"  {r['date'].date()} {r['actor']:>5} {r['status']:<10} {r['action'][:110]}", highlight=False)
    if by:
        for name, tab in (("US on China", table), ("China on US", table2)):
            tt = Table(title=f"{name} by {by}", title_justify="left")
            for col in ("code", "rate %", "war duty pp", "imports USD bn", "covered %"):
                tt.add_column(col)
            for code, r in tab.sort_values("imports_usd", ascending=False).iterrows():
                tt.add_row(str(code), f"{r['rate']:.2f}", f"{r['war_duty']:.2f}", f"{r['imports_usd'] / 1e9:.2f}",
                           f"{100 * r['covered_share']:.0f}")
            out.print(tt)
    out.print("[dim]weights: US — " + av["us_on_china"]["weighting"] + "; China — " + av["china_on_us"]["weighting"]
              + " (tradewar.war.schedules)[/dim]")
    if chart:
        out.print(f"chart written to {chart}")


@war_app.command("timeline")
def timeline(
    world: str = typer.Option("ossa2014", "--world", "-w", help="ossa2014 (7 regions × 33 sectors) or ignatenko2025 (194 countries)."),
    dates: Optional[str] = typer.Option(None, "--dates", help="Comma-separated dates (default: every step of the war + the seed date)."),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Write the timeline chart (.png/.svg/.pdf)."),
    compare: bool = typer.Option(False, "--compare", help="Also compute the model's US–China Nash war and talks (ossa2014)."),
    phase_one: bool = typer.Option(False, "--phase-one", help="Add Phase One's purchase commitments from 2020-02-14."),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON."),
    data: Optional[Path] = DataOpt,
):
    """Run the war step by step on a world: welfare, prices, bilateral trade, diversion, balance."""
    from tradewar.war.scenarios import run_timeline

    if chart:
        from tradewar.outcome import CHART_FORMATS, check_output

        check_output(chart, "--chart", CHART_FORMATS)  # before the war is solved
    ds = [x.strip() for x in dates.split(",")] if dates else None
    run = run_timeline(world, ds, compare=compare, phase_one=phase_one, data=data)
    if chart:
        from tradewar.war.chart import timeline_chart

        timeline_chart(run, chart)
    if json_out:
        payload = {"world": run.world, "steps": json.loads(run.table.reset_index().to_json(orient="records")),
                   "notes": run.notes}
        if run.comparisons is not None:
            payload["comparisons"] = json.loads(run.comparisons.reset_index().to_json(orient="records"))
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
        return
    from rich.table import Table

    out = _console()
    cols = [("us_avg", "US avg %"), ("cn_avg", "CN avg %"), ("welfare_USA", "ΔW USA %"), ("welfare_CHN", "ΔW CHN %"),
            ("welfare_rest", "ΔW rest %"), ("prices_USA", "ΔP USA %"), ("prices_CHN", "ΔP CHN %"),
            ("us_imports_from_chn", "US←CHN %"), ("chn_imports_from_usa", "CHN←US %"),
            ("third_exports_to_usa", "3rd→USA %"), ("third_exports_to_chn", "3rd→CHN %"),
            ("us_balance_with_chn_bn", "US bal. CHN bn")]
    t = Table(title=f"US–China war step by step on {world} (each step vs. the pre-war baseline)", title_justify="left")
    t.add_column("date", no_wrap=True, min_width=10)
    for _, label in cols:
        t.add_column(label, justify="right", no_wrap=False)
    for date, r in run.table.iterrows():
        t.add_row(date, *[f"{r[c]:.2f}" if abs(r[c]) < 100 else f"{r[c]:.1f}" for c, _ in cols])
    out.print(t)
    base = run.table["us_balance_with_chn_baseline_bn"].iloc[0]
    out.print(f"pre-war US balance with China in the model's data: {base:.1f} bn (model units)")
    if phase_one:
        for date, r in run.table.iterrows():
            if r["phase_one_shadow_pct"]:
                out.print(f"  {date}: Phase One purchase commitments, shadow tariff-equivalents (%): "
                          f"{r['phase_one_shadow_pct']}", highlight=False)
    for date, r in run.table.iterrows():
        if r["event"]:
            out.print(f"  {date}: {r['event'][:150]}", highlight=False)
    if run.comparisons is not None:
        ct = Table(title="actual war vs. the model's strategies", title_justify="left")
        ct.add_column("")
        for c in run.comparisons.columns:
            ct.add_column(c, justify="right")
        for idx, r in run.comparisons.iterrows():
            ct.add_row(idx, *["" if r[c] != r[c] else f"{r[c]:.2f}" for c in run.comparisons.columns])
        out.print(ct)
    for n in run.notes:
        out.print(f"note: {n}")
    if chart:
        out.print(f"chart written to {chart}")
