"""Benchmark: gegravity's Canada–Japan trade agreement against the same experiment in tradewar.

gegravity (Herman 2021, USITC; PyPI ``gegravity==0.3``, in the ``bench`` extra:
``pip install -e '.[bench]'``) and tradewar run side by side in this process on gegravity's own
sample data (``gegravity_sample``: the CSV is gegravity's ``examples/sample_data_set.dlm``) with
gegravity's example experiment: ``pta`` set to 1 between CAN and JPN, σ = 5, DEU the reference
importer, the PPML cost coefficients of gegravity's example. Prints both sets of real GDP changes,
their largest difference, and the time of each (build the model, solve the baseline, simulate)
with the ratio. ``python benchmarks/bench_gegravity.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd

SCENARIO = "gegravity/can_jpn_pta"


def run_gegravity(data: pd.DataFrame, coefficients: dict[str, float]):
    """gegravity's OneSectorGE on its sample, as its example does; returns the country results."""
    import gegravity as ge

    data = data.assign(constant=1)        # the example's constant (cancels out of every result)
    baseline = ge.BaselineData(data, imp_var_name="importer", exp_var_name="exporter", year_var_name="year",
                               trade_var_name="trade", expend_var_name="E", output_var_name="Y")
    ests = pd.DataFrame([(k, v, 0.0) for k, v in coefficients.items()] + [("constant", 16.32434, 0.0)],
                        columns=["var", "beta", "stderr"])
    costs = ge.CostCoeffs(estimates=ests, identifier_col="var", coeff_col="beta", stderr_col="stderr")
    model = ge.OneSectorGE(baseline=baseline, cost_coeff_values=costs, cost_variables=[*coefficients, "constant"],
                           year="2006", reference_importer="DEU", sigma=5)
    with contextlib.redirect_stdout(io.StringIO()):          # gegravity prints its solver messages
        model.build_baseline(omr_rescale=1)
        experiment = model.baseline_data.copy()
        can_jpn = (experiment["importer"] == "CAN") & (experiment["exporter"] == "JPN")
        jpn_can = (experiment["importer"] == "JPN") & (experiment["exporter"] == "CAN")
        experiment.loc[can_jpn | jpn_can, "pta"] = 1
        model.define_experiment(experiment)
        model.simulate()
    return model.country_results


def run_tradewar(scenario, world):
    from tradewar.models.base import build_model
    from tradewar.policy import resolve

    model = build_model(scenario.model.name, world, scenario.model.parameters(), scenario.source)
    return model.solve(resolve(scenario, world, model), scenario.name).countries


def timed(fn, repeat: int):
    best, result = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return result, best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5, help="runs of each; the best time is reported")
    args = ap.parse_args()
    try:
        import gegravity
    except ImportError:
        raise SystemExit("gegravity is not installed: pip install -e '.[bench]' (gegravity==0.3)") from None

    from tradewar.data import data_dir, load_dataset
    from tradewar.run import load_scenario

    scenario = load_scenario(SCENARIO)
    coefficients = dict(scenario.model.parameters()["cost_coefficients"])
    world = load_dataset("gegravity_sample")
    data = pd.read_csv(data_dir() / "gegravity_sample" / "gravity_sample_2006.csv")

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; gegravity {getattr(gegravity, '__version__', '0.3')}, "
          f"pandas {pd.__version__}, numpy {np.__version__}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)       # gegravity's pandas idioms
        theirs, t_geg = timed(lambda: run_gegravity(data, coefficients), args.repeat)
    ours, t_tw = timed(lambda: run_tradewar(scenario, world), args.repeat)
    ppml = scenario.model_copy(update={"model": scenario.model.model_copy(update={"cost_coefficients": "ppml"})})
    ours_ppml, t_ppml = timed(lambda: run_tradewar(ppml, world), args.repeat)

    table = pd.DataFrame({"gegravity": theirs["GDP change (percent)"], "tradewar": ours["real_gdp"]})
    table["difference"] = table["tradewar"] - table["gegravity"]
    table = table.sort_values("gegravity", ascending=False)
    print("\nreal GDP change (percent), CAN–JPN agreement (pta = 1), σ = 5, reference importer DEU")
    print(table.to_string(float_format=lambda v: f"{v:+.6f}"))
    also = {"factory gate price change (percent)": "factory_gate_price", "imr change (percent)": "prices",
            "foreign exports change (percent)": "foreign_exports", "foreign imports change (percent)": "foreign_imports"}
    print(f"\nmax |difference|, real GDP: {table['difference'].abs().max():.2e} percentage points")
    for col, ours_col in also.items():
        diff = (ours[ours_col] - theirs[col].reindex(ours.index)).abs().max()
        print(f"max |difference|, {col}: {diff:.2e}")
    print(f"Canada: gegravity {table.loc['CAN', 'gegravity']:+.3f}%, tradewar {table.loc['CAN', 'tradewar']:+.3f}% "
          f"(published: +0.418%)")
    print(f"\ntime (best of {args.repeat}; build, baseline, experiment): gegravity {1000 * t_geg:.1f} ms, "
          f"tradewar {1000 * t_tw:.1f} ms, ratio {t_geg / t_tw:.1f}×")
    print(f"tradewar estimating the cost coefficients itself (PPML, exporter and importer fixed effects): "
          f"{1000 * t_ppml:.1f} ms, Canada {ours_ppml.loc['CAN', 'real_gdp']:+.3f}%, max |difference| from "
          f"gegravity {(ours_ppml['real_gdp'] - theirs['GDP change (percent)'].reindex(ours.index)).abs().max():.1e}")
    print("differences are gegravity's solver tolerance (scipy.optimize.root 'hybr', 1e-8); tradewar solves to 1e-12")


if __name__ == "__main__":
    main()
