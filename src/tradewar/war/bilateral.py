"""The model's own US–China war and talks, restricted to the two countries' tariffs on each
other (t[CHN, USA, s] and t[USA, CHN, s] for every sector s; all other tariffs at the baseline),
for comparison with the actual war on the same world.

* :func:`bilateral_nash`: each side's 33 (S) tariffs on the other are a best response to the
  other's (maximise own welfare Ĝ by L-BFGS-B with the model's analytic welfare gradient, bounds
  [0, 10]); best responses alternate until no tariff moves by more than ``tol``.
* :func:`bilateral_talks`: cooperative talks — maximise log Ĝ_USA + log Ĝ_CHN (the Nash
  bargaining product with the baseline as threat point) over both sides' bilateral tariffs
  within the same bounds.

Needs a model with the welfare interface (``government_welfare_gradient``), i.e. ``ossa2014``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


@dataclass
class BilateralResult:
    kind: str
    tariffs: np.ndarray           # full [exporter, importer, sector] array
    welfare: np.ndarray           # Ĝ per country
    rounds: int
    converged: bool


def _idx(model, a, b):
    codes = list(model.countries)
    return codes.index(a), codes.index(b)


def bilateral_nash(model, a: str = "USA", b: str = "CHN", tariffs=None, bounds=(0.0, 10.0), tol: float = 1e-4,
                   max_rounds: int = 60) -> BilateralResult:
    ia, ib = _idx(model, a, b)
    t = np.array(model.baseline_tariffs if tariffs is None else tariffs, float)
    S = t.shape[2]
    converged, k = False, 0
    for k in range(1, max_rounds + 1):
        moved = 0.0
        for imp, exp in ((ia, ib), (ib, ia)):
            def f(v, imp=imp, exp=exp):
                tt = t.copy()
                tt[exp, imp, :] = v
                G, g = model.government_welfare_gradient(tt, imp)
                return -100.0 * G[imp], -100.0 * g[exp, imp, :]

            res = minimize(f, t[exp, imp, :], jac=True, method="L-BFGS-B", bounds=[bounds] * S,
                           options={"maxiter": 500, "gtol": 1e-9, "ftol": 1e-13})
            moved = max(moved, float(np.max(np.abs(res.x - t[exp, imp, :]))))
            t[exp, imp, :] = res.x
        if moved < tol:
            converged = True
            break
    return BilateralResult("nash", t, np.asarray(model.government_welfare(t), float), k, converged)


def bilateral_talks(model, a: str = "USA", b: str = "CHN", tariffs=None, bounds=(0.0, 10.0)) -> BilateralResult:
    ia, ib = _idx(model, a, b)
    t0 = np.array(model.baseline_tariffs if tariffs is None else tariffs, float)
    S = t0.shape[2]

    def put(v):
        tt = t0.copy()
        tt[ib, ia, :] = v[:S]
        tt[ia, ib, :] = v[S:]
        return tt

    def f(v):
        tt = put(v)
        Ga, ga = model.government_welfare_gradient(tt, ia)
        Gb, gb = model.government_welfare_gradient(tt, ib)
        obj = np.log(Ga[ia]) + np.log(Gb[ib])
        grad = ga / Ga[ia] + gb / Gb[ib]
        return -100.0 * obj, -100.0 * np.concatenate([grad[ib, ia, :], grad[ia, ib, :]])

    v0 = np.concatenate([t0[ib, ia, :], t0[ia, ib, :]])
    res = minimize(f, v0, jac=True, method="L-BFGS-B", bounds=[bounds] * (2 * S),
                   options={"maxiter": 2000, "gtol": 1e-9, "ftol": 1e-14})
    t = put(res.x)
    return BilateralResult("talks", t, np.asarray(model.government_welfare(t), float), int(res.nit), bool(res.success))
