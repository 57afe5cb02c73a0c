"""Monte Carlo over model parameters (tradewar.montecarlo, `tradewar mc`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.montecarlo import draw_parameters, run_mc, sample
from tradewar.run import load_scenario
from tradewar.scenario import Scenario, Uncertainty

BASE = 'name = "x"\ndataset = "ignatenko2025"\n'



def b1_with(**uncertainty) -> Scenario:
    s = load_scenario("ignatenko2025/B1_ustr")
    return s.model_copy(update={"uncertainty": {k: Uncertainty(**v) for k, v in uncertainty.items()}})


def b1_toml(extra: str) -> str:
    text = load_scenario("ignatenko2025/B1_ustr").source
    return Path(text).read_text() + "\n" + extra


# ----------------------------------------------------------------------------- the [uncertainty] table
def test_uncertainty_table_parses_three_forms():
    s = Scenario.from_text(BASE + """
[uncertainty.trade_elasticity]
dist = "normal"
mean = 4
sd = 0.5
low = 1
high = 10
[uncertainty.labour_supply_elasticity]
dist = "uniform"
low = 0.3
high = 0.7
[uncertainty.pass_through]
values = [0.8, 0.9, 1.0]
""")
    u = s.uncertainty
    assert u["trade_elasticity"].dist == "normal" and u["trade_elasticity"].high == 10
    assert u["labour_supply_elasticity"].dist == "uniform"
    assert u["pass_through"].dist == "values" and u["pass_through"].values == [0.8, 0.9, 1.0]
    assert Scenario.from_text(BASE).uncertainty == {}


@pytest.mark.parametrize("body, where, words", [
    ('dist = "normal"\nmean = 4', "uncertainty.trade_elasticity", "needs sd"),
    ('dist = "uniform"\nlow = 3\nhigh = 2', "uncertainty.trade_elasticity", "must exceed low"),
    ('dist = "gamma"', "uncertainty.trade_elasticity.dist", "normal"),
    ('dist = "normal"\nmean = 4\nsd = -1', "uncertainty.trade_elasticity.sd", "greater than 0"),
    ('values = [4, "x"]', "uncertainty.trade_elasticity.values", "number"),
    ('dist = "uniform"\nlow = 1\nhigh = 2\nmean = 3', "uncertainty.trade_elasticity", "not used"),
    ('mean = 3', "uncertainty.trade_elasticity", "needs dist"),
])
def test_uncertainty_errors_name_the_field(body, where, words):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_text(BASE + "[uncertainty.trade_elasticity]\n" + body + "\n")
    assert f"{where}:" in str(info.value) and words in str(info.value)


def test_sampling_respects_distributions():
    rng = np.random.default_rng(3)
    x = sample(Uncertainty(dist="normal", mean=4, sd=0.5, low=3.5, high=10), 4000, rng)
    assert x.min() >= 3.5 and x.max() <= 10 and abs(np.median(x) - 4.1) < 0.03   # truncated below: F⁻¹(0.579)
    u = sample(Uncertainty(dist="uniform", low=1, high=2), 4000, rng)
    assert 1 <= u.min() and u.max() <= 2 and abs(u.mean() - 1.5) < 0.02
    v = sample(Uncertainty(values=[2.0, 5.0]), 200, rng)
    assert set(v) == {2.0, 5.0}
    s = b1_with(trade_elasticity=dict(dist="normal", mean=4, sd=0.5))
    a, b = draw_parameters(s, 50, 7), draw_parameters(s, 50, 7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(draw_parameters(s, 50, 8))


# ----------------------------------------------------------------------------- run_mc
@pytest.fixture(scope="module")
def mc40():
    s = b1_with(trade_elasticity=dict(dist="normal", mean=4, sd=0.5, low=1, high=10))
    return run_mc(s, 40, seed=1, batch_size=15)


def test_mc_summary_brackets_the_point_estimate(mc40):
    from tradewar.run import run

    r = mc40
    assert r.n_ok == 40 and r.failed.empty
    assert {"welfare", "real_wage", "employment"} <= set(r.metrics)
    point = run("ignatenko2025/B1_ustr").countries          # trade_elasticity = 4
    for c in ("USA", "CHN", "CAN", "MEX"):
        row = r.summary.loc[(c, "welfare")]
        assert row["q05"] <= row["median"] <= row["q95"] and row["n"] == 40
        assert row["q05"] - 1e-9 <= point.loc[c, "welfare"] <= row["q95"] + 1e-9
    assert {"world", "rest of world", "EU27"} <= set(r.groups) and r.actors == ("USA",)
    # the draws table: one row per (draw, unit), with the drawn parameter
    assert len(r.draws) == 40 * (194 + len(r.groups))
    usa = r.draws[r.draws.unit == "USA"].set_index("draw")
    np.testing.assert_allclose(usa["trade_elasticity"], r.parameters["trade_elasticity"])
    assert np.median(usa["welfare"]) == pytest.approx(r.summary.loc[("USA", "welfare"), "median"])


def test_each_draw_equals_a_plain_run_of_its_parameters(mc40):
    """Warm starts and batching do not change results: a draw equals `run` with its parameters."""
    from tradewar.run import run

    s = load_scenario("ignatenko2025/B1_ustr")
    for d in (0, 17):
        eps = float(mc40.parameters.loc[d, "trade_elasticity"])
        model = type(s.model)(**{"name": "one_sector", **s.model.parameters(), "trade_elasticity": eps})
        o = run(s.model_copy(update={"model": model})).countries
        got = mc40.draws[(mc40.draws.draw == d) & (mc40.draws.kind == "country")].set_index("unit")
        np.testing.assert_allclose(got.loc[o.index, "welfare"], o["welfare"], atol=1e-8)


def test_same_seed_same_results_any_batching(mc40):
    s = b1_with(trade_elasticity=dict(dist="normal", mean=4, sd=0.5, low=1, high=10))
    again = run_mc(s, 40, seed=1, batch_size=15)
    pd.testing.assert_frame_equal(again.draws, mc40.draws)
    other = run_mc(s, 40, seed=1, batch_size=40)          # other warm starts: same to solver precision
    np.testing.assert_allclose(other.draws["welfare"], mc40.draws["welfare"], atol=1e-8)


def test_failed_draws_are_reported_not_dropped(monkeypatch):
    from tradewar.models import one_sector as eq

    real = eq.solve

    def flaky(base, t, *a, **k):
        if base.params.trade_elasticity > 4.5:
            raise ConvergenceError("synthetic failure for the test")
        return real(base, t, *a, **k)

    monkeypatch.setattr(eq, "solve", flaky)
    s = b1_with(trade_elasticity=dict(values=[3.0, 4.0, 5.0]))
    r = run_mc(s, 12, seed=2, batch_size=5)
    bad = r.parameters["trade_elasticity"] == 5.0
    assert bad.any() and (r.parameters.loc[bad, "status"] == "failed").all()
    assert r.failed["error"].str.contains("synthetic failure").all()
    assert r.n_ok == (~bad).sum() and set(r.draws.draw) == set(np.flatnonzero(~bad))
    assert r.summary.loc[("USA", "welfare"), "n"] == (~bad).sum()


def test_draw_outside_the_model_range_is_a_failed_draw():
    s = b1_with(trade_elasticity=dict(values=[-2.0, 4.0]))
    r = run_mc(s, 6, seed=0)
    bad = r.parameters["trade_elasticity"] < 0
    assert (r.parameters.loc[bad, "status"] == "failed").all() and bad.any()
    assert r.failed["error"].str.contains("uncertainty.trade_elasticity").all()


def test_no_uncertainty_table_is_an_error():
    with pytest.raises(ScenarioError, match="uncertainty"):
        run_mc("ignatenko2025/B1_ustr", 5)


# ----------------------------------------------------------------------------- CLI
def test_mc_command_prints_bands_and_writes_parquet(tmp_path):
    from tradewar.cli import app

    path = tmp_path / "mc.toml"
    path.write_text(b1_toml('[uncertainty.trade_elasticity]\ndist = "uniform"\nlow = 3\nhigh = 5\n'))
    out = tmp_path / "draws.parquet"
    res = CliRunner().invoke(app, ["mc", str(path), "--draws", "20", "--seed", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "USA" in res.output and "world" in res.output and "20 draws" in res.output
    table = pd.read_parquet(out)
    assert set(table.draw) == set(range(20)) and (table.status == "ok").all()
    assert {"unit", "kind", "trade_elasticity", "welfare"} <= set(table.columns)


def test_strategy_scenarios_are_drawn_like_run():
    """A scenario with a [[strategy]] (the US optimal uniform tariff) goes through the strategy
    layer for every draw, as `tradewar run` does."""
    from tradewar.run import run

    s = load_scenario("ignatenko2025/B3_numerical")
    s = s.model_copy(update={"uncertainty": {"trade_elasticity": Uncertainty(values=[3.5, 4.5])}})
    r = run_mc(s, 3, seed=5)
    assert r.n_ok == 3
    for d in range(3):
        eps = float(r.parameters.loc[d, "trade_elasticity"])
        model = type(s.model)(**{"name": "one_sector", **s.model.parameters(), "trade_elasticity": eps})
        want = run(s.model_copy(update={"model": model})).countries.loc["USA", "welfare"]
        got = r.draws[(r.draws.draw == d) & (r.draws.unit == "USA")]["welfare"].item()
        assert got == pytest.approx(want, abs=1e-8)
