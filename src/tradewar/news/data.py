"""The shared facts the article reader checks against, read directly from three small CSVs of
``<data dir>/us_china_2018_2020/`` (``timeline.csv``, ``monthly_trade.csv`` and the Census c5700
table). ``tradewar.war`` (built in parallel) loads the whole event dataset with pandas, including
files of ~100k rows; the reader needs only these three, so it reads them with the csv module:
fast and independent. Each fact carries its source row (file, line number, the row's key).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from tradewar.errors import DataError

DATASET = "us_china_2018_2020"

# First prints quoted in SOURCE.md §2 (not in the CSVs, which hold the revised c5700 vintage).
FIRST_PRINTS = {
    ("china_goods_imports", "2019-05"): (39.27, "SOURCE.md §2: May 2019 imports from China first published as $39.27bn NSA"),
    ("china_goods_exports", "2019-05"): (9.07, "SOURCE.md §2: first print for May 2019 exports $9.07bn"),
    ("china_goods_exports", "2019-04"): (7.90, "SOURCE.md §2: first print for April 2019 exports $7.9bn"),
}


@dataclass(frozen=True)
class Row:
    file: str
    line: int          # 1-based line in the file (the header is line 1)
    values: dict = field(hash=False, compare=False)

    def cite(self, *columns: str) -> str:
        cols = columns or tuple(self.values)
        shown = ", ".join(f"{c}={self.values[c]}" for c in cols if self.values.get(c) not in (None, ""))
        return f"{self.file}:{self.line} ({shown})"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, **self.values}


@dataclass
class Facts:
    root: Path
    timeline: list[Row]
    monthly: dict[str, Row]      # month -> monthly_trade.csv row
    c5700: dict[str, Row]        # month -> census c5700 row

    # -- monthly series --------------------------------------------------------------
    def series(self, quantity: str, month: str) -> list[tuple[float, str, Row | None]]:
        """Values of ``quantity`` in ``month``: (value in USD bn, vintage, row), best first.
        Balances are returned as positive deficits."""
        out: list[tuple[float, str, Row | None]] = []
        m = self.monthly.get(month)
        c = self.c5700.get(month)
        if quantity == "total_balance" and m is not None:
            fp = _num(m.values.get("us_total_goods_services_balance_first_print_bn"))
            rv = _num(m.values.get("us_total_goods_services_balance_as_revised_next_release_bn"))
            if fp is not None:
                out.append((-fp, "first print", m))
            if rv is not None:
                out.append((-rv, "as revised in the next release", m))
        elif quantity.startswith("china_goods_"):
            col = {"china_goods_balance": "us_goods_balance_with_china_bn",
                   "china_goods_imports": "us_goods_imports_from_china_bn",
                   "china_goods_exports": "us_goods_exports_to_china_bn"}[quantity]
            if m is not None and _num(m.values.get(col)) is not None:
                v = _num(m.values[col])
                out.append((-v if quantity == "china_goods_balance" else v, "revised (c5700, 2025 vintage)", m))
            elif c is not None:
                ccol = {"china_goods_balance": "balance_musd", "china_goods_imports": "imports_musd",
                        "china_goods_exports": "exports_musd"}[quantity]
                v = float(c.values[ccol]) / 1000
                out.append((-v if quantity == "china_goods_balance" else v, "revised (c5700, 2025 vintage)", c))
            fp = self.first_print(quantity, month)
            if fp is not None:
                out.append((fp[0], f"first print ({fp[1]})", m))
        return out

    def first_print(self, quantity: str, month: str):
        if quantity == "china_goods_balance":
            imp = FIRST_PRINTS.get(("china_goods_imports", month))
            exp = FIRST_PRINTS.get(("china_goods_exports", month))
            if imp and exp:
                return round(imp[0] - exp[0], 3), f"first-print imports {imp[0]} − exports {exp[0]}, SOURCE.md §2"
            return None
        return FIRST_PRINTS.get((quantity, month))

    def value(self, quantity: str, month: str) -> tuple[float, Row | None] | None:
        """The revised (or only) value of a month; for the total balance the revised figure if
        the next release gave one, else the first print."""
        s = self.series(quantity, month)
        if not s:
            return None
        if quantity == "total_balance":
            revised = [x for x in s if x[1].startswith("as revised")]
            return (revised or s)[0][0], s[0][2]
        return s[0][0], s[0][2]

    def year_total(self, quantity: str, year: int) -> tuple[float, list[Row]] | None:
        if quantity not in ("china_goods_balance", "china_goods_imports", "china_goods_exports"):
            return None
        rows = [self.c5700.get(f"{year}-{k:02d}") for k in range(1, 13)]
        if any(r is None for r in rows):
            return None
        col = {"china_goods_balance": "balance_musd", "china_goods_imports": "imports_musd",
               "china_goods_exports": "exports_musd"}[quantity]
        v = sum(float(r.values[col]) for r in rows) / 1000
        return (-v if quantity == "china_goods_balance" else v), rows

    def months(self) -> list[str]:
        return sorted(set(self.monthly) | set(self.c5700))

    def release_date(self, month: str) -> date | None:
        m = self.monthly.get(month)
        if m and m.values.get("first_print_release_date"):
            return date.fromisoformat(m.values["first_print_release_date"])
        return None


def _num(v):
    if v in (None, ""):
        return None
    try:
        return float(v)
    except ValueError:
        return None


def _read(path: Path, name: str) -> list[Row]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows, line = [], 1
            for rec in reader:
                line = reader.line_num
                rows.append(Row(name, line, dict(rec)))
            return rows
    except FileNotFoundError:
        raise DataError(DATASET, name, f"file not found in {path.parent}") from None


def dataset_dir(data: str | os.PathLike | None = None) -> Path:
    from tradewar.data.registry import data_dir

    root = data_dir(data)
    if root is None:
        raise DataError(DATASET, "data directory", "none found: set TRADEWAR_DATA or pass --data")
    folder = root / DATASET
    if not folder.is_dir():
        raise DataError(DATASET, "folder", f"{folder} does not exist")
    return folder


@lru_cache(maxsize=4)
def _load(folder: str) -> Facts:
    f = Path(folder)
    timeline = _read(f / "timeline.csv", "timeline.csv")
    monthly = {r.values["month"]: r for r in _read(f / "monthly_trade.csv", "monthly_trade.csv")}
    cname = "census_c5700_us_china_goods_monthly_2001_2019.csv"
    c5700 = {r.values["month"]: r for r in _read(f / cname, cname)}
    return Facts(f, timeline, monthly, c5700)


def load_facts(data: str | os.PathLike | None = None) -> Facts:
    return _load(str(dataset_dir(data)))
