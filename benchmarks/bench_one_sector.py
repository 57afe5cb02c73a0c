"""Benchmark: the one-sector model of Ignatenko et al. (2025) on the 194-country world.

Run as ``python benchmarks/bench_one_sector.py`` (``make bench``). Prints the machine, then

(a) one solve of scenario B1 (median of repeats) with its Newton iterations;
(b) a reference solve of the same 3N equations by Levenberg-Marquardt with a finite-difference
    Jacobian (``scipy.optimize.least_squares(method="lm")``, MINPACK; the method of the
    authors' MATLAB ``fsolve``: unknowns in levels, |x|, from x = 1), its time over ours and
    the largest difference between the two solutions' welfare;
(c) the solving time of the six one-sector scenarios of Tables 1–3 (B1, B2, B3, R1, R2, R3),
    and, for information, ``tradewar.replicate`` of the whole tables when it is available;
(d) for information, one solve of the input-output variant (A.4: 4N unknowns, Newton with the
    dense analytic Jacobian) with B1's tariffs.

Timings are wall-clock on a possibly shared machine: the load average is printed, and a busy
machine (other processes competing for the cores that OpenBLAS threads use) can slow the
dense linear algebra by an order of magnitude. Nothing here asserts; the table says pass/fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.optimize import least_squares

from tradewar.data import load_dataset
from tradewar.models import one_sector as m

TARGET_SOLVE_MS = 7.0
TARGET_RATIO = 100.0
TARGET_TABLES_S = 0.1
TARGET_WELFARE_DIFF = 1e-8


# ---------------------------------------------------------------------------- machine
def _blas_of(module) -> str:
    try:
        cfg = module.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        extra = blas.get("openblas configuration", "")
        return f"{blas.get('name', '?')} {blas.get('version', '')} {extra}".strip()
    except Exception as exc:  # noqa: BLE001 - informational only
        return f"unknown ({type(exc).__name__})"


def machine_info() -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    lines = [
        f"python {platform.python_version()} on {platform.platform()}",
        f"cores: {os.cpu_count()} (usable by this process: {usable})",
        f"numpy {np.__version__}, BLAS: {_blas_of(np)}",
        f"scipy {scipy.__version__}, BLAS: {_blas_of(scipy)}",
    ]
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            lines.append(f"threadpool: {pool.get('internal_api')} {pool.get('version')} "
                         f"threads={pool.get('num_threads')} ({os.path.basename(pool.get('filepath', ''))})")
    except ImportError:
        lines.append("threadpoolctl not installed (thread counts not shown)")
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
           if k in os.environ}
    lines.append(f"thread environment: {env or 'not set (library defaults)'}")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()
        lines.append(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return lines


def cpu_busy(window: float = 0.5) -> float | None:
    """Fraction of all cores used by other processes during ``window`` seconds (we sleep)."""
    def snapshot():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + (values[4] if len(values) > 4 else 0)  # total, idle+iowait
    try:
        total0, idle0 = snapshot()
        time.sleep(window)
        total1, idle1 = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_until_quiet(max_wait: float, threshold: float = 0.2) -> float | None:
    """Poll until other processes use less than ``threshold`` of the cores (≤ ``max_wait`` s)."""
    start = time.perf_counter()
    busy = cpu_busy()
    while busy is not None and busy > threshold and time.perf_counter() - start < max_wait:
        busy = cpu_busy(1.0)
    return busy


def busy_line(busy: float | None = None) -> str:
    busy = cpu_busy() if busy is None else busy
    if busy is None:
        return "CPU use by other processes: unknown (no /proc/stat)"
    warn = ("  -- BUSY: OpenBLAS threads compete for the cores, timings may be inflated many times"
            if busy > 0.2 else "")
    return f"CPU use by other processes: {100 * busy:.0f}% of all cores{warn}"


# ---------------------------------------------------------------------------- scenarios
def table_scenarios(world, base, base_lump_sum) -> dict[str, tuple[m.Baseline, np.ndarray]]:
    """The six one-sector scenarios of Tables 1–3 (spec A.3): name -> (baseline, tariffs)."""
    n, us = world.n_countries, world.index_of("USA")
    ustr = world.country_column("model_tariff").to_numpy(dtype=float)
    t_ret = m.optimal_retaliation(base, "USA")

    def us_tariffs(rate) -> np.ndarray:
        t = np.zeros((n, n))
        t[:, us] = rate
        t[us, us] = 0.0
        return t

    def retaliate(t: np.ndarray, rate) -> np.ndarray:
        t = t.copy()
        t[us, :] = rate
        t[us, us] = 0.0
        return t

    b1 = us_tariffs(ustr)
    return {
        "B1": (base, b1),
        "B2": (base_lump_sum, b1),
        "B3": (base, us_tariffs(m.optimal_tariff(base, "USA"))),
        "R1": (base, retaliate(b1, b1[:, us])),
        "R2": (base, retaliate(b1, t_ret)),
        "R3": (base, retaliate(us_tariffs(m.optimal_tariff(base, "USA", "income")), t_ret)),
    }


# ---------------------------------------------------------------------------- timings
def time_solve(base, t, repeats: int) -> tuple[float, m.Solution, list[float]]:
    m.solve(base, t)  # warm-up (first-call costs, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sol = m.solve(base, t)
        times.append(time.perf_counter() - start)
    return statistics.median(times), sol, times


def reference_lm(base, t, repeats: int) -> tuple[float, np.ndarray, object]:
    """The same residual equations solved by MINPACK Levenberg-Marquardt, finite differences."""
    system = m.OneSectorSystem(base, t)
    n = len(base.E)

    calls = [0]

    def residual_levels(v):  # unknowns (ŵ, Ê, L̂) in levels, as |x| in the authors' code
        calls[0] += 1
        with np.errstate(all="ignore"):
            return system.residual(np.log(np.abs(v)))

    times, res = [], None
    for _ in range(repeats):
        calls[0] = 0
        start = time.perf_counter()
        res = least_squares(residual_levels, np.ones(3 * n), method="lm", xtol=1e-10, ftol=1e-10,
                            gtol=1e-10)
        times.append(time.perf_counter() - start)
    x = np.log(np.abs(res.x))
    res.residual_calls = calls[0]  # nfev of "lm" counts iterations, not the finite differences
    return statistics.median(times), m.welfare(base, system.state(x)), res


def time_tables(scenarios, repeats: int) -> tuple[float, dict[str, tuple[float, m.Solution]]]:
    for base, t in scenarios.values():  # warm-up
        m.solve(base, t)
    totals, per = [], {k: [] for k in scenarios}
    solutions = {}
    for _ in range(repeats):
        total = 0.0
        for name, (base, t) in scenarios.items():
            start = time.perf_counter()
            solutions[name] = m.solve(base, t)
            elapsed = time.perf_counter() - start
            per[name].append(elapsed)
            total += elapsed
        totals.append(total)
    return statistics.median(totals), {k: (statistics.median(v), solutions[k]) for k, v in per.items()}


def time_replicate() -> list[tuple[str, float]]:
    try:
        from tradewar.replicate import replicate
    except ImportError:
        return []
    rows = []
    for table in (1, 2, 3):
        try:
            replicate("ignatenko2025", table)  # warm-up: data, calibration, caches
            start = time.perf_counter()
            replicate("ignatenko2025", table)
            rows.append((f"replicate ignatenko2025 table {table} (warm)", time.perf_counter() - start))
        except Exception as exc:  # noqa: BLE001 - informational only
            rows.append((f"replicate ignatenko2025 table {table}: {type(exc).__name__}: {exc}"[:90], float("nan")))
    return rows


# ---------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="repeats of the B1 solve (≥ 20)")
    parser.add_argument("--table-repeats", type=int, default=10, help="repeats of the six scenarios")
    parser.add_argument("--reference-repeats", type=int, default=3, help="repeats of the LM reference")
    parser.add_argument("--no-replicate", action="store_true", help="skip timing tradewar.replicate")
    parser.add_argument("--wait", type=float, default=120.0,
                        help="wait up to this many seconds for other processes to leave the CPU")
    args = parser.parse_args(argv)

    print("machine")
    for line in machine_info():
        print("  " + line)

    world = load_dataset("ignatenko2025")
    base = m.calibrate(world)
    base_ls = m.calibrate(world, m.OneSectorParams(revenue="lump_sum"))
    us = world.index_of("USA")
    scenarios = table_scenarios(world, base, base_ls)
    print(f"\nworld: {world.name}, N = {world.n_countries} countries, {3 * world.n_countries} unknowns")
    if args.wait > 0:
        print("before the timings: " + busy_line(wait_until_quiet(args.wait)))

    # (a)
    b1_base, b1_t = scenarios["B1"]
    ours, sol, times = time_solve(b1_base, b1_t, max(args.repeats, 20))
    d = sol.diagnostics
    print(f"\n(a) B1 solve: median {1e3 * ours:.2f} ms over {len(times)} repeats "
          f"(min {1e3 * min(times):.2f}, max {1e3 * max(times):.2f}); {d.iterations} iterations, "
          f"{d.jacobian_evaluations} factorisation(s), {d.function_evaluations} residuals, "
          f"max|F| = {d.residual:.1e}; USA welfare {100 * (sol.welfare[us] - 1):+.4f}%")

    # (b)
    ref, ref_welfare, res = reference_lm(b1_base, b1_t, max(args.reference_repeats, 1))
    ratio = ref / ours
    wdiff = float(np.max(np.abs(ref_welfare - sol.welfare)))
    print(f"(b) reference LM (MINPACK, finite-difference Jacobian): median {ref:.3f} s over "
          f"{max(args.reference_repeats, 1)} run(s), status {res.status}, {res.residual_calls} residual "
          f"evaluations, "
          f"max|F| = {np.max(np.abs(res.fun)):.1e}; USA welfare {100 * (ref_welfare[us] - 1):+.4f}%")

    # (c)
    total, per = time_tables(scenarios, max(args.table_repeats, 1))
    print(f"(c) six scenarios of Tables 1–3: median total {1e3 * total:.1f} ms over "
          f"{max(args.table_repeats, 1)} passes")
    print(f"    {'scenario':<9}{'ms':>8}{'iter':>6}{'fact':>6}{'USA welfare %':>15}")
    for name, (secs, s) in per.items():
        print(f"    {name:<9}{1e3 * secs:>8.2f}{s.diagnostics.iterations:>6}"
              f"{s.diagnostics.jacobian_evaluations:>6}{100 * (s.welfare[us] - 1):>+15.4f}")

    # (d) the input-output variant (A.4, 4N unknowns, dense analytic Jacobian): B1's tariffs
    from tradewar.models import one_sector_io as io
    from tradewar.models.one_sector_model import OneSectorModel

    base_io = OneSectorModel(world, variant="input_output", beta=0.49).baseline
    io_times = []
    for _ in range(max(args.table_repeats, 1)):
        start = time.perf_counter()
        sol_io = io.solve(base_io, b1_t)
        io_times.append(time.perf_counter() - start)
    io_secs = statistics.median(io_times)
    print(f"(d) input-output variant (A.4), B1 tariffs: median {1e3 * io_secs:.1f} ms over {len(io_times)} "
          f"repeats; {sol_io.diagnostics.iterations} iterations, {4 * world.n_countries} unknowns; USA welfare "
          f"{100 * (sol_io.welfare[us] - 1):+.4f}%")

    rep = [] if args.no_replicate else time_replicate()
    print("\nafter the timings: " + busy_line())

    # summary
    rows = [
        ("(a) one B1 solve, 194 countries", f"{1e3 * ours:.2f} ms", f"<= {TARGET_SOLVE_MS:g} ms",
         1e3 * ours <= TARGET_SOLVE_MS),
        ("(b) LM reference / ours", f"{ratio:.0f}x", f">= {TARGET_RATIO:g}x", ratio >= TARGET_RATIO),
        ("(b) max |welfare ours - reference|", f"{wdiff:.1e}", f"<= {TARGET_WELFARE_DIFF:.0e}",
         wdiff <= TARGET_WELFARE_DIFF),
        ("(c) six scenarios of Tables 1-3", f"{total:.4f} s", f"<= {TARGET_TABLES_S:g} s",
         total <= TARGET_TABLES_S),
    ]
    rows.append(("(d) one IO-variant solve (A.4)", f"{1e3 * io_secs:.1f} ms", "(info)", None))
    rows += [(label, f"{secs:.3f} s" if np.isfinite(secs) else "failed", "(info)", None) for label, secs in rep]
    w1 = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{w1}}  {'value':>12}  {'target':>12}  result")
    print("-" * (w1 + 36))
    for label, value, target, ok in rows:
        result = "" if ok is None else ("pass" if ok else "FAIL")
        print(f"{label:<{w1}}  {value:>12}  {target:>12}  {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
