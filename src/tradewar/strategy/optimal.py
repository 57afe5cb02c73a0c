"""Optimal tariffs of one country: maximise its government welfare Ĝ_j over the tariffs it
levies (discriminatory or MFN), all other tariffs given, within bounds.

L-BFGS-B (scipy) on −log Ĝ_j with the model's gradient through the equilibrium (no finite
differences); each evaluation is one equilibrium solve plus one gradient evaluation.

Welfare is very flat in tariffs on tiny flows (its gradient scales with the flow; the
objective changes below machine precision long before those tariffs have converged), so plain
L-BFGS-B stops early there. When the model offers ``tariff_curvature(tariffs)`` (a typical
curvature of the importer's welfare in each tariff, h), the search continues with L-BFGS-B in
rescaled variables z = t·√h (restarted with h at the new point), then a diagonal secant-Newton
polish on the first-order conditions, which needs gradients only.

Welfare need not be concave in tariffs: a prohibitive tariff kills a flow and flattens welfare
around it, so there can be local optima that differ in which sectors are shut. With
``search="prohibitive"`` the local optimum is followed by a greedy multi-start: for every
sector not yet shut, restart from the best optimum with that sector's tariffs at the upper
bound; keep a restart that raises Ĝ_j; repeat until none does (a heuristic, not a proof of a
global optimum).

Stated convergence rule: with a curvature hint, every projected diagonal-Newton step
|g_k/h_k| (g = d log Ĝ_j/dt, bounds respected) is at most ``step_tol`` (1e-7 by default, in
tariff units); without one, L-BFGS-B's projected gradient of log Ĝ_j is at most ``first_gtol``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.optimize import minimize

from tradewar.errors import ConvergenceError
from tradewar.strategy.base import Counts, Instruments, WelfareModel, with_single_threaded_blas

#: Bounds of Ossa (2014): tariffs in [0, 10] (10 = 1000%, prohibitive).
BOUNDS = (0.0, 10.0)


@dataclass
class OptimalTariffs:
    """The result of one optimal-tariff problem."""

    country: str
    index: int                          # the country's position in the arrays
    restriction: str
    tariffs: np.ndarray                 # the whole tariff array at the optimum
    welfare: np.ndarray                 # Ĝ per country at the optimum
    start_welfare: float                # Ĝ_j at the start
    converged: bool
    message: str
    iterations: int
    residual: float                     # convergence measure at the optimum (see the module docstring)
    counts: Counts = field(default_factory=Counts)

    @property
    def gain(self) -> float:
        """Ĝ_j at the optimum over Ĝ_j at the start, minus one."""
        return float(self.welfare[self.index] / self.start_welfare - 1.0)

    @property
    def own(self) -> np.ndarray:
        """The country's tariffs [partner (all countries, own row 0), sector]."""
        return self.tariffs[:, self.index, :]


