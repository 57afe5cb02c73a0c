"""Non-tariff measures in the scenario format: export controls and purchase commitments.

**Export controls** (``[[export_controls]]``: ``exporter``, ``importers``, ``sectors``, ``kind``,
``cost``): a trade cost on the route exporter → importer in the given sectors, entered in the
models as its **tariff-equivalent** (the ad-valorem wedge between the exporter's price and the
importer's price):

* ``kind = "prohibitive"``: the wedge is :data:`PROHIBITIVE` (1000%, the upper bound of the
  strategy layer): with the models' trade elasticities (σ − 1 ≥ 0.9 in Ossa's sectors, ε = 4 in
  the one-sector model) the route's trade falls by 88–99.99%; because the flow is tiny, the
  tariff revenue that the wedge would collect is negligible, so a prohibitive tariff and a
  prohibitive iceberg cost give the same equilibrium (up to that revenue).
* ``kind = "iceberg"``: a cost ``cost`` (0.3 = 30% of the good melts in transit). The models
  implement tariffs, not iceberg costs, so the cost enters as a tariff-equivalent of the same
  size: the price wedge (and so trade diversion and relative prices) is right; the difference is
  that a tariff's revenue goes to the importer while an iceberg cost's resources are lost, so the
  importer's welfare is overstated by about the revenue on the route (reported in the policy
  notes as the route's baseline value × cost, an upper bound).

Controls are added on top of the tariffs in force after ``[[tariffs]]`` and ``[[retaliation]]``.

**Purchase commitments** (``[[purchase_commitments]]``: ``importer``, ``partner``, ``sectors``,
``target``): the importer's purchases from the partner in the sectors (the model's trade value
at the exporter's prices, summed over the sectors) are held at ``target`` × their baseline value
(e.g. Phase One: China's purchases of US farm goods at 1.6× 2017). **Closure:** the importer's
government meets the target with one ad-valorem wedge τ, common to the covered sectors, added
to its tariffs on the partner (τ < 0: an import subsidy; τ > 0: a purchase restraint); τ is found
by bracketing root-finding on the model's equilibrium (each evaluation one solve), and is
reported as the commitment's **shadow tariff-equivalent**. Its fiscal cost or revenue is part of
the importer's tariff revenue (income), so welfare accounts for it. Several commitments are
solved in turn, repeated until all hold (Gauss–Seidel). Commitments need a model solve, so they
are applied in ``tradewar.run.run`` after the tariffs and strategies.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import brentq

from tradewar.errors import ConvergenceError, ScenarioError

PROHIBITIVE = 10.0
SUBSIDY_FLOOR = -0.9


def apply_export_controls(scenario, world, tariffs: np.ndarray, notes: list[str]) -> np.ndarray:
    """Add the tariff-equivalents of ``scenario.export_controls`` to ``tariffs`` (in place)."""
    from tradewar.policy import _sector_positions, select_countries

    src = scenario.source
    for k, c in enumerate(getattr(scenario, "export_controls", []) or []):
        where = f"export_controls[{k}]"
        exps = select_countries(world, c.exporter, src, f"{where}.exporter")
        imps = select_countries(world, c.importers, src, f"{where}.importers")
        secs = _sector_positions(world, c.sectors, src, f"{where}.sectors")
        te = PROHIBITIVE if c.kind == "prohibitive" else float(c.cost)
        value = 0.0
        for i in exps:
            for j in imps:
                if i == j:
                    continue
                tariffs[i, j, secs] = tariffs[i, j, secs] + te
                value += float(world.flows[i, j, secs].sum())
        names = f"{c.exporter}→{c.importers}"
        if c.kind == "prohibitive":
            notes.append(f"export control {names}, sectors {c.sectors}: prohibitive, tariff-equivalent "
                         f"+{100 * te:.0f}% (baseline value of the route {value:.6g} {world.units})")
        else:
            notes.append(f"export control {names}, sectors {c.sectors}: iceberg cost {100 * te:.1f}% as a "
                         f"tariff-equivalent; importer welfare overstated by at most the revenue on the route "
                         f"(≤ {te * value:.6g} {world.units} at baseline flows)")
    return tariffs


def _purchases(outcome, world, i: int, p: int, secs: list[int]) -> float:
    tc = outcome.extras.get("trade_counterfactual") if outcome.extras else None
    if tc is not None and "sector" in getattr(tc, "dims", ()):
        arr = np.asarray(tc.transpose("exporter", "importer", "sector").values)
        return float(arr[p, i, secs].sum())
    if len(world.sectors) != 1:
        raise ScenarioError("", "purchase_commitments", "the model reports no sector-level trade")
    return float(outcome.bilateral["trade_counterfactual"].values[p, i])


def apply_purchase_commitments(scenario, model, policy, tol: float = 1e-8, rounds: int = 20):
    """Policy with each commitment's shadow wedge added, and the wedges {label: τ}."""
    from tradewar.policy import _one_country, _sector_positions

    world = model.world
    src = scenario.source
    items = []
    for k, c in enumerate(scenario.purchase_commitments):
        where = f"purchase_commitments[{k}]"
        i = _one_country(world, c.importer, src, f"{where}.importer")
        p = _one_country(world, c.partner, src, f"{where}.partner")
        if i == p:
            raise ScenarioError(src, f"{where}.partner", "must differ from the importer")
        secs = _sector_positions(world, c.sectors, src, f"{where}.sectors")
        base = float(world.flows[p, i, secs].sum())
        if base <= 0:
            raise ScenarioError(src, where, "no baseline purchases in these sectors")
        items.append((f"{c.importer}←{c.partner} {c.sectors}", i, p, secs, c.target * base))
    t_start = np.array(policy.tariffs, float)
    wedge = np.zeros(len(items))

    def tariffs_with(w):
        t = t_start.copy()
        for (label, i, p, secs, target), x in zip(items, w):
            t[p, i, secs] = t[p, i, secs] + x
        return t

    for _ in range(rounds):
        worst = 0.0
        for n, (label, i, p, secs, target) in enumerate(items):
            def gap(x, n=n, i=i, p=p, secs=secs, target=target):
                w = wedge.copy()
                w[n] = x
                out = model.solve(policy.with_tariffs(tariffs_with(w)), scenario=scenario.name)
                return _purchases(out, world, i, p, secs) / target - 1.0

            lo = SUBSIDY_FLOOR - float(np.min(t_start[p, i, secs])) + 1e-6
            lo = max(lo, SUBSIDY_FLOOR)
            g_now = gap(wedge[n])
            worst = max(worst, abs(g_now))
            if abs(g_now) < tol:
                continue
            a, b = (wedge[n], PROHIBITIVE) if g_now > 0 else (lo, wedge[n])
            ga, gb = gap(a), gap(b)
            if ga * gb > 0:
                raise ConvergenceError(f"purchase commitment {label}: target not reachable with a wedge in "
                                       f"[{a:.3g}, {b:.3g}] (relative gaps {ga:.3g}, {gb:.3g})")
            wedge[n] = brentq(gap, a, b, xtol=1e-12, rtol=1e-10)
        if worst < tol:
            break
    notes = [f"purchase commitment {label}: held at {target:.6g} {world.units} "
             f"(shadow tariff-equivalent {100 * x:+.2f}%{' (import subsidy)' if x < 0 else ''})"
             for (label, i, p, secs, target), x in zip(items, wedge)]
    shadow = {label: float(x) for (label, *_), x in zip(items, wedge)}
    return replace(policy, tariffs=tariffs_with(wedge), notes=tuple(policy.notes) + tuple(notes)), shadow
