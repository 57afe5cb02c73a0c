"""Terminal rendering of outcomes and replications (rich tables)."""

from __future__ import annotations

from typing import Iterable

import pandas as pd
from rich.console import Console
from rich.table import Table

from tradewar.outcome import Outcome

SHORT = {"welfare": "welfare", "real_wage": "real wage", "employment": "employ.", "prices": "CPI",
         "exports_gdp": "exp/GDP", "imports_gdp": "imp/GDP", "deficit": "deficit¹", "tariff_revenue_pct": "tariff rev.²"}
FOOTNOTES = {"deficit": "¹ % of |baseline deficit|", "tariff_revenue_pct": "² % of baseline expenditure"}


def headline(outcome: Outcome) -> tuple[tuple[str, ...], int]:
    """(columns, decimals) of an outcome's table: its model's ``headline`` and ``headline_digits``
    (a model not registered: those of :class:`~tradewar.models.base.ModelBase`), else (columns
    missing) its first 8 columns with 3 decimals."""
    from tradewar.errors import ParameterError
    from tradewar.models.base import ModelBase, model_class

    try:
        model = model_class(outcome.model)
    except ParameterError:
        model = ModelBase
    if all(m in outcome.countries.columns for m in model.headline):
        return tuple(model.headline), model.headline_digits
    return tuple(outcome.countries.columns[:8]), 3


def outcome_tables(outcome: Outcome, countries: Iterable[str] | None = None, top: int = 5) -> list[Table]:
    frame = outcome.countries
    if countries:
        rows = list(countries)
    else:
        actors = list(outcome.actors)
        others = frame.drop(index=actors, errors="ignore")["welfare"].abs().sort_values(ascending=False)
        rows = actors[:12] + list(others.index[:top])
    title = f"{outcome.scenario or 'scenario'} — {outcome.model} model (percent changes)"
    table = Table(title=title, title_justify="left", caption_justify="left")
    table.add_column("")
    main, digits = headline(outcome)
    for m in main:
        table.add_column(SHORT.get(m, m.replace("_", " ")), justify="right")
    notes = [FOOTNOTES[m] for m in main if m in FOOTNOTES]
    if notes:
        table.caption = "  ".join(notes)
    for code in rows:
        table.add_row(code, *(f"{frame.loc[code, m]:.{digits}f}" for m in main))
    groups = outcome.groups()
    table.add_section()
    for name, row in groups.iterrows():
        table.add_row(f"[italic]{name}[/italic]", *(f"{row[m]:.{digits}f}" for m in main))
    out = [table]
    actors = list(outcome.actors)[:6]
    if actors:
        change = outcome.bilateral["balance_change"]
        biggest = change.sel(country=actors[0]).to_series().abs().sort_values(ascending=False)
        partners = list(dict.fromkeys(actors + list(biggest.index[:6])))[:8]
        bal = Table(title=f"Change in bilateral trade balances ({outcome.units}): "
                          "row's exports to column minus its imports from column",
                    title_justify="left")
        bal.add_column("")
        for p in partners:
            bal.add_column(p, justify="right")
        for c in actors:
            bal.add_row(c, *(f"{float(change.sel(country=c, partner=p)):,.0f}" for p in partners))
        out.append(bal)
    return out


def print_outcome(outcome: Outcome, console: Console, countries=None) -> None:
    for table in outcome_tables(outcome, countries):
        console.print(table)
    w = outcome.world
    if "trade_to_gdp" in w and "employment" in w:
        console.print(f"world: trade/GDP {w['trade_to_gdp']:+.2f}%, employment {w['employment']:+.3f}%, "
                      f"welfare (expenditure-weighted) {w['welfare']:+.3f}%")
    else:
        console.print("world: " + ", ".join(f"{k.replace('_', ' ')} {v:+.3f}%" for k, v in w.items()))
    for note in outcome.notes:
        console.print(f"note: {note}")
    d = outcome.diagnostics
    console.print(f"[dim]solver: {d.method}, {d.iterations} iterations, max|residual| {d.residual:.1e}, "
                  + (f"dropped equation {d.dropped_equation_residual:.1e}, " if d.dropped_equation_residual is not None
                     else "") + f"{1000 * d.seconds:.1f} ms[/dim]")


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
