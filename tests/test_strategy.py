"""The strategy layer: gradients of government welfare through the Ossa (2014) equilibrium
(implicit differentiation, checked here against finite differences), optimal tariffs
(discriminatory and MFN), Nash equilibria, and scenarios with ``[[strategy]]`` tables."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar import Scenario, run
from tradewar.errors import ScenarioError
from tradewar.models import ossa2014 as eq
from tradewar.models import ossa2014_gradients as grad
from tradewar.models.ossa2014_model import OssaModel
from tradewar.strategy import Instruments, nash_tariffs, optimal_tariffs, supports_strategies


@pytest.fixture(scope="module")
def world(require_dataset):
    return require_dataset("ossa2014")


@pytest.fixture(scope="module", params=["welfare", "political_economy"])
def model(request, world) -> OssaModel:
    return OssaModel(world, weights=request.param)


def _G(model, tariffs) -> np.ndarray:
    """Ĝ from a tightly solved equilibrium (finite differences need more than the default)."""
    b = model.baseline
    return eq.government_welfare(b, eq.solve(b, tariffs, tol=1e-15).state)


def _perturbed(model, seed=0):
    rng = np.random.default_rng(seed)
    return model.baseline.t + rng.uniform(0.0, 0.5, model.baseline.t.shape)


# ---------------------------------------------------------------------------- gradients
def test_residual_pullback_reproduces_the_analytic_jacobian(model):
    """μᵀ ∂r/∂x from the shared pullback equals μᵀ J with the model's analytic Jacobian."""
    tp = _perturbed(model)
    sol = model.equilibrium(tp)
    system = eq.OssaSystem(model.baseline, tp, np.zeros(model.baseline.n))
    mu = np.random.default_rng(1).normal(size=2 * model.baseline.n)
    dx, _ = grad.residual_vjp(system, sol.x, mu)
    np.testing.assert_allclose(dx, mu @ system.jacobian(sol.x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("country", ["USA", "EU", "IND"])
def test_welfare_gradient_matches_finite_differences(model, country):
    """dĜ_j/dt' by the adjoint equals central differences of Ĝ_j through the equilibrium, for
    j's own tariffs, tariffs j faces and tariffs between third countries."""
    tp = _perturbed(model, seed=2)
    j = model.countries.index(country)
    G, g = model.government_welfare_gradient(tp, j)
    np.testing.assert_allclose(G, eq.government_welfare(model.baseline, model.equilibrium(tp).state), rtol=1e-12)
    rng = np.random.default_rng(3)
    others = [i for i in range(7) if i != j]
    picks = [(int(rng.choice(others)), j, int(rng.integers(33))) for _ in range(4)]        # j's own tariffs
    picks += [(j, int(rng.choice(others)), int(rng.integers(33))) for _ in range(2)]       # tariffs j faces
    a, b = [i for i in others][:2]
    picks += [(a, b, 5), (b, a, 30)]                                                        # third countries
    h = 1e-4
    for k in picks:
        up, down = tp.copy(), tp.copy()
        up[k] += h
        down[k] -= h
        fd = (_G(model, up)[j] - _G(model, down)[j]) / (2 * h)
        assert g[k] == pytest.approx(fd, rel=1e-5, abs=2e-10), k


def test_mfn_gradient_is_the_sum_over_partners(world):
    model = OssaModel(world)
    tp = _perturbed(model, seed=4)
    j = model.countries.index("CHN")
    inst = Instruments(7, 33, j, "mfn")
    v = inst.get(tp)
    _, g = model.government_welfare_gradient(inst.put(tp, v), j)
    dv = inst.pull(g)
    h = 1e-4
    for s in (0, 12, 27):
        up, down = v.copy(), v.copy()
        up[s] += h
        down[s] -= h
        fd = (_G(model, inst.put(tp, up))[j] - _G(model, inst.put(tp, down))[j]) / (2 * h)
        assert dv[s] == pytest.approx(fd, rel=1e-5, abs=2e-10)


# ---------------------------------------------------------------------------- optimal tariffs
def test_optimal_tariffs_satisfy_the_first_order_conditions(world):
    model = OssaModel(world)
    assert supports_strategies(model)
    r = optimal_tariffs(model, "USA")
    j = r.index
    assert r.converged and r.residual <= 1e-7
    assert r.counts.equilibrium_solves > 0 and r.counts.gradient_evaluations > 0
    # only the USA's import tariffs changed
    changed = np.argwhere(r.tariffs != model.baseline.t)
    assert set(changed[:, 1]) == {j} and j not in set(changed[:, 0])
    # a local maximum: no small move of any of 20 random tariffs raises Ĝ_USA
    rng = np.random.default_rng(5)
    for _ in range(20):
        k = (int(rng.choice([i for i in range(7) if i != j])), j, int(rng.integers(33)))
        for step in (-1e-3, 1e-3):
            t = r.tariffs.copy()
            t[k] = max(t[k] + step, 0.0)
            assert model.government_welfare(t)[j] <= r.welfare[j] * (1 + 1e-13)
    assert 100 * (r.welfare[j] - 1) == pytest.approx(2.3, abs=0.05)     # Ossa Table 3a


def test_mfn_optimal_tariffs_match_the_calibration_file(world):
    """The dataset's MFN optimal tariffs at the political-economy weights (Ossa's calibration
    step) are reproduced by the MFN optimal-tariff problem (regions whose calibration used the
    same bounds [0, 10]; Japan's treated high targets as prohibitive with other bounds)."""
    model = OssaModel(world, weights="political_economy")
    ref = world.extras["mfn_optimal_tariff_at_lambda"].transpose("country", "sector").values
    for code in ("BRA", "EU", "USA", "ROW"):
        r = optimal_tariffs(model, code, restriction="mfn")
        j = r.index
        partner = (j + 1) % 7
        assert r.converged
        assert np.all(r.tariffs[:, j, :][[i for i in range(7) if i != j]] == r.tariffs[partner, j, :])
        np.testing.assert_allclose(r.tariffs[partner, j, :], ref[j], atol=5e-3)


def test_optimal_tariff_bounds_are_respected(world):
    model = OssaModel(world)
    r = optimal_tariffs(model, "BRA", bounds=(0.0, 0.3))
    own = r.tariffs[[i for i in range(7) if i != r.index], r.index, :]
    assert own.max() <= 0.3 and own.min() >= 0.0
    assert np.isclose(own, 0.3).mean() > 0.5     # the unconstrained optimum is mostly above 30%


# ---------------------------------------------------------------------------- Nash
def test_nash_of_two_players_is_a_mutual_best_response(world):
    model = OssaModel(world)
    seen = []
    ne = nash_tariffs(model, ["USA", "CHN"], progress=seen.append)
    assert ne.converged and ne.rounds[-1].max_change < 1e-6
    assert [r.round for r in seen] == list(range(1, len(ne.rounds) + 1))
    assert all(len(r.welfare) == 7 for r in seen)
    assert abs(ne.max_deviation_gain) < 1e-9
    assert set(ne.deviation_gains) == {"USA", "CHN"}
    # the other regions keep their factual tariffs
    for code in ("BRA", "EU", "IND", "JPN", "ROW"):
        k = model.countries.index(code)
        np.testing.assert_array_equal(ne.tariffs[:, k, :], model.baseline.t[:, k, :])
    assert ne.counts.gradient_evaluations > 0 and ne.counts.optimisations == 2 * len(ne.rounds) + 2


# ---------------------------------------------------------------------------- scenarios
def test_strategy_scenarios_are_validated():
    base = 'name = "x"\ndataset = "ossa2014"\n[model]\nname = "ossa2014"\n'
    with pytest.raises(ScenarioError, match=r"strategy\[0\]\.country.*needs a 'country'"):
        Scenario.from_text(base + '[[strategy]]\nkind = "optimal"\n')
    with pytest.raises(ScenarioError, match=r"strategy\[0\]\.country.*takes 'players'"):
        Scenario.from_text(base + '[[strategy]]\nkind = "nash"\ncountry = "USA"\n')
    with pytest.raises(ScenarioError, match=r"strategy\[0\]\.upper.*must exceed"):
        Scenario.from_text(base + '[[strategy]]\nkind = "optimal"\ncountry = "USA"\nlower = 0.5\nupper = 0.2\n')
    with pytest.raises(ScenarioError, match=r"strategy\[0\]\.restriction"):
        Scenario.from_text(base + '[[strategy]]\nkind = "optimal"\ncountry = "USA"\nrestriction = "bogus"\n')


def test_strategy_scenario_runs_through_the_strategy_layer(world):
    text = ('name = "usa-opt"\ndataset = "ossa2014"\n[model]\nname = "ossa2014"\n'
            '[[strategy]]\nkind = "optimal"\ncountry = "USA"\nrestriction = "mfn"\n')
    out = run(Scenario.from_text(text))
    assert out.actors == ("USA",)
    assert any("USA mfn optimal tariffs" in n and "gradient evaluations" in n for n in out.notes)
    assert out.countries.loc["USA", "government_welfare"] > 2.0
    with pytest.raises(ScenarioError, match=r"strategy\[0\]\.country.*unknown country"):
        run(Scenario.from_text(text.replace('"USA"', '"XXX"')))


def test_strategies_need_a_welfare_interface():
    assert not supports_strategies(object())


def test_one_sector_uniform_strategy_scenario(ignatenko_world):
    """The one-sector model has the welfare interface: a uniform optimal tariff as a scenario."""
    text = ('name = "x"\ndataset = "ignatenko2025"\n[model]\nname = "one_sector"\n'
            '[[strategy]]\nkind = "optimal"\ncountry = "USA"\nrestriction = "uniform"\n')
    out = run(Scenario.from_text(text))
    assert any("USA uniform optimal tariffs" in n for n in out.notes)
    assert out.countries.loc["USA", "welfare"] == pytest.approx(1.806, abs=1e-3)


def test_single_threaded_blas_is_restored():
    """Strategies run with OpenBLAS limited to one thread; the thread counts are restored."""
    from tradewar.strategy.base import _openblas_handles, single_threaded_blas

    handles = _openblas_handles()
    before = [int(get()) for _, get in handles]
    with single_threaded_blas():
        with single_threaded_blas():                       # re-entrant
            assert all(int(get()) == 1 for _, get in handles)
        assert all(int(get()) == 1 for _, get in handles)
    assert [int(get()) for _, get in handles] == before
