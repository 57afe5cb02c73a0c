"""CEPII BACI: bilateral trade at the HS6 level, read as the publisher ships it.

Trade file ``BACI_HS22_Y2023_V202501.csv``: columns ``t,i,j,k,v,q`` — year, exporter and
importer (numeric codes), product (HS6), value (thousand US$, FOB) and quantity (metric tons;
often ``NA`` padded with blanks, not used here). Code list ``country_codes_V202501.csv``:
``country_code,country_name,country_iso2,country_iso3``.

The trade file is streamed with pyarrow in blocks (constant memory in the file size) and
aggregated on the fly into an [exporter, importer, sector] array over the requested regions.
Malformed files raise :class:`~tradewar.errors.DataError` naming the file, the line and the
column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from tradewar.data.concordance import map_country, read_code_file, region_members
from tradewar.data.csvutil import read_header
from tradewar.errors import DataError

COLUMNS = ("t", "i", "j", "k", "v", "q")
CODE_COLUMNS = ["country_code", "country_name", "country_iso2", "country_iso3"]


def read_country_codes(path: str | Path, overrides: Mapping[str, str] | None = None,
                       dataset: str = "baci") -> pd.DataFrame:
    """BACI's code list -> DataFrame indexed by the numeric code with ``name``, ``iso3_raw``,
    ``iso2`` and ``iso3`` (a current ISO3 code, a user override, or None for legacy and
    aggregate codes). ``overrides`` maps a numeric code (``"490"``) or a raw ISO3 (``"S19"``)
    to a code of the user's choice (e.g. ``"TWN"``)."""
    path = Path(path)
    frame = read_code_file(dataset, path, CODE_COLUMNS)
    codes = pd.to_numeric(frame["country_code"], errors="coerce")
    bad = codes.isna() | (codes % 1 != 0)
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 2)[:8].tolist()
        raise DataError(dataset, f"{path.name}:country_code",
                        f"not an integer code at line(s) {rows}: {frame['country_code'][bad].tolist()[:8]}")
    codes = codes.astype(int)
    dup = codes.duplicated(keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 2)[:8].tolist()
        raise DataError(dataset, f"{path.name}:country_code", f"duplicate codes at line(s) {rows}")
    overrides = {str(k).strip().lstrip("0") or "0": str(v) for k, v in (overrides or {}).items()}
    iso3 = []
    for code, raw in zip(codes, frame["country_iso3"].fillna("")):
        iso3.append(overrides.get(str(code)) or map_country(raw.upper(), overrides))
    out = pd.DataFrame({"name": frame["country_name"].fillna("").to_numpy(),
                        "iso2": frame["country_iso2"].fillna("").to_numpy(),
                        "iso3_raw": frame["country_iso3"].fillna("").to_numpy(), "iso3": iso3},
                       index=pd.Index(codes.to_numpy(), name="country_code"))
    return out


@dataclass
class BaciAggregate:
    """The result of aggregating BACI files: array [exporter, importer, sector] and a report."""

    regions: list[str]
    sectors: list[str]
    flows: np.ndarray
    names: dict[str, str]
    rows: int = 0
    report: list[str] = field(default_factory=list)
    #: every source country (its ISO3 code, or the code it was mapped to) -> its region, or None
    #: when it was dropped: lets groups follow the aggregation (:mod:`tradewar.data.groups`)
    members: dict[str, str | None] = field(default_factory=dict)


def _header(dataset: str, path: Path) -> list[str]:
    return read_header(dataset, path, COLUMNS, " (a BACI file has columns t,i,j,k,v,q)")