@with_single_threaded_blas
def optimal_tariffs(model: WelfareModel, country: str | int, *, tariffs: np.ndarray | None = None,
                    restriction: str = "discriminatory", start: np.ndarray | None = None,
                    bounds: tuple[float, float] = BOUNDS, step_tol: float = 1e-7,
                    first_gtol: float = 1e-7, max_iter: int = 5000, max_restarts: int = 3,
                    max_polish: int = 200, search: str = "local",
                    against: Sequence[str] | None = None) -> OptimalTariffs:
    """Country ``country``'s optimal tariffs given the others' in ``tariffs`` (default: the
    model's baseline tariffs).

    ``restriction``: ``"discriminatory"`` (one rate per partner and sector) or ``"mfn"`` (one
    rate per sector for all partners); ``against``: only the tariffs on these exporters. The search starts from the country's own tariffs in
    ``start`` (a full tariff array), else in ``tariffs`` (for MFN: their mean over partners),
    clipped to ``bounds``. A first L-BFGS-B pass stops at a projected gradient of
    ``first_gtol``; then (models with a curvature hint) rescaled restarts and the polish run
    until every projected diagonal-Newton step is ≤ ``step_tol`` (see the module docstring).
    """
    if search not in ("local", "prohibitive"):
        raise ValueError(f"search must be 'local' or 'prohibitive', not {search!r}")
    local = dict(restriction=restriction, bounds=bounds, step_tol=step_tol, first_gtol=first_gtol,
                 max_iter=max_iter, max_restarts=max_restarts, max_polish=max_polish, against=against)
    if search == "prohibitive":
        return _prohibitive_search(model, country, tariffs, start, local)
    t0 = time.perf_counter()
    codes = list(model.countries)
    j = codes.index(country) if isinstance(country, str) else int(country)
    base = np.array(model.baseline_tariffs if tariffs is None else tariffs, float)
    n, _, n_s = base.shape
    inst = Instruments(n, n_s, j, restriction,
                       None if against is None else [codes.index(a) for a in against])
    lo, hi = bounds
    v = np.clip(inst.get(base if start is None else np.asarray(start, float)), lo, hi)
    counts = Counts(optimisations=1)
    last: dict = {}

    def evaluate(vv):
        try:
            G, g = model.government_welfare_gradient(inst.put(base, vv), j)
        except ConvergenceError as exc:
            raise no_equilibrium(exc, codes[j], vv, bounds) from None
        counts.equilibrium_solves += 1
        counts.gradient_evaluations += 1
        last.update(v=vv.copy(), G=G, grad=inst.pull(g) / G[j])   # d log Ĝ_j / dv
        return -np.log(G[j]), -last["grad"]

    def run(d, tol, v_start):
        def f(z):
            val, g = evaluate(z * d)
            return val, g * d
        res = minimize(f, v_start / d, jac=True, method="L-BFGS-B", bounds=list(zip(lo / d, hi / d)),
                       options={"maxiter": max_iter, "maxfun": 2 * max_iter, "gtol": tol, "ftol": 1e-16,
                                "maxcor": 30})
        return np.clip(res.x * d, lo, hi), res

    try:
        G_start = model.government_welfare(inst.put(base, v))
    except ConvergenceError as exc:
        raise no_equilibrium(exc, codes[j], v, bounds) from None
    counts.equilibrium_solves += 1
    ones = np.ones(inst.size)
    v, res = run(ones, first_gtol, v)
    iterations, message = int(res.nit), str(res.message)
    curvature = getattr(model, "tariff_curvature", None)
    if curvature is None:
        if "v" not in last or not np.array_equal(last["v"], v):
            evaluate(v)
        gv = last["grad"]
        pg = np.where(((v <= lo) & (gv < 0)) | ((v >= hi) & (gv > 0)), 0.0, gv)
        residual = float(np.abs(pg).max()) if pg.size else 0.0
        converged = residual <= first_gtol
    else:
        def diag(vv):
            counts.equilibrium_solves += 1
            return np.maximum(inst.pull(np.asarray(curvature(inst.put(base, vv)), float)), 1e-300)

        for _ in range(max_restarts):                      # rescaled L-BFGS-B restarts
            d = 1.0 / np.sqrt(diag(v))
            d /= np.exp(np.log(d).mean())
            v_new, res = run(d, 0.0, v)
            iterations += int(res.nit)
            moved = float(np.max(np.abs(v_new - v))) if v.size else 0.0
            v = v_new
            if res.nit <= 2 or moved < 1e-10:
                break
        v, residual, polish_iterations = _polish(evaluate, last, diag, v, lo, hi, step_tol, max_polish)
        iterations += polish_iterations
        converged = residual <= step_tol
        message = f"diagonal Newton step {residual:.1e} (tolerance {step_tol:.0e})"
    G = last["G"]
    counts.seconds = time.perf_counter() - t0
    return OptimalTariffs(country=codes[j], index=j, restriction=restriction, tariffs=inst.put(base, v), welfare=G,
                          start_welfare=float(G_start[j]), converged=bool(converged), message=message,
                          iterations=iterations, residual=residual, counts=counts)


def no_equilibrium(exc: ConvergenceError, country: str, v: np.ndarray, bounds) -> ConvergenceError:
    """The error of an optimal-tariff search that meets tariffs without an equilibrium: who,
    where, the model's own error, and what to try."""
    where = f"{v.min():.4g} to {v.max():.4g}" if v.size else "none"
    return ConvergenceError(
        f"optimal tariffs of {country}: no equilibrium at trial tariffs (its own from {where}, bounds {tuple(bounds)}); "
        f"narrower bounds (e.g. a lower upper bound) or another start may help. The model: {exc}", exc.diagnostics)


def _polish(evaluate, last: dict, diag, v: np.ndarray, lo: float, hi: float, tol: float, max_iter: int):
    """Diagonal secant-Newton iteration on the first-order conditions d log Ĝ_j/dv = 0 within
    the bounds, from the curvature hint h: step = g/h, with h replaced per tariff by the secant
    −Δg/Δv once that is positive. It needs no objective values (which are flat to machine
    precision in tariffs on tiny flows) and stops when the largest projected step is ≤ ``tol``
    (or when the steps stop shrinking), returning the best point seen."""
    def projected_step(vv, g, h):
        step = g / h
        return np.where(((vv <= lo) & (step < 0)) | ((vv >= hi) & (step > 0)), 0.0, step)

    if "v" not in last or not np.array_equal(last["v"], v):
        evaluate(v)
    g, h = last["grad"].copy(), diag(v)
    step = projected_step(v, g, h)
    best = (float(np.abs(step).max()) if step.size else 0.0, v.copy(), dict(last))
    worse = 0
    it = 0
    while it < max_iter and best[0] > tol:
        it += 1
        v_new = np.clip(v + step, lo, hi)
        evaluate(v_new)
        g_new = last["grad"].copy()
        dv, dg = v_new - v, g_new - g
        moved = np.abs(dv) > 1e-14
        secant = np.where(moved, -dg / np.where(moved, dv, 1.0), 0.0)
        h = np.where(moved & (secant > 0), secant, h)
        v, g = v_new, g_new
        step = projected_step(v, g, h)
        size = float(np.abs(step).max()) if step.size else 0.0
        if size < best[0]:
            best, worse = (size, v.copy(), dict(last)), 0
        else:
            worse += 1
            if worse >= 8:
                break
    last.update(best[2])
    return best[1], best[0], it


