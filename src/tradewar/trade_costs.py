"""Bilateral trade-cost changes in the scenario format (``[[trade_costs]]``), e.g. a trade
agreement modelled as a change of the gravity cost variables:

    [[trade_costs]]
    exporters = "CAN"
    importers = "JPN"
    both_ways = true                 # and JPN → CAN
    variables = { pta = 1 }          # set gravity cost variables of the dataset on these routes
    # change = -0.05                 # or: the iceberg cost t_ij changes by −5% (a fraction)

``variables`` sets the dataset's bilateral cost variables (``World.extras["cost_variables"]``, an
xarray Dataset [exporter, importer]); the model turns them into trade costs with its cost
coefficients (``exp(Σ β_k x_k) = t^(1−σ)``). ``change`` multiplies the iceberg cost ``t_ij`` by
``1 + change``. Domestic routes (exporter = importer) are never changed. Measures apply in order.
Only models that take trade costs (``takes_trade_costs = True``, e.g. ``structural_gravity``)
accept them; others refuse the scenario rather than ignore the measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from tradewar.errors import ScenarioError

#: Name of the dataset's bilateral cost variables in ``World.extras``.
COST_VARIABLES = "cost_variables"


@dataclass(frozen=True, eq=False)
class TradeCosts:
    """Resolved trade-cost changes: counterfactual values of the cost variables that a measure
    set (full [exporter, importer] arrays) and iceberg-cost hats ``t̂`` [exporter, importer, sector]."""

    variables: dict[str, np.ndarray]
    iceberg: np.ndarray
    routes: np.ndarray                      # [exporter, importer] bool: routes some measure changed

    def cost_variables(self, baseline: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Counterfactual cost variables: the baseline with the changed ones replaced."""
        return {**baseline, **self.variables}


def baseline_cost_variables(world) -> dict[str, np.ndarray]:
    """The dataset's cost variables {name: [exporter, importer]} (empty if it has none)."""
    ds = world.extras.get(COST_VARIABLES)
    if ds is None:
        return {}
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=ds.name or "cost")
    return {str(k): np.asarray(v.transpose("exporter", "importer").values, float) for k, v in ds.data_vars.items()}


def resolve_trade_costs(scenario, world) -> TradeCosts | None:
    """The scenario's ``[[trade_costs]]`` against ``world``; ``None`` if it has none."""
    from tradewar.policy import _sector_positions, select_countries

    measures = getattr(scenario, "trade_costs", None) or []
    if not measures:
        return None
    src = scenario.source
    n, ns = world.n_countries, len(world.sectors)
    base = baseline_cost_variables(world)
    changed: dict[str, np.ndarray] = {}
    iceberg = np.ones((n, n, ns))
    routes = np.zeros((n, n), bool)
    for k, m in enumerate(measures):
        where = f"trade_costs[{k}]"
        exps = select_countries(world, m.exporters, src, f"{where}.exporters")
        imps = select_countries(world, m.importers, src, f"{where}.importers")
        secs = _sector_positions(world, m.sectors, src, f"{where}.sectors")
        pairs = np.zeros((n, n), bool)
        pairs[np.ix_(exps, imps)] = True
        if m.both_ways:
            pairs |= pairs.T
        np.fill_diagonal(pairs, False)
        if not pairs.any():
            raise ScenarioError(src, where, "selects no route between two different countries")
        routes |= pairs
        if m.change is not None:
            block = iceberg[pairs]                   # [route, sector]
            block[:, secs] *= 1.0 + m.change
            iceberg[pairs] = block
            continue
        for name, value in m.variables.items():
            if name not in base:
                raise ScenarioError(src, f"{where}.variables.{name}",
                                    f"dataset {world.name!r} has no bilateral cost variable {name!r}; "
                                    f"available: {sorted(base) or 'none'}")
            if len(world.sectors) > 1 and m.sectors != "all":
                raise ScenarioError(src, f"{where}.sectors", "cost variables are not per sector: use change = …")
            arr = changed.get(name, base[name]).copy()
            arr[pairs] = value
            changed[name] = arr
    return TradeCosts(variables=changed, iceberg=iceberg, routes=routes)
