"""The input-output variant of the one-sector model (specs/ignatenko2025.md A.4).

Its analytic Jacobian is exact; zero tariffs give the baseline; with β = 1 (no roundabout
production) it is the baseline model (the same welfare, employment and flows: only the
numeraire differs); the Table 4 scenarios (USTR and reciprocal retaliation) solve and their
cells are computed (no published targets are available to compare with).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradewar import run
from tradewar.errors import ParameterError
from tradewar.models import one_sector_io as io
from tradewar.models.one_sector_model import OneSectorModel
from tradewar.policy import Policy
from tradewar.replicate import replicate


def _tariffs(world, rate=0.2, seed=0):
    n = world.n_countries
    rng = np.random.default_rng(seed)
    t = np.zeros((n, n, 1))
    t[:, 0, 0] = rate                                   # the first country (USA) taxes everyone
    t[0, 1:, 0] = rng.uniform(0.0, 2 * rate, n - 1)     # and some answer
    t[np.arange(n), np.arange(n), 0] = 0.0
    return t


@pytest.mark.parametrize("revenue", ["income_tax", "lump_sum"])
def test_io_jacobian_is_exact(world_factory, revenue):
    world = world_factory(4, 7)
    base = OneSectorModel(world, variant="input_output", revenue=revenue).baseline
    assert base.beta == 0.49 and abs(base.T.sum()) < 1e-9 * base.E.sum()
    sy = io.IOSystem(base, _tariffs(world)[:, :, 0])
    rng = np.random.default_rng(1)
    x = 0.05 * rng.standard_normal(4 * world.n_countries)
    v = rng.standard_normal(x.size)
    h = 1e-6
    fd = (sy.residual(x + h * v) - sy.residual(x - h * v)) / (2 * h)
    np.testing.assert_allclose(sy.jacobian(x) @ v, fd, atol=1e-7)


def test_io_zero_tariffs_give_the_baseline(world_factory):
    world = world_factory(5, 6)
    model = OneSectorModel(world, variant="input_output")
    out = model.solve(Policy(world, np.zeros_like(world.flows)))
    np.testing.assert_allclose(out.countries[["welfare", "employment", "prices", "real_wage"]].to_numpy(), 0.0,
                               atol=1e-9)


def test_io_with_beta_one_is_the_baseline_model(world_factory):
    world = world_factory(6, 8)
    t = _tariffs(world, 0.25, seed=2)
    a = OneSectorModel(world).solve(Policy(world, t))
    b = OneSectorModel(world, variant="input_output", beta=1.0).solve(Policy(world, t))
    # (the deficit change is nominal: it depends on the numeraire)
    for col in ("welfare", "employment", "real_wage", "exports_gdp", "imports_gdp"):
        np.testing.assert_allclose(b.countries[col], a.countries[col], atol=1e-8, err_msg=col)
    # flows differ only by the numeraire: import shares agree
    fa, fb = a.bilateral["trade_counterfactual"].values, b.bilateral["trade_counterfactual"].values
    np.testing.assert_allclose(fb / fb.sum(axis=0), fa / fa.sum(axis=0), rtol=1e-9)


def test_io_roundabout_production_changes_the_answer(world_factory):
    world = world_factory(7, 6)
    t = _tariffs(world, 0.3)
    a = OneSectorModel(world).solve(Policy(world, t))
    b = OneSectorModel(world, variant="input_output").solve(Policy(world, t))
    assert np.abs(b.countries["welfare"] - a.countries["welfare"]).max() > 1e-3
    assert b.weights.name == "GDP"


def test_io_beta_is_checked(world_factory):
    with pytest.raises(ParameterError, match="model.beta"):
        OneSectorModel(world_factory(4, 5), variant="input_output", beta=1.5)
    with pytest.raises(ParameterError, match="model.variant"):
        OneSectorModel(world_factory(4, 5), variant="io")


def test_table4_io_scenarios_are_computed(ignatenko_world):
    cells, info = replicate("ignatenko2025", 4)
    assert len(cells) == 2 * 2 * 6 and all(c.published is None for c in cells)
    values = {(c.scenario, c.row, c.column): c.value for c in cells}
    assert all(np.isfinite(v) for v in values.values())
    # the US tariffs raise US prices and cut its trade; retaliation lowers US welfare
    assert values[("IO1", "USA", "imports_gdp")] < 0 and values[("IO1", "USA", "prices")] > 0
    assert values[("IO2", "USA", "welfare")] < values[("IO1", "USA", "welfare")]
    out = run("ignatenko2025/IO1_ustr")
    assert out.diagnostics.converged and abs(out.diagnostics.dropped_equation_residual) < 1e-8


@pytest.mark.parametrize("revenue", ["income_tax", "lump_sum"])
def test_io_welfare_gradient_matches_finite_differences(world_factory, revenue):
    world = world_factory(8, 6)
    model = OneSectorModel(world, variant="input_output", revenue=revenue)
    t = _tariffs(world, 0.15)
    rng = np.random.default_rng(4)
    d = rng.standard_normal(t.shape) * (1 - np.eye(world.n_countries))[:, :, None]
    omega = rng.standard_normal(world.n_countries)
    W, g = model.government_welfare_vjp(t, omega)
    h = 1e-4                      # central differences: O(h²) error, above the solver's tolerance
    fd = (omega @ model.government_welfare(t + h * d) - omega @ model.government_welfare(t - h * d)) / (2 * h)
    assert (g * d).sum() == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_io_optimal_uniform_tariff_by_the_strategy_layer(world_factory):
    from tradewar.strategy.optimal import optimal_tariffs

    world = world_factory(9, 6)
    model = OneSectorModel(world, variant="input_output")
    # bounds: in this small world the IO model (entry effects amplified by roundabout
    # production) loses its equilibrium for US tariffs near 40% (employment falls steeply)
    r = optimal_tariffs(model, "USA", restriction="uniform", bounds=(0.0, 0.25))
    rate = r.tariffs[1, 0, 0]
    assert 0.0 < rate < 0.25
    for dt in (-0.005, 0.005):                          # a maximum (interior)
        assert model.government_welfare(r.tariffs + dt * (r.tariffs > 0))[0] < r.welfare[0]
    _, g = model.government_welfare_gradient(r.tariffs, 0)
    assert abs(g[1:, 0, 0].sum()) < 1e-3 * np.abs(model.government_welfare_gradient(0 * r.tariffs, 0)[1]).sum()
    with pytest.raises(ParameterError, match="input-output"):
        model.optimal_tariff("USA")


def test_table11_global_trade_and_employment(ignatenko_world):
    cells, info = replicate("ignatenko2025", 11)
    values = {(c.scenario, c.row, c.column): c.value for c in cells}
    assert len(values) == 2 * 2 * 2 and all(c.published is None for c in cells)
    trade, jobs = "Δ global trade-to-GDP", "Δ global employment"
    for model in ("main", "IO"):
        # retaliation deepens the fall in world trade and employment
        assert values[("after retaliation", trade, model)] < values[("before retaliation", trade, model)] < 0
        assert values[("after retaliation", jobs, model)] < values[("before retaliation", jobs, model)] < 0
    for when in ("before retaliation", "after retaliation"):
        # roundabout production amplifies both (A.4 vs A.2)
        assert values[(when, trade, "IO")] < values[(when, trade, "main")]
        assert values[(when, jobs, "IO")] < values[(when, jobs, "main")]
    # the main columns are the A.2 world aggregates of the Table 1 and 2 scenarios, and Table 4's
    # scenarios give the IO columns
    for when, main, io_name in (("before retaliation", "B1_ustr", "IO1_ustr"),
                           ("after retaliation", "R1_reciprocal_retaliation", "IO2_reciprocal_retaliation")):
        for name, column in ((main, "main"), (io_name, "IO")):
            out = run(f"ignatenko2025/{name}")
            assert values[(when, trade, column)] == out.world["trade_to_gdp"]
            assert values[(when, jobs, column)] == out.world["employment"]
