"""Bad input gives a specific TradewarError whose message names the field and the offending value.

Scenario cases start from a valid B1-like scenario (dataset ignatenko2025, importer USA,
rate 0.25) and change one thing; each case id names the field it checks.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tradewar.data.long_csv import load_long_csv
from tradewar.data.registry import data_dir, load_dataset
from tradewar.errors import ConvergenceError, DataError, ParameterError, ScenarioError, TradewarError
from tradewar.models.one_sector import OneSectorSystem
from tradewar.models.one_sector_model import OneSectorModel
from tradewar.policy import Policy
from tradewar.run import run
from tradewar.scenario import Scenario
from tradewar.solver import newton
from tradewar.world import World

SOURCE = "bad.toml"

# --------------------------------------------------------------------------- scenario helper
TOP = {"name": '"B1-test"', "dataset": '"ignatenko2025"'}
MODEL = {"name": '"one_sector"', "trade_elasticity": "4.0"}
TARIFF = {"importer": '"USA"', "exporters": '"all"', "rate": "0.25"}


def scenario_text(top=None, model=None, tariff=None, extra: str = "") -> str:
    """A valid B1-like scenario with keys replaced (TOML literals) or removed (None)."""

    def lines(base, edits):
        merged = {**base, **(edits or {})}
        return "".join(f"{k} = {v}\n" for k, v in merged.items() if v is not None)

    return (lines(TOP, top) + "\n[model]\n" + lines(MODEL, model)
            + "\n[[tariffs]]\n" + lines(TARIFF, tariff) + ("\n" + extra + "\n" if extra else ""))


def retaliation(**keys) -> str:
    keys = {"against": '"USA"', "rule": '"reciprocal"', **keys}
    return "[[retaliation]]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items() if v is not None)


def assert_names(exc: BaseException, fragments) -> None:
    message = str(exc)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in message: {message}"


def test_helper_scenario_is_valid():
    scenario = Scenario.from_text(scenario_text(), source=SOURCE)
    assert scenario.dataset == "ignatenko2025" and scenario.tariffs[0].rate == 0.25


# --------------------------------------------------------------------------- scenario: parsing
# Errors found by Scenario.from_text alone (no data needed).
PARSE_CASES = [
    ("TOML-syntax", dict(extra="foo = "), ["TOML", "syntax error", "line"]),
    ("dataset-missing", dict(top={"dataset": None}), ["dataset", "required field is missing"]),
    ("top-level-typo-datset", dict(top={"datset": '"ignatenko2025"'}), ["datset", "unknown field", "'ignatenko2025'"]),
    ("name-empty", dict(top={"name": '""'}), ["name", "''"]),
    ("tariffs[0].importer-not-a-string", dict(tariff={"importer": "840"}), ["tariffs[0].importer", "(got 840)"]),
    ("tariffs[0].rate-unknown-word", dict(tariff={"rate": '"high"'}), ["tariffs[0].rate", "'high'", "optimal", "column"]),
    ("tariffs[0].rate-percent-string", dict(tariff={"rate": '"25%"'}), ["tariffs[0].rate", "'25%'"]),
    ("tariffs[0].rate-boolean", dict(tariff={"rate": "true"}), ["tariffs[0].rate", "(got True)"]),
    ("tariffs[0].rate-minus-one", dict(tariff={"rate": "-1.0"}), ["tariffs[0].rate", "(got -1.0)", "(-1, 10]"]),
    ("tariffs[0].rate-below-minus-one", dict(tariff={"rate": "-3"}), ["tariffs[0].rate", "(got -3)", "(-1, 10]"]),
    ("tariffs[0].rate-25-meaning-25pct", dict(tariff={"rate": "25"}), ["tariffs[0].rate", "(got 25)", "0.25 means 25%"]),
    ("tariffs[0].rate-nan", dict(tariff={"rate": "nan"}), ["tariffs[0].rate", "(got nan)"]),
    ("tariffs[0].rate-inf", dict(tariff={"rate": "inf"}), ["tariffs[0].rate", "(got inf)"]),
    ("tariffs[0].rate-table-unknown-key", dict(tariff={"rate": '{ column = "applied_tariff", scale = 2 }'}),
     ["tariffs[0].rate", "scale", "column"]),
    ("tariffs[0].floor-negative", dict(tariff={"floor": "-0.1"}), ["tariffs[0].floor", "(got -0.1)"]),
    ("tariffs[0].floor-nan", dict(tariff={"floor": "nan"}), ["tariffs[0].floor", "nan", "finite"]),
    ("tariffs[0].floor-boolean", dict(tariff={"floor": "true"}), ["tariffs[0].floor", "(got True)"]),
    ("tariffs[0].mode-unknown", dict(tariff={"mode": '"replace"'}), ["tariffs[0].mode", "'replace'", "'add'"]),
    ("tariffs[0].optimal_denominator-unknown", dict(tariff={"rate": '"optimal"', "optimal_denominator": '"gdp"'}),
     ["tariffs[0].optimal_denominator", "'gdp'"]),
    ("tariffs[0].typo-importr", dict(tariff={"importr": '"USA"'}), ["tariffs[0].importr", "unknown field"]),
    ("retaliation[0].rate-missing-for-rule-rate", dict(extra=retaliation(rule='"rate"')),
     ["retaliation[0].rate", "rule 'rate' needs a 'rate'"]),
    ("retaliation[0].rate-given-with-reciprocal", dict(extra=retaliation(rate="0.2")),
     ["retaliation[0].rate", "(got 0.2)", "'reciprocal'"]),
    ("retaliation[0].rule-unknown", dict(extra=retaliation(rule='"tit_for_tat"')),
     ["retaliation[0].rule", "'tit_for_tat'", "'reciprocal'"]),
    ("retaliation[0].rate-below-minus-one", dict(extra=retaliation(rule='"rate"', rate="-2.0")),
     ["retaliation[0].rate", "(got -2.0)"]),
    ("retaliation[0].rate-nan", dict(extra=retaliation(rule='"rate"', rate="nan")), ["retaliation[0].rate", "nan"]),
    ("retaliation[0].against-missing", dict(extra=retaliation(against=None)),
     ["retaliation[0].against", "required field is missing"]),
    ("deficits.partner-missing-for-balanced_bilateral", dict(extra='[deficits]\nclosure = "balanced_bilateral"'),
     ["deficits.partner", "balanced_bilateral", "partner"]),
    ("deficits.closure-unknown", dict(extra='[deficits]\nclosure = "balanced"'), ["deficits.closure", "'balanced'"]),
    ("model.name-unknown", dict(model={"name": '"two_sector"'}), ["model.name", "'two_sector'", "one_sector"]),
]


@pytest.mark.parametrize("edits, fragments", [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_bad_scenario_text(edits, fragments):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_text(scenario_text(**edits), source=SOURCE)
    assert_names(info.value, [SOURCE, *fragments])
    assert info.value.source == SOURCE


# --------------------------------------------------------------------------- scenario: against the world
# Errors found when the scenario meets its dataset and model (need the ignatenko2025 data).
RUN_CASES = [
    ("dataset-unknown", dict(top={"dataset": '"ignatenko2052"'}), ["dataset", "'ignatenko2052'", "ignatenko2025"]),
    ("tariffs[0].importer-unknown-code", dict(tariff={"importer": '"USB"'}),
     ["tariffs[0].importer", "'USB'", "did you mean", "USA"]),
    ("tariffs[0].importer-lower-case", dict(tariff={"importer": '"usa"'}), ["tariffs[0].importer", "'usa'", "USA"]),
    ("tariffs[0].exporters-unknown-code-in-list", dict(tariff={"exporters": '["CHN", "XXX"]'}),
     ["tariffs[0].exporters", "'XXX'"]),
    ("tariffs[0].exporters-unknown-group", dict(tariff={"exporters": '"EU28"'}),
     ["tariffs[0].exporters", "'EU28'", "did you mean", "EU27"]),
    ("tariffs[0].exporters-empty-list", dict(tariff={"exporters": "[]"}), ["tariffs[0].exporters", "empty"]),
    ("tariffs[0].rate.column-unknown", dict(tariff={"rate": '{ column = "aplied_tariff" }'}),
     ["tariffs[0].rate.column", "'aplied_tariff'", "applied_tariff"]),
    ("tariffs[0].rate.column-not-numeric", dict(tariff={"rate": '{ column = "name" }'}),
     ["tariffs[0].rate.column", "'name'", "not a number"]),
    ("tariffs[0].sectors-unknown", dict(tariff={"sectors": '["steel"]'}), ["tariffs[0].sectors", "steel", "goods"]),
    ("tariffs[1]-add-below-minus-one",
     dict(tariff={"rate": "-0.9", "mode": '"add"'},
          extra='[[tariffs]]\nimporter = "USA"\nexporters = "CHN"\nrate = -0.9\nmode = "add"'),
     ["tariffs[1]", "exceed -1", "CHN→USA=-1.8"]),
    ("retaliation[0].against-unknown-code", dict(extra=retaliation(against='"USX"')),
     ["retaliation[0].against", "'USX'", "did you mean", "USA"]),
    ("retaliation[0].against-a-group", dict(extra=retaliation(against='"EU27"')),
     ["retaliation[0].against", "'EU27'", "one country"]),
    ("retaliation[0].by-unknown-code", dict(extra=retaliation(by='"CHX"')), ["retaliation[0].by", "'CHX'", "CHN"]),
    ("deficits.partner-unknown-code", dict(extra='[deficits]\nclosure = "balanced_bilateral"\npartner = "CHX"'),
     ["deficits.partner", "'CHX'", "did you mean", "CHN"]),
    ("model.trade_elastisity-unknown-parameter", dict(model={"trade_elastisity": "4.0"}),
     ["model.trade_elastisity", "unknown parameter", "trade_elasticity"]),
    ("model.trade_elasticity-zero", dict(model={"trade_elasticity": "0.0"}), ["model.trade_elasticity", "(got 0.0)", "range"]),
    ("model.trade_elasticity-negative", dict(model={"trade_elasticity": "-4"}), ["model.trade_elasticity", "(got -4)", "range"]),
    ("model.trade_elasticity-nan", dict(model={"trade_elasticity": "nan"}), ["model.trade_elasticity", "(got nan)", "finite"]),
    ("model.trade_elasticity-inf", dict(model={"trade_elasticity": "inf"}), ["model.trade_elasticity", "(got inf)", "finite"]),
    ("model.trade_elasticity-huge", dict(model={"trade_elasticity": "1e6"}),
     ["model.trade_elasticity", "(got 1000000.0)", "range"]),
    ("model.trade_elasticity-string", dict(model={"trade_elasticity": '"four"'}),
     ["model.trade_elasticity", "'four'", "number"]),
    ("model.trade_elasticity-boolean", dict(model={"trade_elasticity": "true"}), ["model.trade_elasticity", "(got True)"]),
    ("model.trade_elasticity-list", dict(model={"trade_elasticity": "[4.0]"}), ["model.trade_elasticity", "(got [4.0])"]),
    ("model.labour_supply_elasticity-negative", dict(model={"labour_supply_elasticity": "-0.5"}),
     ["model.labour_supply_elasticity", "(got -0.5)", "range"]),
    ("model.pass_through-zero", dict(model={"pass_through": "0"}), ["model.pass_through", "(got 0)", "(0.0"]),
    ("model.revenue-unknown", dict(model={"revenue": '"lumpsum"'}), ["model.revenue", "'lumpsum'", "lump_sum"]),
    ("model.variant-unknown", dict(model={"variant": '"ek"'}), ["model.variant", "'ek'", "eaton_kortum_krugman"]),
    ("model.nu-one", dict(model={"nu": "1.0"}), ["model.nu", "(got 1.0)", "1.0)"]),
    ("model.nu-above-one", dict(model={"nu": "1.5"}), ["model.nu", "(got 1.5)"]),
    ("model.nu-unknown-word", dict(model={"nu": '"calibrate"'}), ["model.nu", "'calibrate'"]),
    ("model.nu_home-unknown", dict(model={"nu_home": '"XXX"'}), ["model.nu_home", "'XXX'", "ignatenko2025"]),
    ("model.nu_targets-one-number", dict(model={"nu_targets": "[0.1]"}), ["model.nu_targets", "(got [0.1])", "two"]),
    ("model.nu_targets-out-of-range", dict(model={"nu_targets": "[0.12, 1.5]"}), ["model.nu_targets", "(got [0.12, 1.5])", "[0, 1)"]),
    ("model.nu_start-scalar", dict(model={"nu_start": "0.1"}), ["model.nu_start", "(got 0.1)", "two"]),
]


@pytest.mark.parametrize("edits, fragments", [c[1:] for c in RUN_CASES], ids=[c[0] for c in RUN_CASES])
def test_bad_scenario_against_world(ignatenko_world, edits, fragments):
    scenario = Scenario.from_text(scenario_text(**edits), source=SOURCE)  # parses: the world rejects it
    with pytest.raises(ScenarioError) as info:
        run(scenario)
    assert_names(info.value, [SOURCE, *fragments])


# --------------------------------------------------------------------------- scenario files
def test_scenario_file_not_found(tmp_path):
    path = tmp_path / "missing.toml"
    for call in (Scenario.from_toml, run):
        with pytest.raises(ScenarioError) as info:
            call(path)
        assert_names(info.value, [str(path), "file", "not found"])


def test_scenario_library_name_unknown():
    with pytest.raises(ScenarioError) as info:
        run("ignatenko2025/B9_nonexistent")
    assert_names(info.value, ["ignatenko2025/B9_nonexistent", "not found", "tradewar scenarios"])


@pytest.mark.parametrize("content", [b'name = "x"\n\xff\xfe\x00\x81', "name = 'café'\n".encode("latin-1")],
                         ids=["file-binary-bytes", "file-latin-1"])
def test_scenario_file_not_utf8(write_file, content):
    path = write_file("binary.toml", content)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(path)
    assert_names(info.value, [str(path), "file", "UTF-8"])


def test_scenario_file_is_a_directory(tmp_path):
    path = tmp_path / "folder.toml"
    path.mkdir()
    with pytest.raises(ScenarioError) as info:
        run(path)
    assert_names(info.value, [str(path), "file"])


# --------------------------------------------------------------------------- World
CODES = ["USA", "CHN", "DEU"]
GOOD_FLOWS = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 1.0], [2.0, 2.0, 0.0]])


def _countries(index=CODES, **columns):
    data = {"name": list(index), "gdp": [10.0, 8.0, 4.0]}
    data.update(columns)
    return pd.DataFrame(data, index=list(index))


def _with(array, pos, value):
    out = np.array(array, dtype=float)
    out[pos] = value
    return out


WORLD_CASES = [
    ("flows-not-square", dict(flows=GOOD_FLOWS[:, :2]), "flows", ["square", "(3, 2, 1)"]),
    ("flows-wrong-size", dict(flows=GOOD_FLOWS[:2, :2]), "flows", ["(2, 2, 1)", "3 countries"]),
    ("flows-negative", dict(flows=_with(GOOD_FLOWS, (0, 1), -1.5)), "flows", ["negative", "USA→CHN=-1.5"]),
    ("flows-nan", dict(flows=_with(GOOD_FLOWS, (1, 2), np.nan)), "flows", ["NaN", "CHN→DEU"]),
    ("flows-inf", dict(flows=_with(GOOD_FLOWS, (1, 2), np.inf)), "flows", ["infinite", "CHN→DEU"]),
    ("flows-country-without-trade", dict(flows=np.array([[0.0, 1, 0], [1, 0, 0], [0, 0, 0]])), "flows",
     ["no trade", "DEU"]),
    ("countries.iso3-duplicate", dict(countries=_countries(["USA", "USA", "DEU"])), "countries.iso3",
     ["duplicate", "USA"]),
    ("countries.iso3-not-iso3", dict(countries=_countries(["USA", "China", "DEU"])), "countries.iso3",
     ["ISO3", "China"]),
    ("countries.iso3-lower-case", dict(countries=_countries(["usa", "CHN", "DEU"])), "countries.iso3", ["usa"]),
    ("gdp-column-missing", dict(countries=_countries().rename(columns={"gdp": "GDP"})), "gdp", ["missing"]),
    ("gdp-nan", dict(countries=_countries(gdp=[10.0, np.nan, 4.0])), "gdp", ["not a number", "CHN"]),
    ("gdp-text", dict(countries=_countries(gdp=[10.0, "n/a", 4.0])), "gdp", ["not a number", "CHN"]),
    ("gdp-zero", dict(countries=_countries(gdp=[10.0, 0.0, 4.0])), "gdp", ["positive", "CHN=0"]),
    ("gdp-negative", dict(countries=_countries(gdp=[10.0, 8.0, -4.0])), "gdp", ["positive", "DEU=-4"]),
    ("tariffs-minus-one", dict(tariffs=_with(np.zeros((3, 3)), (2, 0), -1.0)), "tariffs", ["-1", "DEU→USA"]),
    ("tariffs-nan", dict(tariffs=_with(np.zeros((3, 3)), (2, 0), np.nan)), "tariffs", ["NaN", "DEU→USA"]),
    ("tariffs-wrong-shape", dict(tariffs=np.zeros((2, 2))), "tariffs", ["(2, 2, 1)"]),
    ("groups.G2-unknown-member", dict(groups={"G2": ("USA", "XXX")}), "groups.G2", ["unknown", "XXX"]),
    ("countries-empty", dict(countries=pd.DataFrame({"name": [], "gdp": []}), flows=np.zeros((0, 0))),
     "countries", ["no countries"]),
    ("sectors-do-not-match-flows", dict(sectors=("a", "b")), "flows", ["2 sectors"]),
]


@pytest.mark.parametrize("changes, field, fragments", [c[1:] for c in WORLD_CASES], ids=[c[0] for c in WORLD_CASES])
def test_bad_world(changes, field, fragments):
    args = {**dict(name="toy", countries=_countries(), sectors=("goods",), flows=GOOD_FLOWS), **changes}
    with pytest.raises(DataError) as info:
        World(**args)
    assert info.value.field == field
    assert info.value.dataset == "toy"
    assert_names(info.value, [f"'{field}'", *fragments])


def test_good_world_is_accepted():
    world = World(name="toy", countries=_countries(), sectors=("goods",), flows=GOOD_FLOWS)
    assert world.n_countries == 3


def test_unknown_group_lookup():
    world = World(name="toy", countries=_countries(), sectors=("goods",), flows=GOOD_FLOWS, groups={"G2": ("USA",)})
    with pytest.raises(DataError) as info:
        world.group("G7")
    assert_names(info.value, ["groups", "'G7'", "G2"])


def test_model_refuses_world_with_baseline_tariffs():
    """The one-sector model's tariffs are levels on a free-trade baseline (it ignores
    World.tariffs when calibrating); a world with baseline tariffs would be misread."""
    tariffs = _with(np.zeros((3, 3)), (1, 0), 0.2)
    world = World(name="toy", countries=_countries(), sectors=("goods",), flows=GOOD_FLOWS, tariffs=tariffs)
    with pytest.raises(DataError) as info:
        OneSectorModel(world, nu=0.1)
    assert_names(info.value, ["'tariffs'", "zero baseline tariffs", "CHN→USA=0.2"])


def test_model_parameter_error_direct():
    world = World(name="toy", countries=_countries(), sectors=("goods",), flows=GOOD_FLOWS)
    with pytest.raises(ParameterError) as info:
        OneSectorModel(world, nu=0.1, trade_elasticity=-1.0)
    assert info.value.field == "model.trade_elasticity" and info.value.value == -1.0
    assert_names(info.value, ["model.trade_elasticity", "-1.0"])


# --------------------------------------------------------------------------- CSV loader
COUNTRIES_CSV = "iso3,gdp,name\nUSA,10,United States\nCHN,8,China\nDEU,4,Germany\n"
FLOWS_CSV = "exporter,importer,value\nUSA,CHN,1\nCHN,USA,2\nDEU,USA,1\nUSA,DEU,0.5\n"

CSV_CASES = [
    ("flows.csv:value-column-missing", "exporter,importer,val\nUSA,CHN,1\n", COUNTRIES_CSV,
     "flows.csv:value", ["missing column", "'value'", "'val'"]),
    ("flows.csv:value-not-a-number", "exporter,importer,value\nUSA,CHN,1\nCHN,USA,abc\n", COUNTRIES_CSV,
     "flows.csv:value", ["line(s) [3]", "'abc'"]),
    ("flows.csv:value-empty", "exporter,importer,value\nUSA,CHN,\nCHN,USA,2\n", COUNTRIES_CSV,
     "flows.csv:value", ["line(s) [2]"]),
    ("flows.csv:value-negative", "exporter,importer,value\nUSA,CHN,1\nCHN,USA,-2\n", COUNTRIES_CSV,
     "flows.csv:value", ["negative", "line(s) [3]", "-2"]),
    ("flows.csv:importer-unknown-code", "exporter,importer,value\nUSA,CHN,1\nCHN,FRA,2\n", COUNTRIES_CSV,
     "flows.csv:importer", ["unknown country codes", "FRA"]),
    ("flows.csv:exporter-unknown-code", "exporter,importer,value\nXXX,CHN,1\n", COUNTRIES_CSV,
     "flows.csv:exporter", ["XXX"]),
    ("flows.csv:exporter/importer-duplicate-pair", "exporter,importer,value\nUSA,CHN,1\nCHN,USA,2\nUSA,CHN,3\n",
     COUNTRIES_CSV, "flows.csv:exporter/importer", ["duplicate", "line(s) [2, 4]"]),
    ("flows.csv:importer-empty", "exporter,importer,value\nUSA,,1\nCHN,USA,2\n", COUNTRIES_CSV,
     "flows.csv:importer", ["empty", "line(s) [2]"]),
    ("flows.csv-empty-file", "", COUNTRIES_CSV, "flows.csv", ["cannot parse", "flows.csv"]),
    ("flows.csv-binary", b"\xff\xfe\x00\x81\x90" * 10, COUNTRIES_CSV, "flows.csv", ["cannot parse", "flows.csv"]),
    ("flows.csv-row-longer-than-header", "exporter,importer,value\nUSA,CHN,1,5,6\nCHN,USA,2\n", COUNTRIES_CSV,
     "flows.csv", ["more fields than the header"]),
    ("countries.csv:gdp-column-missing", FLOWS_CSV, "iso3,name\nUSA,US\n",
     "countries.csv:gdp", ["missing column", "'gdp'"]),
    ("countries.csv:gdp-not-a-number", FLOWS_CSV, "iso3,gdp\nUSA,x\nCHN,8\nDEU,4\n",
     "countries.csv:gdp", ["line(s) [2]", "'x'"]),
    ("countries.csv:iso3-empty", FLOWS_CSV, "iso3,gdp\nUSA,10\n,8\nDEU,4\n", "countries.csv:iso3", ["line(s) [3]"]),
    ("gdp-negative-via-csv", FLOWS_CSV, "iso3,gdp\nUSA,-1\nCHN,8\nDEU,4\n", "gdp", ["positive", "USA=-1"]),
    ("countries.iso3-duplicate-via-csv", FLOWS_CSV, "iso3,gdp\nUSA,1\nUSA,2\nCHN,8\nDEU,4\n",
     "countries.iso3", ["duplicate", "USA"]),
    ("flows.csv-header-only", "exporter,importer,value\n", COUNTRIES_CSV, "flows.csv", ["no rows", "no flows"]),
    ("flows.csv:value-infinite", "exporter,importer,value\nUSA,CHN,inf\nCHN,USA,2\n", COUNTRIES_CSV,
     "flows.csv:value", ["line(s) [2]", "inf"]),
    ("flows.csv:exporter/importer-domestic-for-one-country-only", FLOWS_CSV + "USA,USA,5\n", COUNTRIES_CSV,
     "flows.csv:exporter/importer", ["domestic flows", "['USA']", "['CHN', 'DEU']"]),
]


@pytest.mark.parametrize("flows, countries, field, fragments", [c[1:] for c in CSV_CASES],
                         ids=[c[0] for c in CSV_CASES])
def test_bad_long_csv(write_file, flows, countries, field, fragments):
    flows_path = write_file("flows.csv", flows)
    countries_path = write_file("countries.csv", countries)
    with pytest.raises(DataError) as info:
        load_long_csv(flows_path, countries_path)
    assert info.value.field == field
    assert_names(info.value, [field, *fragments])


def test_long_csv_good_files_load(write_file):
    world = load_long_csv(write_file("flows.csv", FLOWS_CSV), write_file("countries.csv", COUNTRIES_CSV))
    assert world.iso3 == tuple(CODES) and world.flows[1, 0, 0] == 2.0


@pytest.mark.parametrize("missing", ["flows", "countries"], ids=["flows.csv-not-found", "countries.csv-not-found"])
def test_long_csv_file_not_found(write_file, tmp_path, missing):
    paths = {"flows": write_file("flows.csv", FLOWS_CSV), "countries": write_file("countries.csv", COUNTRIES_CSV)}
    paths[missing] = tmp_path / "nope.csv"
    with pytest.raises(DataError) as info:
        load_long_csv(paths["flows"], paths["countries"])
    assert_names(info.value, ["nope.csv", "not found", str(tmp_path)])


# --------------------------------------------------------------------------- data directory / registry
def test_data_dir_does_not_exist():
    with pytest.raises(DataError) as info:
        data_dir("/nonexistent")
    assert_names(info.value, ["/nonexistent", "data directory", "does not exist"])


def test_tradewar_data_points_nowhere(monkeypatch):
    monkeypatch.setenv("TRADEWAR_DATA", "/nowhere/tradewar-data")
    with pytest.raises(DataError) as info:
        data_dir()
    assert_names(info.value, ["TRADEWAR_DATA", "/nowhere/tradewar-data", "does not exist"])
    # also through run(), even after the same scenario was answered from a real data directory
    with pytest.raises(DataError) as info:
        run("ignatenko2025/us_china_25pct")
    assert_names(info.value, ["TRADEWAR_DATA", "/nowhere/tradewar-data"])


def test_run_after_real_data_then_bad_env(ignatenko_world, monkeypatch):
    """A model cached for one data directory is not used when TRADEWAR_DATA changes."""
    run("ignatenko2025/us_china_25pct")
    monkeypatch.setenv("TRADEWAR_DATA", "/nowhere/tradewar-data")
    with pytest.raises(DataError) as info:
        run("ignatenko2025/us_china_25pct")
    assert_names(info.value, ["TRADEWAR_DATA", "/nowhere/tradewar-data"])


def test_registered_dataset_files_missing(tmp_path):
    for call in (lambda: load_dataset("ignatenko2025", tmp_path), lambda: run("ignatenko2025/B1_ustr", data=tmp_path)):
        with pytest.raises(DataError) as info:
            call()
        assert info.value.field == "files"
        assert_names(info.value, ["ignatenko2025", "countries.csv", "trade_flows_2023.csv", "us_tariffs_2025.csv",
                                  str(tmp_path / "ignatenko2025"), "Get it from", "cepii"])


def test_unknown_dataset_name():
    with pytest.raises(DataError) as info:
        load_dataset("ignatenko2052")
    assert_names(info.value, ["ignatenko2052", "dataset", "ignatenko2025"])


# --------------------------------------------------------------------------- solver
class _NoRoot:
    """x² + 1 = 0 has no real root."""

    def residual(self, x):
        return x ** 2 + 1.0

    def jacobian(self, x):
        return np.diag(2.0 * x)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # x0 = 0: singular Jacobian, on purpose
@pytest.mark.parametrize("x0", [0.5, -2.0, 0.0], ids=["x0=0.5", "x0=-2", "x0=0-singular-jacobian"])
def test_newton_without_root_raises(x0):
    with pytest.raises(ConvergenceError) as info:
        newton(_NoRoot(), np.array([x0]))
    diag = info.value.diagnostics
    assert diag.converged is False
    assert diag.residual >= 1.0
    assert_names(info.value, ["did not converge", "residual", f"{diag.residual:.3e}"])


def test_newton_without_root_no_raise_returns_diagnostics():
    x, diag = newton(_NoRoot(), np.array([0.5]), raise_on_failure=False)
    assert diag.converged is False and diag.residual >= 1.0


def test_one_sector_iteration_limit_raises(world_factory):
    model = OneSectorModel(world_factory(3, 5), nu=0.1)
    t = np.full((5, 5), 0.4)
    np.fill_diagonal(t, 0.0)
    with pytest.raises(ConvergenceError) as info:
        newton(OneSectorSystem(model.baseline, t), np.zeros(15), max_iter=1)
    assert info.value.diagnostics.converged is False
    assert_names(info.value, ["residual", "after 1 iterations"])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # solver line search, see report
def test_one_sector_no_equilibrium_raises(world_factory):
    """ε = 2, κ = 2: the equilibrium branch from the baseline folds (singular Jacobian) before
    DEU's 34% tariff on China is reached, so there is nothing to find: no numbers, an error."""
    world = world_factory(144, 3)
    model = OneSectorModel(world, trade_elasticity=2.0, labour_supply_elasticity=2.0)
    t = np.zeros((3, 3, 1))
    t[1, 2, 0] = 0.34
    with pytest.raises(ConvergenceError) as info:
        model.solve(Policy(world=world, tariffs=t))
    diag = info.value.diagnostics
    assert diag.converged is False and diag.residual > 1e-10
    assert_names(info.value, ["did not converge", "residual", f"{diag.residual:.3e}"])


