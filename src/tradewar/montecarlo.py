"""Monte Carlo over model parameters: draw the parameters of a scenario's ``[uncertainty]``
table, solve every draw, and report per-country (and per-group) medians and bands.

    result = run_mc("my_scenario.toml", draws=1000, seed=1)            # in-process
    result = run_mc(scenario, draws=1000, seed=1, client=dask_client)  # on a Dask cluster
    result.summary          # (unit, metric) -> median, q05, q95, n
    result.draws            # one row per (draw, unit): parameters and metrics (long in draw × unit)
    result.failed           # draws that did not converge, with the error; never silently dropped

Parameters may be drawn per sector (``sigma[<sector>]`` columns, one list for the model) and one
entry of a table parameter may be drawn by a dotted name (``cost_coefficients.pta``); see
docs/montecarlo.md.

Reproducibility: all draws are generated up front in the parent from ``numpy.random.default_rng
(seed)``; they are ordered by the first uncertain parameter (so neighbours warm-start each
other) and cut into fixed batches, each solved from a cold start and then warm-started along the
batch. The batches are the same whether they run here or on Dask workers, so results are
bit-identical for the same seed and ``batch_size``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from tradewar.errors import (
    ConvergenceError,
    DataError,
    ParameterError,
    ScenarioError,
    TradewarError,
)
from tradewar.scenario import Scenario, Uncertainty

QUANTILES = (0.05, 0.5, 0.95)


# ------------------------------------------------------------------------------- drawing
def sample(spec: Uncertainty, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of one parameter from its distribution."""
    if spec.dist == "values":
        return rng.choice(np.asarray(spec.values, float), size=n, replace=True)
    if spec.dist == "uniform":
        return rng.uniform(spec.low, spec.high, size=n)
    sd = spec.sd if spec.sd is not None else spec.cv * abs(spec.mean)
    lo, hi = _normal_cdf_bounds(np.array([spec.mean]), np.array([sd]), spec.low, spec.high)
    return _truncated_normal(spec.mean, sd, spec.low, spec.high, lo + (hi - lo) * rng.uniform(0.0, 1.0, size=n))


def _normal_cdf_bounds(mean: np.ndarray, sd: np.ndarray, low, high) -> tuple[np.ndarray, np.ndarray]:
    """(F(low), F(high)) of N(mean, sd), elementwise (0 and 1 for an open side)."""
    from statistics import NormalDist  # not scipy.stats: see _truncated_normal

    cdf = np.vectorize(NormalDist().cdf, otypes=[float])
    lo = np.zeros_like(mean) if low is None else cdf((low - mean) / sd)
    hi = np.ones_like(mean) if high is None else cdf((high - mean) / sd)
    return lo, hi


def _truncated_normal(mean, sd, low, high, p: np.ndarray) -> np.ndarray:
    """The values of N(mean, sd) at probabilities ``p`` (already within [F(low), F(high)]),
    clipped to [low, high]: a truncated normal by inverting the CDF, no rejection loop. The
    standard library's NormalDist, not scipy.stats: importing scipy.stats slows the solver's LU
    factorisations (BLAS thread pools, see docs/design.md) thirtyfold on 2 cores."""
    from statistics import NormalDist

    tiny = np.nextafter(0.0, 1.0)
    inv = np.vectorize(lambda v: NormalDist().inv_cdf(min(max(v, tiny), 1.0 - 1e-16)), otypes=[float])
    x = mean + sd * inv(p)
    return np.clip(x, -np.inf if low is None else low, np.inf if high is None else high)


def _per_sector(value, world, name: str, field: str, source: str, lower: float | None, what: str) -> np.ndarray:
    """:func:`~tradewar.models.base.sector_parameter` for ``uncertainty.<name>.<field>``, its
    errors as errors of the scenario."""
    from tradewar.models.base import sector_parameter

    where = f"uncertainty.{name}.{field}"
    try:
        return sector_parameter(world, value, where, lower, what)
    except ParameterError as exc:
        raise ScenarioError(source, where, f"{exc.problem} (got {exc.value!r})") from None
    except DataError as exc:
        raise ScenarioError(source, where, str(exc)) from None


