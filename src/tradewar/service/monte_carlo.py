"""A Monte Carlo result (:class:`tradewar.montecarlo.MCResult`) as a stored run: the medians
are the run's per-country (and group) values, so runs list and compare like any other; the
5–95% bands, the drawn parameters' names, the failed draws and the timing are kept with them."""

from __future__ import annotations

from tradewar.outcome import json_number
from tradewar.store.base import save_run


def monte_carlo_outcome(result) -> dict:
    """``{"kind": "monte_carlo", "countries": {unit: {metric: median}}, "bands": {unit: {metric:
    [q05, q95]}}, ...}`` of a Monte Carlo result."""
    countries: dict[str, dict] = {}
    bands: dict[str, dict] = {}
    for (unit, metric), row in result.summary.iterrows():
        countries.setdefault(unit, {})[metric] = json_number(row["median"])
        bands.setdefault(unit, {})[metric] = [json_number(row["q05"]), json_number(row["q95"])]
    failed = result.failed
    return {
        "kind": "monte_carlo",
        "scenario": result.scenario,
        "seed": result.seed,
        "draws": int(len(result.parameters)),
        "converged_draws": result.n_ok,
        "failed_draws": [{"draw": int(d), "error": str(e)} for d, e in zip(failed.index, failed["error"])],
        "parameters_drawn": [c for c in result.parameters.columns if c not in ("status", "error")],
        "actors": list(result.actors),
        "groups": list(result.groups),
        "countries": countries,
        "bands": bands,
    }


def save_monte_carlo(store, scenario, result, seconds: float, scenario_toml: str = "") -> str:
    """Save a Monte Carlo of ``scenario`` in ``store`` (one transaction, like any run)."""
    outcome = monte_carlo_outcome(result)
    return save_run(store, scenario, outcome, {"monte_carlo": {"draws": outcome["draws"], "seed": result.seed}},
                    {"seconds": result.seconds, **(result.info or {})}, seconds, scenario_toml)
