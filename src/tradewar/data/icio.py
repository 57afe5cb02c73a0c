"""OECD Inter-Country Input-Output tables (ICIO, 2023 release), as shipped (``ICIO2023_2019.csv``).

One square-ish CSV in million US$: the first column (``V1``, or unnamed) labels rows
``<country>_<industry>`` (e.g. ``AUS_A01_02``) followed by ``TLS`` (taxes less subsidies on
products), ``VA`` (value added) and ``OUT`` (output); columns are the same ``<country>_<industry>``
users, then final demand ``<country>_<HFCE|NPISH|GGFC|GFCF|INVNT|DPABR>`` and ``OUT``.

Traps: China and Mexico are split into ``CN1``/``CN2`` and ``MX1``/``MX2`` (processing trade):
they are summed into ``CHN`` and ``MEX``; ``ROW`` is the rest of the world (kept as a region).

:func:`aggregate_icio` returns flows [exporter, importer, sector] = sales of sector s of country
i to every user (industries and final demand) in country j, domestic sales on the diagonal, and
value added by region (the GDP of the builder when no GDP file is given).

The table is streamed (pyarrow, blocks of ``block_size`` bytes): a first pass reads only the row
labels, a second pass reads blocks of rows and sums each block's columns by importing region at
once (a product with a column → region indicator), so peak memory is a few blocks plus the
[region, region, sector] result, whatever the file size (``benchmarks/bench_build_icio.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tradewar.data.baci import BaciAggregate
from tradewar.data.concordance import map_country, normalise_iso3
from tradewar.errors import DataError

SPLIT = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
FINAL = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR", "NONRES", "FD")


def _country(code: str, overrides: Mapping[str, str]) -> str | None:
    """An ICIO country code as ISO3 (CN1/CN2 → CHN …), then the user's map or region if any."""
    code = code.strip().upper()
    if code == "ROW":
        return overrides.get(code, code)
    if code in SPLIT:
        return overrides.get(code) or map_country(SPLIT[code], overrides)
    return map_country(code, overrides)


