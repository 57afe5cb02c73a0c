"""Built-in HS → GTAP / ISIC / broad concordances, prefix concordances and user files."""

from __future__ import annotations

import pandas as pd
import pytest

from tradewar.data.build import build_world
from tradewar.data.hs_sectors import LEVELS, builtin, gtap_broad, table, unmapped
from tradewar.errors import DataError

CHAPTERS = [f"{c:02d}" for c in range(1, 98) if c != 77]


def test_every_hs_chapter_maps_at_every_level_and_the_table_is_consistent():
    frame = table()
    assert not frame["hs"].duplicated().any()
    assert frame["hs"].str.fullmatch(r"\d{2}|\d{4}|\d{6}").all()
    # every heading and subheading row sits in a chapter the table lists
    assert set(frame["hs"].str[:2]) == set(CHAPTERS)
    assert set(frame["gtap"]) <= set(gtap_broad())
    assert frame["isic"].str.fullmatch(r"\d{2}").all() and frame["isic_section"].notna().all()
    for level in LEVELS:
        conc = builtin(level)
        probes = [f"{c}0000" for c in CHAPTERS] + frame["hs"].str.pad(6, "right", "0").tolist()
        assert unmapped(probes, conc) == [], level
    assert unmapped(["770000", "980000", "999999"], builtin("gtap")) == ["770000", "980000", "999999"]


@pytest.mark.parametrize(("hs6", "gtap", "isic", "section", "broad"), [
    ("870321", "mvh", "29", "C", "Manufacturing"),        # cars
    ("870899", "mvh", "29", "C", "Manufacturing"),        # car parts
    ("871200", "otn", "30", "C", "Manufacturing"),        # bicycles
    ("100199", "wht", "01", "A", "Agriculture"),          # wheat
    ("100610", "pdr", "01", "A", "Agriculture"),          # paddy rice
    ("100630", "pcr", "10", "C", "Manufacturing"),        # milled rice
    ("100590", "gro", "01", "A", "Agriculture"),          # maize
    ("270900", "oil", "06", "B", "Mining and Energy"),    # crude oil
    ("271012", "p_c", "19", "C", "Manufacturing"),        # light petroleum oils
    ("271111", "gas", "06", "B", "Mining and Energy"),    # LNG
    ("271112", "p_c", "19", "C", "Manufacturing"),        # propane
    ("270112", "coa", "05", "B", "Mining and Energy"),    # bituminous coal
    ("020130", "cmt", "10", "C", "Manufacturing"),        # boneless beef
    ("020329", "omt", "10", "C", "Manufacturing"),        # frozen pork
    ("847130", "ele", "26", "C", "Manufacturing"),        # laptops
    ("854231", "ele", "26", "C", "Manufacturing"),        # processors
    ("850760", "eeq", "27", "C", "Manufacturing"),        # lithium-ion batteries
    ("842952", "ome", "28", "C", "Manufacturing"),        # excavators
    ("300490", "bph", "21", "C", "Manufacturing"),        # medicaments
    ("720839", "i_s", "24", "C", "Manufacturing"),        # flat-rolled steel
    ("760110", "nfm", "24", "C", "Manufacturing"),        # unwrought aluminium
    ("120190", "osd", "01", "A", "Agriculture"),          # soya beans
    ("520100", "pfb", "01", "A", "Agriculture"),          # raw cotton
    ("610910", "wap", "14", "C", "Manufacturing"),        # T-shirts
    ("271600", "ely", "35", "D", "Mining and Energy"),    # electricity
])
def test_spot_checks(hs6, gtap, isic, section, broad):
    assert builtin("gtap")[hs6] == gtap
    assert builtin("isic")[hs6] == isic
    assert builtin("isic_section")[hs6] == section
    assert builtin("broad")[hs6] == broad


