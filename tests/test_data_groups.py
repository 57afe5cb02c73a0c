"""Country groups follow the merging of countries into regions in `tradewar data build`."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from tradewar.data.build import build, build_world
from tradewar.data.groups import STANDARD, resolve_groups
from tradewar.errors import DataError

CODES = [(842, "USA", "US", "USA"), (124, "Canada", "CA", "CAN"), (484, "Mexico", "MX", "MEX"),
         (276, "Germany", "DE", "DEU"), (250, "France", "FR", "FRA"), (156, "China", "CN", "CHN"),
         (392, "Japan", "JP", "JPN")]


def _spec(tmp_path, text: str):
    pd.DataFrame(CODES, columns=["country_code", "country_name", "country_iso2", "country_iso3"]).to_csv(
        tmp_path / "codes.csv", index=False)
    numbers = [c[0] for c in CODES]
    rows = [(2023, i, j, "870321", float(i % 97 + j % 89 + 1)) for i, j in itertools.permutations(numbers, 2)]
    frame = pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]).assign(q="NA")
    frame.to_csv(tmp_path / "b.csv", index=False)
    pd.DataFrame({"iso3": [c[3] for c in CODES], "gdp": 1e5}).to_csv(tmp_path / "gdp.csv", index=False)
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "grp"\n[source]\nformat = "baci"\nfiles = ["b.csv"]\ncountry_codes = "codes.csv"\n'
                    '[gdp]\nfile = "gdp.csv"\n' + text)
    return spec


def test_groups_follow_merged_regions_and_scenarios_use_them(tmp_path):
    from tradewar.run import run

    spec = _spec(tmp_path, '[countries]\nkeep = ["USA", "CAN", "JPN", "CHN"]\n[regions]\nEU = ["DEU", "FRA"]\n'
                           '[groups]\nEU2 = ["DEU", "FRA"]\nG7 = "G7"\nNorth = ["usa", "CAN"]\n')
    world, report = build_world(spec)
    assert world.iso3 == ("USA", "CAN", "JPN", "CHN", "EU") and world.region_codes == ("EU",)
    assert world.gdp[4] == 2e5 and any("GDP of EU: sum over its 2 countries" in r for r in report)
    assert world.group("EU2") == ("EU",) and world.group("North") == ("USA", "CAN")
    # G7: ITA and GBR are not in the source; DEU and FRA are the whole of EU
    assert world.group("G7") == ("CAN", "EU", "JPN", "USA")
    assert any("G7" in r and "GBR" in r and "ITA" in r for r in report)
    # EU's exports are the sum of DEU's and FRA's to the kept countries (MEX was dropped)
    by_code = {c[3]: c[0] for c in CODES}

    def value(a, b):
        return float(by_code[a] % 97 + by_code[b] % 89 + 1)

    assert world.flows[4, 0, 0] == value("DEU", "USA") + value("FRA", "USA")
    data = tmp_path / "data"
    build(spec, out=data / "grp")
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\ndataset = "grp"\n[model]\nname = "one_sector"\n'
                    '[[tariffs]]\nimporter = "USA"\nexporters = "EU2"\nrate = 0.25\n')
    res = run(scen, data=data)
    assert res.diagnostics.converged and res.countries.loc["EU", "welfare"] < 0


def test_a_region_only_partly_in_a_group_is_an_error_or_the_rule_chosen(tmp_path):
    spec = _spec(tmp_path, '[countries]\nkeep = ["USA", "CHN"]\nrest = "ROW"\n[groups]\nNA = ["USA", "MEX", "CAN"]\n')
    with pytest.raises(DataError, match=r"groups.NA.*region ROW merges 5 countries of which only \['CAN', 'MEX'\].*"
                                        r"\['DEU', 'FRA', 'JPN'\].*partial_groups"):
        build_world(spec)
    text = spec.read_text()
    spec.write_text(text.replace('rest = "ROW"', 'rest = "ROW"\npartial_groups = "drop"'))
    world, report = build_world(spec)
    assert world.group("NA") == ("USA",) and any("NA" in r and "left out" in r for r in report)
    spec.write_text(text.replace('rest = "ROW"', 'rest = "ROW"\npartial_groups = "include"'))
    world, report = build_world(spec)
    assert world.group("NA") == ("USA", "ROW") and any("included whole" in r for r in report)
    spec.write_text(text.replace('rest = "ROW"', 'rest = "ROW"\npartial_groups = "some"'))
    with pytest.raises(DataError, match=r"countries.partial_groups.*'some'"):
        build_world(spec)


def test_group_errors_name_the_group_and_code(tmp_path):
    spec = _spec(tmp_path, '[groups]\nXX = ["USA", "DUE"]\n')
    with pytest.raises(DataError, match=r"groups.XX.*'DUE' is neither a current ISO3 code"):
        build_world(spec)
    spec = _spec(tmp_path, '[groups]\nXX = "G8"\n')
    with pytest.raises(DataError, match=r"groups.XX.*unknown standard group 'G8'"):
        build_world(spec)
    spec = _spec(tmp_path, '[countries]\nkeep = ["USA", "CHN"]\n[groups]\nXX = ["GBR", "ITA"]\n')
    with pytest.raises(DataError, match=r"groups.XX.*no member left"):
        build_world(spec)
    spec = _spec(tmp_path, '[regions]\nEU = ["DEU", "FRA"]\nEU2 = ["FRA"]\n')
    with pytest.raises(DataError, match=r"regions.EU2.*'FRA' is already mapped"):
        build_world(spec)
    # the default data set keeps every country: a group of whole countries is unchanged
    spec = _spec(tmp_path, '[groups]\nEU = "eu27"\n')
    world, _ = build_world(spec)
    assert world.group("EU") == ("FRA", "DEU")


def test_resolve_groups_table():
    members = {"DEU": "EU", "FRA": "EU", "USA": "USA", "CN1": None, "CHN": "CHN"}
    groups, _ = resolve_groups({"A": ["FRA", "DEU", "CHN"], "B": ["EU", "USA"]}, members, ["EU", "USA", "CHN"])
    assert groups == {"A": ("EU", "CHN"), "B": ("EU", "USA")}
    assert len(STANDARD["EU27"]) == 27 and len(set(STANDARD["EU27"])) == 27
    with pytest.raises(DataError, match="region EU"):
        resolve_groups({"A": ["FRA"]}, members, ["EU", "USA", "CHN"])
    assert np.all([len(v) == len(set(v)) for v in STANDARD.values()])


def test_icio_groups_follow_china_merge_and_rest(tmp_path):
    from test_data_icio import write_icio

    path, _, _ = write_icio(tmp_path)
    spec = tmp_path / "icio.toml"
    spec.write_text(f'name = "ic"\n[source]\nformat = "icio"\nfiles = ["{path.name}"]\n'
                    '[countries]\nkeep = ["CHN", "USA"]\nrest = "OTH"\n[groups]\nPac = ["AUS", "ROW"]\nCU = ["CHN", "USA"]\n')
    world, _ = build_world(spec)
    assert world.iso3 == ("CHN", "USA", "OTH")
    assert world.group("Pac") == ("OTH",) and world.group("CU") == ("CHN", "USA")


def test_icio_region_merges_the_processing_trade_split(tmp_path):
    from test_data_icio import write_icio

    path, z, _ = write_icio(tmp_path)
    spec = tmp_path / "icio.toml"
    spec.write_text(f'name = "ic"\n[source]\nformat = "icio"\nfiles = ["{path.name}"]\n'
                    '[countries]\nkeep = ["USA"]\nrest = "OTH"\n[regions]\nAP = ["CHN", "AUS"]\n'
                    '[groups]\nAsiaPac = ["AUS", "CHN"]\n')
    world, _ = build_world(spec)
    assert world.iso3 == ("USA", "AP", "OTH") and world.group("AsiaPac") == ("AP",)
    sold_by_ap = z.loc[[r for r in z.index if r[:3] in ("AUS", "CN1", "CN2")]].to_numpy().sum()
    assert world.flows[1].sum() == sold_by_ap and world.flows.sum() == z.to_numpy().sum()
    spec.write_text(spec.read_text().replace('keep = ["USA"]', 'keep = ["USA", "AUS"]'))
    with pytest.raises(DataError, match=r"regions.AP.*'AUS' is also kept"):
        build_world(spec)


def test_every_source_maps_codes_through_the_same_rule():
    """[countries] map / [regions] apply to the code as written, then to its ISO3 code (a
    region listing ROU takes a legacy ROM), in the BACI, ITPD-E, ICIO and GTAP readers alike."""
    from tradewar.data.concordance import map_country

    assert map_country("ROM", {"ROU": "EU"}) == "EU"
    assert map_country("ROM", {"ROM": "XRM", "ROU": "EU"}) == "XRM"
    assert map_country("ROM", {}) == "ROU"
    assert map_country("XXX", {}) is None and map_country("XXX", {"XXX": "ROW"}) == "ROW"


def test_region_members_one_rule_for_every_reader():
    """members: each source country, keyed by its current ISO3 code (legacy ROM as ROU), ends in
    the region it was mapped to ([regions] merges), in ``rest`` when that is not a region, or is
    dropped (None) without a rest; codes mapped to nothing are left out."""
    from tradewar.data.concordance import map_country, region_members

    overrides = {"ROU": "EU", "DEU": "EU"}
    targets = [(code, map_country(code, overrides)) for code in ("ROM", "DEU", "USA", "BRA", "XXX")]
    targets += [("XER", "XER"),   # a GTAP composite region keeps its code
                ("S19", "TWN")]   # a numeric override (BACI's 490 "Other Asia, nes" -> TWN)
    assert dict(targets)["ROM"] == "EU" and dict(targets)["XXX"] is None
    assert region_members(targets, ["EU", "USA", "TWN", "XER", "ROW"], "ROW") == {
        "ROU": "EU", "DEU": "EU", "USA": "USA", "BRA": "ROW", "XER": "XER", "TWN": "TWN"}
    assert region_members(targets, ["EU", "USA"], None) == {
        "ROU": "EU", "DEU": "EU", "USA": "USA", "BRA": None, "XER": None, "TWN": None}
    # the readers' own members follow the same rule: ICIO's CN1/CN2 are China
    assert region_members([("CHN", "AP"), ("AUS", "AP"), ("ROW", "ROW")], ["AP", "OTH"], "OTH") == {
        "CHN": "AP", "AUS": "AP", "ROW": "OTH"}
