"""Command line: ``tradewar run | replicate | scenarios | datasets | validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from tradewar.errors import TradewarError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Trade wars and trade talks in general equilibrium.")
out = Console(width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 132)

DataOpt = typer.Option(None, "--data", help="Data directory (default: $TRADEWAR_DATA or ../shared/data).")


def _strategy_progress(label: str, rnd) -> None:
    """Progress of a long strategy (Nash rounds, cooperative rounds) on stderr."""
    welfare = rnd.welfare
    err.print(f"[dim]{label}[/dim] round {rnd.round:>3d}: max tariff change {rnd.max_change:.2e}, "
              f"Ĝ mean {100 * (welfare.mean() - 1):+.4f}% (min {100 * (welfare.min() - 1):+.4f}%, "
              f"max {100 * (welfare.max() - 1):+.4f}%), {rnd.seconds:.1f} s", highlight=False)


@app.command("run")
def run_cmd(
    scenario: str = typer.Argument(..., help="A scenario TOML file or a library name (see `tradewar scenarios`)."),
    json_out: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Write the per-country table to this CSV file."),
    parquet: Optional[Path] = typer.Option(None, "--parquet", help="Write the per-country table to Parquet."),
    countries: Optional[str] = typer.Option(None, "--countries", help="Comma-separated ISO3 rows to show."),
    data: Optional[Path] = DataOpt,
):
    """Run a scenario and print its outcome."""
    from tradewar.outcome import check_output
    from tradewar.render import print_outcome
    from tradewar.run import run

    for option, path in (("--csv", csv), ("--parquet", parquet)):
        if path:
            check_output(path, option)  # before solving: a bad path costs nothing, leaves nothing
    outcome = run(scenario, data, progress=_strategy_progress)
    rows = [c.strip().upper() for c in countries.split(",") if c.strip()] if countries is not None else None
    if rows == []:
        raise TradewarError(f"--countries: no country codes in {countries!r} (e.g. --countries USA,CHN)")
    if rows:
        unknown = [c for c in rows if c not in outcome.countries.index]
        if unknown:
            raise TradewarError(f"--countries: unknown country codes {unknown}")
    if csv:
        outcome.to_csv(csv)
    if parquet:
        outcome.to_parquet(parquet)
    if json_out:
        sys.stdout.write(outcome.to_json() + "\n")
    else:
        print_outcome(outcome, out, rows)


@app.command()
def replicate(
    paper: str = typer.Argument(..., help="Paper key, e.g. ignatenko2025."),
    table: int = typer.Option(..., "--table", "-t", help="Table number."),
    json_out: bool = typer.Option(False, "--json", help="Emit the cells as JSON {scenario,row,column,value}."),
    data: Optional[Path] = DataOpt,
):
    """Reproduce a published table: published, computed and difference side by side."""
    from tradewar.render import replication_table
    from tradewar.replicate import replicate as compute

    cells, info = compute(paper, table, data, progress=_strategy_progress)
    if json_out:
        payload = [{"scenario": c.scenario, "row": c.row, "column": c.column, "value": c.value} for c in cells]
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
    else:
        out.print(replication_table(cells, info, f"{paper} Table {table}"))
        compared = [c for c in cells if c.matches is not None]
        good = sum(bool(c.matches) for c in compared)
        if compared:
            out.print(f"{good} of {len(compared)} cells reproduced at the printed precision "
                      f"(targets: {info['target']})")
        else:
            out.print("no published targets found (set TRADEWAR_TARGETS); computed values only")
        for note in info["notes"]:
            out.print(f"note: {note}")
        out.print(f"[dim]{len(info['iterations'])} scenarios solved in {1000 * info['solver_seconds']:.0f} ms "
                  f"of solver time ({info['seconds']:.2f} s in all)[/dim]")
    if any(c.matches is False for c in cells):
        raise typer.Exit(1)


@app.command()
def scenarios():
    """List the scenario library."""
    from rich.table import Table

    from tradewar.run import library_scenarios
    from tradewar.scenario import Scenario

    table = Table(title="Scenario library", title_justify="left")
    for col in ("name", "dataset", "title"):
        table.add_column(col)
    for name, path in library_scenarios().items():
        s = Scenario.from_toml(path)
        table.add_row(name, s.dataset, s.title)
    out.print(table)


@app.command()
def datasets(data: Optional[Path] = DataOpt):
    """List registered datasets: available here, or missing with where to get them."""
    from rich.table import Table

    from tradewar.data.registry import REGISTRY, data_dir

    root = data_dir(data)
    out.print(f"data directory: {root or '(none found: set TRADEWAR_DATA or --data)'}")
    table = Table(title_justify="left")
    for col in ("dataset", "status", "title", "source"):
        table.add_column(col)
    for info in [*REGISTRY, *REGISTRY.local_datasets(root)]:
        missing = info.missing_files(root)
        status = "[green]available[/green]" if not missing else f"[red]missing[/red] {', '.join(missing)}"
        table.add_row(info.name, status, info.title, info.source)
    out.print(table)


@app.command()
def validate(scenario: str = typer.Argument(...), data: Optional[Path] = DataOpt):
    """Check a scenario file against its dataset and model without solving it."""
    from tradewar.policy import resolve
    from tradewar.run import load_scenario, model_for

    s = load_scenario(scenario)
    model = model_for(s, data)
    policy = resolve(s, model.world, model)
    strategies = ""
    if s.strategy:
        from tradewar.strategy.apply import check_strategies

        strategies = "; then " + "; ".join(check_strategies(s, model, model.world))
    out.print(f"{s.source}: valid — dataset {s.dataset}, model {s.model.name}, "
              f"{len(s.tariffs)} tariff measure(s), {len(s.retaliation)} retaliation rule(s), "
              f"tariffs imposed by {', '.join(policy.actors) or 'nobody'}{strategies}")


def _mount_war() -> None:
    from tradewar.war.cli import war_app

    app.add_typer(war_app, name="war")


_mount_war()


def _mount_news() -> None:
    from tradewar.news.cli import register

    register(app)  # `tradewar read ARTICLE.txt`


_mount_news()


def _mount_data() -> None:
    from tradewar.data.cli import data_app

    app.add_typer(data_app, name="data")  # `tradewar data build SPEC.toml`, `tradewar data fetch NAME`


_mount_data()


def _mount_mc() -> None:
    from tradewar.montecarlo import register

    register(app)  # `tradewar mc SCENARIO --draws N [--scheduler ADDR]`


_mount_mc()


def _mount_sweep() -> None:
    from tradewar.sweep import register

    register(app)  # `tradewar sweep SCENARIO --vary tariffs[0].rate=0:1:11 [--chart out.png]`


_mount_sweep()


def _mount_serve() -> None:
    from tradewar.service.cli import register

    register(app)  # `tradewar serve [--host 127.0.0.1] [--port 8000] [--store runs.duckdb] [--token T]`


_mount_serve()


def main() -> None:
    try:
        code = app(standalone_mode=False)   # typer returns the code of a `typer.Exit` (Ctrl-C: 130)
    except TradewarError as exc:
        err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # usage errors: click's, or typer's own (typer >= 0.25 vendors click)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int) and _usage_error(exc):
            errors = getattr(exc.__cause__, "errors", None)   # typer's pydantic coercion: name the value
            if callable(errors) and hasattr(exc, "message") and errors() and "input" in errors()[0]:
                exc.message = f"{exc.message} (got {errors()[0]['input']!r})"
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(code, int) and not isinstance(code, bool) and code:
        if code == 130:
            err.print("aborted")
        sys.exit(code)


def _usage_error(exc: Exception) -> bool:
    import click

    usage = [click.exceptions.ClickException]
    if hasattr(typer, "TyperException"):
        usage.append(typer.TyperException)
    return isinstance(exc, tuple(usage))


if __name__ == "__main__":
    main()
