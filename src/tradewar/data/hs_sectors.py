"""HS products -> sectors: the built-in concordances and prefix (HS2/HS4/HS6) concordances.

Built-in levels (``[sectors] level = ...`` in a BACI build), from
``concordances/hs_gtap_isic.csv`` and ``concordances/gtap_sectors.csv`` (see their
``SOURCE.md``: derived tables at mixed HS2/HS4/HS6 level, not the publishers' HS6 tables):

* ``"gtap"``: GTAP 10/11 sectors (``mvh``, ``wht``, ``oil`` …);
* ``"isic"``: ISIC Rev.4 divisions (``"29"``);
* ``"isic_section"``: ISIC Rev.4 sections (``"C"``);
* ``"broad"``: the four broad sectors of ITPD-E (Agriculture, Mining and Energy, Manufacturing,
  Services).

A six-digit code gets the sector of its longest listed prefix (HS6, else HS4, else HS2).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources

import pandas as pd

from tradewar.errors import DataError

LEVELS = ("gtap", "isic", "isic_section", "broad")
#: ISIC Rev.4 sections by division (the divisions goods come from, and the rest for completeness).
_SECTIONS = {"A": range(1, 4), "B": range(5, 10), "C": range(10, 34), "D": range(35, 36), "E": range(36, 40),
             "F": range(41, 44), "G": range(45, 48), "H": range(49, 54), "I": range(55, 57), "J": range(58, 64),
             "K": range(64, 67), "L": range(68, 69), "M": range(69, 76), "N": range(77, 83), "O": range(84, 85),
             "P": range(85, 86), "Q": range(86, 89), "R": range(90, 94), "S": range(94, 97), "T": range(97, 99),
             "U": range(99, 100)}


class PrefixConcordance(Mapping):
    """HS code -> sector by the longest listed prefix (2, 4 or 6 digits)."""

    def __init__(self, table: Mapping[str, str], label: str, order: list[str] | None = None):
        self.table = dict(table)
        self.label = label
        used = set(self.table.values())
        self._sectors = [s for s in (order or []) if s in used] + [
            s for s in dict.fromkeys(self.table.values()) if s not in set(order or [])]

    def __getitem__(self, code: str) -> str:
        code = str(code)
        for width in (6, 4, 2):
            if code[:width] in self.table:
                return self.table[code[:width]]
        raise KeyError(code)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def values(self):  # the sectors, once each, in the table's order
        return list(self._sectors)


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    """The built-in HS -> GTAP / ISIC table, with ``isic_section`` and ``broad`` columns added."""
    folder = resources.files("tradewar.data") / "concordances"
    with (folder / "hs_gtap_isic.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    section = {f"{d:02d}": letter for letter, divisions in _SECTIONS.items() for d in divisions}
    frame["isic_section"] = frame["isic"].map(section)
    frame["broad"] = frame["gtap"].map(gtap_broad())
    return frame


@lru_cache(maxsize=len(LEVELS))
def builtin(level: str) -> PrefixConcordance:
    """The built-in concordance at ``level`` (one of :data:`LEVELS`)."""
    if level not in LEVELS:
        raise DataError("concordance", "sectors.level", f"built-in levels are {list(LEVELS)}, not {level!r}")
    frame = table()
    order = list(gtap_broad()) if level == "gtap" else (
        list(dict.fromkeys(gtap_broad().values())) if level == "broad" else sorted(set(frame[level])))
    return PrefixConcordance(dict(zip(frame["hs"], frame[level])), f"the built-in HS → {level} concordance", order)


@lru_cache(maxsize=1)
def gtap_broad() -> dict[str, str]:
    """GTAP sector -> broad sector (read once; for GTAP builds at ``level = "broad"``)."""
    folder = resources.files("tradewar.data") / "concordances"
    with (folder / "gtap_sectors.csv").open("r", encoding="utf-8") as fh:
        sectors = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return dict(zip(sectors["gtap"], sectors["broad"]))


def unmapped(codes, concordance: Mapping[str, str]) -> list[str]:
    """The codes a concordance does not map, sorted."""
    return sorted({str(c) for c in codes if concordance.get(str(c)) is None})