def sample_sectors(spec: Uncertainty, n: int, rng: np.random.Generator, world, name: str = "",
                   source: str = "") -> np.ndarray:
    """``n`` draws [draw, sector] of a per-sector parameter: independent across sectors, or one
    common quantile per draw (``correlation = "common"``), each sector on its own distribution."""
    n_s = len(world.sectors)
    if n_s < 2:
        why = "per_sector = true" if spec.per_sector else \
            ", ".join(f"{k} = {v!r}" for k, v in (("mean", spec.mean), ("sd", spec.sd)) if isinstance(v, (str, list)))
        raise ScenarioError(source, f"uncertainty.{name}", f"{why} asks for per-sector draws, which need a dataset "
                                                           f"with sectors; {world.name!r} has {n_s}")
    shape = (n, 1) if spec.correlation == "common" else (n, n_s)
    if spec.dist == "uniform":
        u = rng.uniform(0.0, 1.0, size=shape)
        return spec.low + (spec.high - spec.low) * np.broadcast_to(u, (n, n_s))
    mean = _per_sector(spec.mean, world, name, "mean", source, None, "the mean")
    sd = np.abs(mean) * spec.cv if spec.cv is not None else \
        _per_sector(spec.sd, world, name, "sd", source, 0.0, "the standard deviation")
    if not np.all(sd > 0):                                   # cv × a zero mean
        raise ScenarioError(source, f"uncertainty.{name}.sd", "standard deviations must be > 0 in every sector")
    lo, hi = _normal_cdf_bounds(mean, sd, spec.low, spec.high)
    if np.any(hi - lo <= 1e-12):
        bad = [s for s, a, b in zip(world.sectors, lo, hi) if b - a <= 1e-12]
        raise ScenarioError(source, f"uncertainty.{name}", f"mean lies too far outside [low, high] to draw from "
                                                           f"in sectors {bad[:8]}")
    p = lo + (hi - lo) * np.broadcast_to(rng.uniform(0.0, 1.0, size=shape), (n, n_s))
    return _truncated_normal(mean, sd, spec.low, spec.high, p)


MAX_DRAWS = 1_000_000   # beyond that the draws alone outgrow memory: a typo rather than a plan


def check_request(scenario: Scenario, draws: int) -> None:
    """A Monte Carlo request can be drawn: the scenario has an [uncertainty] table, draws ≥ 1."""
    if not scenario.uncertainty:
        raise ScenarioError(scenario.source, "uncertainty",
                            "no [uncertainty] table: nothing to draw (add e.g. a table uncertainty.trade_elasticity "
                            "with dist = \"normal\", mean = 4, sd = 0.5, low = 1, high = 10)")
    if draws < 1:
        raise TradewarError(f"--draws: must be at least 1 (got {draws})")
    if draws > MAX_DRAWS:
        raise TradewarError(f"--draws: at most {MAX_DRAWS} (got {draws})")


def draw_parameters(scenario: Scenario, draws: int, seed: int | None, world=None) -> pd.DataFrame:
    """The parameter draws, one row per draw (index ``draw``), one column per uncertain parameter
    (in the order of the scenario's table); a per-sector parameter has one column per sector,
    ``name[sector]`` (needs ``world``)."""
    check_request(scenario, draws)
    rng = np.random.default_rng(seed)
    cols = {}
    for name, spec in scenario.uncertainty.items():
        if spec.sector_wise:
            if world is None:
                raise TradewarError(f"uncertainty.{name}: per-sector draws need the world (draw_parameters(..., world=))")
            block = sample_sectors(spec, draws, rng, world, name, scenario.source)
            cols.update({f"{name}[{sec}]": block[:, k] for k, sec in enumerate(world.sectors)})
        else:
            cols[name] = sample(spec, draws, rng)
    return pd.DataFrame(cols, index=pd.RangeIndex(draws, name="draw"))


