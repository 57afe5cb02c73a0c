"""Structural gravity (gegravity's OneSectorGE) in tradewar: the Canada–Japan agreement on
gegravity's sample data, the PPML cost coefficients, the resistance system and its errors.

Published figures are gegravity's (Herman 2021; ``examples/examples_OneSectorGE.py`` of gegravity
0.3 and its documented output): Canada's real GDP +0.418%, the CAN→JPN trade-cost change
+60.181650%, Germany's baseline outward resistance 0.050346, and the Stata ``ppmlhdfe``
coefficients and standard errors the example takes as given. Every number compared below is
computed by tradewar."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.errors import ScenarioError
from tradewar.models import structural_gravity as eq
from tradewar.models.base import build_model
from tradewar.policy import resolve
from tradewar.run import load_scenario, run
from tradewar.scenario import Scenario

LIBRARY = "gegravity/can_jpn_pta"
#: Stata ppmlhdfe trade lndist contiguity common_language pta international, absorb(exp imp)
STATA = {  # variable: (beta, robust standard error), as printed in gegravity's example
    "lndist": ("-0.3898623", "0.0729915"),
    "contiguity": ("0.891577", "0.1327354"),
    "common_language": ("0.0326249", "0.0840702"),
    "pta": ("0.4711383", "0.1076578"),
    "international": ("-3.412584", "0.2151235"),
}
STATA_CONSTANT = 16.32434


def printed(value: float, text: str) -> bool:
    """``value`` rounds to the printed figure ``text`` (at its number of decimals)."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{value:.{decimals}f}" == text


@pytest.fixture(scope="module")
def world(require_dataset):
    return require_dataset("gegravity_sample")


@pytest.fixture(scope="module")
def outcome(world):
    return run(LIBRARY)


def test_canada_japan_agreement_reproduces_gegravity(outcome):
    gdp = outcome.countries["real_gdp"]
    assert printed(gdp["CAN"], "0.418"), gdp["CAN"]
    assert gdp["CAN"] > gdp["JPN"] > 0 > gdp["USA"]         # the partners gain, the others lose a little
    assert outcome.actors == ("CAN", "JPN")
    # welfare E/P equals real GDP Y/P: expenditure moves with output (E = φY)
    np.testing.assert_allclose(outcome.countries["welfare"], gdp, rtol=1e-12)
    assert outcome.diagnostics.converged and outcome.diagnostics.residual < 1e-12


def test_trade_cost_change_of_the_agreement(world):
    s = load_scenario(LIBRARY)
    model = build_model(s.model.name, world, s.model.parameters())
    T1 = model.cost_matrix(resolve(s, world, model))
    can, jpn = world.index_of("CAN"), world.index_of("JPN")
    change = 100 * (T1 / model.baseline.T - 1)
    assert printed(change[can, jpn], "60.181650") and printed(change[jpn, can], "60.181650")
    change[can, jpn] = change[jpn, can] = 0
    assert np.all(change == 0)                                  # no other route changes


def test_baseline_outward_resistance_with_the_constant(world):
    # gegravity's check_omr_rescale prints Germany's baseline OMR Π = 0.050346 (constant included)
    s = load_scenario(LIBRARY)
    model = build_model(s.model.name, world, s.model.parameters())
    variables = {**model.variables, "constant": np.ones((world.n_countries,) * 2)}
    T = eq.cost_matrix(variables, {**{k: float(b) for k, (b, _) in STATA.items()}, "constant": STATA_CONSTANT})
    base = eq.calibrate(model.output, model.expenditure, T, 5.0, world.index_of("DEU"))
    omr = np.exp(-base.b / (1 - 5.0))
    assert printed(omr[world.index_of("DEU")], "0.050346")


def test_ppml_reproduces_the_stata_estimates(world):
    s = load_scenario(LIBRARY)
    params = {**s.model.parameters(), "cost_coefficients": "ppml"}
    model = build_model(s.model.name, world, params)
    for name, (beta, se) in STATA.items():
        assert printed(model.ppml.std_errors[name], se), (name, model.ppml.std_errors[name])
        if name == "common_language":
            # 0.03262497 here: one unit in the 7th decimal from Stata's 0.0326249, the stopping
            # rule of ppmlhdfe (tolerance 1e-8 on the deviance); all other figures round exactly
            assert abs(model.ppml.coefficients[name] - float(beta)) <= 1e-7, model.ppml.coefficients[name]
        else:
            assert printed(model.ppml.coefficients[name], beta), (name, model.ppml.coefficients[name])
    # the GE result with tradewar's own estimates: the same printed figure
    out = model.solve(resolve(s, world, model), s.name)
    assert printed(out.countries.loc["CAN", "real_gdp"], "0.418")


def test_iceberg_change_equals_the_cost_variable_change(world, outcome):
    s = load_scenario(LIBRARY)
    beta, sigma = float(STATA["pta"][0]), 5.0
    iceberg = s.model_copy(update={"trade_costs": [s.trade_costs[0].model_copy(
        update={"variables": None, "change": float(np.exp(-beta / (sigma - 1)) - 1)})]})
    other = run(iceberg)
    np.testing.assert_allclose(other.countries.to_numpy(), outcome.countries.to_numpy(), rtol=1e-9, atol=1e-12)


