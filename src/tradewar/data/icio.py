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

The table is streamed once (pyarrow, blocks of ``block_size`` bytes), keyed on the header: its
industry columns name the selling rows, so each row is checked as it comes (a known country code,
an industry column of the header, not repeated; finite numbers) and its sales are summed by the
buying country code at once (a product with a column → code indicator); codes become regions when
every row has been seen (a header column without a row is an error). Peak memory is a few blocks
plus [row, country code] sums, whatever the file size (``benchmarks/bench_build_icio.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tradewar.data.baci import BaciAggregate
from tradewar.data.concordance import map_country, region_members
from tradewar.data.csvutil import read_header
from tradewar.errors import DataError

SPLIT = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
FINAL = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR", "NONRES", "FD")
#: The total rows below the industry rows: taxes less subsidies, value added, output.
TOTALS = ("TLS", "VA", "OUT")


def _country(code: str, overrides: Mapping[str, str]) -> str | None:
    """An ICIO country code as ISO3 (CN1/CN2 → CHN …), then the user's map or region if any."""
    code = code.strip().upper()
    if code == "ROW":
        return overrides.get(code, code)
    if code in SPLIT:
        return overrides.get(code) or map_country(SPLIT[code], overrides)
    return map_country(code, overrides)


def _locate(dataset: str, path: Path, header: list[str], exc: Exception) -> DataError:
    """Find the line and column of a cell pyarrow could not read (it reports neither)."""
    wanted = [k for k, c in enumerate(header) if k and "_" in c.strip()]
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        rows = csv.reader(fh)
        next(rows)
        for line, row in enumerate(rows, start=2):
            if not row:              # a blank line (pyarrow skips it too)
                continue
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
    """Aggregate an ICIO table, streamed once; returns the aggregate and value added by region."""
    import pyarrow as pa

    path = Path(path)
    overrides = {str(k).upper(): str(v) for k, v in (overrides or {}).items()}
    header = read_header(dataset, path)
    if len(header) < 2:
        raise DataError(dataset, f"{path.name}:line 1", "no header (an ICIO table is a CSV with labelled rows and columns)")
    cols = [(k, c) for k, c in enumerate(header) if k and "_" in c]
    industry_col = np.array([c.partition("_")[2] not in FINAL for _, c in cols], dtype=bool)
    # the header's industry columns name the selling rows: one row each, in any order
    seller: dict[str, int] = {}
    first_column: dict[str, str] = {}  # buyer country code as written -> its first column
    seen: set[str] = set()
    for _, c in cols:
        if c in seen:                # a repeated column would be counted twice
            raise DataError(dataset, f"{path.name}:column {c}", "appears twice in the header")
        seen.add(c)
        first_column.setdefault(c.partition("_")[0].upper(), c)
        if c.partition("_")[2] not in FINAL:
            seller[c] = len(seller)
    if not seller:
        raise DataError(dataset, f"{path.name}:line 1", "no <country>_<industry> columns (an ICIO table is a CSV with "
                                                        "labelled rows and columns)")
    industries = {c.partition("_")[2] for c in seller}
    if concordance is not None:
        missing = sorted(i for i in industries if concordance.get(i) is None)
        if missing:
            raise DataError(dataset, f"{path.name}:industries", f"not in the concordance: {missing[:8]}")
    elif level not in ("industry", "total"):
        raise DataError(dataset, "sectors.level", f"must be 'industry' or 'total', not {level!r}")
    # buyers are summed by their country code as written (CN1, CN2, …) while streaming; codes are
    # mapped to regions once every row has been checked
    buyer_codes = list(first_column)
    code_pos = {c: g for g, c in enumerate(buyer_codes)}
    col_code = np.array([code_pos[c.partition("_")[0].upper()] for _, c in cols], dtype=np.int64)
    indicator = np.zeros((len(cols), len(buyer_codes)))
    indicator[np.arange(len(cols)), col_code] = 1.0

    def country(label: str, kind: str, where: str) -> str:
        code = label.partition("_")[0]
        mapped = _country(code, overrides)
        if mapped is None:
            raise DataError(dataset, f"{path.name}:{where}", f"{code!r} ({kind}) is not a current ISO3 code or an "
                                                            f"ICIO code (CN1/CN2, MX1/MX2, ROW); map it ([countries] map)")
        return mapped

    sales = np.zeros((len(seller), len(buyer_codes)))  # seller row × buyer code
    line_of = np.zeros(len(seller), dtype=np.int64)   # the line of each seller's row (0: none yet)
    order: list[int] = []                              # seller rows in file order
    sellers: list[tuple[str, str]] = []                # their (country, industry), in that order
    other: dict[str, int] = {}                         # TLS, VA, OUT: label -> line
    va_values = None
    negative = 0
    line = 2
    buffer = None
    pool = pa.default_memory_pool()
    try:
        for batch in _stream(path, header, cols, block_size):
            b = batch.num_rows
            labels = [str(x).strip() for x in batch.column(0).to_pylist()]
            if buffer is None or buffer.shape[0] < b:
                buffer = np.empty((b, len(cols)))
            block = buffer[:b]
            for m in range(len(cols)):
                values = batch.column(m + 1)
                if values.null_count:  # an empty cell is a zero
                    values = values.fill_null(0.0)
                block[:, m] = values.to_numpy(zero_copy_only=False)
            del batch, values
            pool.release_unused()  # hand the parser's freed blocks back at once
            rows = np.full(b, -1)
            for r, label in enumerate(labels):
                if "_" not in label:
                    if label not in TOTALS:
                        raise DataError(dataset, f"{path.name}:line {line + r}", f"row {label!r} is neither "
                                        f"<country>_<industry> nor one of the total rows {list(TOTALS)}")
                    if label in other:
                        raise DataError(dataset, f"{path.name}:line {line + r}",
                                        f"row {label!r} repeats line {other[label]}")
                    other[label] = line + r
                    continue
                sellers.append((country(label, "row", f"line {line + r}"), label.partition("_")[2]))
                k = seller.get(label)
                if k is None:
                    raise DataError(dataset, f"{path.name}:line {line + r}", f"row {label!r} is not an industry column "
                                                                            f"of the header (the table must be square)")
                if line_of[k]:
                    raise DataError(dataset, f"{path.name}:line {line + r}", f"row {label!r} repeats line {line_of[k]}")
                line_of[k] = line + r
                rows[r] = k
                order.append(k)
            bad = ~np.isfinite(block)
            if bad.any():
                r, m = (int(x[0]) for x in np.nonzero(bad))
                raise DataError(dataset, f"{path.name}:line {line + r}:column {cols[m][1]}",
                                f"{block[r, m]} in row {labels[r]!r}: flows must be finite numbers")
            sel = rows >= 0
            negative += int((block < 0).sum(axis=1)[sel].sum())
            if sel.any():
                sales[rows[sel]] = (block @ indicator)[sel]  # (rows, buyer codes): no copy of the block
            if va_values is None and other.get("VA", 0) >= line:
                va_values = block[other["VA"] - line].copy()
            line += b
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _locate(dataset, path, header, exc) from None
    for label in ("VA", "OUT"):
        if label not in other:
            raise DataError(dataset, f"{path.name}:row {label}", "missing (an ICIO table has TLS, VA and OUT rows)")
    absent = [c for c, k in seller.items() if not line_of[k]]
    if absent:
        raise DataError(dataset, f"{path.name}:row {absent[0]}", f"no row for {len(absent)} industry column(s) of the "
                                                                 f"header: {absent[:8]}")
    buyers = {code: country(c, "column", f"column {c}") for code, c in first_column.items()}
    if concordance is not None:
        sector_of = {ind: concordance[ind] for ind in industries}
    elif level == "industry":
        sector_of = {ind: ind for ind in industries}
    else:
        sector_of = {ind: "all" for ind in industries}
    sectors = list(dict.fromkeys(sector_of[ind] for _, ind in sellers))
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
    ri = np.array([region(c) for c, _ in sellers], dtype=np.int64)
    si = np.array([spos[sector_of[ind]] for _, ind in sellers], dtype=np.int64)
    code_region = np.array([region(buyers[code]) for code in buyer_codes], dtype=np.int64)
    to_region = np.zeros((len(buyer_codes), n))  # buyer code -> importing region
    ok = code_region >= 0
    to_region[np.flatnonzero(ok), code_region[ok]] = 1.0
    flows = np.zeros((n, n, S))
    sel = ri >= 0
    np.add.at(flows, (ri[sel], slice(None), si[sel]), (sales[order] @ to_region)[sel])
    va = np.zeros(n)
    rj = code_region[col_code]
    keep_va = industry_col & (rj >= 0)
    np.add.at(va, rj[keep_va], va_values[keep_va])
    report = []
    if negative:
        report.append(f"{negative} negative cells (inventory changes) kept as they are; negative pair totals set to 0")
        flows = np.maximum(flows, 0.0)
    raw = list(dict.fromkeys(label.partition("_")[0].upper() for label in seller))
    merged = sorted(code for code in raw if code in SPLIT)
    if merged:
        report.append(f"merged {merged} into CHN/MEX")
    members = region_members(((SPLIT.get(code, code), _country(code, overrides)) for code in raw), regions, rest)
    agg = BaciAggregate(regions=regions, sectors=sectors, flows=flows, names={r: r for r in regions},
                        rows=len(order), report=report, members=members)
    return agg, dict(zip(regions, va))