def with_draw(base: dict, draw: dict, source: str = "") -> dict:
    """The model's parameters with a draw's values; a dotted name (``cost_coefficients.pta``) sets
    one entry of a table parameter given in ``[model]``."""
    out = dict(base)
    for key, value in draw.items():
        if "." in key:
            table, entry = key.split(".", 1)
            current = out.get(table)
            if not isinstance(current, dict) or entry not in current:
                raise ScenarioError(source, f"uncertainty.{key}", f"draws one entry of the table model.{table}, "
                                    f"which must be given in [model] with an entry {entry!r} (got {current!r})")
            out[table] = {**current, entry: value}
        else:
            out[key] = value
    return out


def model_parameters(row: dict) -> dict:
    """A draw's parameters for the model: per-sector columns ``name[sector]`` become one list
    ``name`` (in the world's sector order)."""
    out: dict = {}
    for key, value in row.items():
        if key.endswith("]") and "[" in key:
            out.setdefault(key[:key.index("[")], []).append(float(value))
        else:
            out[key] = value
    return out


# ------------------------------------------------------------------------------- solving
def solve_batch(world, scenario: Scenario, draw_ids, params: list[dict], warm: bool = True) -> dict:
    """Solve the draws of one batch with single-threaded BLAS (many small solves: the OpenBLAS
    pools of numpy and scipy would otherwise spin against each other; see strategy.base)."""
    from tradewar.strategy.base import single_threaded_blas

    with single_threaded_blas():
        return _solve_batch(world, scenario, draw_ids, params, warm)


def _solve_batch(world, scenario: Scenario, draw_ids, params: list[dict], warm: bool = True) -> dict:
    """Solve the draws of one batch (a task on a Dask worker, or a loop here). Returns the
    metrics [draw, country, metric], weights [draw, country], and the failures (draw, error).
    The first draw starts cold; with ``warm`` each next one (the draws are sorted by the first
    parameter) starts from the previous draw's solution where the model's ``solve_countries``
    takes one (not after strategies), else cold."""
    from tradewar.models.base import build_model
    from tradewar.policy import resolve

    base = scenario.model.parameters()
    n, nc = len(draw_ids), world.n_countries
    columns: list[str] | None = None
    values = weights = None
    failed: list[tuple[int, str]] = []
    x_prev = None
    t0 = time.perf_counter()
    for k, (d, p) in enumerate(zip(draw_ids, params)):
        p = model_parameters(p)
        try:
            try:
                model = build_model(scenario.model.name, world, with_draw(base, p, scenario.source), scenario.source)
            except (ParameterError, ScenarioError) as exc:   # a draw outside the admissible range
                name = str(exc.field).removeprefix("model.")
                if name not in p:
                    raise
                if exc.problem.startswith("unknown parameter"):   # a typo fails every draw: stop at once
                    raise ScenarioError(scenario.source, f"uncertainty.{name}", exc.problem) from None
                raise ParameterError(f"uncertainty.{name}", p[name], exc.problem.split(" (got ")[0]) from None
            policy = resolve(scenario, model.world, model)
            if scenario.strategy:        # as tradewar.run.run: strategies, then purchase commitments
                from tradewar.strategy.apply import resolve_strategies

                policy, model = resolve_strategies(scenario, model, policy, None)
            if scenario.purchase_commitments:
                from tradewar.measures import apply_purchase_commitments

                policy, _ = apply_purchase_commitments(scenario, model, policy)
            x0 = x_prev if warm and not scenario.strategy else None
            table, w, x_prev = model.solve_countries(policy, x0, scenario=scenario.name)
        except (ConvergenceError, ParameterError) as exc:
            failed.append((int(d), f"{type(exc).__name__}: {exc}"))
            continue
        if columns is None:
            columns = list(table.columns)
            values = np.full((n, nc, len(columns)), np.nan)
            weights = np.full((n, nc), np.nan)
        values[k] = table[columns].to_numpy(float)
        weights[k] = w
    return {"draws": np.asarray(draw_ids, int), "columns": columns, "values": values, "weights": weights,
            "failed": failed, "seconds": time.perf_counter() - t0}


