"""Terminal rendering of outcomes and replications (rich tables)."""

from __future__ import annotations

from typing import Iterable

import pandas as pd
from rich.console import Console
from rich.table import Table

from tradewar.outcome import COUNTRY_METRICS, Outcome

MAIN = ("welfare", "real_wage", "employment", "prices", "exports_gdp", "imports_gdp", "deficit", "tariff_revenue_pct")


def outcome_tables(outcome: Outcome, countries: Iterable[str] | None = None, top: int = 5) -> list[Table]:
    frame = outcome.countries
    if countries:
        rows = list(countries)
    else:
        actors = list(outcome.actors)
        others = frame.drop(index=actors, errors="ignore")["welfare"].abs().sort_values(ascending=False)
        rows = actors[:12] + list(others.index[:top])
    title = f"{outcome.scenario or 'scenario'} — {outcome.model} model (percent changes)"
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for m in MAIN:
        label, unit = COUNTRY_METRICS[m]
        table.add_column(f"{label}\n({unit})" if unit != "%" else label, justify="right")
    for code in rows:
        table.add_row(code, *(f"{frame.loc[code, m]:.2f}" for m in MAIN))
    groups = outcome.groups()
    table.add_section()
    for name, row in groups.iterrows():
        table.add_row(f"[italic]{name}[/italic]", *(f"{row[m]:.2f}" for m in MAIN))
    out = [table]
    actors = list(outcome.actors)[:6]
    if actors:
        partners = list(dict.fromkeys(actors + ["CHN", "USA"]))
        partners = [p for p in partners if p in frame.index][:8]
        bal = Table(title=f"Bilateral trade balance, change ({outcome.units}): row's exports to column minus imports",
                    title_justify="left")
        bal.add_column("")
        for p in partners:
            bal.add_column(p, justify="right")
        change = outcome.bilateral["balance_change"]
        for c in actors:
            bal.add_row(c, *(f"{float(change.sel(country=c, partner=p)):,.0f}" for p in partners))
        out.append(bal)
    return out


def print_outcome(outcome: Outcome, console: Console, countries=None) -> None:
    for table in outcome_tables(outcome, countries):
        console.print(table)
    w = outcome.world
    console.print(f"world: trade/GDP {w['trade_to_gdp']:+.2f}%, employment {w['employment']:+.3f}%, "
                  f"welfare (expenditure-weighted) {w['welfare']:+.3f}%")
    for note in outcome.notes:
        console.print(f"note: {note}")
    d = outcome.diagnostics
    console.print(f"[dim]solver: {d.method}, {d.iterations} iterations, max|residual| {d.residual:.1e}, "
                  f"dropped equation {d.dropped_equation_residual:.1e}, {1000 * d.seconds:.1f} ms[/dim]")


def replication_table(cells, info, title: str) -> Table:
    table = Table(title=title, caption=info.get("caption", ""), title_justify="left")
    for col, just in (("scenario", "left"), ("row", "left"), ("column", "left"), ("published", "right"),
                      ("computed", "right"), ("difference", "right"), ("", "center")):
        table.add_column(col, justify=just)
    for c in cells:
        if c.published is None:
            table.add_row(c.scenario, c.row, c.column, "—", f"{c.value:.4f}", "—", "")
        else:
            ok = "[green]✓[/green]" if c.matches else "[red]✗[/red]"
            table.add_row(c.scenario, c.row, c.column, c.printed, f"{c.value:.{c.decimals + 2}f}",
                          f"{c.difference:+.{c.decimals + 2}f}", ok)
    return table


def frame_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(frame.index.name or "")
    for c in frame.columns:
        table.add_column(str(c))
    for idx, row in frame.iterrows():
        table.add_row(str(idx), *(str(v) for v in row))
    return table
