"""Reading CSV files with errors that name the file, the column and the offending rows."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.errors import DataError


def read_csv(dataset: str, path: Path, required: dict[str, str], **kwargs) -> pd.DataFrame:
    """Read ``path`` and check ``required`` columns (name -> 'str' | 'float' | 'int')."""
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], **kwargs)
    except FileNotFoundError:
        raise DataError(dataset, path.name, f"file not found: {path}") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(dataset, path.name, f"cannot parse {path}: {exc}") from None
    if not isinstance(frame.index, pd.RangeIndex) and "index_col" not in kwargs:
        # pandas takes the extra leading fields of rows longer than the header as an index
        raise DataError(dataset, path.name, f"rows have more fields than the header {list(frame.columns)} in {path}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(dataset, f"{path.name}:{missing[0]}", f"missing column(s) {missing}; found {list(frame.columns)}")
    for column, kind in required.items():
        if kind == "str":
            values = frame[column]
            blank = values.isna() | (values.astype(str).str.strip() == "")
            if blank.any():
                rows = (np.flatnonzero(blank.to_numpy()) + 2)[:8].tolist()
                raise DataError(dataset, f"{path.name}:{column}", f"empty values at line(s) {rows}")
            frame[column] = values.astype(str).str.strip()
        else:
            numbers = pd.to_numeric(frame[column], errors="coerce")
            bad = ~np.isfinite(numbers.to_numpy(dtype=float))
            if bad.any():
                rows = (np.flatnonzero(bad) + 2)[:8].tolist()
                shown = frame[column].to_numpy()[bad][:8].tolist()
                raise DataError(dataset, f"{path.name}:{column}", f"not a number at line(s) {rows}: {shown}")
            frame[column] = numbers
    return frame


def pairs_to_array(dataset: str, file: str, frame: pd.DataFrame, codes: list[str],
                   exporter: str, importer: str, value: str,
                   sector: str | None = None, sectors: list[str] | None = None) -> np.ndarray:
    """Long (exporter, importer, [sector], value) rows -> array [exporter, importer, sector]."""
    if frame.empty:
        raise DataError(dataset, file, "no rows below the header: no flows to read")
    position = {c: k for k, c in enumerate(codes)}
    for column in (exporter, importer):
        unknown = sorted(set(frame[column]) - set(position))
        if unknown:
            raise DataError(dataset, f"{file}:{column}", f"unknown country codes {unknown[:8]}")
    keys = [exporter, importer] + ([sector] if sector else [])
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 2)[:8].tolist()
        raise DataError(dataset, f"{file}:{'/'.join(keys)}", f"duplicate pairs at line(s) {rows}")
    neg = frame[value] < 0
    if neg.any():
        rows = (np.flatnonzero(neg.to_numpy()) + 2)[:8].tolist()
        raise DataError(dataset, f"{file}:{value}", f"negative flows at line(s) {rows}: {frame[value][neg].tolist()[:8]}")
    sectors = sectors or ["all"]
    out = np.zeros((len(codes), len(codes), len(sectors)))
    i = frame[exporter].map(position).to_numpy()
    j = frame[importer].map(position).to_numpy()
    if sector:
        spos = {s: k for k, s in enumerate(sectors)}
        unknown = sorted(set(frame[sector].astype(str)) - set(spos))
        if unknown:
            raise DataError(dataset, f"{file}:{sector}", f"unknown sector codes {unknown[:8]}")
        k = frame[sector].astype(str).map(spos).to_numpy()
    else:
        k = np.zeros(len(frame), dtype=int)
    out[i, j, k] = frame[value].to_numpy(dtype=float)
    return out


def read_header(dataset: str, path: Path, required=(), hint: str = "") -> list[str]:
    """The column names of a CSV file's header (csv quoting; strict UTF-8, with or without a
    byte-order mark; only the header's own lines are read), checked against ``required``; errors
    name the file, line 1 and what is missing or undecodable."""
    if not path.is_file():
        raise DataError(dataset, path.name, f"file not found: {path}")
    with open(path, "rb") as fh:
        lines = (raw.decode("utf-8-sig" if number == 1 else "utf-8") for number, raw in enumerate(fh, start=1))
        try:
            names = [c.strip() for c in next(csv.reader(lines, skipinitialspace=True), [])]
        except UnicodeDecodeError as exc:
            raise DataError(dataset, f"{path.name}:line 1", f"not UTF-8 text ({exc.reason})") from None
    missing = [c for c in required if c not in names]
    if missing:
        raise DataError(dataset, f"{path.name}:line 1", f"missing column(s) {missing}; found {names}{hint}")
    return names
