"""Benchmark: one Caliendo–Parro (input-output) counterfactual on a 200-country × 100-sector world.

Issue 7 target: one counterfactual of a 200 × 100 world with input-output links in ≤ 10 s and
≤ 4 GB peak memory. Run as ``python benchmarks/bench_big_world.py`` (``--n``/``--sectors`` for
other sizes). The world is :func:`tradewar.synthetic.synthetic_io_world` (the cp2015 layout:
flows, baseline tariffs on [0, 10%], IO tables, value added, final consumption, θ per sector,
zero deficits; an exact baseline equilibrium). The counterfactual is the world's
``tariff_counterfactual``: country 0 raises its tariffs on every import by 10 points.

Prints the machine, then the time to build the world, to build ``CPModel`` (calibration and the
baseline solve), and to solve the counterfactual (``CPModel.solve``: the equilibrium, warm from
the baseline, plus the reported results; the equilibrium alone is also timed), with Newton
steps, residuals, and peak memory: the process's peak resident set (``ru_maxrss``, all phases
together) and the tracemalloc peak of Python/numpy allocations during a second, traced solve.
Timings are wall-clock; nothing asserts; the last lines say pass/fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc

import numpy as np

from tradewar.models.cp2015_model import CPModel
from tradewar.policy import Policy
from tradewar.synthetic import synthetic_io_world

from _memory import peak_rss_mb  # benchmarks/_memory.py

TARGET_S = 10.0
TARGET_GB = 4.0


def machine_info() -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f"; memory {kb / 2 ** 20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = os.getloadavg()
    return [f"python {platform.python_version()} on {platform.platform()}",
            f"processor: {platform.processor() or platform.machine()}; cores: {os.cpu_count()} (usable: {usable}){mem}",
            f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}",
            (f"numpy {np.__version__}; threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
             f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="countries (default 200)")
    ap.add_argument("--sectors", type=int, default=100, help="sectors (default 100)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second solve")
    args = ap.parse_args(argv)
    for line in machine_info():
        print(line)
    n, J = args.n, args.sectors
    print(f"\nworld: {n} countries × {J} sectors (synthetic_io_world, seed {args.seed}); "
          f"unknowns {n + 2 * n * J:,}; bilateral arrays {n * n * J:,} cells ({n * n * J * 8 / 2 ** 20:.0f} MiB each)")

    t = time.perf_counter()
    world = synthetic_io_world(n, J, seed=args.seed)
    t_build = time.perf_counter() - t
    print(f"build world:        {t_build:7.2f} s   (peak RSS so far {peak_rss_mb() / 1024:.2f} GB)")

    t = time.perf_counter()
    model = CPModel(world, deficits="zero")
    t_model = time.perf_counter() - t
    rd = model.reference.diagnostics
    print(f"build CPModel:      {t_model:7.2f} s   (calibration + baseline solve: {rd.iterations} Newton steps, "
          f"max|F| {rd.residual:.1e})")

    t1 = np.asarray(world.extras["tariff_counterfactual"].values, float)
    policy = Policy(world=world, tariffs=t1)
    t = time.perf_counter()
    outcome = model.solve(policy, scenario=f"{world.iso3[0]} +10 points on all imports")
    t_solve = time.perf_counter() - t
    d = outcome.diagnostics
    print(f"counterfactual:     {t_solve:7.2f} s   (CPModel.solve: {d.iterations} Newton steps, "
          f"{d.function_evaluations} residual evaluations, max|F| {d.residual:.1e} (relative), "
          f"converged {d.converged}, dropped-equation residual {d.dropped_equation_residual:.1e})")
    t = time.perf_counter()
    sol = model.equilibrium(t1)
    t_eq = time.perf_counter() - t
    print(f"  of which the equilibrium alone (re-timed): {t_eq:.2f} s, {sol.diagnostics.iterations} Newton steps")
    rss = peak_rss_mb() / 1024

    traced = None
    if not args.no_tracemalloc:
        tracemalloc.start()
        model.solve(policy)
        traced = tracemalloc.get_traced_memory()[1] / 2 ** 30
        tracemalloc.stop()
    c = outcome.countries.iloc[0]
    print(f"\n{world.iso3[0]}: real income {c['real_income']:+.3f}%, welfare (decomposition) {c['welfare']:+.3f}%, "
          f"imports/GDP {c['imports_gdp']:+.2f}%; world welfare {outcome.world['welfare']:+.4f}%")
    print(f"\npeak memory: RSS {rss:.2f} GB (whole process: world, model, one solve)"
          + (f"; tracemalloc peak during a second solve {traced:.2f} GB" if traced is not None else ""))
    ok_t, ok_m = t_solve <= TARGET_S, rss <= TARGET_GB
    print(f"target solve ≤ {TARGET_S:.0f} s: {t_solve:.2f} s -> {'PASS' if ok_t else 'FAIL'}")
    print(f"target peak memory ≤ {TARGET_GB:.0f} GB: {rss:.2f} GB -> {'PASS' if ok_m else 'FAIL'}")
    print(f"(whole run: build {t_build:.2f} s + model {t_model:.2f} s + counterfactual {t_solve:.2f} s = "
          f"{t_build + t_model + t_solve:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
