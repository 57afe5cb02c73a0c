"""HS codes → model sectors: the 33 GTAP sectors of Ossa (2014), the 40 sectors of Caliendo and
Parro (2015) (20 tradable, ISIC Rev.3 based), and one sector.

The shipped table ``hs_sectors.csv`` (columns ``hs``, ``ossa2014``, ``cp2015``, ``description``)
maps HS2 chapters, with HS4 headings where a chapter splits across sectors; a code is mapped by
its longest matching prefix. We built it from the HS chapter and heading titles and the standard
GTAP (v7 sector definitions: GSC2/CPC correspondences) and ISIC Rev.3 contents of each sector;
it is a chapter/heading-level approximation (an HS6-level GTAP concordance would split a few
headings further). Products with no Ossa sector: ores and fuels (HS 26–27, GTAP
omn/coa/oil/gas/p_c are not among Ossa's 33 traded sectors) and the special chapters 98–99;
fish (HS 03; GTAP fsh) is put in processed food (ofd). They are reported as ``unmapped``.

A user concordance is any CSV with a column ``hs`` (HS codes or prefixes, digits only) and a
sector column (``sector``, or the name given as ``column``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from tradewar.errors import DataError

SYSTEMS = ("ossa2014", "cp2015", "one_sector")
UNMAPPED = "unmapped"


@lru_cache(maxsize=8)
def _table(path: str | None) -> pd.DataFrame:
    if path is None:
        with resources.files("tradewar.war").joinpath("hs_sectors.csv").open("r", encoding="utf-8") as fh:
            frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    else:
        p = Path(path)
        if not p.is_file():
            raise DataError(str(p), "concordance", "file not found")
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    if "hs" not in frame.columns:
        raise DataError(str(path or "hs_sectors.csv"), "concordance", "needs a column 'hs'")
    frame["hs"] = frame["hs"].str.replace(".", "", regex=False).str.strip()
    bad = frame.loc[~frame["hs"].str.fullmatch(r"\d{2,10}"), "hs"]
    if len(bad):
        raise DataError(str(path or "hs_sectors.csv"), "concordance:hs", f"not HS digits: {bad.tolist()[:5]}")
    return frame


def mapper(system: str = "ossa2014", path: str | Path | None = None, column: str | None = None):
    """A function HS code → sector code (``"unmapped"`` when none) for ``system``
    (``ossa2014``, ``cp2015``, ``one_sector``) or a user file ``path`` (its ``column``,
    default ``sector``)."""
    if path is None and system == "one_sector":
        return lambda code: "goods"
    frame = _table(None if path is None else str(Path(path).resolve()))
    col = column or ("sector" if path is not None else system)
    if col not in frame.columns:
        raise DataError(str(path or "hs_sectors.csv"), "concordance", f"no column {col!r}; columns: {list(frame.columns)}")
    table = {h: s for h, s in zip(frame["hs"], frame[col])}
    lengths = sorted({len(h) for h in table}, reverse=True)

    @lru_cache(maxsize=None)
    def lookup(code: str) -> str:
        for n in lengths:
            if len(code) >= n and code[:n] in table:
                return table[code[:n]] or UNMAPPED
        return UNMAPPED

    return lookup


def map_codes(codes, system: str = "ossa2014", path=None, column=None) -> pd.Series:
    f = mapper(system, path, column)
    codes = list(codes)
    return pd.Series([f(c) for c in codes], index=codes)
