"""OECD ICIO loader on a small table in the publisher's layout (CN1/CN2 split, ROW, final demand)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from tradewar.data.icio import aggregate_icio
from tradewar.errors import DataError


def write_icio(tmp_path, bad: str | None = None, code: str = "CN1"):
    rng = np.random.default_rng(1)
    inds = ["A01_02", "C10T12"]
    users = [f"{c}_{i}" for c in ("AUS", code, "CN2", "USA", "ROW") for i in inds]
    final = [f"{c}_{f}" for c in ("AUS", "CHN", "USA", "ROW") for f in ("HFCE", "GFCF")]
    z = pd.DataFrame(rng.integers(1, 100, (len(users), len(users) + len(final))).astype(float),
                     index=users, columns=users + final)
    extra = pd.DataFrame(rng.integers(1, 100, (3, z.shape[1])).astype(float), index=["TLS", "VA", "OUT"],
                         columns=z.columns)
    table = pd.concat([z, extra])
    table["OUT"] = table.sum(axis=1)
    table.index.name = "V1"
    table = table.astype(object)
    if bad:
        table.iat[2, 3] = bad
    table.to_csv(tmp_path / "ICIO2023_2019.csv")
    return tmp_path / "ICIO2023_2019.csv", z, extra


def test_icio_sales_by_destination_with_china_merged(tmp_path):
    path, z, extra = write_icio(tmp_path)
    agg, va = aggregate_icio(path)
    assert agg.regions == ["AUS", "CHN", "USA", "ROW"] and agg.sectors == ["A01_02", "C10T12"]
    country = lambda label: {"CN1": "CHN", "CN2": "CHN"}.get(label[:3], label[:3])  # noqa: E731
    expected = z.T.groupby(country).sum().T  # by importer
    sold = expected.groupby([z.index.map(country), z.index.str[4:]]).sum()
    assert agg.flows[1, 2, 0] == sold.loc[("CHN", "A01_02"), "USA"]
    assert agg.flows[1, 1, 1] == sold.loc[("CHN", "C10T12"), "CHN"]  # domestic, incl. CN1 -> CN2
    assert agg.flows.sum() == z.to_numpy().sum()
    va_chn = extra.loc["VA", [c for c in z.index if c[:3] in ("CN1", "CN2")]].sum()
    assert va["CHN"] == va_chn and any("CN1" in r for r in agg.report)
    small, _ = aggregate_icio(path, keep=["USA", "CHN"], rest="ROW", level="total")
    assert small.regions == ["USA", "CHN", "ROW"] and small.flows.sum() == z.to_numpy().sum()


@pytest.mark.parametrize(("bad", "message"), [("n/a", "not a number: 'n/a'"),
                                              ("nan", "nan in row 'CN1_A01_02': flows must be finite"),
                                              ("-inf", "-inf in row 'CN1_A01_02': flows must be finite")])
def test_icio_errors(tmp_path, bad, message):
    path, _, _ = write_icio(tmp_path, bad=bad)
    with pytest.raises(DataError, match=rf"ICIO2023_2019.csv:line 4:column CN1_C10T12.*{message}"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path, code="ZZ1")
    with pytest.raises(DataError, match=r"ICIO2023_2019.csv:line 4.*'ZZ1'"):
        aggregate_icio(path)


def test_icio_through_the_builder_gdp_from_value_added(tmp_path):
    from tradewar.data.build import build, read_world_folder

    path, z, extra = write_icio(tmp_path)
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "icio_small"\n[source]\nformat = "icio"\nfiles = ["ICIO2023_2019.csv"]\n'
                    '[countries]\nkeep = ["USA", "CHN", "AUS"]\nrest = "ROW"\n')
    world, folder, report = build(spec, tmp_path / "out")
    assert world.iso3 == ("USA", "CHN", "AUS", "ROW") and world.units == "million USD"
    assert world.region_codes == ("ROW",) and world.flows[1, 1].sum() > 0  # domestic sales kept
    assert any("value added" in r for r in report)
    back = read_world_folder(folder)
    np.testing.assert_array_equal(back.flows, world.flows)
    np.testing.assert_array_equal(back.gdp, world.gdp)


def test_icio_streamed_in_small_blocks_gives_the_same_aggregate(tmp_path):
    path, z, extra = write_icio(tmp_path)
    whole, va = aggregate_icio(path, keep=["USA", "CHN"], rest="ROW")
    assert path.stat().st_size > 4 * 300  # several blocks below
    small, va_small = aggregate_icio(path, keep=["USA", "CHN"], rest="ROW", block_size=300)
    np.testing.assert_array_equal(small.flows, whole.flows)
    assert va_small == va and whole.flows.sum() == z.to_numpy().sum()
    assert whole.members == {"AUS": "ROW", "CHN": "CHN", "USA": "USA", "ROW": "ROW"}


def test_icio_ragged_row_names_its_line(tmp_path):
    path, _, _ = write_icio(tmp_path)
    lines = path.read_text().splitlines()
    lines[5] += ",7"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"ICIO2023_2019.csv:line 6.*fields where the header has"):
        aggregate_icio(path)


def _edit_lines(path, edit):
    lines = path.read_text().splitlines()
    edit(lines)
    path.write_text("\n".join(lines) + "\n")


def test_icio_rows_are_checked_against_the_header_in_one_pass(tmp_path):
    """The header's industry columns name the rows: a row not among them, a repeated row, a
    column without a row and a missing VA row are errors naming file, line and labels."""
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.__setitem__(2, lines[2].replace("AUS_C10T12", "AUS_B05_06", 1)))
    with pytest.raises(DataError, match=r"line 3.*row 'AUS_B05_06' is not an industry column of the header"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.__setitem__(4, lines[2]))  # AUS_C10T12's row again where CN1_A01_02 was
    with pytest.raises(DataError, match=r"line 5.*row 'AUS_C10T12' repeats line 3"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.pop(6))  # CN2_C10T12
    with pytest.raises(DataError, match=r"ICIO2023_2019.csv:row CN2_C10T12.*no row for 1 industry column"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.pop(-2))  # VA
    with pytest.raises(DataError, match=r"ICIO2023_2019.csv:row VA.*missing"):
        aggregate_icio(path)


def test_icio_repeated_columns_unknown_total_rows_and_blank_lines(tmp_path):
    """A repeated column (final demand too) would be counted twice, an unlabelled row or a second
    VA would be dropped: errors naming them; a bad cell after a blank line is still located."""
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.__setitem__(0, lines[0].replace("USA_HFCE", "AUS_HFCE", 1)))
    with pytest.raises(DataError, match=r"ICIO2023_2019.csv:column AUS_HFCE.*appears twice in the header"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.insert(-1, "FOO" + lines[-1][3:]))
    with pytest.raises(DataError, match=r"line 14.*row 'FOO' is neither <country>_<industry> nor one of the total rows"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path)
    _edit_lines(path, lambda lines: lines.insert(-1, lines[-2]))  # VA twice
    with pytest.raises(DataError, match=r"line 14.*row 'VA' repeats line 13"):
        aggregate_icio(path)
    path, _, _ = write_icio(tmp_path, bad="n/a")
    _edit_lines(path, lambda lines: lines.insert(2, ""))
    with pytest.raises(DataError, match=r"ICIO2023_2019.csv:line 5:column CN1_C10T12.*not a number: 'n/a'"):
        aggregate_icio(path)


def test_icio_quoted_csv_and_rows_in_any_order_give_the_same_aggregate(tmp_path):
    path, z, extra = write_icio(tmp_path)
    whole, va = aggregate_icio(path, keep=["USA", "CHN"], rest="ROW")
    table = pd.read_csv(path, index_col=0)
    table.iloc[::-1].to_csv(path, quoting=csv.QUOTE_ALL)  # rows reversed, every field quoted
    assert path.read_text().startswith('"V1","AUS_A01_02"')
    back, va_back = aggregate_icio(path, keep=["USA", "CHN"], rest="ROW")
    assert back.sectors == ["C10T12", "A01_02"]  # sectors in the order of the rows
    np.testing.assert_array_equal(back.flows[:, :, ::-1], whole.flows)
    assert va_back == va and back.members == whole.members


def test_one_header_reader_for_every_csv_source(tmp_path):
    """csvutil.read_header: csv quoting (a comma inside quotes), a byte-order mark, strict UTF-8."""
    from tradewar.data.csvutil import read_header

    path = tmp_path / "h.csv"
    path.write_bytes('\ufeff"V1", "a,b" ,c\n1,2,3\n'.encode())
    assert read_header("icio", path, ["c"]) == ["V1", "a,b", "c"]
    with pytest.raises(DataError, match=r"h.csv:line 1.*missing column\(s\) \['t'\]; found \['V1', 'a,b', 'c'\] \(hint\)"):
        read_header("baci", path, ["t"], " (hint)")
    path.write_bytes(b"t,i,j,k,v,q\xff\n1,2,3\n")
    with pytest.raises(DataError, match=r"h.csv:line 1.*not UTF-8 text"):
        read_header("baci", path, ["t"])
    path.write_bytes(b"t,i,j,k,v,q\n\xff,2,3\n")  # only the header is read
    assert read_header("baci", path, ["t"]) == ["t", "i", "j", "k", "v", "q"]
    path.write_bytes(b"\xffV1,AUS_A01\n")
    with pytest.raises(DataError, match=r"h.csv:line 1.*not UTF-8 text"):
        aggregate_icio(path)
