"""Synthetic worlds of any size (tradewar.synthetic) and Monte Carlo on them."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.data.long_csv import load_long_csv
from tradewar.errors import TradewarError
from tradewar.montecarlo import run_mc
from tradewar.scenario import Scenario
from tradewar.synthetic import synthetic_world, write_dataset

SCENARIO = '''
name = "synthetic-usa"
dataset = "synthetic"
[model]
name = "one_sector"
trade_elasticity = 4.0
[[tariffs]]
importer = "USA"
rate = { column = "applied_tariff" }
floor = 0.10
[uncertainty.trade_elasticity]
dist = "normal"
mean = 4.0
sd = 0.5
low = 1.0
high = 10.0
'''


@pytest.mark.parametrize("n, sectors", [(1000, 1), (40, 4)])
def test_synthetic_worlds_are_consistent(n, sectors):
    w = synthetic_world(n, sectors=sectors, seed=3)
    flows = np.asarray(w.flows)
    assert flows.shape == (n, n, sectors) and w.iso3[0] == "USA" and len(set(w.iso3)) == n
    assert (flows >= 0).all() and np.allclose(flows[np.arange(n), np.arange(n)], 0.0)
    trade = flows.sum(axis=2)
    openness = (trade.sum(axis=0) + trade.sum(axis=1)) / w.countries["gdp"].to_numpy()
    assert openness.min() > 0.19 and openness.max() < 0.81          # exports + imports < GDP
    again = synthetic_world(n, sectors=sectors, seed=3)
    assert np.array_equal(np.asarray(again.flows), flows)            # same seed, same world
    with pytest.raises(TradewarError, match="number of countries"):
        synthetic_world(0)


def test_written_dataset_loads_back(tmp_path):
    w = synthetic_world(30, sectors=2, seed=1)
    folder = write_dataset(w, tmp_path / "synth30")
    back = load_long_csv(folder / "flows.csv", folder / "countries.csv", name="synth30")
    assert back.iso3 == w.iso3 and set(back.sectors) == set(w.sectors)
    np.testing.assert_allclose(np.asarray(back.flows), np.asarray(w.flows), rtol=1e-15)
    np.testing.assert_allclose(back.countries["applied_tariff"], w.countries["applied_tariff"])


def test_monte_carlo_on_a_big_synthetic_world():
    w = synthetic_world(300, seed=2)
    r = run_mc(Scenario.from_text(SCENARIO), 12, seed=1, world=w, batch_size=6)
    assert r.n_ok == 12 and r.actors == ("USA",) and "BIG10" in r.groups
    row = r.summary.loc[("USA", "welfare")]
    assert row["q05"] <= row["median"] <= row["q95"] and np.isfinite(row["median"])
    assert len(r.draws) == 12 * (300 + len(r.groups))


def test_synthetic_io_world_is_a_cp2015_equilibrium():
    """The synthetic input-output world is its own baseline equilibrium in the CP model, and a
    tariff counterfactual on it converges (the big-world benchmark uses 200 × 100)."""
    import numpy as np

    from tradewar.models.cp2015_model import CPModel
    from tradewar.policy import Policy
    from tradewar.synthetic import synthetic_io_world

    world = synthetic_io_world(8, sectors=5, seed=3)
    model = CPModel(world)
    assert model.reference.diagnostics.iterations == 0
    t = np.array(world.tariffs)
    t[1:, 0, :] += 0.1
    out = model.solve(Policy.baseline(world).with_tariffs(t), scenario="synthetic")
    assert out.diagnostics.converged
    assert out.countries.iloc[0]["imports_gdp"] < 0