def _locate(dataset: str, path: Path, exc: Exception) -> DataError:
    """Find the line and column of a parse error pyarrow reported without them."""
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            width = len(next(rows))
            for number, row in enumerate(rows, start=2):
                if len(row) != width:
                    return DataError(dataset, f"{path.name}:line {number}",
                                     f"{len(row)} fields where the header has {width} (t,i,j,k,v,q)")
    except UnicodeDecodeError:
        pass  # located below
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=500_000, encoding="utf-8",
                             encoding_errors="strict")
        offset = 0
        for chunk in reader:
            chunk.columns = [c.strip() for c in chunk.columns]
            for column, kind in (("t", "int"), ("i", "int"), ("j", "int"), ("k", "str"), ("v", "float")):
                values = chunk[column].str.strip()
                if kind == "str":
                    bad = values == ""
                else:
                    num = pd.to_numeric(values, errors="coerce")
                    bad = num.isna() | ~np.isfinite(num.to_numpy(dtype=float, na_value=np.nan))
                    if kind == "int":
                        bad |= (num % 1 != 0).fillna(True)
                if bad.any():
                    pos = int(np.flatnonzero(bad.to_numpy())[0])
                    return DataError(dataset, f"{path.name}:line {offset + pos + 2}:column {column}",
                                     f"not {'a number' if kind != 'str' else 'a product code'}: "
                                     f"{chunk[column].iloc[pos]!r}")
            offset += len(chunk)
    except pd.errors.ParserError as perr:
        return DataError(dataset, path.name, f"malformed CSV: {perr}")
    except UnicodeDecodeError as uerr:
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as bad:
                    return DataError(dataset, f"{path.name}:line {number}:byte {bad.start + 1}",
                                     f"not UTF-8 text ({bad.reason})")
        return DataError(dataset, path.name, f"not UTF-8 text: {uerr.reason}")
    return DataError(dataset, path.name, f"cannot parse: {exc}")


