"""Caliendo & Parro (2015): the dataset, the model of specs/cp2015.md §C and Table 2.

Every cell of Table 2 (zero deficits, and deficits fixed in levels) is computed by the engine
from the library scenarios and equals the target at its printed precision (2 decimals; the
cells that carry more digits are checked at those too). The analytic Jacobian-vector
products and the preconditioner blocks are exact; unchanged tariffs give the baseline back; the
dropped equation holds; and with no input-output links, one sector and zero deficits the model
is the Eaton–Kortum model of the one-sector code on the same data.
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tradewar import Scenario, run
from tradewar.errors import ConvergenceError, ParameterError, ScenarioError
from tradewar.models import cp2015 as eq
from tradewar.models.cp2015_model import CPModel
from tradewar.models.one_sector_model import OneSectorModel
from tradewar.policy import Policy, resolve
from tradewar.replicate import replicate, targets_dir
from tradewar.world import World


@pytest.fixture(scope="module")
def world(require_dataset) -> World:
    return require_dataset("cp2015")


@pytest.fixture(scope="module")
def model(world) -> CPModel:
    return CPModel(world)


def _target() -> dict:
    tdir = targets_dir()
    assert tdir is not None, "published targets not found: set TRADEWAR_TARGETS or keep ../shared beside the repo"
    return json.loads((tdir / "cp2015_table2.json").read_text())


# ---------------------------------------------------------------------------- the data
def test_dataset_is_loaded_as_a_world(world):
    assert world.n_countries == 31 and len(world.sectors) == 40 and world.units == "USD"
    assert world.region_codes == ("ROW",) and world.groups["NAFTA"] == ("CAN", "MEX", "USA")
    assert world.sector_data.loc["Machinery n.e.c", "theta"] == 1.45
    assert world.sector_data.loc["Petroleum", "theta"] == 64.85
    # SOURCE.md sanity checks
    assert world.flows.sum() == pytest.approx(4.814e13, rel=1e-3)
    assert world.countries.loc["USA", "gdp"] == pytest.approx(6.55e12, rel=1e-2)
    ic = world.extras["intermediate_consumption"]
    assert ic.dims == ("country", "input", "sector") and float(ic.sum()) == pytest.approx(2.323e13, rel=1e-3)
    # deficits = imports − exports of the flows
    np.testing.assert_allclose(world.countries["deficit"], world.trade_deficit, rtol=1e-9, atol=1.0)
    cf = world.extras["tariff_counterfactual"]
    changed = np.argwhere(cf.values != world.tariffs)
    nafta = {world.index_of(c) for c in ("CAN", "MEX", "USA")}
    assert len(changed) > 0 and all(i in nafta and j in nafta and i != j for i, j, _ in changed)


def test_array_rate_sets_bilateral_sector_tariffs(world, model):
    s = Scenario.from_dict({"name": "x", "dataset": "cp2015", "model": {"name": "cp2015"},
                            "tariffs": [{"importer": "NAFTA", "exporters": "NAFTA",
                                         "rate": {"array": "tariff_counterfactual"}}]})
    p = resolve(s, world, model)
    np.testing.assert_array_equal(p.tariffs, world.extras["tariff_counterfactual"].values)
    # only some sectors, and a floor
    s = Scenario.from_dict({"name": "x", "dataset": "cp2015", "model": {"name": "cp2015"},
                            "tariffs": [{"importer": "MEX", "exporters": "USA", "sectors": ["Food"], "floor": 0.05,
                                         "rate": {"array": "tariff_counterfactual"}}]})
    p = resolve(s, world, model)
    u, m, f = world.index_of("USA"), world.index_of("MEX"), world.sectors.index("Food")
    assert p.tariffs[u, m, f] == max(0.05, float(world.extras["tariff_counterfactual"].values[u, m, f]))
    assert (p.tariffs != world.tariffs).sum() == 1


def test_unknown_array_is_a_scenario_error(world, model):
    s = Scenario.from_dict({"name": "x", "dataset": "cp2015", "model": {"name": "cp2015"},
                            "tariffs": [{"importer": "USA", "rate": {"array": "no_such"}}]}, source="s.toml")
    with pytest.raises(ScenarioError, match=r"tariffs\[0\].rate.array.*no bilateral array 'no_such'.*tariff_counterfactual"):
        resolve(s, world, model)
    with pytest.raises(ScenarioError, match="rate"):
        Scenario.from_dict({"name": "x", "dataset": "cp2015",
                            "tariffs": [{"importer": "USA", "rate": {"array": "a", "column": "b"}}]})


def test_bad_parameters_are_reported(world):
    with pytest.raises(ParameterError, match="model.deficits"):
        CPModel(world, deficits="balanced")
    with pytest.raises(ParameterError, match="model.theta"):
        CPModel(world, theta="sigma")
    with pytest.raises(ParameterError, match="model.bogus"):
        CPModel(world, bogus=1)


# ---------------------------------------------------------------------------- Table 2
@pytest.fixture(scope="module")
def table2():
    cells, info = replicate("cp2015", 2)
    return {(c.scenario, c.row, c.column): c for c in cells}, info


def _cells():
    for cell in _target()["cells"]:
        yield pytest.param(cell, id=f"{cell['scenario']}-{cell['row']}-{cell['column']}")


@pytest.mark.parametrize("published", list(_cells()))
def test_table2_cell_at_printed_precision(table2, published):
    cell = table2[0][(published["scenario"], published["row"], published["column"])]
    d = published["decimals"]
    assert abs(cell.value - published["value"]) <= 0.5 * 10 ** -d + 1e-12, (
        f"computed {cell.value:.6f}, published {published['value']:.{d}f}")
    if "value_more_digits" in published:   # the README's 3–4 significant digits
        more = -Decimal(str(published["value_more_digits"])).as_tuple().exponent
        assert abs(cell.value - published["value_more_digits"]) <= 0.5 * 10 ** -more + 1e-12


def test_table2_every_target_cell_is_computed(table2):
    assert {(c["scenario"], c["row"], c["column"]) for c in _target()["cells"]} == set(table2[0])


def test_nafta_outcome_is_consistent(world):
    out = run("cp2015/nafta")
    c = out.countries
    np.testing.assert_allclose(c["welfare"], c["terms_of_trade"] + c["volume_of_trade"], atol=1e-12)
    # the per-sector decomposition sums to the country totals
    np.testing.assert_allclose(out.extras["terms_of_trade_by_sector"].sum("sector"), c["terms_of_trade"], atol=1e-10)
    np.testing.assert_allclose(out.extras["volume_of_trade_by_sector"].sum("sector"), c["volume_of_trade"], atol=1e-10)
    assert out.extras["sector_price_change"].dims == ("country", "sector")
    # bilateral flows and balances; Mexico's imports from the US rise
    assert out.bilateral["trade_change"].sel(exporter="USA", importer="MEX") > 0
    bal = out.balance("MEX", "USA")
    assert bal["change"] == pytest.approx(bal["counterfactual"] - bal["baseline"])
    # non-NAFTA countries face no tariff change: tiny effects
    assert c.drop(index=["CAN", "MEX", "USA"])["welfare"].abs().max() < 0.05
    assert out.diagnostics.converged and abs(out.diagnostics.dropped_equation_residual) < 1e-8


def test_unchanged_tariffs_give_the_baseline(model, world):
    out = model.solve(Policy.baseline(world))
    cols = ["welfare", "terms_of_trade", "volume_of_trade", "real_wage", "prices", "wage"]
    np.testing.assert_allclose(out.countries[cols].to_numpy(), 0.0, atol=1e-8)


def test_deficits_must_sum_to_zero_for_walras(world, model):
    b = model.baseline
    with pytest.raises(ConvergenceError):
        eq.solve(b, b.t, b.D + 1e-3 * b.wL.sum() / b.n)


# ---------------------------------------------------------------------------- the equations
@pytest.fixture(scope="module")
def small():
    """A random 4-region × 3-sector world with input-output links and tariffs."""
    rng = np.random.default_rng(3)
    n, J = 4, 3
    V = rng.uniform(0.5, 5.0, (n, n, J)) + 20 * np.eye(n)[:, :, None]
    t = rng.uniform(0.0, 0.2, (n, n, J)) * (1 - np.eye(n))[:, :, None]
    IC = rng.uniform(0.5, 3.0, (n, J, J))
    VA = rng.uniform(5.0, 15.0, (n, J))
    FC = rng.uniform(1.0, 10.0, (n, J))
    return eq.calibrate(V, t, rng.uniform(2.0, 8.0, J), IC, VA, FC)


def test_jacobian_vector_products_are_exact(small):
    rng = np.random.default_rng(0)
    t1 = small.t * 1.5 + 0.05 * (1 - np.eye(small.n))[:, :, None]
    sy = eq.CPSystem(small, t1, np.zeros(small.n))
    z = sy.start() + 0.05 * rng.standard_normal(sy.size)
    v = rng.standard_normal(sy.size)
    h = 1e-6
    fd = (sy.residual(z + h * v) - sy.residual(z - h * v)) / (2 * h)
    np.testing.assert_allclose(sy.jvp(z, v), fd, atol=1e-7)
    # reverse mode: μᵀ (J v) = (Jᵀ μ)ᵀ v, by the full pullback and by the fast adjoint products
    mu = rng.standard_normal(sy.size)
    gz, gt = sy.residual_vjp(z, mu)
    assert gz @ v == pytest.approx(mu @ sy.jvp(z, v), rel=1e-12)
    np.testing.assert_allclose(sy._vjp_z(sy.linearization(z), mu), gz, atol=1e-12)
    dt = rng.standard_normal(t1.shape) * (1 - np.eye(small.n))[:, :, None]
    fd_t = (eq.CPSystem(small, t1 + h * dt, np.zeros(small.n)).residual(z)
            - eq.CPSystem(small, t1 - h * dt, np.zeros(small.n)).residual(z)) / (2 * h)
    assert (gt * dt).sum() == pytest.approx(mu @ fd_t, rel=1e-6)
    # the preconditioner blocks are the region-diagonal blocks of the Jacobian
    Jd = sy.jacobian(z)
    n, J = small.n, small.n_sectors
    for c in range(n):
        g = [c] + [n + c * J + k for k in range(J)] + [n + n * J + c * J + k for k in range(J)]
        np.testing.assert_allclose(sy.local_blocks(z)[c], Jd[np.ix_(g, g)], atol=1e-12)


def test_solution_satisfies_every_equation(small):
    t1 = small.t * 0.0
    sol = eq.solve(small, t1, np.zeros(small.n), tol=1e-12)
    sy = eq.CPSystem(small, t1, np.zeros(small.n))
    st = sol.state
    assert np.abs(sy.labour(st)).max() < 1e-10            # including the dropped equation
    # expenditure = intermediate + final demand; income = value added + revenue
    np.testing.assert_allclose(st.X, np.einsum("njk,nk->nj", small.gio, st.Y) + small.alpha * st.I[:, None],
                               rtol=1e-10)
    assert st.w @ small.wL == pytest.approx(small.wL.sum())


# ---------------------------------------------------------------------------- property: no input-output links
def _ek_pair(seed: int, n: int = 6):
    """The same balanced one-sector world, as data for the one-sector model and for CP with no
    input-output links (γ_nj = 1), final consumption = absorption and zero deficits."""
    rng = np.random.default_rng(seed)
    codes = ["USA", "CHN", "DEU", "JPN", "MEX", "CAN", "KOR", "BRA"][:n]
    S = rng.uniform(0.5, 8.0, (n, n))
    X = S + S.T                                          # symmetric: balanced trade
    np.fill_diagonal(X, rng.uniform(40.0, 120.0, n))
    sales = X.sum(axis=1)
    countries = pd.DataFrame({"name": codes, "gdp": sales}, index=pd.Index(codes, name="iso3"))
    one = World(name="ek", countries=countries, sectors=("all",), flows=X[:, :, None], units="units")
    cs = {"country": codes, "sector": ["all"]}
    extras = {
        "intermediate_consumption": xr.DataArray(np.zeros((n, 1, 1)), dims=("country", "input", "sector"),
                                                 coords={"country": codes, "input": ["all"], "sector": ["all"]}),
        "value_added": xr.DataArray(sales[:, None], dims=("country", "sector"), coords=cs),
        "final_consumption": xr.DataArray(X.sum(axis=0)[:, None], dims=("country", "sector"), coords=cs),
    }
    cp = World(name="ek-io", countries=countries.assign(deficit=0.0), sectors=("all",), flows=X[:, :, None],
               units="units", sector_data=pd.DataFrame({"theta": [4.0]}, index=["all"]), extras=extras)
    return one, cp


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_io_links_collapse_to_eaton_kortum(seed):
    one, cp = _ek_pair(seed)
    n = one.n_countries
    rng = np.random.default_rng(100 + seed)
    t = rng.uniform(0.0, 0.4, (n, n, 1)) * (1 - np.eye(n))[:, :, None]
    ek = OneSectorModel(one, variant="eaton_kortum_krugman", trade_elasticity=4.0, psi=0.0,
                        labour_supply_elasticity=0.0, revenue="lump_sum", nu=0.0)
    io = CPModel(cp, deficits="zero")
    a, b = ek.solve(Policy(one, t)), io.solve(Policy(cp, t))
    # Real outcomes do not depend on the numeraire (P̂ in one, Σ ŵ wL in the other).
    np.testing.assert_allclose(b.countries["real_income"], a.countries["welfare"], atol=1e-9)
    np.testing.assert_allclose(b.countries["real_wage"], a.countries["real_wage"], atol=1e-9)
    np.testing.assert_allclose(b.countries["employment"], a.countries["employment"], atol=1e-12)
    wa = a.countries["wage"].to_numpy() / 100 + 1
    wb = b.countries["wage"].to_numpy() / 100 + 1
    np.testing.assert_allclose(wb / wb[0], wa / wa[0], rtol=1e-10)            # relative wages
    sa = a.bilateral["trade_counterfactual"].values
    sb = b.bilateral["trade_counterfactual"].values
    np.testing.assert_allclose(sb / sb.sum(axis=0), sa / sa.sum(axis=0), rtol=1e-9)   # import shares
    # zero deficits stay zero in both
    for out, flows in ((a, sa), (b, sb)):
        assert np.abs(out.countries["deficit_counterfactual"]).max() < 1e-9 * flows.sum()


# ---------------------------------------------------------------------------- welfare interface (strategies)
def _small_model():
    rng = np.random.default_rng(5)
    codes = ["USA", "CHN", "MEX", "CAN"]
    n, J = len(codes), 3
    V = rng.uniform(0.5, 5.0, (n, n, J)) + 20 * np.eye(n)[:, :, None]
    t = rng.uniform(0.0, 0.2, (n, n, J)) * (1 - np.eye(n))[:, :, None]
    sectors = ["a", "b", "c"]
    cs = {"country": codes, "sector": sectors}
    extras = {
        "intermediate_consumption": xr.DataArray(rng.uniform(0.5, 3.0, (n, J, J)), dims=("country", "input", "sector"),
                                                 coords={"country": codes, "input": sectors, "sector": sectors}),
        "value_added": xr.DataArray(rng.uniform(5.0, 15.0, (n, J)), dims=("country", "sector"), coords=cs),
        "final_consumption": xr.DataArray(rng.uniform(1.0, 10.0, (n, J)), dims=("country", "sector"), coords=cs),
    }
    countries = pd.DataFrame({"name": codes, "gdp": 1.0}, index=pd.Index(codes, name="iso3"))
    world = World(name="small", countries=countries, sectors=tuple(sectors), flows=V, tariffs=t, units="units",
                  sector_data=pd.DataFrame({"theta": rng.uniform(2.0, 8.0, J)}, index=sectors), extras=extras)
    return CPModel(world, deficits="fixed")


def test_welfare_gradient_matches_finite_differences():
    from tradewar.strategy.base import supports_strategies

    model = _small_model()
    assert supports_strategies(model)
    t = model.baseline_tariffs + 0.03 * (1 - np.eye(4))[:, :, None]
    rng = np.random.default_rng(2)
    d = rng.standard_normal(t.shape) * (1 - np.eye(4))[:, :, None]
    weights = np.array([1.0, 0.5, 0.0, -0.3])
    G, g = model.government_welfare_vjp(t, weights)
    h = 1e-4                       # central differences: O(h²) error, well above the solver's tolerance
    fd = (weights @ model.government_welfare(t + h * d) - weights @ model.government_welfare(t - h * d)) / (2 * h)
    assert (g * d).sum() == pytest.approx(fd, rel=1e-6, abs=1e-9)
    # welfare is real income relative to the baseline: 1 at the baseline tariffs
    np.testing.assert_allclose(model.government_welfare(model.baseline_tariffs), 1.0, atol=1e-10)
    out = model.solve(Policy(model.world, t))
    np.testing.assert_allclose(out.countries["real_income"], 100 * (G - 1), atol=1e-8)


def test_optimal_tariff_satisfies_first_order_conditions():
    from tradewar.strategy.optimal import optimal_tariffs

    model = _small_model()
    lo, hi = 0.0, 10.0
    r = optimal_tariffs(model, "USA", restriction="mfn", bounds=(lo, hi))
    assert r.converged and r.welfare[0] >= model.government_welfare(model.baseline_tariffs)[0]
    _, g = model.government_welfare_gradient(r.tariffs, 0)
    grad, rate = g[1:, 0, :].sum(axis=0), r.tariffs[1:, 0, :].mean(axis=0)   # d Ĝ/d (MFN rate of a sector)
    kkt = np.where(rate >= hi, np.minimum(grad, 0.0), np.where(rate <= lo, np.maximum(grad, 0.0), grad))
    assert np.abs(kkt).max() < 1e-6


def test_us_optimal_uniform_tariff_in_the_nafta_world(model):
    from tradewar.strategy.optimal import optimal_tariffs

    us = model.world.index_of("USA")
    r = optimal_tariffs(model, "USA", restriction="uniform")
    assert r.converged and 0.05 < r.tariffs[0, us, 0] < 0.5
    _, g = model.government_welfare_gradient(r.tariffs, us)
    partners = [i for i in range(model.world.n_countries) if i != us]
    assert abs(g[partners, us, :].sum()) < 1e-6                    # interior optimum: dĜ/dt = 0
    assert r.welfare[us] > model.government_welfare(model.baseline_tariffs)[us]


def test_cli_replicate_cp2015_table2_json_uses_the_target_labels():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "tradewar.cli", "replicate", "cp2015", "--table", "2", "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    cells = json.loads(proc.stdout)
    assert [(c["scenario"], c["row"], c["column"]) for c in cells] == [
        (c["scenario"], c["row"], c["column"]) for c in _target()["cells"]]
    text = subprocess.run([sys.executable, "-m", "tradewar.cli", "replicate", "cp2015", "--table", "2"],
                          capture_output=True, text=True).stdout
    assert "24 of 24 cells reproduced" in text


def test_cooperative_equal_gains_on_the_cp_model():
    from tradewar.strategy.cooperative import cooperative_tariffs

    model = _small_model()
    r = cooperative_tariffs(model, ["USA", "CHN"], restriction="uniform", objective="equal_gains", bounds=(0.0, 2.0))
    assert r.converged
    G = model.government_welfare(r.tariffs)
    assert G[0] == pytest.approx(G[1], abs=1e-6)
    # a rebased model measures welfare from the new point
    re = model.rebased(r.tariffs)
    np.testing.assert_allclose(re.government_welfare(r.tariffs), 1.0, atol=1e-10)