def _header(dataset: str, path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(dataset, path.name, f"file not found: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise DataError(dataset, f"{path.name}:line 1", f"not UTF-8 text ({exc.reason})") from None
    if not header or len(header) < 2:
        raise DataError(dataset, f"{path.name}:line 1", "no header (an ICIO table is a CSV with labelled rows and columns)")
    return header


def _locate(dataset: str, path: Path, header: list[str], exc: Exception) -> DataError:
    """Find the line and column of a cell pyarrow could not read (it reports neither)."""
    wanted = [k for k, c in enumerate(header) if k and "_" in c.strip()]
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        rows = csv.reader(fh)
        next(rows)
        for line, row in enumerate(rows, start=2):
            if len(row) != len(header):
                return DataError(dataset, f"{path.name}:line {line}", f"{len(row)} fields where the header has {len(header)}")
            for k in wanted:
                cell = row[k].strip()
                if cell:
                    try:
                        float(cell)
                    except ValueError:
                        return DataError(dataset, f"{path.name}:line {line}:column {header[k].strip()}",
                                         f"not a number: {cell!r}")
    return DataError(dataset, path.name, f"cannot parse: {exc}")


def _row_labels(path: Path) -> list[str]:
    """The first field of every data line (no CSV parsing of the rest: constant memory)."""
    labels = []
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        next(fh)
        for text in fh:
            if text.strip():
                labels.append(text.split(",", 1)[0].strip().strip('"').strip())
    return labels


def _stream(path: Path, header: list[str], columns: list[tuple[int, str]], block_size: int):
    """A pyarrow streaming reader of the row labels and the given (position, label) columns."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [f"c{k}" for k in range(len(header))]  # unique names: the header may repeat or be blank
    keep = [names[0]] + [names[k] for k, _ in columns]
    types = {names[0]: pa.string(), **{names[k]: pa.float64() for k, _ in columns}}
    read = pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size, encoding="utf8", use_threads=False)
    convert = pcsv.ConvertOptions(column_types=types, include_columns=keep, null_values=[""],
                                  strings_can_be_null=False)
    return pcsv.open_csv(path, read_options=read, convert_options=convert)


def aggregate_icio(path: str | Path, *, keep: Sequence[str] | None = None, rest: str | None = None,
                   overrides: Mapping[str, str] | None = None, level: str = "industry",
                   concordance: Mapping[str, str] | None = None, dataset: str = "icio",
                   block_size: int = 16 << 20) -> tuple[BaciAggregate, dict]:
    """Aggregate an ICIO table, streamed; returns the aggregate and value added by region."""
    import pyarrow as pa

    path = Path(path)
    overrides = {str(k).upper(): str(v) for k, v in (overrides or {}).items()}
    header = _header(dataset, path)
    labels = [c.strip() for c in header]
    row_labels = _row_labels(path)  # pass 1: the first field of each line
    for label in ("VA", "OUT"):
        if label not in row_labels:
            raise DataError(dataset, f"{path.name}:row {label}", "missing (an ICIO table has TLS, VA and OUT rows)")

    def split(label: str, kind: str, line: int | None = None) -> tuple[str, str]:
        code, _, rest_ = label.partition("_")
        country = _country(code, overrides)
        if country is None:
            where = f"line {line}" if line else f"column {label}"
            raise DataError(dataset, f"{path.name}:{where}", f"{code!r} ({kind}) is not a current ISO3 code or an "
                                                            f"ICIO code (CN1/CN2, MX1/MX2, ROW); map it ([countries] map)")
        return country, rest_

    seller_rows = [(k, r) for k, r in enumerate(row_labels) if "_" in r]
    sellers = [split(r, "row", k + 2) for k, r in seller_rows]
    cols = [(k, c) for k, c in enumerate(labels) if k and "_" in c]
    buyers = [split(c, "column")[0] for _, c in cols]
    if concordance is not None:
        sector_of = {ind: concordance.get(ind) for _, ind in sellers}
        missing = sorted({i for i, s in sector_of.items() if s is None})
        if missing:
            raise DataError(dataset, f"{path.name}:industries", f"not in the concordance: {missing[:8]}")
        sectors = list(dict.fromkeys(concordance[ind] for _, ind in sellers))
    elif level == "industry":
        sector_of = {ind: ind for _, ind in sellers}
        sectors = list(dict.fromkeys(ind for _, ind in sellers))
    elif level == "total":
        sector_of = {ind: "all" for _, ind in sellers}
        sectors = ["all"]
    else:
        raise DataError(dataset, "sectors.level", f"must be 'industry' or 'total', not {level!r}")
    countries = list(dict.fromkeys(c for c, _ in sellers))
    regions = list(countries) if keep is None else list(dict.fromkeys(keep))
    if rest and rest not in regions:
        regions.append(rest)
    position = {c: k for k, c in enumerate(regions)}
    unknown = [c for c in (keep or []) if c not in countries]
    if unknown:
        raise DataError(dataset, "countries.keep", f"not in {path.name}: {unknown[:8]}")

    def region(c: str) -> int:
        return position.get(c, position.get(rest, -1) if rest else -1)

    n, S = len(regions), len(sectors)
    spos = {s: k for k, s in enumerate(sectors)}
    # per file row: exporter region and sector (-1: not a selling industry or not selected)
    row_region = np.full(len(row_labels), -1)
    row_sector = np.full(len(row_labels), -1)
    for (k, _), (country, ind) in zip(seller_rows, sellers):
        row_region[k], row_sector[k] = region(country), spos[sector_of[ind]]
    rj = np.array([region(c) for c in buyers])
    indicator = np.zeros((len(cols), n))  # column -> importing region
    ok_c = rj >= 0
    indicator[np.flatnonzero(ok_c), rj[ok_c]] = 1.0
    industry_col = np.array([c.partition("_")[2] not in FINAL for _, c in cols])
    va_row = row_labels.index("VA")

    # pass 2: blocks of rows, summed by importing region as they come
    flows = np.zeros((n, n, S))
    va = np.zeros(n)
    negative = 0
    line = 0
    buffer = None
    pool = pa.default_memory_pool()
    try:
        for batch in _stream(path, header, cols, block_size):
            b = batch.num_rows
            first = [str(x).strip() for x in batch.column(0).to_pylist()]
            if buffer is None or buffer.shape[0] < b:
                buffer = np.empty((b, len(cols)))
            block = buffer[:b]
            for m in range(len(cols)):
                block[:, m] = batch.column(m + 1).to_numpy(zero_copy_only=False)
            del batch
            pool.release_unused()  # hand the parser's freed blocks back at once
            np.nan_to_num(block, copy=False, nan=0.0)
            ri, si = row_region[line:line + b], row_sector[line:line + b]
            sel = (ri >= 0) & (si >= 0)
            negative += int((block < 0).sum(axis=1)[si >= 0].sum())
            if sel.any():
                by_importer = (block @ indicator)[sel]  # (rows, regions): no copy of the block
                np.add.at(flows, (ri[sel], slice(None), si[sel]), by_importer)
            if first != row_labels[line:line + b]:
                raise DataError(dataset, f"{path.name}:line {line + 2}", "rows differ between the two passes over "
                                                                        "the file (a quoted line break?)")
            if line <= va_row < line + b:
                values = block[va_row - line]
                keep_va = industry_col & ok_c
                np.add.at(va, rj[keep_va], values[keep_va])
            line += b
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _locate(dataset, path, header, exc) from None
    if line != len(row_labels):
        raise DataError(dataset, path.name, f"read {line} rows of numbers but {len(row_labels)} row labels")
    report = []
    if negative:
        report.append(f"{negative} negative cells (inventory changes) kept as they are; negative pair totals set to 0")
        flows = np.maximum(flows, 0.0)
    merged = sorted({r.partition("_")[0] for _, r in seller_rows if r.partition("_")[0] in SPLIT})
    if merged:
        report.append(f"merged {merged} into CHN/MEX")
    members = {}
    for raw in dict.fromkeys(r.partition("_")[0].strip().upper() for _, r in seller_rows):
        country = _country(raw, overrides)
        members[SPLIT.get(raw) or normalise_iso3(raw) or country] = regions[region(country)] if region(country) >= 0 else None
    agg = BaciAggregate(regions=regions, sectors=sectors, flows=flows, names={r: r for r in regions},
                        rows=len(seller_rows), report=report, members=members)
    return agg, dict(zip(regions, va))