def test_no_change_is_the_baseline(world):
    s = load_scenario(LIBRARY).model_copy(update={"trade_costs": []})
    out = run(s)
    assert np.abs(out.countries.to_numpy()).max() < 1e-10
    np.testing.assert_allclose(out.bilateral["trade_counterfactual"], world.flows[:, :, 0], rtol=1e-10)


def test_analytic_jacobian_matches_finite_differences():
    rng = np.random.default_rng(3)
    n = 6
    T = np.exp(rng.normal(size=(n, n)))
    y, e = rng.uniform(1, 2, n), rng.uniform(1, 2, n)
    system = eq.ResistanceSystem(T, y / y.sum(), e / e.sum(), ref=2)
    x = rng.normal(size=2 * n - 1)
    J = system.jacobian(x)
    h = 1e-6
    fd = np.column_stack([(system.residual(x + h * d) - system.residual(x - h * d)) / (2 * h)
                          for d in np.eye(len(x))])
    np.testing.assert_allclose(J, fd, atol=1e-8)


def test_resistances_solve_their_equations():
    rng = np.random.default_rng(5)
    n = 8
    T = np.exp(rng.normal(scale=2.0, size=(n, n)) + 12.0)       # any scale, like exp(constant)
    y, e = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
    a, b, diag = eq.solve_resistances(T, y, e, ref=0)
    P, Pi = np.exp(-a), np.exp(-b)                              # P^(1−σ), Π^(1−σ)
    np.testing.assert_allclose(P[1:], (T * (y / Pi)[:, None]).sum(axis=0)[1:], rtol=1e-12)
    np.testing.assert_allclose(Pi, (T * (e / P)[None, :]).sum(axis=1), rtol=1e-12)
    assert a[0] == 0.0
    # the reference importer's equation was dropped; it holds by adding up (Walras' law)
    assert diag.dropped_equation_residual < 1e-10


# ----------------------------------------------------------------------------- errors
BASE = """
name = "x"
dataset = "gegravity_sample"
[model]
name = "structural_gravity"
sigma = 5
reference_importer = "DEU"
"""


@pytest.mark.parametrize("extra, field, words", [
    ('[[trade_costs]]\nexporters = "CAN"\nimporters = "JPN"\nvariables = { fta = 1 }\n',
     "trade_costs[0].variables.fta", "no bilateral cost variable 'fta'"),
    ('[[trade_costs]]\nexporters = "CAN"\nimporters = "XXX"\nchange = -0.1\n',
     "trade_costs[0].importers", "unknown country code"),
    ('[[trade_costs]]\nexporters = "CAN"\nimporters = "CAN"\nchange = -0.1\n',
     "trade_costs[0]", "no route between two different countries"),
    ('[[tariffs]]\nimporter = "CAN"\nrate = 0.1\n', "tariffs", "has no tariffs"),
])
def test_bad_experiments_name_the_field(world, extra, field, words):
    with pytest.raises(ScenarioError) as info:
        run(Scenario.from_text(BASE + extra, source="s.toml"))
    assert info.value.field == field and words in str(info.value), str(info.value)


@pytest.mark.parametrize("extra, field", [
    ('[[trade_costs]]\nexporters = "CAN"\nimporters = "JPN"\nchange = -0.1\nvariables = { pta = 1 }\n',
     "trade_costs[0]"),
    ('[[trade_costs]]\nexporters = "CAN"\nimporters = "JPN"\nchange = -1.5\n', "trade_costs[0].change"),
    ('[[trade_costs]]\nexporters = "CAN"\nimporters = "JPN"\nchange = "10%"\n', "trade_costs[0].change"),
])
def test_bad_measures_are_refused_when_read(extra, field):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_text(BASE + extra, source="s.toml")
    assert info.value.field == field, str(info.value)


@pytest.mark.parametrize("params, field", [
    ({"sigma": 1.0, "reference_importer": "DEU"}, "model.sigma"),
    ({"sigma": 5, "reference_importer": "XXX"}, "model.reference_importer"),
    ({"sigma": 5, "reference_importer": "DEU", "cost_coefficients": {"distance": -1.0}},
     "model.cost_coefficients.distance"),
    ({"sigma": 5, "reference_importer": "DEU", "theta": 4}, "model.theta"),
])
def test_bad_parameters_name_the_field(world, params, field):
    with pytest.raises(ScenarioError) as info:
        build_model("structural_gravity", world, params, "s.toml")
    assert info.value.field == field and "(got " in str(info.value), str(info.value)


def test_other_models_refuse_trade_costs(ignatenko_world):
    s = Scenario.from_text('name = "x"\ndataset = "ignatenko2025"\n[[trade_costs]]\nexporters = "CAN"\n'
                           'importers = "JPN"\nchange = -0.1\n', source="s.toml")
    with pytest.raises(ScenarioError) as info:
        run(s)
    assert info.value.field == "trade_costs" and "does not take trade-cost changes" in str(info.value)


