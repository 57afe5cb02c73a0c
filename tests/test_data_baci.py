"""CEPII BACI loader on small files written here in the publisher's exact format.

Trade file: ``t,i,j,k,v,q`` (k an HS6 string with leading zeros, v thousand US$, q padded
'NA' where missing); code list ``country_codes_V202501.csv``: ``country_code,country_name,
country_iso2,country_iso3``. Traps: Namibia's ISO2 'NA', Kosovo, legacy and aggregate codes,
HS6 codes that lost their leading zero, encodings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewar.data.baci import aggregate_baci, iter_baci, read_country_codes
from tradewar.data.concordance import (converter, iso3_from_numeric, normalise_iso3, numeric_from_iso3,
                                       read_hs6_concordance)
from tradewar.errors import DataError

CODES = """country_code,country_name,country_iso2,country_iso3
4,Afghanistan,AF,AFG
58,Belgium-Luxembourg,,BLX
156,China,CN,CHN
251,France,FR,FRA
384,Côte d'Ivoire,CI,CIV
412,Kosovo,XK,KOS
490,"Other Asia, nes",,S19
516,Namibia,NA,NAM
842,USA,US,USA
891,Serbia and Montenegro,,SCG
"""

TRADE = """t,i,j,k,v,q
2023,842,156,010121,100.5,         NA
2023,156,842,010121,250.25,3.2
2023,516,842,851712,7,         NA
2023,842,516,851712,1.5,0.1
2023,412,251,851712,2,         NA
2023,251,412,010121,3,         NA
2023,384,251,180100,40,12
2023,490,842,851712,60,         NA
2023,58,251,010121,1,         NA
"""


def files(tmp_path: Path, trade: str = TRADE, codes: str = CODES, encoding: str = "utf-8") -> tuple[Path, Path]:
    (tmp_path / "country_codes_V202501.csv").write_bytes(codes.encode(encoding))
    (tmp_path / "BACI_HS22_Y2023_V202501.csv").write_text(trade, encoding="utf-8")
    return tmp_path / "BACI_HS22_Y2023_V202501.csv", tmp_path / "country_codes_V202501.csv"


def test_code_list_keeps_namibia_maps_kosovo_and_flags_legacy_codes(tmp_path):
    _, codes = files(tmp_path)
    table = read_country_codes(codes)
    assert table.loc[516, "iso2"] == "NA" and table.loc[516, "iso3"] == "NAM"
    assert table.loc[412, "iso3"] == "XKX"  # KOS -> XKX
    assert table.loc[384, "name"] == "Côte d'Ivoire"
    for legacy in (58, 490, 891):  # Belgium-Luxembourg, Other Asia nes, Serbia and Montenegro
        assert pd.isna(table.loc[legacy, "iso3"])
    assert read_country_codes(codes, {"490": "TWN", "SCG": "SRB"}).loc[[490, 891], "iso3"].tolist() == ["TWN", "SRB"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_code_list_encodings(tmp_path, encoding):
    _, codes = files(tmp_path, encoding=encoding)
    table = read_country_codes(codes)
    assert table.loc[384, "name"] == "Côte d'Ivoire" and list(table.columns)[:2] == ["name", "iso2"]


def test_country_converter_traps():
    assert converter().convert("NA", src="ISO2", to="ISO3") == "NAM"
    assert numeric_from_iso3(["NAM", "USA", "XKX", "KOS"]) == {"NAM": 516, "USA": 840, "XKX": 412, "KOS": 412}
    assert iso3_from_numeric([516, 842]) == {516: "NAM", 842: None}  # 842 is BACI's own USA code
    assert normalise_iso3("kos") == "XKX" and normalise_iso3("ROM") == "ROU"
    assert normalise_iso3("SCG") is None and normalise_iso3("S19") is None and normalise_iso3("ZZZ") is None


def test_aggregate_countries_rest_and_sectors(tmp_path):
    trade, codes = files(tmp_path)
    table = read_country_codes(codes)
    agg = aggregate_baci([trade], table, keep=["USA", "CHN", "NAM"], rest="ROW")
    assert agg.regions == ["USA", "CHN", "NAM", "ROW"] and agg.sectors == ["goods"] and agg.rows == 9
    f = agg.flows[:, :, 0]
    assert f[0, 1] == 100.5 and f[1, 0] == 250.25 and f[2, 0] == 7 and f[0, 2] == 1.5
    assert f[3, 0] == 60  # Other Asia nes -> ROW
    assert f[3, 3] == 0 and any("within aggregated regions" in r for r in agg.report)  # FRA/XKX/CIV/BLX internal
    assert any("code 58" in r and "ROW" in r for r in agg.report)
    keep = aggregate_baci([trade], table, keep=["USA", "CHN", "NAM"], rest="ROW", internal="keep")
    assert keep.flows[3, 3, 0] == 2 + 3 + 40 + 1
    hs2 = aggregate_baci([trade], table, keep=["USA", "CHN", "NAM"], rest="ROW", level="hs2")
    assert hs2.sectors == ["01", "85"] and hs2.flows[0, 1, 0] == 100.5 and hs2.flows[2, 0, 1] == 7


def test_concordance_file_restores_leading_zeros_and_rejects_clashes(tmp_path):
    trade, codes = files(tmp_path)
    (tmp_path / "conc.csv").write_text("HS6,isic\n10121,A01\n851712,C26\n180100,A01\n")  # leading zero lost
    conc = read_hs6_concordance("t", tmp_path / "conc.csv", "HS6", "isic")
    assert conc == {"010121": "A01", "851712": "C26", "180100": "A01"}
    agg = aggregate_baci([trade], read_country_codes(codes, {"490": "TWN"}), keep=["USA", "CHN", "NAM", "TWN"],
                         rest="ROW", concordance=conc)
    assert agg.sectors == ["A01", "C26"] and agg.flows[3, 0, 1] == 60 and agg.flows[0, 1, 0] == 100.5
    (tmp_path / "bad.csv").write_text("hs6,sector\n010121,A\n010121,B\n")
    with pytest.raises(DataError, match="more than one sector.*010121"):
        read_hs6_concordance("t", tmp_path / "bad.csv")
    (tmp_path / "bad.csv").write_text("hs6,sector\n010121,A\n01012X,B\n")
    with pytest.raises(DataError, match=r"bad.csv:hs6.*line\(s\) \[3\]"):
        read_hs6_concordance("t", tmp_path / "bad.csv")


def test_hs6_codes_written_without_leading_zero_are_padded(tmp_path):
    trade, codes = files(tmp_path, TRADE.replace(",010121,", ",10121,"))
    conc = {"010121": "agri", "851712": "elec", "180100": "agri"}
    agg = aggregate_baci([trade], read_country_codes(codes), keep=["USA", "CHN"], rest="ROW", concordance=conc)
    assert agg.flows[0, 1, 0] == 100.5


def test_streaming_in_small_blocks_matches_pandas(tmp_path):
    rng = np.random.default_rng(0)
    n = 20_000
    codes = [4, 156, 251, 516, 842]
    frame = pd.DataFrame({"t": 2023, "i": rng.choice(codes, n), "j": rng.choice(codes, n),
                          "k": rng.choice(["010121", "851712", "270900"], n), "v": rng.random(n) * 100})
    frame = frame[frame.i != frame.j]
    frame.assign(q="NA").to_csv(tmp_path / "b.csv", index=False)
    _, code_file = files(tmp_path)
    blocks = list(iter_baci(tmp_path / "b.csv", block_size=64 << 10))
    assert len(blocks) > 3 and sum(len(b[-1]) for b in blocks) == len(frame)
    assert [b[0] for b in blocks][:2] == [2, 2 + len(blocks[0][-1])]
    agg = aggregate_baci([tmp_path / "b.csv"], read_country_codes(code_file), keep=["AFG", "CHN", "FRA", "NAM", "USA"])
    iso = {4: "AFG", 156: "CHN", 251: "FRA", 516: "NAM", 842: "USA"}
    ref = frame.groupby([frame.i.map(iso), frame.j.map(iso)]).v.sum()
    for (a, b), value in ref.items():
        assert agg.flows[agg.regions.index(a), agg.regions.index(b), 0] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("row, where", [
    ("2023,842,156,010121,abc,NA", "line 4:column v"),
    ("2023,842,15x,010121,1,NA", "line 4:column j"),
    ("2023,842,156,,1,NA", "line 4:column k"),
    ("2023,842,156,010121,,NA", "line 4:column v"),
    ("2023,842,999,010121,1,NA", "line 4:column j.*999 is not in country_codes"),
    ("2023,842,156,010121,-5,NA", "line 4:column v.*negative"),
    ("2023,891,156,010121,5,NA", "line 4:column i.*891.*Serbia and Montenegro.*SCG"),
    ("2022,842,156,010121,5,NA", "column t.*several years"),
])
def test_malformed_trade_file_errors_name_file_line_column(tmp_path, row, where):
    lines = TRADE.splitlines()
    trade, codes = files(tmp_path, "\n".join(lines[:3] + [row] + lines[3:]) + "\n")
    with pytest.raises(DataError, match=r"BACI_HS22_Y2023_V202501.csv:" + where):
        aggregate_baci([trade], read_country_codes(codes), keep=["USA", "CHN"], code_file="country_codes_V202501.csv")


def test_malformed_structure(tmp_path):
    trade, codes = files(tmp_path, "t,i,j,k,value\n2023,842,156,010121,1\n")
    with pytest.raises(DataError, match=r"line 1.*missing column\(s\) \['v', 'q'\]"):
        aggregate_baci([trade], read_country_codes(codes))
    trade, codes = files(tmp_path, TRADE + "2023,842,156\n")
    with pytest.raises(DataError, match=r"BACI_HS22_Y2023_V202501.csv:line 11.*3 fields where the header has 6"):
        aggregate_baci([trade], read_country_codes(codes), keep=["USA"], rest="ROW")
    trade.write_bytes(TRADE.encode() + b"2023,842,156,010121,1\xff,NA\n")
    with pytest.raises(DataError, match=r"BACI_HS22_Y2023_V202501.csv:line 11:byte 22.*not UTF-8"):
        aggregate_baci([trade], read_country_codes(codes), keep=["USA"], rest="ROW")
    with pytest.raises(DataError, match="file not found"):
        aggregate_baci([tmp_path / "nope.csv"], read_country_codes(codes))
    (tmp_path / "c.csv").write_text("country_code,country_name,country_iso2,country_iso3\n4,A,AF,AFG\nx4,B,BB,BBB\n")
    with pytest.raises(DataError, match=r"c.csv:country_code.*line\(s\) \[3\]"):
        read_country_codes(tmp_path / "c.csv")
    (tmp_path / "c.csv").write_text("code,name\n4,A\n")
    with pytest.raises(DataError, match=r"c.csv:country_code.*missing column"):
        read_country_codes(tmp_path / "c.csv")
    trade, codes = files(tmp_path)
    with pytest.raises(DataError, match=r"line 10:column i.*code 58.*Belgium-Luxembourg"):
        aggregate_baci([trade], read_country_codes(codes, {"490": "TWN", "412": "XKX"}))