# ------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class MCResult:
    """Monte Carlo draws and their summary.

    parameters : per draw (index ``draw``): the drawn parameters, ``status`` ("ok"/"failed") and ``error``.
    draws : one row per (draw, unit) of converged draws: ``draw``, ``unit`` (ISO3 or group name),
        ``kind`` ("country"/"group"), the drawn parameters, then the metric columns.
    summary : index (unit, metric), columns ``median``, ``q05``, ``q95``, ``n`` (converged draws).
    """

    scenario: str
    seed: int | None
    parameters: pd.DataFrame
    draws: pd.DataFrame
    summary: pd.DataFrame
    metrics: tuple[str, ...]
    actors: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    seconds: float = 0.0
    info: dict = field(default_factory=dict)
    headline: tuple[str, ...] = ()          # the metrics a summary shows (the model's ``mc_headline``)

    @property
    def failed(self) -> pd.DataFrame:
        return self.parameters[self.parameters["status"] != "ok"]

    @property
    def n_ok(self) -> int:
        return int((self.parameters["status"] == "ok").sum())

    def to_parquet(self, path: str | os.PathLike) -> None:
        """The draws (one row per draw × unit, failed draws as rows with ``status`` "failed" and
        no unit) as Parquet, atomically."""
        from tradewar.outcome import write_atomic

        failed = self.failed.reset_index()
        table = pd.concat([self.draws.assign(status="ok", error=""), failed], ignore_index=True)

        def writer(tmp: str):
            table.to_parquet(tmp, index=False)
        write_atomic(path, writer=writer)


def _group_rows(world, actors, values: np.ndarray, weights: np.ndarray, columns: list[str]):
    """Group averages per draw (weighted like Outcome.average; levels summed)."""
    from tradewar.outcome import LEVELS

    codes = list(world.iso3)
    index = {c: i for i, c in enumerate(codes)}
    groups = {name: list(members) for name, members in dict(world.groups).items()}
    if actors:
        rest = [c for c in codes if c not in actors]
        if rest:
            groups["rest of world"] = rest
    groups["world"] = codes
    names, out = [], []
    level = np.array([c in LEVELS for c in columns])
    for name, members in groups.items():
        idx = [index[m] for m in members if m in index]
        if not idx:
            continue
        w = weights[:, idx]                                         # [draw, member]
        v = values[:, idx, :]                                       # [draw, member, metric]
        avg = np.einsum("dm,dmk->dk", w, v) / w.sum(axis=1)[:, None]
        avg[:, level] = v[:, :, level].sum(axis=1)
        names.append(name)
        out.append(avg)
    return names, np.stack(out, axis=1) if out else np.zeros((values.shape[0], 0, values.shape[2]))


def _batches(params: pd.DataFrame, batch_size: int) -> list[np.ndarray]:
    first = params.columns[0].split("[")[0]               # the first parameter (its sectors' mean)
    key = params[[c for c in params.columns if c.split("[")[0] == first]].mean(axis=1).to_numpy()
    order = np.argsort(key, kind="stable")                # neighbours warm-start each other
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def run_mc(scenario, draws: int, seed: int | None = 0, client=None, *, data=None, batch_size: int = 50,
           progress=None, retries: int = 2, world=None, warm_start: bool = True) -> MCResult:
    """Monte Carlo of ``scenario`` (a path, library name or Scenario) over its ``[uncertainty]``
    parameters. ``client``: a ``dask.distributed.Client`` (batches become tasks, retried
    ``retries`` times if a worker fails); ``progress(done, total)`` is called as draws finish.
    ``world``: solve on this World instead of the scenario's dataset (e.g. a synthetic world).
    ``warm_start=False`` solves every draw from a cold start (for comparison; same results to
    the solver's tolerance)."""
    from tradewar.run import load_scenario, model_for

    t0 = time.perf_counter()
    scenario = load_scenario(scenario)
    check_request(scenario, draws)
    if batch_size < 1:
        raise TradewarError(f"batch size must be at least 1 (got {batch_size})")
    from tradewar.policy import resolve

    if world is None:
        base_model = model_for(scenario, data)
    else:
        from tradewar.models.base import build_model

        base_model = build_model(scenario.model.name, world, scenario.model.parameters(), scenario.source)
    world = base_model.world
    params = draw_parameters(scenario, draws, seed, world)
    with_draw(scenario.model.parameters(), model_parameters(params.iloc[0].to_dict()), scenario.source)  # names
    actors = tuple(resolve(scenario, world, base_model).actors)
    batches = _batches(params, batch_size)
    records = params.to_dict("records")
    jobs = [(b.tolist(), [records[i] for i in b]) for b in batches]
    results = []
    done = 0
    if client is None:
        for ids, ps in jobs:
            results.append(solve_batch(world, scenario, ids, ps, warm_start))
            done += len(ids)
            if progress:
                progress(done, draws)
    else:
        from distributed import as_completed

        [world_f] = client.scatter([world], broadcast=True)
        futures = [client.submit(solve_batch, world_f, scenario, ids, ps, warm_start, retries=retries, pure=False)
                   for ids, ps in jobs]
        ids_of = {f.key: ids for f, (ids, _) in zip(futures, jobs)}
        for fut in as_completed(futures):
            try:
                results.append(fut.result())
            except TradewarError:
                raise
            except Exception as exc:       # the task failed on every retry: its draws are failed draws
                ids = ids_of[fut.key]
                results.append({"draws": np.asarray(ids, int), "columns": None, "values": None, "weights": None,
                                "failed": [(d, f"task failed after {retries} retries: {exc!r}") for d in ids],
                                "seconds": 0.0})
            done += len(ids_of[fut.key])
            if progress:
                progress(done, draws)
        results.sort(key=lambda r: r["draws"][0] if len(r["draws"]) else -1)
    return _assemble(scenario, seed, params, world, actors, results, time.perf_counter() - t0,
                     workers=None if client is None else len(client.scheduler_info().get("workers", {})),
                     headline=tuple(base_model.mc_headline))


