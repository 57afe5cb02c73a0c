"""Baseline builder: BACI-format files -> World -> dataset folder -> scenarios.

The round trip writes the shared ignatenko2025 flows as a BACI file (one HS6 product per pair,
numeric codes from a code list written here) and checks that the built World and Table 1 (B1)
are the same as from the shared dataset.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewar.data.build import build, build_world, read_world_folder
from tradewar.data.registry import data_dir, load_dataset
from tradewar.errors import DataError
from tradewar.world import World

SHARED = data_dir()
IGN = SHARED / "ignatenko2025" if SHARED else None
# The shared data must be there: a skipped round trip would hide a defect.
assert IGN is not None and (IGN / "trade_flows_2023.csv").is_file(), "shared ignatenko2025 data not found"


def write_code_list(path: Path, rows: list[tuple[int, str, str, str]]) -> None:
    """country_codes_V202501.csv as CEPII ships it."""
    frame = pd.DataFrame(rows, columns=["country_code", "country_name", "country_iso2", "country_iso3"])
    frame.to_csv(path, index=False)


def write_baci(path: Path, frame: pd.DataFrame) -> None:
    """A BACI trade file: t,i,j,k,v,q with k a six-digit string and q padded 'NA' where missing."""
    frame = frame.copy()
    if "q" not in frame:
        frame["q"] = "         NA"
    frame[["t", "i", "j", "k", "v", "q"]].to_csv(path, index=False)


def ignatenko_as_baci(folder: Path) -> Path:
    """The shared ignatenko2025 data as BACI files and a spec; returns the spec path."""
    from tradewar.data.concordance import converter, numeric_from_iso3

    countries = pd.read_csv(IGN / "countries.csv", keep_default_na=False, na_values=[""])
    flows = pd.read_csv(IGN / "trade_flows_2023.csv", keep_default_na=False, na_values=[""])
    numeric = numeric_from_iso3(countries["iso3"])
    iso2 = dict(zip(converter().data["ISO3"], converter().data["ISO2"]))
    write_code_list(folder / "country_codes_V202501.csv",
                    [(numeric[c], n, iso2.get(c, ""), c) for c, n in zip(countries["iso3"], countries["country_name"])])
    baci = pd.DataFrame({"t": 2023, "i": flows["exporter_iso3"].map(numeric), "j": flows["importer_iso3"].map(numeric),
                         "k": "010121", "v": flows["value_kusd"]})
    write_baci(folder / "BACI_HS22_Y2023_V202501.csv", baci)
    countries[["iso3", "gdp_usd"]].to_csv(folder / "gdp.csv", index=False)
    (folder / "us_tariffs_2025.csv").write_bytes((IGN / "us_tariffs_2025.csv").read_bytes())
    eu = countries.loc[countries["eu27"] == 1, "iso3"].tolist()
    spec = folder / "spec.toml"
    spec.write_text(f'''name = "ign_rt"
[source]
format = "baci"
files = ["BACI_HS22_Y2023_V202501.csv"]
country_codes = "country_codes_V202501.csv"
year = 2023
[gdp]
file = "gdp.csv"
value = "gdp_usd"
scale = 0.001
[country_data]
file = "us_tariffs_2025.csv"
columns = ["applied_tariff", "model_tariff"]
[groups]
EU27 = {eu!r}
'''.replace("'", '"'))
    return spec


def test_round_trip_ignatenko_through_baci_gives_the_same_world_and_table1(tmp_path):
    from tradewar.run import run

    spec = ignatenko_as_baci(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    world, folder, report = build(spec, data=data)
    assert folder == data / "ign_rt" and (folder / "world.json").is_file()
    assert any("read 37," in line or "rows" in line for line in report)
    original = load_dataset("ignatenko2025")
    built = load_dataset("ign_rt", data=data)
    assert built.iso3 == original.iso3
    np.testing.assert_array_equal(built.flows, original.flows)
    np.testing.assert_array_equal(built.gdp, original.gdp)
    np.testing.assert_array_equal(built.countries["applied_tariff"], original.countries["applied_tariff"])
    assert set(built.group("EU27")) == set(original.group("EU27"))
    # Table 1, case B1, on both datasets
    b1 = Path(__file__).resolve().parents[1] / "src/tradewar/library/scenarios/ignatenko2025/B1_ustr.toml"
    text = b1.read_text()
    mine = tmp_path / "B1_built.toml"
    mine.write_text(text.replace('dataset = "ignatenko2025"', 'dataset = "ign_rt"'))
    # the shared data directory holds ignatenko2025; the built one holds ign_rt
    ref = run(b1, data=SHARED)
    out = run(mine, data=data)
    cols = [c for c in ref.countries.columns if pd.api.types.is_numeric_dtype(ref.countries[c])]
    a = ref.countries.loc[list(original.iso3), cols].to_numpy(float)
    b = out.countries.loc[list(original.iso3), cols].to_numpy(float)
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-10)


def test_cli_data_build_writes_a_dataset_scenarios_can_name(tmp_path):
    spec = ignatenko_as_baci(tmp_path)
    text = spec.read_text().split("[groups]")[0].replace("[gdp]", '[countries]\nkeep = ["USA", "CHN", "MEX", "CAN", "DEU"]\nrest = "ROW"\n[gdp]')
    spec.write_text(text)
    out = tmp_path / "data" / "five"
    res = subprocess.run([sys.executable, "-m", "tradewar.cli", "data", "build", str(spec), "--out", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "6 countries" in res.stdout
    world = read_world_folder(out)
    assert world.iso3 == ("USA", "CHN", "MEX", "CAN", "DEU", "ROW") and world.region_codes == ("ROW",)
    original = load_dataset("ignatenko2025")
    keep = [original.index_of(c) for c in ("USA", "CHN", "MEX", "CAN", "DEU")]
    np.testing.assert_allclose(world.flows[:5, :5, 0], original.flows[np.ix_(keep, keep, [0])][:, :, 0])
    # ROW GDP is the sum over the others; trade of ROW with itself is dropped
    assert world.gdp[-1] == pytest.approx(original.gdp.sum() - original.gdp[keep].sum())
    assert world.flows[5, 5, 0] == 0
    total_exports_usa = original.flows[original.index_of("USA")].sum()
    assert world.flows[0].sum() == pytest.approx(total_exports_usa)
    listing = subprocess.run([sys.executable, "-m", "tradewar.cli", "datasets", "--data", str(out.parent)],
                             capture_output=True, text=True).stdout
    assert "five" in listing and "available" in listing
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\ndataset = "five"\n[model]\nname = "one_sector"\n'
                    '[[tariffs]]\nimporter = "USA"\nexporters = "CHN"\nrate = 0.25\n')
    from tradewar.run import run

    res = run(scen, data=out.parent)
    assert res.diagnostics.converged and res.countries.loc["CHN", "welfare"] < 0


def _small(tmp_path: Path, spec_extra: str = "", rows=None) -> Path:
    write_code_list(tmp_path / "codes.csv", [(842, "USA", "US", "USA"), (156, "China", "CN", "CHN"),
                                              (516, "Namibia", "NA", "NAM"), (490, "Other Asia, nes", "", "S19")])
    rows = rows or [(2023, 842, 156, "010121", 10.0), (2023, 156, 842, "020110", 30.0),
                    (2023, 516, 842, "010121", 2.0), (2023, 842, 516, "851712", 1.0),
                    (2023, 490, 842, "851712", 5.0), (2023, 156, 516, "851712", 4.0)]
    write_baci(tmp_path / "b.csv", pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]))
    pd.DataFrame({"iso3": ["USA", "CHN", "NAM", "TWN"], "gdp": [100.0, 80.0, 3.0, 7.0]}).to_csv(tmp_path / "gdp.csv", index=False)
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "small"\n[source]\nformat = "baci"\nfiles = ["b.csv"]\ncountry_codes = "codes.csv"\n'
                    '[gdp]\nfile = "gdp.csv"\n' + spec_extra)
    return spec


def test_builder_options_sectors_tariffs_balancing_domestic(tmp_path):
    (tmp_path / "conc.csv").write_text("hs6,sector\n010121,agri\n020110,agri\n851712,manuf\n")
    (tmp_path / "tariffs.csv").write_text("importer,exporter,sector,rate\nUSA,CHN,manuf,0.25\n")
    spec = _small(tmp_path, '[countries]\nunmapped = "drop"\n[sectors]\nconcordance = "conc.csv"\n'
                            '[tariffs]\nrate = 0.05\nfile = "tariffs.csv"\n[baseline]\nimbalances = "remove"\ndomestic = "gdp"\n')
    world, report = build_world(spec)
    assert world.iso3 == ("CHN", "NAM", "USA") and world.sectors == ("agri", "manuf")
    assert world.tariffs[0, 2, 1] == 0.25 and world.tariffs[0, 2, 0] == 0.05 and world.tariffs[2, 2, 0] == 0
    off = world.flows.sum(axis=2) * (1 - np.eye(3))
    np.testing.assert_allclose(off.sum(axis=1), off.sum(axis=0), rtol=1e-9)
    assert any("imbalances removed" in r for r in report) and any("domestic" in r for r in report)
    assert world.flows[2, 2].sum() == pytest.approx(100.0 - off[2].sum())
    assert any("dropped 5 thousand USD" in r for r in report)
    spec.write_text(spec.read_text().replace('unmapped = "drop"', 'map = { "490" = "TWN" }'))
    with pytest.raises(DataError, match="only export or only import"):
        build_world(spec)


def test_builder_rest_of_world_gets_unmapped_codes_and_reports_them(tmp_path):
    spec = _small(tmp_path, '[countries]\nkeep = ["USA", "CHN"]\nrest = "ROW"\n')
    world, report = build_world(spec)
    assert world.iso3 == ("USA", "CHN", "ROW")
    # ROW exports: NAM→USA 2 + S19→USA 5
    assert world.flows[2, 0, 0] == 7.0 and world.flows[1, 2, 0] == 4.0
    assert world.gdp[2] == 3.0  # NAM's GDP (the S19 aggregate has none)
    assert any("490" in line and "ROW" in line for line in report)


def test_builder_errors_name_the_problem(tmp_path):
    spec = _small(tmp_path)
    with pytest.raises(DataError, match=r"b.csv:line 6:column i.*490.*Other Asia.*map"):
        build_world(spec)
    spec = _small(tmp_path, '[countries]\nunmapped = "drop"\n')
    (tmp_path / "gdp.csv").write_text("iso3,gdp\nUSA,100\nCHN,80\n")
    with pytest.raises(DataError, match=r"no GDP for \['NAM'\]"):
        build_world(spec)
    (tmp_path / "gdp.csv").write_text("iso3,gdp\nUSA,100\nCHN,eighty\nNAM,3\n")
    with pytest.raises(DataError, match=r"gdp.csv:line 3:column gdp"):
        build_world(spec)
    (tmp_path / "conc.csv").write_text("hs6,sector\n010121,agri\n")
    spec = _small(tmp_path, '[countries]\nunmapped = "drop"\n[sectors]\nconcordance = "conc.csv"\n')
    (tmp_path / "gdp.csv").write_text("iso3,gdp\nUSA,100\nCHN,80\nNAM,3\n")
    with pytest.raises(DataError, match=r"b.csv:line 3:column k.*020110.*not in the concordance"):
        build_world(spec)
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[source]\nformat = "comtrade"\n')
    with pytest.raises(DataError, match="source.format"):
        build_world(bad)


def test_cli_data_build_error_exits_2(tmp_path):
    spec = _small(tmp_path)
    res = subprocess.run([sys.executable, "-m", "tradewar.cli", "data", "build", str(spec), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "b.csv:line 6:column i" in res.stderr and not (tmp_path / "o").exists()


def test_duckdb_output_is_a_dataset_scenarios_can_name(tmp_path):
    import duckdb

    from tradewar.data.registry import REGISTRY
    from tradewar.run import run

    spec = _small(tmp_path, '[countries]\nunmapped = "drop"\n[output]\nformat = "duckdb"\n')
    data = tmp_path / "data"
    data.mkdir()
    world, folder, _ = build(spec, data=data)
    assert sorted(p.name for p in folder.iterdir()) == ["world.duckdb", "world.json"]
    con = duckdb.connect(str(folder / "world.duckdb"), read_only=True)
    assert con.execute("select sum(value) from flows").fetchone()[0] == pytest.approx(world.flows.sum())
    assert con.execute("select iso3 from countries order by iso3").fetchall() == [("CHN",), ("NAM",), ("USA",)]
    con.close()
    assert "DuckDB" in REGISTRY._local("small", data).title
    back = load_dataset("small", data=data)
    np.testing.assert_array_equal(back.flows, world.flows)
    assert back.iso3 == world.iso3 and list(back.countries["gdp"]) == list(world.countries["gdp"])
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\ndataset = "small"\n[model]\nname = "one_sector"\n'
                    '[[tariffs]]\nimporter = "USA"\nexporters = "CHN"\nrate = 0.25\n')
    res = run(scen, data=data)
    assert res.diagnostics.converged and res.countries.loc["CHN", "welfare"] < 0
    # the CLI option overrides the spec: Parquet
    cli = subprocess.run([sys.executable, "-m", "tradewar.cli", "data", "build", str(spec), "--out",
                          str(data / "small_pq"), "--format", "parquet"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert (data / "small_pq" / "flows.parquet").is_file() and not (data / "small_pq" / "world.duckdb").exists()
    np.testing.assert_array_equal(load_dataset("small_pq", data=data).flows, world.flows)
    # baseline tariffs and extra country columns survive DuckDB too
    from tradewar.data.folder import write_world_folder

    taxed = World(name="taxed", countries=world.countries.assign(applied_tariff=[0.1, np.nan, 0.3]),
                  sectors=world.sectors, flows=world.flows, tariffs=np.where(world.flows > 0, 0.02, 0.0))
    again = read_world_folder(write_world_folder(taxed, data / "taxed", storage="duckdb"))
    np.testing.assert_array_equal(again.tariffs, taxed.tariffs)
    np.testing.assert_array_equal(again.countries["applied_tariff"], [0.1, np.nan, 0.3])
    bad = subprocess.run([sys.executable, "-m", "tradewar.cli", "data", "build", str(spec), "--out",
                          str(data / "x"), "--format", "sqlite"], capture_output=True, text=True)
    assert bad.returncode == 2 and "output.format" in bad.stderr and "sqlite" in bad.stderr


def test_a_failed_write_leaves_the_existing_dataset_as_it_was(tmp_path, monkeypatch):
    from tradewar.data import folder as folder_mod

    spec = _small(tmp_path, '[countries]\nunmapped = "drop"\n')
    data = tmp_path / "data"
    data.mkdir()
    world, folder, _ = build(spec, data=data)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(path, countries, flows):
        path.write_bytes(b"half a database")
        raise OSError("disk full")

    monkeypatch.setattr(folder_mod, "_write_duckdb", broken)
    with pytest.raises(OSError, match="disk full"):
        build(spec, data=data, storage="duckdb")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in data.iterdir()) == ["small"]  # no temporary folder left behind
    with pytest.raises(OSError, match="disk full"):
        build(spec, out=data / "fresh", storage="duckdb")
    assert not (data / "fresh").exists() and sorted(p.name for p in data.iterdir()) == ["small"]
    np.testing.assert_array_equal(load_dataset("small", data=data).flows, world.flows)
