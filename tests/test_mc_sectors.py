"""Per-sector parameter draws in Monte Carlo (``[uncertainty.sigma]`` with one distribution per
sector) on the Ossa (2014) world."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.errors import ScenarioError
from tradewar.models.base import build_model
from tradewar.montecarlo import draw_parameters, model_parameters, run_mc
from tradewar.policy import resolve
from tradewar.scenario import Scenario

OSSA = """
name = "us-china-25"
dataset = "ossa2014"
[model]
name = "ossa2014"
sigma = "sigma_main"
[[tariffs]]
importer = "USA"
exporters = "CHN"
rate = 0.25
"""


def with_sigma(body: str) -> Scenario:
    return Scenario.from_text(OSSA + "[uncertainty.sigma]\n" + body, source="s.toml")


@pytest.fixture(scope="module")
def ossa(require_dataset):
    return require_dataset("ossa2014")


def test_each_sector_is_drawn_around_its_own_mean(ossa):
    s = with_sigma('dist = "normal"\nmean = "sigma_main"\ncv = 0.1\nlow = 1.05\n')
    draws = draw_parameters(s, 4000, seed=3, world=ossa)
    assert list(draws.columns) == [f"sigma[{sec}]" for sec in ossa.sectors]
    mean = ossa.sector_data["sigma_main"].to_numpy(float)
    x = draws.to_numpy()
    assert x.min() >= 1.05
    # each sector: sample mean within 4 standard errors of its own mean, sd about 10% of it
    se = 0.1 * mean / np.sqrt(len(x))
    assert np.all(np.abs(x.mean(axis=0) - mean) < 4 * se)
    np.testing.assert_allclose(x.std(axis=0) / (0.1 * mean), 1.0, atol=0.06)
    # independent across sectors
    corr = np.corrcoef(x.T)[np.triu_indices(x.shape[1], 1)]
    assert np.abs(corr).max() < 0.1


def test_common_draws_move_all_sectors_together(ossa):
    s = with_sigma('dist = "normal"\nmean = "sigma_main"\ncv = 0.2\nlow = 1.05\ncorrelation = "common"\n')
    x = draw_parameters(s, 200, seed=3, world=ossa).to_numpy()
    ranks = np.argsort(np.argsort(x, axis=0), axis=0)
    assert np.all(ranks == ranks[:, :1])                    # one quantile per draw for every sector


def test_vectors_and_uniform_per_sector(ossa):
    n_s = len(ossa.sectors)
    means = [round(float(v), 6) for v in np.linspace(2.0, 8.0, n_s)]
    s = with_sigma(f'dist = "normal"\nmean = {means}\nsd = 0.5\nlow = 1.5\n')
    x = draw_parameters(s, 500, seed=1, world=ossa).to_numpy()
    assert np.corrcoef(x.mean(axis=0), means)[0, 1] > 0.99 and x.min() >= 1.5
    u = draw_parameters(with_sigma('dist = "uniform"\nlow = 2\nhigh = 6\nper_sector = true\n'), 300, seed=1,
                        world=ossa).to_numpy()
    assert u.shape == (300, n_s) and u.min() >= 2 and u.max() <= 6 and len(np.unique(u[0])) == n_s


def test_a_scalar_parameter_with_cv(ossa):
    s = with_sigma('dist = "normal"\nmean = 4\ncv = 0.25\n')
    x = draw_parameters(s, 4000, seed=2, world=ossa)["sigma"].to_numpy()
    assert abs(x.mean() - 4) < 4 * 1.0 / np.sqrt(len(x)) and abs(x.std() - 1.0) < 0.05


def test_model_parameters_regroup_sector_columns():
    row = {"sigma[a]": 2.0, "sigma[b]": 3.0, "weights_scale": 1.0}
    assert model_parameters(row) == {"sigma": [2.0, 3.0], "weights_scale": 1.0}


@pytest.mark.parametrize("body, field, words", [
    ('dist = "normal"\nmean = "sigma_nope"\ncv = 0.1\n', "uncertainty.sigma.mean", "no sector-data column"),
    ('dist = "normal"\nmean = "sigma_main"\nsd = [0.1, 0.2]\n', "uncertainty.sigma.sd", "2 numbers for 33 sectors"),
    ('dist = "normal"\nmean = "sigma_main"\nsd = "description"\n', "uncertainty.sigma.sd",
     "field 'sector_data.description': the standard deviation must be a finite number > 0; not so for ['ric'"),
])
def test_bad_per_sector_specs_name_the_field(ossa, body, field, words):
    with pytest.raises(ScenarioError) as info:
        draw_parameters(with_sigma(body), 10, seed=0, world=ossa)
    assert info.value.field == field and words in str(info.value), str(info.value)


def test_per_sector_draws_need_sectors(ignatenko_world):
    s = Scenario.from_text('name = "x"\ndataset = "ignatenko2025"\n[uncertainty.trade_elasticity]\n'
                           'dist = "normal"\nmean = 4\nsd = 0.5\nper_sector = true\n', source="s.toml")
    with pytest.raises(ScenarioError) as info:
        draw_parameters(s, 10, seed=0, world=ignatenko_world)
    assert info.value.field == "uncertainty.trade_elasticity" and "need a dataset with sectors" in str(info.value)


def test_monte_carlo_with_per_sector_sigma_equals_plain_runs(ossa):
    s = with_sigma('dist = "normal"\nmean = "sigma_main"\ncv = 0.15\nlow = 1.05\n')
    result = run_mc(s, 4, seed=2, batch_size=3)
    assert result.n_ok == 4 and result.failed.empty
    for d in (0, 3):
        sigma = [float(result.parameters.loc[d, f"sigma[{sec}]"]) for sec in ossa.sectors]
        model = build_model("ossa2014", ossa, {"sigma": sigma})
        plain = model.solve(resolve(s, ossa, model), s.name).countries
        rows = result.draws[(result.draws["draw"] == d) & (result.draws["kind"] == "country")].set_index("unit")
        np.testing.assert_allclose(rows.loc[list(plain.index), "welfare"], plain["welfare"], rtol=1e-9, atol=1e-12)
    # the draws matter: the bands are not a single point
    usa = result.summary.loc[("USA", "welfare")]
    assert usa["q95"] > usa["q05"]


def test_a_draw_outside_the_range_fails_that_draw_only(ossa):
    # sigma at or below 1 in some sector is outside the model: the draw is reported as failed
    s = with_sigma('dist = "uniform"\nlow = 0.5\nhigh = 1.6\nper_sector = true\n')
    result = run_mc(s, 3, seed=0, batch_size=2)
    assert len(result.failed) == 3 and result.n_ok == 0
    assert all("uncertainty.sigma" in e and "every sector" in e for e in result.failed["error"])


def test_caliendo_parro_theta_per_sector(require_dataset):
    from tradewar.run import load_scenario
    from tradewar.scenario import Uncertainty

    world = require_dataset("cp2015")
    s = load_scenario("cp2015/nafta").model_copy(update={"uncertainty": {
        "theta": Uncertainty(dist="normal", mean="theta", cv=0.2, low=0.5)}})
    result = run_mc(s, 3, seed=1, batch_size=2)
    assert result.n_ok == 3
    theta = [float(result.parameters.loc[2, f"theta[{sec}]"]) for sec in world.sectors]
    assert np.all(np.array(theta) >= 0.5) and len(set(theta)) == len(world.sectors)
    model = build_model("cp2015", world, {**s.model.parameters(), "theta": theta})
    plain = model.solve(resolve(s, world, model), s.name).countries
    rows = result.draws[(result.draws["draw"] == 2) & (result.draws["kind"] == "country")].set_index("unit")
    np.testing.assert_allclose(rows.loc[list(plain.index), "welfare"], plain["welfare"], rtol=1e-9, atol=1e-12)
