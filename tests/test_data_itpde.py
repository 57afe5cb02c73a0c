"""USITC ITPD-E loader on a small file in the publisher's exact format (domestic trade included)."""

from __future__ import annotations

import pytest

from tradewar.data.build import build_world
from tradewar.data.itpde import aggregate_itpde
from tradewar.errors import DataError

HEADER = ("exporter_iso3,exporter_dynamic_code,exporter_name,importer_iso3,importer_dynamic_code,importer_name,"
          "year,industry_id,industry_descr,broad_sector,trade,flag_mirror,flag_zero\n")
ROWS = [
    'USA,USA,United States,USA,USA,United States,2019,1,Wheat,Agriculture,1000.5,0,p',
    'USA,USA,United States,CHN,CHN,China,2019,1,Wheat,Agriculture,10,0,p',
    'CHN,CHN,China,USA,USA,United States,2019,153,"Office, accounting and computing machinery",Manufacturing,50,1,p',
    'CHN,CHN,China,CHN,CHN,China,2019,153,"Office, accounting and computing machinery",Manufacturing,3000,0,p',
    'NAM,NAM,Namibia,USA,USA,United States,2019,29,Diamonds,Mining and Energy,4,0,p',
    'USA,USA,United States,NAM,NAM,Namibia,2019,1,Wheat,Agriculture,0,0,r',
    'KOS,KOS,Kosovo,CHN,CHN,China,2019,29,Diamonds,Mining and Energy,1,0,p',
    'NAM,NAM,Namibia,NAM,NAM,Namibia,2019,29,Diamonds,Mining and Energy,9,0,p',
    'USA,USA,United States,CHN,CHN,China,2018,1,Wheat,Agriculture,999,0,p',
]


def write(tmp_path, rows=ROWS):
    path = tmp_path / "ITPDE_R02.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_itpde_domestic_trade_sectors_and_traps(tmp_path):
    path = write(tmp_path)
    agg = aggregate_itpde([path], year=2019, level="broad_sector")
    assert agg.regions == ["CHN", "NAM", "USA", "XKX"]  # 'NA'-free ISO3, KOS -> XKX
    assert agg.sectors == ["Agriculture", "Manufacturing", "Mining and Energy"]
    u, c, n = 2, 0, 1
    assert agg.flows[u, u, 0] == 1000.5 and agg.flows[c, c, 1] == 3000  # domestic trade kept
    assert agg.flows[u, c, 0] == 10 and agg.flows[c, u, 1] == 50 and agg.flows[n, u, 2] == 4
    ind = aggregate_itpde([path], year=2019, level="industry", keep=["USA", "CHN"], rest="ROW")
    assert ind.sectors == ["1", "29", "153"] and ind.regions == ["USA", "CHN", "ROW"]
    assert ind.flows[2, 2, 1] == 9 and ind.flows[2, 1, 1] == 1
    with pytest.raises(DataError, match=r"ITPDE_R02.csv:column year.*several years \[2018, 2019\]"):
        aggregate_itpde([path])


@pytest.mark.parametrize("row, where", [
    ('USA,USA,United States,CHN,CHN,China,2019,1,Wheat,Agriculture,ten,0,p', "line 3:column trade"),
    ('USA,USA,United States,CHN,CHN,China,2019,1,Wheat,Agriculture,-1,0,p', "line 3:column trade.*negative"),
    ('USA,USA,United States,CHN,CHN,China,2019,1,Wheat', "line 3.*9 fields where the header has 13"),
    ('YUG,YUG,Yugoslavia,CHN,CHN,China,2019,1,Wheat,Agriculture,1,0,p', "line 3:column exporter_iso3.*'YUG'"),
])
def test_itpde_errors_name_file_line_column(tmp_path, row, where):
    path = write(tmp_path, ROWS[:1] + [row] + ROWS[1:])
    with pytest.raises(DataError, match="ITPDE_R02.csv:" + where):
        aggregate_itpde([path], year=2019)


def test_itpde_through_the_builder(tmp_path):
    write(tmp_path)
    (tmp_path / "gdp.csv").write_text("iso3,gdp\nUSA,27000000\nCHN,18000000\nNAM,12000\nXKX,10000\n")
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "itp"\n[source]\nformat = "itpde"\nfiles = ["ITPDE_R02.csv"]\nyear = 2019\n'
                    '[countries]\nkeep = ["USA", "CHN"]\nrest = "ROW"\n[sectors]\nlevel = "total"\n'
                    '[gdp]\nfile = "gdp.csv"\n')
    world, report = build_world(spec)
    assert world.units == "million USD" and world.sectors == ("goods",)
    assert world.flows[0, 0, 0] == 1000.5 and world.gdp[2] == 22000