def _assemble(scenario, seed, params, world, actors, results, seconds, workers=None, headline=()) -> MCResult:
    n, nc = len(params), world.n_countries
    columns = next((r["columns"] for r in results if r["columns"] is not None), None)
    status = np.array(["ok"] * n, dtype=object)
    error = np.array([""] * n, dtype=object)
    for r in results:
        for d, msg in r["failed"]:
            status[d], error[d] = "failed", msg
    parameters = params.assign(status=status, error=error)
    if columns is None:      # every draw failed
        empty = pd.DataFrame(columns=["draw", "unit", "kind", *params.columns])
        summary = pd.DataFrame(columns=["median", "q05", "q95", "n"],
                               index=pd.MultiIndex.from_arrays([[], []], names=["unit", "metric"]))
        return MCResult(scenario.name, seed, parameters, empty, summary, (), actors, (), seconds, headline=headline)
    values = np.full((n, nc, len(columns)), np.nan)
    weights = np.full((n, nc), np.nan)
    for r in results:
        if r["columns"] is None:
            continue
        if r["columns"] != columns:
            raise TradewarError("Monte Carlo batches reported different metric columns")
        values[r["draws"]] = r["values"]
        weights[r["draws"]] = r["weights"]
    ok = np.flatnonzero(status == "ok")
    gnames, gvalues = _group_rows(world, actors, values[ok], weights[ok], columns)
    units = list(world.iso3) + gnames
    kinds = ["country"] * nc + ["group"] * len(gnames)
    allv = np.concatenate([values[ok], gvalues], axis=1)          # [ok draw, unit, metric]
    nu = len(units)
    frame = pd.DataFrame(allv.reshape(len(ok) * nu, len(columns)), columns=columns)
    frame.insert(0, "draw", np.repeat(ok, nu))
    frame.insert(1, "unit", np.tile(units, len(ok)))
    frame.insert(2, "kind", np.tile(kinds, len(ok)))
    for j, name in enumerate(params.columns):
        frame.insert(3 + j, name, np.repeat(params[name].to_numpy()[ok], nu))
    import warnings

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # a metric that is NaN in every draw
        q = np.nanquantile(allv, QUANTILES, axis=0) if len(ok) else np.full((3, nu, len(columns)), np.nan)
    idx = pd.MultiIndex.from_product([units, columns], names=["unit", "metric"])
    summary = pd.DataFrame({"median": q[1].ravel(), "q05": q[0].ravel(), "q95": q[2].ravel(),
                            "n": np.isfinite(allv).sum(axis=0).ravel()}, index=idx)
    info = {"batches": len(results), "workers": workers,
            "solve_seconds": float(sum(r["seconds"] for r in results))}
    return MCResult(scenario.name, seed, parameters, frame, summary, tuple(columns), actors, tuple(gnames),
                    seconds, info, headline)



