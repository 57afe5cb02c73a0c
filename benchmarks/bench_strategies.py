"""Benchmark: the strategy layer on Ossa (2014), 7 regions × 33 industries.

Run as ``python benchmarks/bench_strategies.py``. Prints the machine, then the wall time, the
count of equilibrium solves and gradient evaluations (gradients through the equilibrium by
implicit differentiation with the analytic Jacobian; no finite differences) of

(a) one optimal-tariff problem: the USA's 198 discriminatory tariffs, λ = 1, from the
    factual tariffs (median of ``--repeat`` runs);
(b) the same from the USA's MFN optimal tariffs (the paper's start), MFN problem included;
(c) one Nash equilibrium of all 7 regions (7 × 6 × 33 = 1,386 tariffs), λ = 1, simultaneous
    best responses from the factual tariffs until no tariff moves by more than 1e-6, with the
    unilateral-deviation check; progress is printed per round (round, max tariff change,
    mean Ĝ). Target: ≤ 60 s;
(d) the whole of Ossa's Tables 3, 4 and 5 (panels a and b) as ``tradewar replicate`` computes
    them: 14 optimal-tariff problems (7 regions × 2 weights, each from its MFN optimum), 2 Nash
    wars (Table 4) and 6 cooperative problems (3 starting points × 2 weights, each Nash start
    with its own war), with the cells reproduced at printed precision and the total counts of
    equilibrium solves and gradient evaluations (summed from the strategies' notes). Target:
    ≤ 300 s (``--no-tables`` skips it).

Timings are wall-clock on a possibly shared machine (the load average is printed). Nothing
here asserts; the table says pass/fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import scipy

from tradewar.data import load_dataset
from tradewar.models.ossa2014_model import OssaModel
from tradewar.strategy import nash_tariffs, optimal_tariffs

TARGET_NASH_S = 60.0


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
            f"scipy {scipy.__version__}, {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-nash", action="store_true", help="skip the Nash equilibrium")
    parser.add_argument("--no-tables", action="store_true", help="skip the Tables 3-5 run")
    args = parser.parse_args()
    print(machine())
    world = load_dataset("ossa2014")
    model = OssaModel(world)
    rows = []

    times, last = [], None
    for _ in range(args.repeat):
        start = time.perf_counter()
        last = optimal_tariffs(model, "USA")
        times.append(time.perf_counter() - start)
    j = last.index
    print(f"(a) USA optimal tariffs from factual: {statistics.median(times):.3f} s (median of {args.repeat}); "
          f"{last.counts.equilibrium_solves} equilibrium solves, {last.counts.gradient_evaluations} gradient "
          f"evaluations; Ĝ_USA {100 * (last.welfare[j] - 1):+.4f}% (Table 3a: +2.3); "
          f"converged {last.converged} ({last.message})")
    rows.append(("optimal tariffs, USA (198), from factual", statistics.median(times), last.counts, None))

    start = time.perf_counter()
    mfn = optimal_tariffs(model, "USA", restriction="mfn")
    warm = optimal_tariffs(model, "USA", start=mfn.tariffs)
    seconds = time.perf_counter() - start
    counts = mfn.counts.add(warm.counts)
    print(f"(b) USA MFN optimum, then discriminatory from it: {seconds:.3f} s; {counts.equilibrium_solves} "
          f"equilibrium solves, {counts.gradient_evaluations} gradient evaluations; "
          f"max |difference| to (a) {np.abs(warm.tariffs - last.tariffs).max():.1e}")
    rows.append(("optimal tariffs, USA, from MFN optimum", seconds, counts, None))

    if not args.no_nash:
        def progress(r):
            print(f"    round {r.round:2d}: max tariff change {r.max_change:.2e}, mean Ĝ "
                  f"{100 * (r.welfare.mean() - 1):+.4f}%, {r.seconds:.1f} s", flush=True)

        print("(c) Nash equilibrium, 7 regions × 198 tariffs, from factual:")
        start = time.perf_counter()
        ne = nash_tariffs(model, progress=progress)
        seconds = time.perf_counter() - start
        print(f"    {seconds:.2f} s, {len(ne.rounds)} rounds, converged {ne.converged}; "
              f"{ne.counts.equilibrium_solves} equilibrium solves, {ne.counts.gradient_evaluations} gradient "
              f"evaluations, {ne.counts.optimisations} best responses; max gain from a unilateral deviation "
              f"{ne.max_deviation_gain:.1e}; mean Ĝ {100 * (ne.welfare.mean() - 1):+.3f}% (Table 4a: −2.4)")
        rows.append(("Nash equilibrium, 7 × 198 tariffs", seconds, ne.counts, TARGET_NASH_S))

    if not args.no_tables:
        rows.append(tables_3_to_5())

    print()
    print(f"{'benchmark':45s} {'seconds':>9s} {'eq. solves':>11s} {'gradients':>10s}  target")
    for name, seconds, counts, target in rows:
        verdict = "" if target is None else f"≤ {target:g} s: {'pass' if seconds <= target else 'FAIL'}"
        print(f"{name:45s} {seconds:9.3f} {counts.equilibrium_solves:11d} {counts.gradient_evaluations:10d}  {verdict}")


def tables_3_to_5():
    """(d): replicate Ossa Tables 3-5 as the CLI does, with progress of the long strategies."""
    import re

    from tradewar.replicate import replicate
    from tradewar.strategy import Counts

    def progress(label, r):
        print(f"    {label} round {r.round}: max tariff change {r.max_change:.2e}, mean Ĝ "
              f"{100 * (r.welfare.mean() - 1):+.4f}%, {r.seconds:.1f} s", flush=True)

    print("(d) Ossa Tables 3, 4 and 5 (panels a and b):")
    total = Counts()
    start = time.perf_counter()
    for table in (3, 4, 5):
        t0 = time.perf_counter()
        cells, info = replicate("ossa2014", table, progress=progress)
        counts = Counts()
        for note in info["notes"]:
            m = re.search(r"(\d+) equilibrium solves, (\d+) gradient evaluations, (\d+) optimisation", note)
            if m:
                counts.add(Counts(int(m[1]), int(m[2]), int(m[3])))
        total.add(counts)
        compared = [c for c in cells if c.matches is not None]
        good = sum(bool(c.matches) for c in compared)
        print(f"    Table {table}: {time.perf_counter() - t0:.1f} s, {good} of {len(compared)} cells at printed "
              f"precision; {counts.equilibrium_solves} equilibrium solves, {counts.gradient_evaluations} gradient "
              f"evaluations, {counts.optimisations} optimisation problems", flush=True)
    seconds = time.perf_counter() - start
    return ("Ossa Tables 3-5 (panels a and b)", seconds, total, 300.0)


if __name__ == "__main__":
    main()
