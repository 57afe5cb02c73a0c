"""Cooperative tariffs ("trade talks"): the players choose all of their tariffs jointly.

Two objectives, both over the players' tariffs (discriminatory: every bilateral-sector rate of
every player; MFN: one rate per player and sector; uniform: one rate per player) within bounds,
through the equilibrium (NX' as the model sets it), with the model's adjoint gradients:

* ``"equal_gains"`` (Ossa 2014, ``mycooperativetariff``): maximise the common gain subject to
  Ĝ_1 = Ĝ_2 = … = Ĝ_N over the players. Solved as: maximise the mean of log Ĝ_i subject to
  c_i = log Ĝ_i − mean_k log Ĝ_k = 0, by an augmented Lagrangian whose inner problems are
  bound-constrained L-BFGS-B (bounds handled exactly, any number of tariffs); the gradient of
  the Lagrangian is a weighted sum of the players' welfare gradients, so each evaluation is one
  equilibrium solve and one adjoint solve (``government_welfare_vjp``; otherwise one gradient
  per player). At the solution the constraints are equalities, so this is Ossa's problem
  (max Ĝ_1 s.t. equal gains) with a symmetric objective.
* ``"nash_bargaining"``: maximise Σ_i log(Ĝ_i − Ĝ_i^threat) (the Nash bargaining solution
  with threat point Ĝ^threat, e.g. the welfare of a trade war or of the factual tariffs),
  started from the equal-gains solution (where every player gains over the threat point when
  the start is no worse than the threat).

Ĝ is measured relative to the model's baseline: to measure gains from a starting point
(Ossa: Nash, factual or free-trade tariffs) pass a model re-based at that point
(``model.rebased(tariffs)``); :func:`tradewar.strategy.apply.resolve_strategies` does so.

Stated convergence rule: the inner L-BFGS-B problems stop at a projected gradient of
``gtol`` (per unit of tariff, objective in percent); equal gains: the outer loop stops when
max_i |c_i| ≤ ``tol`` (1e-7 by default: gains equal to 1e-5 percentage points) after an inner
solve, at most ``max_outer`` rounds. Welfare is flat in tariffs on tiny flows, so those
tariffs are not determined to any precision (neither are they in Ossa's tables, which report
no cooperative tariffs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import minimize

from tradewar.strategy.base import Counts, Instruments, WelfareModel, welfare_vjp, with_single_threaded_blas
from tradewar.strategy.nash import Round
from tradewar.strategy.optimal import BOUNDS

OBJECTIVES = ("equal_gains", "nash_bargaining")


@dataclass
class CooperativeTariffs:
    players: tuple[str, ...]
    restriction: str
    objective: str
    tariffs: np.ndarray
    welfare: np.ndarray                     # Ĝ per country (relative to the model's baseline)
    threat: np.ndarray | None               # Ĝ per country at the threat point (Nash bargaining)
    converged: bool
    message: str
    max_violation: float                    # equal gains: max_i |log Ĝ_i − mean log Ĝ| over the players
    rounds: list[Round] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


class _Vars:
    """The players' tariffs as one vector (the concatenated instruments of each player)."""

    def __init__(self, shape, players: list[int], restriction: str, against=None):
        n, _, n_s = shape
        self.inst = [Instruments(n, n_s, j, restriction, against) for j in players]
        self.sizes = np.cumsum([0] + [i.size for i in self.inst])

    def get(self, t):
        return np.concatenate([i.get(t) for i in self.inst])

    def put(self, t, v):
        out = np.array(t, float)
        for k, i in enumerate(self.inst):
            out = i.put(out, v[self.sizes[k]:self.sizes[k + 1]])
        return out

    def pull(self, g):
        return np.concatenate([i.pull(g) for i in self.inst])