# ------------------------------------------------------------------------------- command line
def summary_table(result: MCResult, rows: list[str] | None = None, metrics: list[str] | None = None):
    """A rich Table: one row per unit (default: the actors and the groups), one column per metric
    with ``median [q05, q95]`` (default: the model's headline metrics)."""
    from rich.table import Table

    rows = rows or [*result.actors, *result.groups]
    metrics = metrics or [m for m in result.headline if m in result.metrics] or list(result.metrics[:4])
    from tradewar.outcome import COUNTRY_METRICS

    table = Table(title=f"{result.scenario}: median [5%, 95%] over {result.n_ok} draws "
                        f"({len(result.failed)} failed), seed {result.seed}", title_justify="left")
    table.add_column("")
    for m in metrics:
        label, unit = COUNTRY_METRICS.get(m, (m, ""))
        table.add_column(f"{label} ({unit})" if unit else label, justify="right")
    s = result.summary
    for r in rows:
        cells = []
        for m in metrics:
            if (r, m) in s.index:
                v = s.loc[(r, m)]
                cells.append(f"{v['median']:+.3f} [{v['q05']:+.3f}, {v['q95']:+.3f}]")
            else:
                cells.append("")
        table.add_row(r, *cells)
    return table


def register(app) -> None:
    """Add ``tradewar mc`` to the command line."""

    import typer

    @app.command("mc")
    def mc_cmd(
        scenario: str = typer.Argument(..., help="A scenario with an \\[uncertainty.<parameter>] table."),
        draws: int = typer.Option(..., "--draws", "-n", help="Number of parameter draws."),
        seed: int = typer.Option(0, "--seed", help="Seed of numpy's default_rng (same seed, same results)."),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address "
                                                "(e.g. tcp://10.0.0.5:8786), or 'local' for a local cluster."),
        out_path: Optional[Path] = typer.Option(None, "--out", help="Write the draws to this Parquet file."),
        countries: Optional[str] = typer.Option(None, "--countries", help="Comma-separated rows to show."),
        batch_size: int = typer.Option(50, "--batch-size", help="Draws per task (warm-started in turn)."),
        data: Optional[Path] = typer.Option(None, "--data", help="Data directory."),
    ):
        """Monte Carlo over the scenario's parameter distributions: medians and 5–95% bands."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from tradewar.cli import err, out
        from tradewar.errors import TradewarError
        from tradewar.outcome import check_output

        if out_path:
            check_output(out_path, "--out")  # before any draw is solved
        client = cluster = None
        if scheduler:
            try:
                from distributed import Client, LocalCluster
            except ImportError:
                raise TradewarError("--scheduler: needs dask[distributed] (pip install 'dask[distributed]')") from None
            if scheduler == "local":
                cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
                client = Client(cluster)
            else:
                try:
                    client = Client(scheduler, timeout="20s")
                except OSError as exc:
                    raise TradewarError(f"--scheduler: cannot reach {scheduler} ({exc})") from None
        try:
            with Progress(TextColumn("draws"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("draws", total=draws)
                result = run_mc(scenario, draws, seed, client, data=data, batch_size=batch_size,
                                progress=lambda done, total: bar.update(task, completed=done))
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        rows = [c.strip() for c in countries.split(",")] if countries else None
        if rows:
            unknown = [r for r in rows if r not in set(result.summary.index.get_level_values(0))]
            if unknown:
                raise TradewarError(f"--countries: unknown rows {unknown}")
        if result.n_ok == 0:
            first = result.failed["error"].iloc[0]
            raise TradewarError(f"--draws: none of the {draws} draws could be solved; the first: {first}")
        if out_path:
            result.to_parquet(out_path)
        out.print(summary_table(result, rows))
        for d, row in result.failed.iterrows():
            err.print(f"draw {d} failed: {row['error']}", highlight=False)
        out.print(f"[dim]{draws} draws in {result.seconds:.1f} s"
                  + (f" on {result.info.get('workers')} Dask workers" if client is not None else "") + "[/dim]")