def _baci(tmp_path, products, spec_extra=""):
    pd.DataFrame([(842, "USA", "US", "USA"), (156, "China", "CN", "CHN"), (516, "Namibia", "NA", "NAM")],
                 columns=["country_code", "country_name", "country_iso2", "country_iso3"]).to_csv(
        tmp_path / "codes.csv", index=False)
    rows = [(2023, i, j, k, v) for k, v in products for i, j in ((842, 156), (156, 842), (516, 842), (842, 516))]
    pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]).assign(q="NA").to_csv(tmp_path / "b.csv", index=False)
    pd.DataFrame({"iso3": ["USA", "CHN", "NAM"], "gdp": [1e6, 1e6, 1e4]}).to_csv(tmp_path / "gdp.csv", index=False)
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "conc"\n[source]\nformat = "baci"\nfiles = ["b.csv"]\ncountry_codes = "codes.csv"\n'
                    '[gdp]\nfile = "gdp.csv"\n' + spec_extra)
    return spec


def test_builder_levels_gtap_isic_broad_and_unmapped_codes(tmp_path):
    products = [("870321", 10.0), ("100199", 2.0), ("270900", 5.0), ("870899", 1.0), ("999999", 0.5)]
    spec = _baci(tmp_path, products, '[sectors]\nlevel = "gtap"\n')
    with pytest.raises(DataError, match=r"b.csv:line 18:column k.*HS6 code 999999 is not in the built-in HS → gtap "
                                        r"concordance.*unmapped"):
        build_world(spec)
    spec.write_text(spec.read_text() + 'unmapped = "drop"\n')
    world, report = build_world(spec)
    assert world.sectors == ("wht", "oil", "mvh")  # GTAP order; sectors without trade left out
    assert world.flows[world.index_of("USA"), world.index_of("CHN")].tolist() == [2.0, 5.0, 11.0]
    assert any("1 HS6 codes not in the built-in HS → gtap concordance" in r and "999999" in r and "dropped" in r
               for r in report)
    spec.write_text(spec.read_text().replace('level = "gtap"', 'level = "isic"').replace('"drop"', '"other"'))
    world, _ = build_world(spec)
    assert world.sectors == ("01", "06", "29", "other")
    assert world.flows[2, 0].tolist() == [2.0, 5.0, 11.0, 0.5]
    spec.write_text(spec.read_text().replace('level = "isic"', 'level = "broad"'))
    world, _ = build_world(spec)
    assert world.sectors == ("Agriculture", "Mining and Energy", "Manufacturing", "other")
    spec.write_text(spec.read_text().replace('level = "broad"', 'level = "naics"'))
    with pytest.raises(DataError, match=r"sectors.level.*'gtap'.*'naics'"):
        build_world(spec)


def test_user_concordance_files_at_hs6_or_as_prefixes(tmp_path):
    products = [("870321", 10.0), ("870899", 1.0), ("100199", 2.0), ("010121", 4.0)]
    # HS2/HS4 prefixes, one with its leading zero lost; the longest prefix wins
    (tmp_path / "conc.csv").write_text("code,model_sector\n87,autos\n8708,parts\n10,food\n1,food\n")
    spec = _baci(tmp_path, products, '[sectors]\nconcordance = "conc.csv"\nhs_column = "code"\n'
                                     'sector_column = "model_sector"\n')
    world, _ = build_world(spec)
    assert world.sectors == ("autos", "parts", "food")
    assert world.flows[2, 0].tolist() == [10.0, 1.0, 6.0]
    # an HS6 file works as before, and a bad code names file, line and column
    (tmp_path / "conc.csv").write_text("code,model_sector\n870321,autos\n870899,autos\n100199,food\n10121,food\n")
    world, _ = build_world(spec)
    assert world.sectors == ("autos", "food") and world.flows[2, 0].tolist() == [11.0, 6.0]
    (tmp_path / "conc.csv").write_text("code,model_sector\n870321,autos\n87032x,autos\n")
    with pytest.raises(DataError, match=r"conc.csv:code.*line\(s\) \[3\].*87032x"):
        build_world(spec)
    (tmp_path / "conc.csv").write_text("code,model_sector\n87,autos\n")
    with pytest.raises(DataError, match=r"HS6 code 100199 is not in the concordance conc.csv"):
        build_world(spec)


def test_fetch_knows_where_the_full_tables_are():
    from tradewar.data.fetch import SOURCES, fetch

    for name in ("hs-isic", "hs-gtap", "wits-concordance"):
        assert SOURCES[name].page.startswith("https://")
        with pytest.raises(DataError, match=r"cannot be downloaded automatically.*\[sectors\] concordance"):
            fetch(name, dest="/nonexistent", echo=lambda s: None)