# ----------------------------------------------------------------------------- Monte Carlo
def test_monte_carlo_over_a_cost_coefficient_and_sigma(world):
    """gegravity's MonteCarloGE draws the cost coefficients from their standard errors; here the
    PTA coefficient ~ N(β, se) and σ ~ U(4, 6), each draw a plain run of its parameters."""
    from tradewar.montecarlo import run_mc
    from tradewar.scenario import Uncertainty

    s = load_scenario(LIBRARY)
    beta, se = (float(v) for v in STATA["pta"])
    s = s.model_copy(update={"uncertainty": {"cost_coefficients.pta": Uncertainty(dist="normal", mean=beta, sd=se),
                                             "sigma": Uncertainty(dist="uniform", low=4, high=6)}})
    result = run_mc(s, 12, seed=4, batch_size=5)
    cold = run_mc(s, 12, seed=4, batch_size=5, warm_start=False)
    assert result.n_ok == 12 and result.failed.empty
    # warm and cold starts agree to the solver's tolerance (1e-12 in log resistances = 1e-10 in percent)
    np.testing.assert_allclose(cold.draws["real_gdp"], result.draws["real_gdp"], rtol=0, atol=1e-9)
    can = result.draws[result.draws["unit"] == "CAN"].set_index("draw")
    for d in (0, 7):
        p = result.parameters.loc[d]
        params = s.model.parameters()
        params = {**params, "sigma": float(p["sigma"]),
                  "cost_coefficients": {**params["cost_coefficients"], "pta": float(p["cost_coefficients.pta"])}}
        model = build_model("structural_gravity", world, params)
        plain = model.solve(resolve(s, world, model), s.name).countries
        assert can.loc[d, "real_gdp"] == pytest.approx(plain.loc["CAN", "real_gdp"], rel=1e-10)


def test_canada_gains_more_with_a_larger_pta_effect(world):
    from tradewar.montecarlo import run_mc
    from tradewar.scenario import Uncertainty

    s = load_scenario(LIBRARY).model_copy(update={"uncertainty": {
        "cost_coefficients.pta": Uncertainty(dist="uniform", low=0.1, high=0.9)}})
    r = run_mc(s, 10, seed=1)
    can = r.draws[r.draws["unit"] == "CAN"].sort_values("cost_coefficients.pta")
    assert np.all(np.diff(can["real_gdp"].to_numpy()) > 0)


def test_drawing_an_entry_of_estimated_coefficients_is_an_error(world):
    from tradewar.montecarlo import run_mc
    from tradewar.scenario import Uncertainty

    s = load_scenario(LIBRARY)
    s = s.model_copy(update={
        "model": s.model.model_copy(update={"cost_coefficients": "ppml"}),
        "uncertainty": {"cost_coefficients.pta": Uncertainty(dist="normal", mean=0.47, sd=0.1)}})
    with pytest.raises(ScenarioError) as info:
        run_mc(s, 3, seed=0)
    assert info.value.field == "uncertainty.cost_coefficients.pta" and "must be given in [model]" in str(info.value)


def test_a_constant_in_the_costs_changes_nothing():
    """exp(constant) scales Π^(1−σ) only (gegravity rescales its OMRs for its solver's sake; the
    log formulation here is scale-free): the same counterfactual with and without it."""
    rng = np.random.default_rng(8)
    n = 7
    T = np.exp(rng.normal(size=(n, n)))
    T1 = T * np.exp(rng.normal(scale=0.3, size=(n, n)))
    Y, E = rng.uniform(1, 5, n), rng.uniform(1, 5, n)
    plain = eq.counterfactual(eq.calibrate(Y, E, T, 5.0, 1), T1)
    scaled = eq.counterfactual(eq.calibrate(Y, E, T * np.exp(16.3), 5.0, 1), T1 * np.exp(16.3))
    for field in ("price", "imr", "omr", "real_gdp", "trade"):
        np.testing.assert_allclose(getattr(scaled, field), getattr(plain, field), rtol=1e-10)


def test_a_huge_cost_change_is_reached_by_continuation():
    rng = np.random.default_rng(9)
    n = 6
    T = np.exp(rng.normal(size=(n, n)))
    Y, E = rng.uniform(1, 5, n), rng.uniform(1, 5, n)
    base = eq.calibrate(Y, E, T, 5.0, 0)
    T1 = T.copy()
    T1[1, 2] *= 1e12                                  # a route made almost free
    cf = eq.counterfactual(base, T1)
    assert cf.diagnostics.method == "newton+continuation" and cf.diagnostics.converged
    system = eq.ResistanceSystem(T1, base.y, base.e, 0)
    assert np.abs(system.residual(cf.x)).max() < 1e-12 and cf.diagnostics.dropped_equation_residual < 1e-10
    share = cf.trade[:, 2] / cf.trade[:, 2].sum()
    assert share[1] > 0.99                             # the free route takes the importer's market
