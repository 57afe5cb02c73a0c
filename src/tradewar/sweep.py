"""Sweeps: solve a scenario over a range of one field — a tariff rate, a model parameter — and
report (and chart) outcomes against the varied value.

    table = run_sweep("ignatenko2025/B1_ustr", "tariffs[0].floor", [0.0, 0.1, 0.2])
    # one row per (value, unit): the value, unit (ISO3 or group), kind, and the metric columns

The field is a path into the scenario as written in TOML: ``tariffs[0].rate``,
``model.trade_elasticity``, ``retaliation[1].rate``. Every varied scenario is validated like a
file, so a bad value is reported with its field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from tradewar.errors import TradewarError
from tradewar.scenario import Scenario

MAX_POINTS = 1000  # values of one sweep: beyond that, a typo (0:1:100000000) rather than a plan

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")


def parse_path(path: str) -> list:
    """``tariffs[0].rate`` -> ["tariffs", 0, "rate"]."""
    out: list = []
    for piece in path.split("."):
        m = _PART.fullmatch(piece.strip())
        if not m:
            raise TradewarError(f"--vary: cannot read the field path {path!r} (e.g. tariffs[0].rate, "
                                "model.trade_elasticity)")
        out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return out


def parse_values(spec: str) -> list[float]:
    """``0:1:11`` (start:stop:count, both ends included) or ``0.1,0.25,0.5``."""
    try:
        if ":" in spec:
            start, stop, count = spec.split(":")
            n = int(count)
            if n < 1:
                raise ValueError
            if n > MAX_POINTS:
                raise TradewarError(f"--vary: {n} values in {spec!r}; at most {MAX_POINTS} per sweep")
            return [float(v) for v in np.linspace(float(start), float(stop), n)]
        values = [float(v) for v in spec.split(",") if v.strip()]
        if not values:
            raise ValueError
        if len(values) > MAX_POINTS:
            raise TradewarError(f"--vary: {len(values)} values; at most {MAX_POINTS} per sweep")
        return values
    except ValueError:
        raise TradewarError(f"--vary: cannot read the values {spec!r} (start:stop:count such as 0:1:11, "
                            "or a list such as 0.1,0.25)") from None


def parse_vary(text: str) -> tuple[str, list[float]]:
    """``tariffs[0].rate=0:1:11`` -> ("tariffs[0].rate", [0.0, 0.1, …, 1.0])."""
    if "=" not in text:
        raise TradewarError(f"--vary: expected FIELD=VALUES such as tariffs[0].rate=0:1:11 (got {text!r})")
    field, spec = text.split("=", 1)
    parse_path(field)
    return field.strip(), parse_values(spec)


def with_value(scenario: Scenario, field: str, value) -> Scenario:
    """A copy of ``scenario`` with ``field`` set to ``value``, validated like a file."""
    data = scenario.model_dump(exclude_unset=True)
    data.setdefault("model", scenario.model.model_dump())
    node = data
    parts = parse_path(field)
    for k, part in enumerate(parts[:-1]):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[:k + 1]).lstrip(".")
            raise TradewarError(f"--vary: the scenario has no {where}") from None
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise TradewarError(f"--vary: the scenario has no {field}")
    elif not isinstance(node, dict):
        raise TradewarError(f"--vary: the scenario has no {field}")
    node[last] = value
    return Scenario.from_dict(data, source=f"{scenario.source} with {field} = {value!r}")


def run_sweep(scenario, field: str, values, data=None, progress=None) -> pd.DataFrame:
    """Solve ``scenario`` with ``field`` at each of ``values``: one row per (value, unit), units
    being every country and the groups (dataset groups, rest of world, world)."""
    from tradewar.run import load_scenario, run

    scenario = load_scenario(scenario)
    varied = [with_value(scenario, field, v) for v in values]  # every value checked before any solve
    frames, actors = [], {}
    for k, (v, one) in enumerate(zip(values, varied)):
        outcome = run(one, data)
        countries = outcome.countries.assign(kind="country")
        groups = outcome.groups().assign(kind="group")
        table = pd.concat([countries, groups])
        table.index.name = "unit"
        table = table.reset_index()
        table.insert(0, "value", float(v))
        frames.append(table)
        if progress:
            progress(k + 1, len(values))
        actors.update(dict.fromkeys(outcome.actors))    # a zero rate may leave no actor: union, in order
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(field=field, scenario=scenario.name, actors=tuple(actors))
    return out


def chart(table: pd.DataFrame, metric: str, units: list[str], path) -> None:
    """A line chart of ``metric`` against the varied value, one line per unit (PNG/SVG/PDF by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tradewar.outcome import COUNTRY_METRICS, write_chart

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for u in units:
        rows = table[table.unit == u]
        ax.plot(rows["value"], rows[metric], marker="o", ms=3, label=u)
    label, unit = COUNTRY_METRICS.get(metric, (metric, ""))
    ax.set_xlabel(table.attrs.get("field", "value"))
    ax.set_ylabel(f"{label} ({unit})" if unit else label)
    ax.set_title(f"{table.attrs.get('scenario', '')}: {label} against {table.attrs.get('field', 'value')}")
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        write_chart(path, fig, dpi=120)
    finally:
        plt.close(fig)


def register(app) -> None:
    """Add ``tradewar sweep`` to the command line."""
    import typer

    @app.command("sweep")
    def sweep_cmd(
        scenario: str = typer.Argument(..., help="A scenario TOML file or a library name."),
        vary: str = typer.Option(..., "--vary", help="FIELD=VALUES, e.g. tariffs[0].rate=0:1:11 (start:stop:count) "
                                                     "or model.trade_elasticity=3,4,5."),
        metric: str = typer.Option("welfare", "--metric", help="The metric to show and chart."),
        countries: Optional[str] = typer.Option(None, "--countries", help="Comma-separated units (default: "
                                                "the actors and the world)."),
        chart_path: Optional[Path] = typer.Option(None, "--chart", help="Write a chart (PNG, SVG or PDF)."),
        csv: Optional[Path] = typer.Option(None, "--csv", help="Write the whole table (value × unit) as CSV."),
        data: Optional[Path] = typer.Option(None, "--data", help="Data directory."),
    ):
        """Solve a scenario over a range of one field; outcomes against the varied value."""
        from rich.table import Table

        from tradewar.cli import err, out
        from tradewar.outcome import CHART_FORMATS, check_output, write_atomic

        field, values = parse_vary(vary)
        if csv:
            check_output(csv, "--csv")
        if chart_path:
            check_output(chart_path, "--chart", CHART_FORMATS)
        table = run_sweep(scenario, field, values, data,
                          progress=lambda k, n: err.print(f"[dim]{field} {k}/{n}[/dim]", highlight=False))
        if metric not in table.columns:
            known = [c for c in table.columns if c not in ("value", "unit", "kind")]
            raise TradewarError(f"--metric: unknown metric {metric!r}; known: {known}")
        units = ([c.strip() for c in countries.split(",")] if countries
                 else [*table.attrs.get("actors", ()), "world"])
        unknown = [u for u in units if u not in set(table.unit)]
        if unknown:
            raise TradewarError(f"--countries: unknown rows {unknown}")
        if csv:
            write_atomic(csv, table.to_csv(index=False).encode())
        if chart_path:
            chart(table, metric, units, chart_path)
        wide = table[table.unit.isin(units)].pivot(index="value", columns="unit", values=metric)[units]
        view = Table(title=f"{table.attrs['scenario']}: {metric} (%) against {field}", title_justify="left")
        view.add_column(field, justify="right")
        for u in units:
            view.add_column(u, justify="right")
        for v, row in wide.iterrows():
            view.add_row(f"{v:g}", *(f"{x:+.3f}" for x in row))
        out.print(view)
