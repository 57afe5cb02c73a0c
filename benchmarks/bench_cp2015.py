"""Benchmark: Caliendo & Parro (2015), the NAFTA counterfactual on the 31 × 40 world.

Run as ``python benchmarks/bench_cp2015.py``. Prints the machine, then for one NAFTA
counterfactual (2005 tariffs among CAN, MEX, USA, zero deficits: scenario ``cp2015/nafta``)

(a) our solve: Newton on (log ŵ, log ĉ, X) with GMRES steps (analytic Jacobian-vector products,
    region-block preconditioner), median of repeats, with Newton and GMRES iterations;
(b) a reference solve of the same equations by the damped fixed-point iteration of the R package
    ``cp2015`` (``solve_model.cpp``: update factor 0.5, stop when ‖F‖₂ < 1e-7), written plainly in
    numpy, and the ratio of the two times;
(c) the largest difference between the two solutions' welfare and real wages (percent points);
(d) the US optimal tariffs (uniform; MFN: one rate per sector; discriminatory: one per partner and
    sector, 1200 instruments) through the strategy layer,
    each evaluation one equilibrium solve and one adjoint gradient (target ≤ 5 s).

Both start from the same point: "cold" = the package's initial values (ŵ = ĉ = 1, X = the
data's absorption), which is how the package solves every scenario; "warm" = the baseline
equilibrium (1993 tariffs, zero deficits), which is how ``CPModel.solve`` solves a
counterfactual (the baseline is solved once per model, and its preconditioner is reused). Timings are wall-clock on a possibly
shared machine (the load average is printed); ours and the reference are timed in interleaved
rounds so that both see the same load. Nothing asserts; the table says pass/fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from tradewar.data import load_dataset
from tradewar.models import cp2015 as eq
from tradewar.models.cp2015_model import CPModel

TARGET_SOLVE_MS = 50.0
TARGET_RATIO = 20.0
TARGET_OPTIMAL_S = 5.0


def reference_solve(b: eq.Baseline, t1: np.ndarray, D: np.ndarray, start=None, uf: float = 0.5,
                    tol: float = 1e-7, maxiter: int = 10000):
    """The package's damped fixed point (``solve_model.cpp``), arrays [exporter, importer, sector].

    Returns (ĉ, P̂, M, I, ŵ, P̂_n, iterations)."""
    th = b.theta
    kap = (1.0 + t1) / (1.0 + b.t)
    inv1t = 1.0 / (1.0 + t1)
    if start is None:
        c, X, w = np.ones_like(b.X), b.X.copy(), np.ones(b.n)
    else:
        c, X, w = (np.array(a) for a in start)
    for it in range(1, maxiter + 1):
        A = b.pi * (kap * c[:, None, :]) ** (-th)
        S = A.sum(axis=0)
        P = S ** (-1.0 / th)
        pi1 = A / S
        M = pi1 * X[None] * inv1t
        R = (t1 * M).sum(axis=(0, 2))
        I = w * b.wL + R + D
        Y = M.sum(axis=1)
        rc = c - w[:, None] ** b.gva * np.exp(np.einsum("nkj,nk->nj", b.gio, np.log(P)))
        rX = (X - (np.einsum("njk,nk->nj", b.gio, Y) + b.alpha * I[:, None])) / np.maximum(X, 1.0)
        rw = w - (b.gva * Y).sum(axis=1) / b.wL
        rw[-1] = (w * b.wL).sum() / b.wL.sum() - 1.0
        norm = np.sqrt((rc ** 2).sum() + (rX ** 2).sum() + (rw ** 2).sum())
        if norm < tol:
            break
        c = c - uf * rc
        X = X - uf * rX * np.maximum(X, 1.0)
        w = w - uf * rw
    Pn = np.exp((b.alpha * np.log(P)).sum(axis=1))
    return c, P, M, I, w, Pn, X, it


def machine_info() -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return [f"python {platform.python_version()} on {platform.platform()}",
            f"cores: {os.cpu_count()} (usable: {usable}); load average {os.getloadavg()[0]:.2f}, "
            f"{os.getloadavg()[1]:.2f}, {os.getloadavg()[2]:.2f}",
            f"numpy {np.__version__}"]


def _median_time(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--reference-repeats", type=int, default=5)
    ap.add_argument("--optimal", nargs="*", default=["uniform", "mfn", "discriminatory"],
                    help="restrictions of the US optimal-tariff problems to time")
    ap.add_argument("--optimal-repeats", type=int, default=3)
    args = ap.parse_args(argv)
    for line in machine_info():
        print(line)
    world = load_dataset("cp2015")
    model = CPModel(world, deficits="zero")
    b, D = model.baseline, model.D
    t1 = np.asarray(world.extras["tariff_counterfactual"].values, float)
    ref_bln = model.reference
    warm = ref_bln.z
    bs = ref_bln.state
    rows = []
    results = {}
    for label, z0, start in (("cold", None, None), ("warm", warm, (bs.c, bs.X, bs.w))):
        pre = None if z0 is None else ref_bln.preconditioner
        eq.solve(b, t1, D, z0=z0, preconditioner=pre)               # warm-up
        # interleaved (a round = a few of ours, one reference), so that both see the same load
        times, rtimes = [], []
        per_round = max(1, args.repeats // args.reference_repeats)
        for _ in range(args.reference_repeats):
            _, tt, sol = _median_time(lambda: eq.solve(b, t1, D, z0=z0, preconditioner=pre), per_round)
            times += tt
            _, tt, r = _median_time(lambda: reference_solve(b, t1, D, start=start), 1)
            rtimes += tt
        ours, ref = statistics.median(times), statistics.median(rtimes)
        d = sol.diagnostics
        # welfare against the baseline equilibrium, both ways
        tot, vot = eq.decomposition(b, bs, sol.state, b.t)
        st_ref = eq.State(w=r[4], c=r[0], P=r[1], pi=None, X=r[6], M=r[2], Y=r[2].sum(axis=1), R=None, I=r[3], Pn=r[5])
        tot_r, vot_r = eq.decomposition(b, bs, st_ref, b.t)
        dw = np.abs((tot + vot).sum(axis=1) - (tot_r + vot_r).sum(axis=1)).max()
        drw = np.abs(100 * (sol.state.w / sol.state.Pn - r[4] / r[5])).max()
        results[label] = (ours, ref)
        print(f"\n[{label} start] ours: median {1e3 * ours:.1f} ms over {len(times)} repeats "
              f"(min {1e3 * min(times):.1f}, max {1e3 * max(times):.1f}); {d.iterations} Newton steps, "
              f"{d.function_evaluations} residuals, max|F| {d.residual:.1e}")
        print(f"[{label} start] reference damped fixed point: median {1e3 * ref:.0f} ms over {len(rtimes)} repeats, "
              f"{r[7]} iterations; ratio reference/ours = {ref / ours:.1f}x")
        print(f"[{label} start] largest difference: welfare {dw:.1e}, real wage {drw:.1e} (percent points; the "
              "reference stops at ‖F‖₂ < 1e-7)")
        rows.append((f"{label}: one NAFTA solve", f"{1e3 * ours:.1f} ms", f"<= {TARGET_SOLVE_MS:g} ms",
                     1e3 * ours <= TARGET_SOLVE_MS))
        rows.append((f"{label}: reference / ours", f"{ref / ours:.1f}x", f">= {TARGET_RATIO:g}x", ref / ours >= TARGET_RATIO))
    # (d) the US optimal tariffs in the input-output world (strategy layer, adjoint gradients)
    from tradewar.strategy.optimal import optimal_tariffs

    for restriction in args.optimal:
        secs = []
        for _ in range(args.optimal_repeats):
            model._last = None                                      # every repeat from the baseline
            t = time.perf_counter()
            r = optimal_tariffs(model, "USA", restriction=restriction)
            secs.append(time.perf_counter() - t)
        us = model.world.index_of("USA")
        own = r.tariffs[[i for i in range(b.n) if i != us], us, :20]
        print(f"\n(d) US optimal {restriction} tariffs: median {statistics.median(secs):.2f} s over {len(secs)} "
              f"repeats; {r.counts.equilibrium_solves} solves, {r.counts.gradient_evaluations} gradients; "
              f"{'converged' if r.converged else 'NOT converged'} ({r.message}); US welfare "
              f"{100 * (r.welfare[us] - 1):+.4f}% (real income vs the 1993 baseline); goods tariffs "
              f"mean {100 * own.mean():.2f}%, range {100 * own.min():.2f}–{100 * own.max():.2f}%")
        rows.append((f"US optimal ({restriction})", f"{statistics.median(secs):.2f} s", f"<= {TARGET_OPTIMAL_S:g} s",
                     statistics.median(secs) <= TARGET_OPTIMAL_S))
    print()
    print(f"{'check':<28}{'value':>12}{'target':>14}  result")
    for name, value, target, ok in rows:
        print(f"{name:<28}{value:>12}{target:>14}  {'pass' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