# --------------------------------------------------------------------------- command line
def _cli(*args, cwd):
    env = dict(os.environ)
    try:
        root = data_dir()
    except DataError:
        root = None
    if root is not None:  # the child runs elsewhere (cwd): hand it the data directory found here
        env["TRADEWAR_DATA"] = str(root)
    return subprocess.run([sys.executable, "-m", "tradewar.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


CLI_CASES = [
    ("TOML-syntax", scenario_text(extra="foo = "), ["TOML", "syntax error"], False),
    ("model.trade_elasticity-nan", scenario_text(model={"trade_elasticity": "nan"}),
     ["model.trade_elasticity", "nan"], True),
    ("tariffs[0].importer-unknown-code", scenario_text(tariff={"importer": '"USB"'}),
     ["tariffs[0].importer", "'USB'", "USA"], True),
]


@pytest.mark.parametrize("text, fragments, needs_data", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_bad_scenario_exit_2_and_no_output_file(request, tmp_path, write_file, text, fragments, needs_data):
    if needs_data:
        request.getfixturevalue("ignatenko_world")
    bad = write_file("bad.toml", text)
    proc = _cli("run", bad, "--csv", tmp_path / "out.csv", "--parquet", tmp_path / "out.parquet", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr
    message = " ".join(proc.stderr.split())  # the console may wrap long lines
    for fragment in fragments:
        assert fragment in message, message
    assert str(bad.name) in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # nothing half-written


def test_cli_scenario_not_found(tmp_path):
    proc = _cli("run", tmp_path / "nothere.toml", "--csv", tmp_path / "out.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "nothere.toml" in proc.stderr and "not found" in proc.stderr
    assert not (tmp_path / "out.csv").exists()


def test_cli_data_directory_missing(tmp_path):
    proc = _cli("run", "ignatenko2025/B1_ustr", "--data", tmp_path / "no-such-dir", "--csv", tmp_path / "o.csv",
                cwd=tmp_path)
    assert proc.returncode == 2
    message = " ".join(proc.stderr.split())
    assert "error:" in message and "no-such-dir" in message and "data directory" in message
    assert not (tmp_path / "o.csv").exists()


def test_all_errors_are_tradewar_errors():
    for cls in (ScenarioError, DataError, ParameterError, ConvergenceError):
        assert issubclass(cls, TradewarError)


# --------------------------------------------------------------------------- command-line sweep (tiny data)
TINY = ('name = "tiny1"\ndataset = "tiny"\n[model]\nname = "one_sector"\ntrade_elasticity = 4.0\n'
        '[[tariffs]]\nimporter = "USA"\nexporters = "all"\nrate = 0.25\n')


def _tiny_cli(tiny_data, tmp_path, *args):
    proc = subprocess.run([sys.executable, "-m", "tradewar.cli", *map(str, args), "--data", tiny_data],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    return proc, " ".join(proc.stderr.split())


@pytest.mark.parametrize("args, fragments", [
    (["run"], ["Missing argument 'scenario'"]),
    (["run", "x.toml", "--bogus"], ["No such option: --bogus"]),
    (["mc", "x.toml", "-n", "abc"], ["'--draws'", "(got 'abc')"]),
], ids=["run-without-scenario", "unknown-option", "mc--draws-not-an-integer"])
def test_cli_usage_errors_exit_2_without_traceback(tiny_data, tmp_path, args, fragments):
    proc, message = _tiny_cli(tiny_data, tmp_path, *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("outputs, fragments", [
    (["--csv", "o.csv", "--parquet", "nodir/o.parquet"], ["--parquet", "nodir/o.parquet", "does not exist"]),
    (["--csv", "."], ["--csv", "is a directory"]),
], ids=["--parquet-missing-directory-after-good--csv", "--csv-is-a-directory"])
def test_cli_run_refuses_output_paths_before_solving(tiny_data, tmp_path, write_file, outputs, fragments):
    write_file("tiny.toml", TINY)
    proc, message = _tiny_cli(tiny_data, tmp_path, "run", "tiny.toml", *outputs)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    for fragment in fragments:
        assert fragment in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "tiny.toml"]  # not even the good --csv


def test_cli_sweep_refuses_a_chart_format_before_solving(tiny_data, tmp_path, write_file):
    write_file("tiny.toml", TINY)
    proc, message = _tiny_cli(tiny_data, tmp_path, "sweep", "tiny.toml", "--vary", "tariffs[0].rate=0,0.1",
                              "--csv", "o.csv", "--chart", "o.txt")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "--chart o.txt" in message and "'txt'" in message and "tariffs[0].rate 1/2" not in message
    assert not (tmp_path / "o.csv").exists()


def test_cli_mc_with_no_solvable_draw_fails_and_writes_nothing(tiny_data, tmp_path, write_file):
    write_file("mc.toml", TINY + '[uncertainty.trade_elasticity]\ndist = "uniform"\nlow = -5\nhigh = -1\n')
    proc, message = _tiny_cli(tiny_data, tmp_path, "mc", "mc.toml", "-n", "3", "--out", "o.parquet")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "none of the 3 draws" in message and "uncertainty.trade_elasticity" in message
    assert not (tmp_path / "o.parquet").exists()


def test_cli_error_text_is_not_read_as_markup(tiny_data, tmp_path, write_file):
    """A value such as [inf] in a message is printed, not swallowed as a console style tag."""
    (tiny_data / "tiny" / "flows.csv").write_text("exporter,importer,value\nUSA,CHN,inf\nCHN,USA,30\n")
    write_file("tiny.toml", TINY)
    proc, message = _tiny_cli(tiny_data, tmp_path, "run", "tiny.toml")
    assert proc.returncode == 2 and "flows.csv:value" in message and "[inf]" in message, message


def test_cli_exit_code_of_typer_exit_is_kept(monkeypatch, capsys):
    """typer returns (does not raise) a command's Exit code when not standalone: 1 for a failed
    replication, 130 for Ctrl-C; main() must exit with it."""
    import tradewar.cli as cli

    for code in (1, 130):
        monkeypatch.setattr(cli, "app", lambda standalone_mode, code=code: code)
        with pytest.raises(SystemExit) as info:
            cli.main()
        assert info.value.code == code
    assert "aborted" in capsys.readouterr().err


def test_cli_replicate_with_a_missed_cell_exits_1(tmp_path, request):
    import json

    request.getfixturevalue("ignatenko_world")
    from tradewar.replicate import targets_dir

    target = json.loads((targets_dir() / "ignatenko2025_table3.json").read_text())
    target["cells"][0]["value"] += 5.0
    (tmp_path / "ignatenko2025_table3.json").write_text(json.dumps(target))
    env = {**os.environ, "TRADEWAR_TARGETS": str(tmp_path), "TRADEWAR_DATA": str(data_dir())}
    proc = subprocess.run([sys.executable, "-m", "tradewar.cli", "replicate", "ignatenko2025", "-t", "3"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "7 of 8 cells reproduced" in " ".join(proc.stdout.split())


def test_cli_help_shows_bracketed_table_names():
    proc = subprocess.run([sys.executable, "-m", "tradewar.cli", "mc", "--help"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert "[uncertainty.<parameter>]" in proc.stdout, proc.stdout


# --------------------------------------------------------------------------- output files
def test_check_output_names_option_and_problem(tmp_path):
    from tradewar.outcome import CHART_FORMATS, check_output

    for path, formats, fragments in [(tmp_path, (), ["--csv", "is a directory"]),
                                     (tmp_path / "no" / "o.csv", (), ["--csv", "does not exist"]),
                                     (tmp_path / "o.txt", CHART_FORMATS, ["--csv", "'txt'", ".png"])]:
        with pytest.raises(TradewarError) as info:
            check_output(path, "--csv", formats)
        assert_names(info.value, [str(path), *fragments])
    assert check_output(tmp_path / "chart", "--chart", CHART_FORMATS) == tmp_path / "chart"


def test_write_atomic_failure_is_an_error_and_leaves_nothing(tmp_path):
    from tradewar.outcome import write_atomic

    def failing(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(TradewarError) as info:
        write_atomic(tmp_path / "o.parquet", writer=failing)
    assert_names(info.value, ["o.parquet", "No space left on device"])
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_file_mode_follows_umask(tmp_path):
    import os

    from tradewar.outcome import write_atomic

    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "o.csv", b"a,b\n")
        write_atomic(tmp_path / "o.png", writer=lambda tmp: open(tmp, "wb").close())
    finally:
        os.umask(old)
    assert (tmp_path / "o.csv").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "o.png").stat().st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- sweeps and Monte Carlo
def test_sweep_too_many_values():
    from tradewar.sweep import MAX_POINTS, parse_values

    with pytest.raises(TradewarError) as info:
        parse_values(f"0:1:{100 * MAX_POINTS}")
    assert_names(info.value, ["--vary", str(100 * MAX_POINTS), f"at most {MAX_POINTS}"])
    assert len(parse_values(f"0:1:{MAX_POINTS}")) == MAX_POINTS


def test_sweep_checks_every_value_before_solving(tiny_data, write_file, monkeypatch):
    import importlib

    from tradewar.sweep import run_sweep

    solved = []
    monkeypatch.setattr(importlib.import_module("tradewar.run"), "run", lambda *a, **k: solved.append(a))
    with pytest.raises(ScenarioError) as info:
        run_sweep(str(write_file("tiny.toml", TINY)), "tariffs[0].rate", [0.1, 20.0], tiny_data)
    assert_names(info.value, ["tariffs[0].rate", "20.0"])
    assert solved == []


def test_mc_unknown_uncertain_parameter_stops_at_once(tiny_data, write_file):
    from tradewar.montecarlo import run_mc

    path = write_file("mc.toml", TINY + '[uncertainty.trade_elasticty]\ndist = "normal"\nmean = 4\nsd = 0.5\n')
    with pytest.raises(ScenarioError) as info:
        run_mc(str(path), 3, data=tiny_data)
    assert_names(info.value, ["uncertainty.trade_elasticty", "unknown parameter", "trade_elasticity"])


def test_mc_too_many_draws_and_text_mean_on_one_sector(tiny_data, write_file):
    from tradewar.montecarlo import MAX_DRAWS, check_request, run_mc

    good = Scenario.from_text(TINY + '[uncertainty.trade_elasticity]\ndist = "normal"\nmean = 4\nsd = 0.5\n')
    with pytest.raises(TradewarError) as info:
        check_request(good, 10 * MAX_DRAWS)
    assert_names(info.value, ["--draws", str(10 * MAX_DRAWS)])
    path = write_file("mc.toml", TINY + '[uncertainty.trade_elasticity]\ndist = "normal"\nmean = "4"\nsd = 0.5\n')
    with pytest.raises(ScenarioError) as info:
        run_mc(str(path), 3, data=tiny_data)
    assert_names(info.value, ["uncertainty.trade_elasticity", "mean = '4'", "per-sector", "'tiny' has 1"])


# --------------------------------------------------------------------------- measures that do nothing
@pytest.mark.parametrize("extra, fragments", [
    ('[[tariffs]]\nimporter = "CHN"\nexporters = "CHN"\nrate = 0.1\n', ["tariffs[1].exporters", "'CHN'", "own goods"]),
    ('[[retaliation]]\nagainst = "USA"\nby = "USA"\nrule = "reciprocal"\n', ["retaliation[0].by", "'USA'", "nobody"]),
], ids=["tariffs[1].exporters-only-the-importer", "retaliation[0].by-only-the-target"])
def test_measure_on_oneself_is_refused(tiny_data, extra, fragments):
    world = load_dataset("tiny", tiny_data)
    scenario = Scenario.from_text(TINY + extra, source=SOURCE)
    with pytest.raises(ScenarioError) as info:
        from tradewar.policy import resolve

        resolve(scenario, world)
    assert_names(info.value, [SOURCE, *fragments])


# --------------------------------------------------------------------------- datasets, builds, fetches
def test_dataset_folder_without_countries_csv(tiny_data):
    (tiny_data / "tiny" / "countries.csv").unlink()
    with pytest.raises(DataError) as info:
        load_dataset("tiny", tiny_data)
    assert_names(info.value, ["tiny", "not a dataset", "missing countries.csv"])


@pytest.mark.parametrize("spec, field, fragments", [
    ('name = "x"\n[gdp]\nfile = "gdp.csv"\nbogus = 1\n', "gdp.bogus", ["unknown key", "'scale'"]),
    ('name = "../evil"\n[source]\nformat = "baci"\n', "name", ["'../evil'"]),
    ('name = "x"\nsource = "baci"\n', "source", ["must be a table", "'baci'"]),
], ids=["gdp.bogus-unknown-key", "name-leaves-the-data-directory", "source-not-a-table"])
def test_build_spec_errors(write_file, spec, field, fragments):
    from tradewar.data.build import load_spec

    with pytest.raises(DataError) as info:
        load_spec(write_file("spec.toml", spec))
    assert info.value.field == field
    assert_names(info.value, fragments)


@pytest.mark.parametrize("timeout", [-1.0, 0.0, float("nan")], ids=["negative", "zero", "nan"])
def test_fetch_timeout_must_be_positive(tmp_path, timeout):
    from tradewar.data.fetch import fetch

    def no_network(*args, **kwargs):
        raise AssertionError("no download may start")

    with pytest.raises(DataError) as info:
        fetch("baci", tmp_path, timeout=timeout, opener=no_network)
    assert_names(info.value, ["--timeout", repr(timeout)])


# --------------------------------------------------------------------------- structural gravity
def _gravity_text(edit=lambda t: t, extra: str = "") -> str:
    from tradewar.run import library_scenarios

    return edit(library_scenarios()["gegravity/can_jpn_pta"].read_text()) + extra


@pytest.mark.parametrize("value, fragments", [("nan", ["pta = nan", "finite"]), ("true", ["pta = True", "number"])],
                         ids=["trade_costs[0].variables.pta-nan", "trade_costs[0].variables.pta-boolean"])
def test_trade_cost_variable_must_be_a_finite_number(value, fragments):
    text = _gravity_text(lambda t: t.replace("pta = 1 }", f"pta = {value} }}"))
    with pytest.raises(ScenarioError) as info:
        Scenario.from_text(text, source=SOURCE)
    assert_names(info.value, [SOURCE, "trade_costs[0].variables", *fragments])


def test_tariffs_on_structural_gravity_refused_when_resolved(require_dataset):
    from tradewar.policy import resolve
    from tradewar.run import model_for

    require_dataset("gegravity_sample")
    text = _gravity_text(extra='\n[[tariffs]]\nimporter = "CAN"\nexporters = "all"\nrate = 0.1\n')
    scenario = Scenario.from_text(text, source=SOURCE)
    model = model_for(scenario)
    with pytest.raises(ScenarioError) as info:
        resolve(scenario, model.world, model)   # what `tradewar validate` does: no solve needed to see it
    assert_names(info.value, [SOURCE, "tariffs", "'structural_gravity' has no tariffs", "trade_costs"])


def test_uncertainty_values_must_be_finite():
    text = TINY + '[uncertainty.trade_elasticity]\nvalues = [3, nan]\n'
    with pytest.raises(ScenarioError) as info:
        Scenario.from_text(text, source=SOURCE)
    assert_names(info.value, [SOURCE, "uncertainty.trade_elasticity.values", "finite", "nan"])


def test_build_never_replaces_a_folder_it_did_not_write(tmp_path, world_factory):
    """`tradewar data build --out DIR` with DIR an existing folder that is not a dataset (say
    /tmp) must refuse, not swap DIR for the dataset and delete what it held."""
    from tradewar.data.folder import write_world_folder

    keep = tmp_path / "scratch"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    with pytest.raises(DataError) as info:
        write_world_folder(world_factory(1, 3), keep)
    assert info.value.field == "--out"
    assert_names(info.value, [str(keep), "not a dataset folder", "world.json"])
    assert sorted(p.name for p in keep.iterdir()) == ["notes.txt"] and (keep / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scratch"]   # no temporary folder left
    (keep / "notes.txt").write_text("")   # a file given as --out
    with pytest.raises(DataError, match="not a folder"):
        write_world_folder(world_factory(1, 3), keep / "notes.txt")
    written = write_world_folder(world_factory(1, 3), tmp_path / "new")   # new, then rewritten in place
    assert (written / "world.json").is_file() and write_world_folder(world_factory(2, 3), written) == written
