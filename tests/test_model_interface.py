"""What every model shares (tradewar.models.base): the per-country solve a Monte Carlo draw uses,
the headline columns that reports show, the refusals of closed forms, and the warm start of the
welfare interface."""

from __future__ import annotations

import numpy as np
import pytest
from rich.console import Console

from tradewar.errors import ConvergenceError, ParameterError
from tradewar.models.base import TARIFF_HEADLINE, ModelBase, build_model, model_class, solve_warm
from tradewar.policy import Policy
from tradewar.render import headline, outcome_tables


def tariff_policy(world, rate: float = 0.2, **options) -> Policy:
    t = np.zeros((world.n_countries, world.n_countries, len(world.sectors)))
    t[1:, 0, :] = rate                                   # the first country taxes every partner
    return Policy(world=world, tariffs=t, **options)


@pytest.fixture(scope="module")
def one_sector(world_factory):
    return build_model("one_sector", world_factory(3, 6), {})


@pytest.fixture(scope="module")
def ossa(world_factory):
    return build_model("ossa2014", world_factory(4, 5, domestic=True, sectors=3), {"sigma": 4.0})


@pytest.fixture(scope="module")
def gravity(require_dataset):
    from tradewar.run import load_scenario

    s = load_scenario("gegravity/can_jpn_pta")
    world = require_dataset("gegravity_sample")
    return s, world, build_model("structural_gravity", world, s.model.parameters())


