"""Vectorised Monte Carlo batches of the one-sector model (tradewar.models.one_sector_batch and
its dispatch in tradewar.montecarlo): the same draws give the same results as one by one."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.errors import TradewarError
from tradewar.models import one_sector as eq
from tradewar.models.one_sector_batch import BatchSystem, solve_many
from tradewar.montecarlo import run_mc, solve_batch, vectorisable
from tradewar.run import load_scenario
from tradewar.scenario import Scenario, Uncertainty
from tradewar.synthetic import synthetic_world

PERCENT = ("welfare", "exports_gdp", "imports_gdp", "employment", "prices", "real_wage", "wage",
           "tariff_revenue_pct")
LEVELS = ("tariff_revenue", "deficit_baseline", "deficit_counterfactual")


def b1(**uncertainty) -> Scenario:
    s = load_scenario("ignatenko2025/B1_ustr")
    return s.model_copy(update={"uncertainty": {k: Uncertainty(**v) for k, v in uncertainty.items()}})


def assert_same_metrics(values_a, values_b, columns, E):
    """Every metric of every country equal to 1e-8 in the model's units: percent changes as
    ratios (÷100), levels and the deficit change (percent of |baseline deficit|) as shares of the
    country's expenditure E — the scale of the residuals the solver brings to 1e-10."""
    a, b = np.asarray(values_a, float), np.asarray(values_b, float)     # [draw, country, metric]
    assert a.shape == b.shape and set(columns) == {*PERCENT, "deficit", *LEVELS}
    col = {c: k for k, c in enumerate(columns)}
    assert np.isfinite(a[..., [col[c] for c in PERCENT + LEVELS]]).all()
    for c in PERCENT:
        gap = np.abs(a[..., col[c]] - b[..., col[c]]) / 100
        assert gap.max() <= 1e-8, (c, gap.max())
    for c in LEVELS:
        gap = np.abs(a[..., col[c]] - b[..., col[c]]) / E
        assert gap.max() <= 1e-8, (c, gap.max())
    d0 = np.abs(a[..., col["deficit_baseline"]])
    gap = np.nan_to_num(np.abs(a[..., col["deficit"]] - b[..., col["deficit"]])) * d0 / 100 / E
    assert gap.max() <= 1e-8, ("deficit", gap.max())
    welfare = np.abs(a[..., col["welfare"]] - b[..., col["welfare"]]) / 100    # Ŵ
    assert welfare.max() <= 1e-9


def metric_array(result):
    rows = result.draws[result.draws.kind == "country"]
    nu = rows.unit.nunique()
    return rows[list(result.metrics)].to_numpy().reshape(-1, nu, len(result.metrics)), list(result.metrics)


# ----------------------------------------------------------------------------- the 194-country world
def test_b1_draws_of_elasticities_match_the_sequential_path(ignatenko_world):
    s = b1(trade_elasticity=dict(dist="normal", mean=4.0, sd=0.5, low=1.0, high=10.0),
           labour_supply_elasticity=dict(dist="uniform", low=0.2, high=1.0))
    assert vectorisable(s)
    vec = run_mc(s, 30, seed=3, batch_size=15, vectorised=True)
    seq = run_mc(s, 30, seed=3, batch_size=15, vectorised=False)
    assert vec.n_ok == seq.n_ok == 30
    assert vec.draws[["draw", "unit"]].equals(seq.draws[["draw", "unit"]])
    E = eq.calibrate(ignatenko_world).E
    assert_same_metrics(*metric_array(vec)[:1], metric_array(seq)[0], vec.metrics, E)
    # by default 194 countries are solved one by one (the faster path there)
    default = run_mc(s, 30, seed=3, batch_size=15)
    np.testing.assert_array_equal(metric_array(default)[0], metric_array(seq)[0])


def test_a_draw_that_cannot_converge_fails_alone(ignatenko_world):
    s = b1(trade_elasticity=dict(dist="uniform", low=3.0, high=5.0))
    eps = [3.6, 3.8, 0.1, 4.0, 4.2, 60.0, 4.4]     # 0.1: no equilibrium found; 60: outside the range
    params = [{"trade_elasticity": e} for e in eps]
    ids = list(range(10, 10 + len(eps)))
    vec = solve_batch(ignatenko_world, s, ids, params, vectorised=True)
    seq = solve_batch(ignatenko_world, s, ids, params, vectorised=False)
    assert [d for d, _ in vec["failed"]] == [12, 15]
    assert sorted(vec["failed"]) == sorted(seq["failed"])
    assert "ConvergenceError" in dict(vec["failed"])[12]
    assert "uncertainty.trade_elasticity" in dict(vec["failed"])[15]
    ok = [0, 1, 3, 4, 6]
    assert np.isnan(vec["values"][[2, 5]]).all()
    assert_same_metrics(vec["values"][ok], seq["values"][ok], vec["columns"], eq.calibrate(ignatenko_world).E)
    np.testing.assert_allclose(vec["weights"][ok], seq["weights"][ok], rtol=0, atol=0)