@with_single_threaded_blas
def cooperative_tariffs(model: WelfareModel, players: Sequence[str] | None = None, *,
                        tariffs: np.ndarray | None = None, restriction: str = "discriminatory",
                        objective: str = "equal_gains", threat: np.ndarray | None = None,
                        start: np.ndarray | None = None, bounds: tuple[float, float] = BOUNDS,
                        tol: float = 1e-7, gtol: float = 1e-7, ftol: float = 1e-13, max_outer: int = 30,
                        max_iter: int = 3000, against: Sequence[str] | None = None,
                        progress: Callable[[Round], None] | None = None) -> CooperativeTariffs:
    """Cooperative tariffs of ``players`` (default: all), the others' tariffs at ``tariffs``
    (default: the model's baseline), searched from ``start`` (a full tariff array; default
    ``tariffs``). ``threat``: Ĝ per country at the threat point (needed for Nash bargaining).
    ``against``: players negotiate only their tariffs on these exporters.
    ``progress(Round)`` is called after every outer round."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {list(OBJECTIVES)}, not {objective!r}")
    if objective == "nash_bargaining" and threat is None:
        raise ValueError("Nash bargaining needs a threat point (Ĝ per country)")
    t0 = time.perf_counter()
    codes = list(model.countries)
    players = tuple(codes if players is None else players)
    idx = np.array([codes.index(p) for p in players])
    fixed = np.array(model.baseline_tariffs if tariffs is None else tariffs, float)
    V = _Vars(fixed.shape, list(idx), restriction, None if against is None else [codes.index(a) for a in against])
    lo, hi = bounds
    v = np.clip(V.get(fixed if start is None else np.asarray(start, float)), lo, hi)
    counts = Counts(optimisations=1)
    rounds: list[Round] = []
    P = len(idx)
    last: dict = {}

    def vjp(vv, dL_dG):
        """Gradient in v of Σ_i (dL/dĜ_i) Ĝ_i, with Ĝ (dL_dG a function of Ĝ)."""
        t = V.put(fixed, vv)
        G, g, used = welfare_vjp(model, t, dL_dG)
        counts.equilibrium_solves += 1
        counts.gradient_evaluations += used
        return G, V.pull(g)

    def report(k, v_old, v_new, G):
        change = np.abs(v_new - v_old)
        rnd = Round(k, float(change.max()) if change.size else 0.0, float(change.mean()) if change.size else 0.0,
                    float((v_new - v_old).mean()) if change.size else 0.0, G, time.perf_counter() - t0)
        rounds.append(rnd)
        if progress is not None:
            progress(rnd)

    curvature = getattr(model, "tariff_curvature", None)
    if curvature is not None:                       # diagonal preconditioner (see optimal.py)
        h = np.maximum(V.pull(np.asarray(curvature(V.put(fixed, v)), float)), 1e-300)
        d = 1.0 / np.sqrt(h)
        d = np.clip(d / np.exp(np.log(d).mean()), 1e-3, 1e3)
    else:
        d = np.ones_like(v)

    def inner(fun, v0):
        def scaled(z):
            val, g = fun(z * d)
            return val, g * d
        res = minimize(scaled, v0 / d, jac=True, method="L-BFGS-B", bounds=list(zip(lo / d, hi / d)),
                       options={"maxiter": max_iter, "maxfun": 2 * max_iter, "gtol": gtol, "ftol": ftol,
                                "maxcor": 30})
        return np.clip(res.x * d, lo, hi), res

    # ---------------------------------------------------------------- equal gains
    lam_ = np.zeros(P)
    rho = 10.0
    viol_prev = np.inf
    converged, message = False, ""
    for k in range(1, max_outer + 1):
        def fun(vv):
            def dL_dG(G):
                ell = np.log(G[idx])
                c = 100.0 * (ell - ell.mean())
                m = lam_ + rho * c
                d = -100.0 / P + 100.0 * (m - m.mean())          # ∂L/∂ℓ_i
                w = np.zeros(len(G))
                w[idx] = d / G[idx]
                last.update(c=c, ell=ell, m=m)
                return w

            G, g = vjp(vv, dL_dG)
            c, ell = last["c"], last["ell"]
            val = -100.0 * ell.mean() + lam_ @ c + 0.5 * rho * (c @ c)
            last["G"] = G
            return val, g

        v_old = v
        v, res = inner(fun, v)
        fun(v)
        c = last["c"] / 100.0
        viol = float(np.abs(c).max())
        report(k, v_old, v, last["G"])
        if viol <= tol:
            converged, message = True, f"equal gains to {viol:.1e} (log points); inner: {res.message}"
            break
        lam_ = lam_ + rho * last["c"]
        if viol > 0.25 * viol_prev:
            rho *= 10.0
        viol_prev = viol
    else:
        message = f"equal gains only to {viol:.1e} after {max_outer} rounds"
    G = last["G"]
    max_violation = viol

    # ---------------------------------------------------------------- Nash bargaining
    if objective == "nash_bargaining":
        thr = np.asarray(threat, float)

        def fun_nb(vv):
            def dL_dG(G):
                gap = G[idx] - thr[idx]
                w = np.zeros(len(G))
                w[idx] = np.where(gap > 0, -1.0 / np.where(gap > 0, gap, 1.0), -1e12)
                last["gap"] = gap
                return w

            G, g = vjp(vv, dL_dG)
            gap = last["gap"]
            last["G"] = G
            if np.any(gap <= 0):
                return 1e12, g
            return -float(np.log(gap).sum()), g

        if np.any(G[idx] <= thr[idx]):
            raise ValueError("Nash bargaining: the equal-gains solution does not improve on the threat point "
                             "for every player; no bargaining solution from here")
        v_old = v
        v, res = inner(fun_nb, v)
        fun_nb(v)
        G = last["G"]
        report(len(rounds) + 1, v_old, v, G)
        converged = bool(res.success) or "ABNORMAL" not in str(res.message)
        message = f"Nash bargaining: {res.message}"
    counts.seconds = time.perf_counter() - t0
    return CooperativeTariffs(players=players, restriction=restriction, objective=objective, tariffs=V.put(fixed, v),
                              welfare=G, threat=None if threat is None else np.asarray(threat, float),
                              converged=bool(converged), message=message, max_violation=max_violation,
                              rounds=rounds, counts=counts)