def iter_baci(path: str | Path, dataset: str = "baci", block_size: int = 32 << 20):
    """Stream a BACI file: yields (first_line, t, i, j, k_dictionary, k_indices, v) per block
    as numpy arrays (k as a dictionary of HS6 strings and int32 indices into it)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = Path(path)
    names = _header(dataset, path)
    types = {"t": pa.int32(), "i": pa.int32(), "j": pa.int32(),
             "k": pa.dictionary(pa.int32(), pa.string()), "v": pa.float64()}
    read = pcsv.ReadOptions(block_size=block_size, use_threads=True)
    convert = pcsv.ConvertOptions(column_types=types, include_columns=["t", "i", "j", "k", "v"],
                                  strings_can_be_null=False, null_values=[""])
    try:
        reader = pcsv.open_csv(path, read_options=read, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _locate(dataset, path, exc) from None
    line = 2
    del names
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise _locate(dataset, path, exc) from None
        n = batch.num_rows
        if n == 0:
            continue
        cols = {name: batch.column(name) for name in ("t", "i", "j", "k", "v")}
        for name in ("t", "i", "j", "v"):
            if cols[name].null_count:
                pos = int(np.flatnonzero(cols[name].is_null().to_numpy(zero_copy_only=False))[0])
                raise DataError(dataset, f"{path.name}:line {line + pos}:column {name}", "empty value")
        k = cols["k"]
        if k.null_count:
            pos = int(np.flatnonzero(k.is_null().to_numpy(zero_copy_only=False))[0])
            raise DataError(dataset, f"{path.name}:line {line + pos}:column k", "empty product code")
        blank = [n for n, c in enumerate(k.dictionary.to_pylist()) if not c.strip().strip('"')]
        if blank:
            pos = int(np.flatnonzero(np.isin(k.indices.to_numpy(), blank))[0])
            raise DataError(dataset, f"{path.name}:line {line + pos}:column k", "empty product code")
        yield (line, cols["t"].to_numpy(), cols["i"].to_numpy(), cols["j"].to_numpy(),
               k.dictionary.to_pylist(), k.indices.to_numpy(), cols["v"].to_numpy())
        line += n


def _pad_hs6(code: str) -> str:
    code = code.strip().strip('"')
    return "0" + code if len(code) == 5 and code.isdigit() else code


def aggregate_baci(files: Sequence[str | Path], codes: pd.DataFrame, *, keep: Sequence[str] | None = None,
                   rest: str | None = None, unmapped: str | None = None,
                   concordance: Mapping[str, str] | None = None, level: str = "total",
                   unmapped_products: str = "error", year: int | None = None,
                   internal: str = "drop", dataset: str = "baci",
                   code_file: str = "country codes") -> BaciAggregate:
    """Aggregate BACI files into regions × regions × sectors (thousand US$).

    keep : ISO3 codes kept as countries (None: every mapped code). Others go to ``rest`` (a
        region code such as ``"ROW"``) when given, else are dropped (reported).
    unmapped : what to do with legacy/aggregate codes that have no ISO3 ("rest", "drop",
        "error"); default "rest" when ``rest`` is given, else "error".
    concordance : HS6 -> sector (a dict, or a prefix concordance); else ``level`` = "total" (one
        sector, ``goods``), "hs2", or a built-in concordance (:mod:`tradewar.data.hs_sectors`:
        "gtap", "isic", "isic_section", "broad").
    unmapped_products : "error", "drop", or a sector name that collects them.
    internal : "drop" (default) or "keep" flows within an aggregated region (the diagonal).
    """
    report: list[str] = []
    unmapped = unmapped or ("rest" if rest else "error")
    if unmapped not in ("rest", "drop", "error"):
        raise DataError(dataset, "countries.unmapped", f"must be 'rest', 'drop' or 'error', not {unmapped!r}")
    if unmapped == "rest" and not rest:
        raise DataError(dataset, "countries.unmapped", "'rest' needs a rest-of-world region (countries.rest)")
    mapped = codes.dropna(subset=["iso3"])
    iso3_all = list(dict.fromkeys(mapped["iso3"]))
    if keep is None:
        regions = sorted(iso3_all)
    else:
        regions = list(dict.fromkeys(keep))
        absent = [c for c in regions if c not in set(iso3_all)]
        if absent:
            raise DataError(dataset, "countries.keep", f"codes not in the code list {code_file}: {absent[:8]}")
    if rest:
        if rest in regions:
            raise DataError(dataset, "countries.rest", f"{rest!r} is also a kept country")
        regions.append(rest)
    position = {c: k for k, c in enumerate(regions)}
    max_code = int(codes.index.max()) + 1
    lookup = np.full(max_code, -2, dtype=np.int64)  # -2: code not in the code list; -1: dropped
    names = {}
    for code, row in codes.iterrows():
        target = row["iso3"]
        if target is None or pd.isna(target) or target == "":
            if unmapped == "rest":
                lookup[code] = position[rest]
                report.append(f"code {code} ({row['name']}, {row['iso3_raw'] or 'no ISO3'}) has no ISO3 code: added to {rest}")
            elif unmapped == "drop":
                lookup[code] = -1
            else:
                lookup[code] = -3  # error if it trades
            continue
        if target in position:
            lookup[code] = position[target]
            names.setdefault(target, row["name"])
        elif rest:
            lookup[code] = position[rest]
        else:
            lookup[code] = -1
    if rest:
        names[rest] = "Rest of the world"
    members = region_members(zip(mapped["iso3_raw"], mapped["iso3"]), position, rest)

    # sectors
    from tradewar.data.hs_sectors import LEVELS, builtin

    prune = concordance is None and level in ("hs2", *LEVELS)     # built-in sectors: keep the ones traded
    if concordance is None and level in LEVELS:
        concordance = builtin(level)
    conc_label = getattr(concordance, "label", "the concordance")
    if concordance is not None:
        sectors = list(dict.fromkeys(concordance.values()))
        if unmapped_products not in ("error", "drop") and unmapped_products not in sectors:
            sectors.append(unmapped_products)
    elif level == "hs2":
        sectors = [f"{c:02d}" for c in range(1, 100)]
    elif level == "total":
        sectors = ["goods"]
    else:
        raise DataError(dataset, "sectors.level", f"must be 'total', 'hs2' or a built-in concordance "
                                                  f"{list(LEVELS)}, not {level!r}")
    spos = {s: k for k, s in enumerate(sectors)}
    n, S = len(regions), len(sectors)
    total = np.zeros(n * n * S)
    rows = 0
    years: set[int] = set()
    dropped_value = 0.0
    unmapped_hs: dict[str, float] = {}
    for path in files:
        path = Path(path)
        for line, t, i, j, kdict, kidx, v in iter_baci(path, dataset):
            rows += len(v)
            if year is not None:
                sel = t == year
                if not sel.all():
                    i, j, kidx, v, tt = i[sel], j[sel], kidx[sel], v[sel], None
                    del tt
            else:
                years.update(np.unique(t).tolist())
                if len(years) > 1:
                    raise DataError(dataset, f"{path.name}:column t",
                                    f"several years {sorted(years)}; choose one with [source] year")
            if (v < 0).any():
                pos = int(np.flatnonzero(v < 0)[0])
                raise DataError(dataset, f"{path.name}:line {line + pos}:column v", f"negative value {v[pos]}")
            problems = []  # (position, column, message): the earliest line is reported
            for name, codes_col in (("i", i), ("j", j)):
                out = (codes_col < 0) | (codes_col >= max_code)
                where = np.flatnonzero(out | (lookup[np.where(out, 0, codes_col)] == -2))
                if len(where):
                    pos = int(where[0])
                    problems.append((pos, name, f"country code {int(codes_col[pos])} is not in {code_file}"))
                bad = np.flatnonzero(~out & (lookup[np.where(out, 0, codes_col)] == -3))
                if len(bad):
                    pos = int(bad[0])
                    c = int(codes_col[pos])
                    problems.append((pos, name, f"country code {c} ({codes.loc[c, 'name']}, ISO3 "
                                    f"{codes.loc[c, 'iso3_raw'] or 'none'}) has no current ISO3 code; map it "
                                    f"([countries] map = {{\"{c}\" = \"...\"}}), or set countries.rest / unmapped = \"drop\""))
            if problems:
                pos, name, message = min(problems)
                raise DataError(dataset, f"{path.name}:line {line + pos}:column {name}", message)
            ri, rj = lookup[i], lookup[j]
            # product -> sector, through the block's (small) dictionary
            if concordance is not None:
                padded = [_pad_hs6(c) for c in kdict]
                smap = np.array([spos.get(concordance.get(c, ""), -1) for c in padded], dtype=np.int64)
                miss = np.flatnonzero(smap < 0)
                if len(miss):
                    used = np.isin(kidx, miss)
                    if used.any():
                        if unmapped_products == "error":
                            pos = int(np.flatnonzero(used)[0])
                            raise DataError(dataset, f"{path.name}:line {line + pos}:column k",
                                            f"HS6 code {padded[kidx[pos]]} is not in {conc_label}; set "
                                            f"[sectors] unmapped = \"drop\" or a sector to collect such codes")
                        for m in miss:
                            hit = kidx == m
                            if hit.any():
                                unmapped_hs[padded[m]] = unmapped_hs.get(padded[m], 0.0) + float(v[hit].sum())
                        if unmapped_products != "drop":
                            smap[miss] = spos[unmapped_products]
                s = smap[kidx]
            elif level == "hs2":
                smap = np.array([int(_pad_hs6(c)[:2]) - 1 if _pad_hs6(c)[:2].isdigit() else -1 for c in kdict],
                                dtype=np.int64)
                s = smap[kidx]
                if (s < 0).any():
                    pos = int(np.flatnonzero(s < 0)[0])
                    raise DataError(dataset, f"{path.name}:line {line + pos}:column k", f"not an HS code: {kdict[kidx[pos]]!r}")
            else:
                s = np.zeros(len(v), dtype=np.int64)
            ok = (ri >= 0) & (rj >= 0) & (s >= 0)
            if not ok.all():
                dropped_value += float(v[~ok].sum())
                ri, rj, s, v = ri[ok], rj[ok], s[ok], v[ok]
            flat = (ri * n + rj) * S + s
            total += np.bincount(flat, weights=v, minlength=n * n * S)
    flows = total.reshape(n, n, S)
    if dropped_value:
        report.append(f"dropped {dropped_value:,.0f} thousand USD of trade with countries outside the selection "
                      f"or unmapped products")
    if unmapped_hs:
        where = "dropped" if unmapped_products == "drop" else f"put in sector {unmapped_products!r}"
        report.append(f"{len(unmapped_hs)} HS6 codes not in {conc_label} ({sum(unmapped_hs.values()):,.0f} "
                      f"thousand USD) {where}: {sorted(unmapped_hs)[:8]}")
    diagonal = float(np.einsum("iis->", flows))
    if diagonal and internal == "drop":
        idx = np.arange(n)
        flows[idx, idx, :] = 0.0
        report.append(f"dropped {diagonal:,.0f} thousand USD of trade within aggregated regions (internal = 'drop')")
    if prune:
        used = flows.sum(axis=(0, 1)) > 0
        sectors = [s for s, u in zip(sectors, used) if u]
        flows = flows[:, :, used]
    return BaciAggregate(regions=regions, sectors=sectors, flows=flows, names=names, rows=rows, report=report,
                         members=members)
