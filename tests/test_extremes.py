"""Solvers and strategies at the extremes: tariffs at the bounds (0, 10 = 1000%, 1e4) and near
−1, zero and tiny flows, closed economies, elasticities at the ends of their ranges, two-country
worlds. Each solve either converges to finite numbers or raises a clear error; never NaN cells
or a degenerate point passed off as an equilibrium."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tradewar.errors import ConvergenceError, DataError
from tradewar.models.base import build_model
from tradewar.policy import Policy
from tradewar.solver import newton
from tradewar.strategy.nash import nash_tariffs
from tradewar.strategy.optimal import optimal_tariffs
from tradewar.synthetic import synthetic_io_world
from tradewar.world import World


def levied_by(world: World, rate: float, who: int = 0) -> np.ndarray:
    """The baseline tariffs with country ``who`` levying ``rate`` on every import."""
    t = np.array(world.tariffs, float)
    t[np.arange(world.n_countries) != who, who, :] = rate
    return t


def solve(model, world, rate, who=0):
    return model.solve(Policy(world=world, tariffs=levied_by(world, rate, who)))


def assert_finite(outcome, documented_nan=()):
    table = outcome.countries.drop(columns=list(documented_nan))
    bad = [c for c in table.columns if not np.isfinite(table[c].to_numpy(float)).all()]
    assert not bad, f"non-finite cells in {bad}"
    assert np.isfinite(outcome.world.to_numpy(float)).all()
    assert outcome.diagnostics.converged


def edited(world: World, edit) -> World:
    """``world`` with its flows changed in place by ``edit(flows)``."""
    flows = np.array(world.flows, float)
    edit(flows)
    return World(name=world.name, countries=world.countries.copy(), sectors=world.sectors, flows=flows,
                 units=world.units)


@pytest.fixture(scope="module")
def worlds(world_factory):
    return {"one_sector": world_factory(1, 4), "ossa2014": world_factory(1, 4, domestic=True, sectors=3)}


def model_of(name, world, **parameters):
    if name == "ossa2014":
        parameters.setdefault("sigma", 4.0)
    return build_model(name, world, parameters)


# ----------------------------------------------------------------------------- tariffs at the bounds
@pytest.mark.parametrize("name", ["one_sector", "ossa2014"])
@pytest.mark.parametrize("rate", [0.0, 10.0, 1e4, -0.99])
def test_tariffs_at_the_bounds_give_finite_outcomes(worlds, name, rate):
    world = worlds[name]
    assert_finite(solve(model_of(name, world), world, rate))


@pytest.mark.parametrize("name", ["one_sector", "ossa2014"])
def test_gradients_stay_finite_at_prohibitive_tariffs(worlds, name):
    world = worlds[name]
    model = model_of(name, world)
    for rate in (10.0, 1e4):
        G, g = model.government_welfare_gradient(levied_by(world, rate), 0)
        assert np.isfinite(G).all() and np.isfinite(g).all() and G.min() > 0


@pytest.fixture(scope="module")
def cp():
    world = synthetic_io_world(4, sectors=3, seed=1)
    return world, build_model("cp2015", world, {})


@pytest.mark.parametrize("rate", [10.0, 1e4])
def test_cp_reaches_prohibitive_tariffs_by_continuation(cp, rate):
    """Newton from the baseline alone stalls at 1e4 (residual 1.7e-3 after 60 iterations, before
    the continuation fallback); the path in log(1 + t) gets there."""
    world, model = cp
    out = solve(model, world, rate)
    assert_finite(out, documented_nan=["deficit"])       # deficit: NaN where the baseline is balanced
    assert out.diagnostics.residual <= 1e-10 and abs(out.diagnostics.dropped_equation_residual) <= 1e-8
    G, g = model.government_welfare_gradient(levied_by(world, rate), 0)
    assert np.isfinite(g).all() and G.min() > 0


def test_cp_import_subsidies_beyond_income_are_refused(cp):
    """−99% on every import costs more than the importer's income: the solver's point has
    negative income (and Ĝ = −2866 before the check), which is no equilibrium."""
    world, model = cp
    with pytest.raises(ConvergenceError, match="non-positive income") as info:
        solve(model, world, -0.99)
    assert "tariff revenue" in str(info.value) and "smaller subsidies" in str(info.value)
    assert info.value.diagnostics.converged       # a converged solve, refused


def test_cp_refused_converged_solution_is_not_followed_by_a_path(cp, monkeypatch):
    """A solve that converged and was then refused (Walras' law, non-positive income) ends there;
    only a solve that did not converge is retried along a continuation path."""
    from tradewar.models import cp2015
    from tradewar.solver import Diagnostics

    world, model = cp
    along = []
    monkeypatch.setattr(cp2015, "solve_along", lambda *a, **k: along.append(1) or "followed")
    for converged in (True, False):
        def refuse(*a, converged=converged, **k):
            raise ConvergenceError("refused", Diagnostics(converged=converged))
        monkeypatch.setattr(cp2015, "solve", refuse)
        if converged:
            with pytest.raises(ConvergenceError, match="refused"):
                model.equilibrium(levied_by(world, 0.1))
        else:
            assert model.equilibrium(levied_by(world, 0.1)) == "followed"
    assert along == [1]


# ----------------------------------------------------------------------------- degenerate points
def test_one_sector_deep_subsidy_is_not_a_degenerate_solution(worlds):
    """At −99.9999% the Newton iteration converges to a point where L̂ of the importer is e^-228
    (Ŵ = 2e-70): residuals scaled by baseline levels vanish because everything collapses."""
    world = worlds["one_sector"]
    with pytest.raises(ConvergenceError, match="degenerate point, not an equilibrium") as info:
        solve(model_of("one_sector", world), world, -0.999999)
    assert world.iso3[0] in str(info.value) and info.value.diagnostics is not None


def test_input_output_variant_refuses_degenerate_and_folded_solves(worlds):
    world = worlds["one_sector"]
    model = model_of("one_sector", world, variant="input_output")
    with pytest.raises(ConvergenceError, match="degenerate point"):       # before: Ŵ = 1.7e-38, L̂ = e^-101
        solve(model, world, -0.9)
    with pytest.raises(ConvergenceError) as info:                          # the branch folds near 70%
        solve(model, world, 10.0)
    message = str(info.value)
    for part in ("continuation stalled", "input-output equilibrium (A.4) did not converge", "residual",
                 "iterations", "try a smaller change"):
        assert part in message, message
    assert_finite(solve(model, world, 0.5))


# ----------------------------------------------------------------------------- zero, tiny, no trade
def _zero_pair(flows):
    flows[1, 2, :] = flows[2, 1, :] = 0.0


def _tiny_pair(flows):
    flows[1, 2, :] = flows[2, 1, :] = 1e-12 * flows.sum()


def _zero_sector(flows):
    flows[np.arange(len(flows)) != 2, 2, 0] = 0.0      # country 2 buys sector 0 only at home


@pytest.mark.parametrize("name", ["one_sector", "ossa2014"])
@pytest.mark.parametrize("edit", [_zero_pair, _tiny_pair], ids=["zero-pair", "tiny-pair"])
def test_zero_and_tiny_bilateral_flows(worlds, name, edit):
    world = edited(worlds[name], edit)
    model = model_of(name, world)
    for who in (0, 2):
        assert_finite(solve(model, world, 0.5, who))
    G, g = model.government_welfare_gradient(levied_by(world, 0.3, 2), 2)
    assert np.isfinite(g).all()
    if edit is _zero_pair:
        assert np.all(g[1, 2] == 0.0)                 # a tariff on no flow changes nothing


def test_ossa_sector_never_imported(worlds):
    world = edited(worlds["ossa2014"], _zero_sector)
    model = model_of("ossa2014", world)
    assert_finite(solve(model, world, 0.5, 2))
    assert np.isfinite(model.government_welfare_gradient(levied_by(world, 0.3, 2), 2)[1]).all()


def test_closed_economy_is_refused_by_name(worlds, world_factory):
    """A country with domestic sales only passed the World's check and made Ossa's Jacobian
    exactly singular (an error 'after 0 iterations' and a LinAlgWarning)."""
    def close_jpn(flows):
        home = flows[3, 3].copy()
        flows[3, :, :] = flows[:, 3, :] = 0.0
        flows[3, 3] = home

    world = edited(worlds["ossa2014"], close_jpn)
    with pytest.raises(DataError, match="no international trade") as info:
        model_of("ossa2014", world)
    assert world.iso3[3] in str(info.value)
    with pytest.raises(DataError, match="no international trade"):
        model_of("ossa2014", world_factory(3, 1, domestic=True, sectors=2))       # before: NaN columns
    with pytest.raises(DataError, match="no trade at all"):
        model_of("one_sector", world_factory(3, 1))


def _no_imports(flows):
    home = flows[3, 3].copy()
    flows[:, 3, :] = 0.0
    flows[3, 3] = home


def _no_exports(flows):
    home = flows[3, 3].copy()
    flows[3, :, :] = 0.0
    flows[3, 3] = home


@pytest.mark.parametrize("edit", [_no_imports, _no_exports], ids=["no-imports", "no-exports"])
def test_one_sided_traders(worlds, edit):
    """one_sector: a country without imports (exports) keeps none, its change is 0, not 0/0 = NaN;
    Ossa balances trade in its counterfactuals, impossible for such a country (before: a solve
    stuck at the iteration limit, or NaN cells and an ill-conditioned gradient): refused by name."""
    world = edited(worlds["one_sector"], edit)
    model = model_of("one_sector", world)
    for who in (0, 3):
        out = solve(model, world, 0.5, who)
        assert_finite(out)
        column = "imports_gdp" if edit is _no_imports else "exports_gdp"
        assert out.countries.loc[world.iso3[3], column] == 0.0
    assert np.isfinite(model.government_welfare_gradient(levied_by(world, 0.3, 3), 3)[1]).all()
    with pytest.raises(DataError, match=r"no imports or no exports\): \['JPN'\]"):
        model_of("ossa2014", edited(worlds["ossa2014"], edit))


# ----------------------------------------------------------------------------- elasticities, sizes
@pytest.mark.parametrize("eps", [0.1, 50.0])
def test_one_sector_at_the_ends_of_the_elasticity_range(worlds, eps):
    world = worlds["one_sector"]
    for variant in ("baseline", "input_output"):
        model = model_of("one_sector", world, trade_elasticity=eps, variant=variant)
        assert_finite(solve(model, world, 0.5))
        assert np.isfinite(model.government_welfare_gradient(levied_by(world, 0.3), 0)[1]).all()


@pytest.mark.parametrize("sigma", [1.01, 50.0])
def test_ossa_at_the_ends_of_the_elasticity_range(worlds, sigma):
    world = worlds["ossa2014"]
    model = model_of("ossa2014", world, sigma=sigma)
    assert_finite(solve(model, world, 0.5))
    assert np.isfinite(model.government_welfare_gradient(levied_by(world, 0.3), 0)[1]).all()


def test_two_country_worlds_and_one_sector_multi_sector_models(world_factory):
    for name, world in [("one_sector", world_factory(3, 2)), ("ossa2014", world_factory(3, 2, domestic=True)),
                        ("ossa2014", world_factory(3, 4, domestic=True, sectors=1))]:
        assert_finite(solve(model_of(name, world), world, 0.5))
    for n, sectors in [(2, 1), (2, 3), (4, 1)]:
        world = synthetic_io_world(n, sectors=sectors, seed=2)
        assert_finite(solve(build_model("cp2015", world, {}), world, 0.5), documented_nan=["deficit"])


def test_large_deficit(worlds):
    def exports_collapse(flows):
        flows[0, 1:, :] *= 0.02

    for name in ("one_sector", "ossa2014"):
        world = edited(worlds[name], exports_collapse)
        assert_finite(solve(model_of(name, world), world, 0.5))


# ----------------------------------------------------------------------------- solver and strategies
class _Singular:
    """x₀² + x₁ = 1 and 2x₀² + 2x₁ = 3: no root; the Jacobian at x₀ = 0 is exactly singular."""

    def residual(self, x):
        return np.array([x[0] ** 2 + x[1] - 1.0, 2 * x[0] ** 2 + 2 * x[1] - 3.0])

    def jacobian(self, x):
        return np.array([[2 * x[0], 1.0], [4 * x[0], 2.0]])


def test_singular_jacobian_is_a_clear_error_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ConvergenceError) as info:
            newton(_Singular(), np.zeros(2), what="test system")
    message = str(info.value)
    assert message.startswith("test system did not converge") and "singular" in message
    assert "after 0 iterations" in message and "try a smaller change" in message


def test_iteration_limit_is_named(worlds):
    from tradewar.models.one_sector import OneSectorSystem

    model = model_of("one_sector", worlds["one_sector"])
    with pytest.raises(ConvergenceError, match="iteration limit max_iter = 1 reached"):
        newton(OneSectorSystem(model.baseline, levied_by(worlds["one_sector"], 5.0)[:, :, 0]), np.zeros(12),
               max_iter=1)


def test_optimal_tariffs_without_an_equilibrium_fail_naming_the_country(worlds):
    """With flows between CHN and DEU gone, CHN's search tries 550% on USA, beyond the fold of
    the one-sector equilibrium: the error says whose search, where, and what to try."""
    world = edited(worlds["one_sector"], _zero_pair)
    model = model_of("one_sector", world)
    with pytest.raises(ConvergenceError) as info:
        optimal_tariffs(model, world.iso3[1])
    message = str(info.value)
    assert f"optimal tariffs of {world.iso3[1]}: no equilibrium at trial tariffs" in message
    assert "narrower bounds" in message and "one_sector equilibrium (A.2)" in message


@pytest.mark.parametrize("name", ["one_sector", "ossa2014"])
def test_optimal_tariffs_on_a_two_country_world_finish(world_factory, name):
    world = world_factory(3, 2, domestic=name == "ossa2014", sectors=2 if name == "ossa2014" else 1)
    result = optimal_tariffs(model_of(name, world), 0)
    assert result.converged and np.isfinite(result.welfare).all()
    assert 0.0 <= result.own.min() and result.own.max() <= 10.0 and result.gain > 0



def test_nash_without_an_equilibrium_at_the_best_responses_fails_clearly(world_factory):
    """Three one-sector countries: each best response alone has an equilibrium (1000% tariffs),
    all three together do not (the branch folds); the error says where."""
    world = world_factory(4, 3)
    with pytest.raises(ConvergenceError) as info:
        nash_tariffs(model_of("one_sector", world))
    message = str(info.value)
    assert message.startswith("Nash tariffs, round 1: no equilibrium at the players' best responses")
    assert "one_sector equilibrium (A.2) did not converge" in message and "narrower bounds" in message