def assert_same_countries(model, policy, x0=None, atol=1e-12):
    """solve_countries = solve's table and weights (from a warm start: to the solver's tolerance)."""
    table, weights, _ = model.solve_countries(policy, x0)
    outcome = model.solve(policy)
    np.testing.assert_allclose(table[list(outcome.countries.columns)].to_numpy(float),
                               outcome.countries.to_numpy(float), rtol=0, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(weights, outcome.weights.to_numpy(float))


def test_solve_countries_is_solve_one_sector(one_sector):
    policy = tariff_policy(one_sector.world)
    assert_same_countries(one_sector, policy)
    _, _, x = one_sector.solve_countries(policy)
    # warm-started from a neighbouring solution, and from a useless start (falls back to cold)
    assert_same_countries(one_sector, tariff_policy(one_sector.world, 0.21), x0=x, atol=1e-6)
    assert_same_countries(one_sector, policy, x0=np.full_like(x, 50.0))


def test_solve_countries_is_solve_under_balanced_bilateral_trade(one_sector):
    policy = tariff_policy(one_sector.world, deficit_closure="balanced_bilateral",
                           partner=one_sector.world.iso3[1])
    assert_same_countries(one_sector, policy)


def test_solve_countries_is_solve_ossa(ossa):
    assert_same_countries(ossa, tariff_policy(ossa.world))


def test_solve_countries_is_solve_gravity(gravity):
    from tradewar.policy import resolve

    s, world, model = gravity
    policy = resolve(s, world, model)
    _, _, x = model.solve_countries(policy)
    assert_same_countries(model, policy, x0=x, atol=1e-9)


@pytest.mark.parametrize("name", ["one_sector", "ossa2014", "cp2015", "structural_gravity"])
def test_every_model_has_the_shared_interface(name):
    cls = model_class(name)
    assert issubclass(cls, ModelBase)
    assert cls.headline and cls.mc_headline and cls.headline_digits in (2, 3)


def test_render_shows_the_model_headline(gravity, one_sector):
    s, world, model = gravity
    from tradewar.policy import resolve

    out = model.solve(resolve(s, world, model), "g")
    assert headline(out) == (model.headline, 3)
    [table, *_] = outcome_tables(out)
    assert [c.header for c in table.columns][1:] == ["welfare", "real gdp", "factory gate price", "CPI",
                                                     "outward resistance", "foreign exports", "foreign imports"]
    one = one_sector.solve(tariff_policy(one_sector.world), "o")
    assert headline(one) == (TARIFF_HEADLINE, 2)
    [table, *_] = outcome_tables(one)
    assert table.caption == "¹ % of |baseline deficit|  ² % of baseline expenditure"
    # a model that is not registered: the shared headline, else the first 8 columns
    from dataclasses import replace

    assert headline(replace(one, model="elsewhere")) == (TARIFF_HEADLINE, 2)
    odd = replace(out, model="elsewhere")
    assert headline(odd) == (tuple(out.countries.columns[:8]), 3)
    Console(record=True).print(*outcome_tables(odd))


def test_monte_carlo_summary_shows_the_model_headline(gravity):
    from tradewar.montecarlo import run_mc, summary_table
    from tradewar.scenario import Uncertainty

    s, world, model = gravity
    s = s.model_copy(update={"uncertainty": {"sigma": Uncertainty(dist="uniform", low=4, high=6)}})
    result = run_mc(s, 4, seed=1, world=world)
    assert result.headline == model.mc_headline == ("welfare", "prices", "real_gdp", "factory_gate_price")
    table = summary_table(result)
    assert [c.header for c in table.columns][1:] == ["Δ welfare (%)", "Δ consumer price index (%)",
                                                     "Δ real GDP Y/P (%)", "Δ factory-gate price (%)"]


@pytest.mark.parametrize("name, params", [("ossa2014", {"sigma": 4.0}), ("structural_gravity", None)])
def test_models_without_closed_forms_say_so(name, params, ossa, gravity):
    model = ossa if name == "ossa2014" else gravity[2]
    with pytest.raises(ParameterError) as info:
        model.optimal_tariff(model.world.iso3[0])
    assert info.value.field == "tariffs.rate" and f"model {name!r} has no closed-form" in str(info.value)
    with pytest.raises(ParameterError) as info:
        model.optimal_retaliation(model.world.iso3[0])
    assert info.value.field == "retaliation.rule" and info.value.value == "optimal"


def test_unknown_parameters_are_named(world_factory):
    with pytest.raises(ParameterError) as info:
        model_class("ossa2014")(world_factory(4, 5, domestic=True, sectors=3), sigma=4.0, zeta=1, alpha=2)
    assert info.value.field == "model.alpha" and "known: ['net_exports', 'sigma', 'weights']" in str(info.value)


def test_solve_warm_falls_back_to_a_cold_start():
    calls, cold_fails = [], []

    def solve(start):
        calls.append(start)
        if start == "bad" or (start is None and cold_fails):
            raise ConvergenceError(f"no convergence from {start}")
        return f"solved from {start}"

    assert solve_warm(solve, "good") == "solved from good" and calls == ["good"]
    assert solve_warm(solve, "bad") == "solved from None" and calls[1:] == ["bad", None]
    cold_fails.append(True)
    with pytest.raises(ConvergenceError, match="from None"):
        solve_warm(solve, None)


def test_welfare_interface_warm_starts_and_rebases_cold(ossa):
    t = np.array(ossa.baseline_tariffs)
    t[1:, 0, :] += 0.1
    G = ossa.government_welfare(t)
    assert ossa._last is not None
    G2, g = ossa.government_welfare_gradient(t, 0)
    np.testing.assert_allclose(G2, G, rtol=1e-12)
    Gv, gv = ossa.government_welfare_vjp(t, np.eye(ossa.world.n_countries)[0])
    np.testing.assert_allclose(gv, g, rtol=1e-8, atol=1e-14)
    assert ossa.rebased(t)._last is None and ossa._last is not None


def test_closed_form_refusal_points_to_strategies_only_where_they_work(ossa, gravity):
    with pytest.raises(ParameterError, match=r"use a \[\[strategy\]\] of kind 'optimal'"):
        ossa.optimal_tariff(ossa.world.iso3[0])
    with pytest.raises(ParameterError) as info:
        gravity[2].optimal_tariff(gravity[2].world.iso3[0])
    assert "strategy" not in str(info.value)


def test_each_strategy_run_has_its_own_warm_start_and_shares_the_wars(ossa):
    """Runs of a cached model (also concurrent ones in the service) never start from each
    other's equilibria; the Nash wars they solve are shared, but not with a re-based model,
    whose welfare is measured from another point."""
    from tradewar.scenario import Scenario
    from tradewar.strategy.apply import resolve_strategies

    t = np.array(ossa.baseline_tariffs)
    t[1:, 0, :] += 0.1
    ossa.government_welfare(t)
    before = ossa._last
    run = ossa.for_run()
    assert run._last is None and run.nash_wars() is ossa.nash_wars()
    run.nash_wars()["a war"] = "solved"
    run.government_welfare(t + 0.05)
    assert ossa._last is before and run._last is not before
    rebased = run.rebased(t)
    assert rebased._last is None and "a war" not in rebased.nash_wars() and ossa.nash_wars()["a war"] == "solved"

    scenario = Scenario.from_dict({"name": "own", "dataset": "toy", "model": {"name": "ossa2014", "sigma": 4.0},
                                   "strategy": [{"kind": "optimal", "country": ossa.world.iso3[0]}]})
    policy, used = resolve_strategies(scenario, ossa, Policy(world=ossa.world, tariffs=np.array(ossa.baseline_tariffs)))
    assert used is not ossa and ossa._last is before
    assert policy.tariffs[1:, 0, :].min() > ossa.baseline_tariffs[1:, 0, :].min()   # it did set tariffs