# ----------------------------------------------------------------------------- a small synthetic world
SYNTHETIC = '''
name = "synthetic-usa"
dataset = "synthetic"
[model]
name = "one_sector"
revenue = "{revenue}"
[[tariffs]]
importer = "USA"
rate = 0.25
[[tariffs]]
importer = "{other}"
exporters = "USA"
rate = 0.4
[uncertainty.trade_elasticity]
dist = "normal"
mean = 4.0
sd = 1.0
low = 1.0
high = 10.0
[uncertainty.labour_supply_elasticity]
dist = "uniform"
low = 0.0
high = 2.0
'''


@pytest.mark.parametrize("revenue", ["income_tax", "lump_sum"])
def test_synthetic_world_matches_the_sequential_path(revenue):
    world = synthetic_world(15, seed=4)
    s = Scenario.from_text(SYNTHETIC.format(revenue=revenue, other=world.iso3[3]))
    for warm in (True, False):
        vec = run_mc(s, 24, seed=5, batch_size=8, world=world, vectorised=True, warm_start=warm)
        seq = run_mc(s, 24, seed=5, batch_size=8, world=world, vectorised=False, warm_start=warm)
        # κ up to 2 leaves some draws (income tax rebate) without an equilibrium: failed alike, same error
        assert vec.parameters.equals(seq.parameters) and vec.n_ok >= 20
        E = eq.calibrate(world).E
        assert_same_metrics(metric_array(vec)[0], metric_array(seq)[0], vec.metrics, E)
    # by default a small world takes the vectorised path
    default = run_mc(s, 24, seed=5, batch_size=8, world=world, warm_start=False)
    np.testing.assert_array_equal(metric_array(default)[0], metric_array(vec)[0])


def test_batch_residual_and_step_are_those_of_the_one_sector_system():
    """Per draw, the stacked residual equals OneSectorSystem.residual and the Newton step equals
    −J⁻¹F with the dense analytic Jacobian (different ε, κ, revenue rules and tariffs per draw)."""
    world = synthetic_world(10, seed=2)
    n, rng = world.n_countries, np.random.default_rng(0)
    for revenue in ("income_tax", "lump_sum"):
        bases = [eq.calibrate(world, eq.OneSectorParams(trade_elasticity=e, labour_supply_elasticity=k,
                                                        pass_through=c, revenue=revenue))
                 for e, k, c in [(4.0, 0.5, 1.0), (2.5, 0.0, 0.5), (7.0, 1.5, 0.25)]]
        ts = [np.where(rng.uniform(size=(n, n)) < 0.4, rng.uniform(0, 0.5, (n, n)), 0.0) for _ in bases]
        x = rng.normal(0.0, 0.05, (len(bases), 3 * n))
        system = BatchSystem.build(bases, ts)
        r = system.residual(x)
        step = system.newton_direction(x, r, chunk=2)
        xs = solve_many(bases, ts)
        for a, b in zip(solve_many(bases, ts, stack=2, chunk=1), xs):     # in groups: the same
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        for k, (b, t) in enumerate(zip(bases, ts)):
            one = eq.OneSectorSystem(b, t)
            np.testing.assert_allclose(r[k], one.residual(x[k]), rtol=0, atol=1e-13)
            np.testing.assert_allclose(step[k], -np.linalg.solve(one.jacobian(x[k]), r[k]), rtol=0, atol=1e-12)
            assert np.abs(one.residual(xs[k])).max() <= 1e-10
            np.testing.assert_allclose(xs[k], eq.solve(b, t).x, rtol=0, atol=1e-8)


def test_forcing_the_vectorised_path_needs_an_eligible_scenario():
    world = synthetic_world(8, seed=1)
    s = Scenario.from_text(SYNTHETIC.format(revenue="income_tax", other=world.iso3[2]).replace(
        'name = "one_sector"', 'name = "one_sector"\nvariant = "eaton_kortum_krugman"'))
    assert not vectorisable(s)
    with pytest.raises(TradewarError, match="vectorised=True.*baseline variant"):
        run_mc(s, 4, seed=0, world=world, vectorised=True)
    assert run_mc(s, 4, seed=0, world=world).n_ok == 4            # the default: one by one