def _prohibitive_search(model, country, tariffs, start, local: dict) -> OptimalTariffs:
    """Greedy multi-start over sectors shut by prohibitive tariffs (see the module docstring).
    Restarts are screened at a loose tolerance; the best is then refined at ``local``'s."""
    t0 = time.perf_counter()
    loose = {**local, "first_gtol": 1e-5, "step_tol": 1e-5, "max_restarts": 1}
    best = optimal_tariffs(model, country, tariffs=tariffs, start=start, **local)
    counts = Counts().add(best.counts)
    j, hi = best.index, local["bounds"][1]
    partners = [i for i in range(best.tariffs.shape[0]) if i != j]
    start_welfare = best.start_welfare
    base = np.array(best.tariffs)
    improved, changed = True, False
    while improved:
        improved = False
        for s in range(best.tariffs.shape[2]):
            if np.all(best.tariffs[partners, j, s] >= hi):
                continue
            trial = np.array(best.tariffs)
            trial[partners, j, s] = hi
            r = optimal_tariffs(model, j, tariffs=base, start=trial, **loose)
            counts.add(r.counts)
            if r.welfare[j] > best.welfare[j] * (1.0 + 1e-10):
                best, improved, changed = r, True, True
    if changed:
        best = optimal_tariffs(model, j, tariffs=base, start=best.tariffs, **local)
        counts.add(best.counts)
    counts.seconds = time.perf_counter() - t0
    best.counts, best.start_welfare = counts, start_welfare
    return best


@dataclass
class JointRate:
    """One uniform rate that a group of importers levies on a group of exporters, chosen to
    maximise a weighted sum of the importers' (or anyone's) government welfare."""

    rate: float
    tariffs: np.ndarray                 # the whole tariff array at the optimum
    welfare: np.ndarray                 # Ĝ per country at the optimum
    objective: float                    # Σ_c ω_c Ĝ_c (ω normalised to sum to 1)
    derivative: float                   # d objective / d rate at the optimum
    converged: bool
    message: str
    counts: Counts = field(default_factory=Counts)


@with_single_threaded_blas
def joint_optimal_rate(model: WelfareModel, importers, exporters, *, weights: np.ndarray,
                       tariffs: np.ndarray | None = None, bounds: tuple[float, float] = BOUNDS,
                       start: float | None = None, gtol: float = 1e-10) -> JointRate:
    """The uniform rate t that every importer in ``importers`` levies on every exporter in
    ``exporters`` (all sectors; no tariff on oneself), all other tariffs as in ``tariffs``
    (default: the baseline), maximising Σ_c ω_c Ĝ_c for country ``weights`` ω (e.g. the
    expenditure weights of a coalition: the coalition acting as one). L-BFGS-B on the single
    rate with the gradient through the equilibrium (the model's ``government_welfare_vjp`` when
    it has one: one adjoint solve per evaluation). Converged when |d log objective/dt| ≤ ``gtol``
    or the rate sits at a bound with the gradient pointing outwards."""
    t0 = time.perf_counter()
    from tradewar.strategy.base import welfare_vjp

    codes = list(model.countries)
    idx = lambda group: [codes.index(c) if isinstance(c, str) else int(c) for c in group]   # noqa: E731
    imp, exp_ = idx(importers), idx(exporters)
    base = np.array(model.baseline_tariffs if tariffs is None else tariffs, float)
    mask = np.zeros(base.shape, bool)
    for j in imp:
        mask[exp_, j, :] = True
        mask[j, j, :] = False
    om = np.asarray(weights, float) / float(np.sum(weights))
    lo, hi = bounds
    counts = Counts(optimisations=1)
    last: dict = {}

    def evaluate(z):
        r = float(np.clip(z[0], lo, hi))
        t = np.where(mask, r, base)
        G, g, used = welfare_vjp(model, t, om)
        counts.equilibrium_solves += 1
        counts.gradient_evaluations += used
        obj = float(om @ G)
        last.update(rate=r, t=t, G=G, obj=obj, d=float(g[mask].sum()))
        return -np.log(obj), np.array([-last["d"] / obj])

    x0 = float(np.clip(base[mask].mean() if start is None else start, lo, hi))
    res = minimize(evaluate, np.array([x0]), jac=True, method="L-BFGS-B", bounds=[(lo, hi)],
                   options={"gtol": gtol, "ftol": 1e-16, "maxiter": 200})
    evaluate(np.array([float(np.clip(res.x[0], lo, hi))]))
    dlog = last["d"] / last["obj"]
    r = last["rate"]
    converged = abs(dlog) <= max(gtol, 1e-8) or (r <= lo and dlog < 0) or (r >= hi and dlog > 0)
    counts.seconds = time.perf_counter() - t0
    return JointRate(rate=r, tariffs=last["t"], welfare=last["G"], objective=last["obj"], derivative=last["d"],
                     converged=bool(converged), message=str(res.message), counts=counts)
