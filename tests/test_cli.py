"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest


def tradewar(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "tradewar.cli", *args], capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("table", [1, 2, 3])
def test_replicate_json_uses_the_target_labels(table):
    from tradewar.replicate import targets_dir

    cells = json.loads(tradewar("replicate", "ignatenko2025", "--table", str(table), "--json").stdout)
    target = json.loads((targets_dir() / f"ignatenko2025_table{table}.json").read_text())
    assert [(c["scenario"], c["row"], c["column"]) for c in cells] == [
        (c["scenario"], c["row"], c["column"]) for c in target["cells"]]
    assert all(set(c) == {"scenario", "row", "column", "value"} for c in cells)


def test_replicate_prints_published_computed_difference():
    text = tradewar("replicate", "ignatenko2025", "--table", "2").stdout
    assert "published" in text and "computed" in text and "difference" in text
    assert "48 of 48 cells reproduced" in text


def test_run_writes_csv_parquet_and_json(tmp_path):
    csv, parquet = tmp_path / "o.csv", tmp_path / "o.parquet"
    proc = tradewar("run", "ignatenko2025/B1_ustr", "--json", "--csv", str(csv), "--parquet", str(parquet))
    payload = json.loads(proc.stdout)
    assert payload["scenario"] == "B1"
    assert round(payload["countries"]["USA"]["welfare"], 2) == 1.13
    assert payload["diagnostics"]["converged"] is True
    assert "CHN" in payload["bilateral_balance_change"]["USA"]
    table = pd.read_csv(csv, index_col=0)
    assert table.loc["USA", "welfare"] == pytest.approx(payload["countries"]["USA"]["welfare"])
    assert pd.read_parquet(parquet).set_index("iso3").loc["CHN", "prices"] == pytest.approx(table.loc["CHN", "prices"])


def test_run_terminal_table_and_library_listing(tmp_path):
    text = tradewar("run", "ignatenko2025/us_china_25pct").stdout
    assert "USA" in text and "CHN" in text and "bilateral trade balances" in text
    listing = tradewar("scenarios").stdout
    assert "ignatenko2025/B1_ustr" in listing
    assert "available" in tradewar("datasets").stdout


def test_user_scenario_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\ndataset = "ignatenko2025"\n[[tariffs]]\nimporter = "EU27"\n'
                    'exporters = ["USA"]\nrate = 0.2\n')
    payload = json.loads(tradewar("run", str(path), "--json").stdout)
    assert payload["countries"]["USA"]["exports_gdp"] < 0
    assert tradewar("validate", str(path)).stdout.count("valid") == 1


def test_run_shows_strategy_progress(tmp_path):
    """A Nash or cooperative scenario prints its rounds (max tariff change, welfare) on stderr."""
    path = tmp_path / "talks.toml"
    path.write_text('name = "talks"\ndataset = "ossa2014"\n[model]\nname = "ossa2014"\n'
                    '[[strategy]]\nkind = "cooperative"\nplayers = ["USA", "CHN"]\nrestriction = "mfn"\n')
    proc = tradewar("run", str(path), "--countries", "USA,CHN")
    import re

    assert re.search(r"strategy\[0\] cooperative round +1: max tariff change", proc.stderr)
    assert "Ĝ mean" in proc.stderr
    assert "USA" in proc.stdout
