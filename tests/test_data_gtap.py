"""GTAP header-array base data (harpy3 writes the HAR file the test reads)."""

from __future__ import annotations

import numpy as np
import pytest

import harpy  # noqa: E402  (harpy3, installed with the test extra)
pytestmark = pytest.mark.filterwarnings("ignore:`np.chararray` is deprecated:DeprecationWarning")

from tradewar.data.build import build_world  # noqa: E402
from tradewar.data.gtap import aggregate_gtap  # noqa: E402
from tradewar.errors import DataError  # noqa: E402

COMM, REG = ["grains", "mvh", "ele"], ["usa", "chn", "deu", "xer", "row"]


def write_har(path, old_names=False, with_gdp=True):
    rng = np.random.default_rng(3)
    sets = lambda *names: [{"name": n, "status": "k", "dim_type": "Set", "dim_desc": lab}  # noqa: E731
                           for n, lab in names]
    cif = rng.integers(1, 50, (3, 5, 5)).astype(np.float32)
    for k in range(3):
        np.fill_diagonal(cif[k], 0)
    mkt = (cif * np.float32(1.1)).astype(np.float32)
    mkt[1, 1, 0] = cif[1, 1, 0] * np.float32(1.25)  # US tariff on Chinese vehicles
    f = harpy.HarFileObj()
    three = sets(("COMM", COMM), ("REG", REG), ("REG", REG))
    names = ("VIWS", "VIMS") if old_names else ("VCIF", "VMSB")
    f.addHeaderArrayObj(harpy.HeaderArrayObj.HeaderArrayFromData(names[0], cif, sets=three))
    f.addHeaderArrayObj(harpy.HeaderArrayObj.HeaderArrayFromData(names[1], mkt, sets=three))
    if with_gdp:
        gdp = np.array([27000, 18000, 4500, 9000, 30000], dtype=np.float32)
        f.addHeaderArrayObj(harpy.HeaderArrayObj.HeaderArrayFromData("GDP", gdp, sets=sets(("REG", REG))))
    f.writeToDisk(str(path))
    return cif, mkt


@pytest.mark.parametrize("old_names", [False, True])
def test_gtap_flows_tariffs_regions(tmp_path, old_names):
    cif, mkt = write_har(tmp_path / "basedata.har", old_names)
    agg, tariffs, gdp, declared = aggregate_gtap(tmp_path / "basedata.har", gdp_header="GDP")
    assert agg.regions == ["USA", "CHN", "DEU", "XER", "ROW"] and declared == ["XER", "ROW"]
    assert agg.sectors == COMM and agg.flows[1, 0, 1] == cif[1, 1, 0]
    assert tariffs[1, 0, 1] == pytest.approx(0.25, rel=1e-6) and tariffs[2, 0, 0] == pytest.approx(0.1, rel=1e-6)
    assert gdp["USA"] == 27000
    small, t2, gdp2, _ = aggregate_gtap(tmp_path / "basedata.har", keep=["USA", "CHN"], rest="ROW",
                                        concordance={"grains": "agri", "mvh": "manuf", "ele": "manuf"},
                                        gdp_header="GDP")
    assert small.regions == ["USA", "CHN", "ROW"] and small.sectors == ["agri", "manuf"]
    assert small.flows.sum() == pytest.approx(float(cif.astype(float).sum()))
    assert gdp2["ROW"] == 4500 + 9000 + 30000
    w = small.flows[1, 0, 1]
    assert t2[1, 0, 1] == pytest.approx((float(mkt[1, 1, 0]) + float(mkt[2, 1, 0])) / w - 1, rel=1e-9)


def test_gtap_through_the_builder_and_errors(tmp_path):
    write_har(tmp_path / "basedata.har")
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "gt"\n[source]\nformat = "gtap"\nfiles = ["basedata.har"]\n[gdp]\nheader = "GDP"\n')
    world, report = build_world(spec)
    assert world.region_codes == ("XER", "ROW") and world.tariffs[1, 0, 1] == pytest.approx(0.25, rel=1e-6)
    assert world.units == "million USD" and world.gdp[0] == 27000
    (tmp_path / "junk.har").write_bytes(b"not a har file at all")
    with pytest.raises(DataError, match="junk.har.*not a readable header-array"):
        aggregate_gtap(tmp_path / "junk.har")
    write_har(tmp_path / "nogdp.har", with_gdp=False)
    with pytest.raises(DataError, match="nogdp.har:GDP.*no such header"):
        aggregate_gtap(tmp_path / "nogdp.har", gdp_header="GDP")


def test_gtap_broad_sectors_and_groups_over_regions(tmp_path, monkeypatch):
    monkeypatch.setitem(globals(), "COMM", ["wht", "mvh", "ele"])
    cif, _ = write_har(tmp_path / "basedata.har")
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "gt"\n[source]\nformat = "gtap"\nfiles = ["basedata.har"]\n[gdp]\nheader = "GDP"\n'
                    '[sectors]\nlevel = "broad"\n[countries]\nkeep = ["USA", "CHN"]\nrest = "ROW"\n'
                    '[groups]\nBig = ["USA", "CHN"]\n')
    world, _ = build_world(spec)
    assert world.sectors == ("Agriculture", "Manufacturing")
    assert world.flows[1, 0, 1] == pytest.approx(float(cif[1, 1, 0]) + float(cif[2, 1, 0]))
    assert world.group("Big") == ("USA", "CHN")
    spec.write_text(spec.read_text().replace('Big = ["USA", "CHN"]', 'Big = ["USA", "DEU"]'))
    with pytest.raises(DataError, match=r"groups.Big.*region ROW merges 3 countries of which only \['DEU'\]"):
        build_world(spec)
