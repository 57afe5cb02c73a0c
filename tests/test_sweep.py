"""Sweeps over one field of a scenario (tradewar.sweep, `tradewar sweep`)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar.errors import ScenarioError, TradewarError
from tradewar.run import load_scenario, run
from tradewar.sweep import parse_path, parse_vary, run_sweep, with_value


def test_parsing_fields_and_values():
    assert parse_path("tariffs[0].rate") == ["tariffs", 0, "rate"]
    assert parse_path("model.trade_elasticity") == ["model", "trade_elasticity"]
    field, values = parse_vary("tariffs[0].rate=0:1:11")
    assert field == "tariffs[0].rate" and len(values) == 11 and values[0] == 0 and values[-1] == 1
    assert parse_vary("model.trade_elasticity=3,4.5")[1] == [3.0, 4.5]
    for bad in ("tariffs[0].rate", "tariffs[0].rate=a:b", "tariffs[0].rate=0:1:0", "tar iffs=1", "x=,"):
        with pytest.raises(TradewarError, match="--vary"):
            parse_vary(bad)


def test_with_value_validates_like_a_file():
    s = load_scenario("ignatenko2025/B1_ustr")
    assert with_value(s, "tariffs[0].floor", 0.2).tariffs[0].floor == 0.2
    assert with_value(s, "model.trade_elasticity", 5.0).model.parameters()["trade_elasticity"] == 5.0
    with pytest.raises(ScenarioError, match=r"tariffs\[0\].floor"):
        with_value(s, "tariffs[0].floor", -1.0)
    with pytest.raises(TradewarError, match=r"no tariffs\[3\]"):
        with_value(s, "tariffs[3].rate", 0.1)


def test_sweep_matches_single_runs():
    s = load_scenario("ignatenko2025/us_china_25pct")
    table = run_sweep(s, "tariffs[0].rate", [0.0, 0.25, 0.5])
    assert table.attrs["actors"] == ("CHN", "USA") or set(table.attrs["actors"]) == {"CHN", "USA"}
    at25 = table[(table.value == 0.25) & (table.unit == "USA")]["welfare"].item()
    assert at25 == pytest.approx(run(s).countries.loc["USA", "welfare"], abs=1e-10)   # the file's own rate
    zero = table[table.value == 0.0]
    assert np.allclose(zero[zero.kind == "country"]["welfare"], 0.0, atol=1e-9)
    assert {"world", "EU27"} <= set(table[table.kind == "group"].unit)


def test_sweep_command_prints_and_charts(tmp_path):
    from tradewar.cli import app

    png, csv = tmp_path / "s.png", tmp_path / "s.csv"
    res = CliRunner().invoke(app, ["sweep", "ignatenko2025/B1_ustr", "--vary", "model.trade_elasticity=3:5:3",
                                   "--chart", str(png), "--csv", str(csv), "--countries", "USA,CHN,world"])
    assert res.exit_code == 0, res.output
    assert "USA" in res.output and "+1.131" in res.output          # ε = 4 is B1 itself (Table 1: +1.13)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and csv.stat().st_size > 0
    res = CliRunner().invoke(app, ["sweep", "ignatenko2025/B1_ustr", "--vary", "model.trade_elasticity=4",
                                   "--metric", "nope"])
    assert res.exit_code != 0
