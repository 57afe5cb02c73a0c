"""USITC ITPD-E (International Trade and Production Database for Estimation), as shipped.

CSV columns (release R02): ``exporter_iso3, exporter_dynamic_code, exporter_name,
importer_iso3, importer_dynamic_code, importer_name, year, industry_id, industry_descr,
broad_sector, trade, flag_mirror, flag_zero``; only ``exporter_iso3, importer_iso3, year,
industry_id, broad_sector, trade`` are needed. ``trade`` is in million current US$ and includes
domestic trade (exporter = importer: production for the home market), kept on the diagonal.

Streamed in blocks with pyarrow and aggregated into [exporter, importer, sector] over the
requested regions; sectors are the 170 industries (``level = "industry"``), the 4 broad sectors
(``"broad_sector"``), one total (``"total"``), or a user concordance industry_id -> sector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from tradewar.data.baci import BaciAggregate
from tradewar.data.concordance import map_country, region_members
from tradewar.data.csvutil import read_header
from tradewar.errors import DataError

REQUIRED = ("exporter_iso3", "importer_iso3", "year", "industry_id", "broad_sector", "trade")


def _header(dataset: str, path: Path) -> list[str]:
    return read_header(dataset, path, REQUIRED)


def aggregate_itpde(files: Sequence[str | Path], *, year: int | None = None, keep: Sequence[str] | None = None,
                    rest: str | None = None, overrides: Mapping[str, str] | None = None, level: str = "broad_sector",
                    concordance: Mapping[str, str] | None = None, internal: str = "keep",
                    dataset: str = "itpde", block_size: int = 32 << 20) -> BaciAggregate:
    """Aggregate ITPD-E files into regions × regions × sectors (million US$)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if level not in ("industry", "broad_sector", "total") and concordance is None:
        raise DataError(dataset, "sectors.level", f"must be 'industry', 'broad_sector' or 'total', not {level!r}")
    overrides = {str(k).upper(): str(v) for k, v in (overrides or {}).items()}
    report: list[str] = []
    chunks = []  # per block: (exporter labels, importer labels, sector labels, values) aggregated
    rows = 0
    years: set[int] = set()
    dict_t = pa.dictionary(pa.int32(), pa.string())
    for path in map(Path, files):
        _header(dataset, path)
        types = {"exporter_iso3": dict_t, "importer_iso3": dict_t, "year": pa.int32(), "industry_id": dict_t,
                 "broad_sector": dict_t, "trade": pa.float64()}
        reader_opts = pcsv.ReadOptions(block_size=block_size)
        convert = pcsv.ConvertOptions(column_types=types, include_columns=list(REQUIRED),
                                      strings_can_be_null=False, null_values=[""])
        try:
            reader = pcsv.open_csv(path, read_options=reader_opts, convert_options=convert)
            line = 2
            for batch in reader:
                n = batch.num_rows
                if not n:
                    continue
                rows += n
                for name in ("year", "trade"):
                    col = batch.column(name)
                    if col.null_count:
                        pos = int(np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))[0])
                        raise DataError(dataset, f"{path.name}:line {line + pos}:column {name}", "empty value")
                t = batch.column("year").to_numpy()
                v = batch.column("trade").to_numpy()
                sel = np.ones(n, bool)
                if year is not None:
                    sel = t == year
                else:
                    years.update(np.unique(t).tolist())
                    if len(years) > 1:
                        raise DataError(dataset, f"{path.name}:column year",
                                        f"several years {sorted(years)}; choose one with [source] year")
                if (v[sel] < 0).any():
                    pos = int(np.flatnonzero(sel & (v < 0))[0])
                    raise DataError(dataset, f"{path.name}:line {line + pos}:column trade", f"negative value {v[pos]}")
                labels = []
                where = np.flatnonzero(sel)  # keep only the selected year's rows (and their lines)
                for name in ("exporter_iso3", "importer_iso3", "industry_id", "broad_sector"):
                    col = batch.column(name)
                    labels.append((col.dictionary.to_pylist(), col.indices.to_numpy()[where]))
                chunks.append((path.name, line + where, labels, v[where]))
                line += n
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise _locate_itpde(dataset, path, exc) from None
    # regions
    seen: dict[str, str | None] = {}
    for _, _, labels, _ in chunks:
        for names, _ in labels[:2]:
            for raw in names:
                if raw not in seen:
                    seen[raw] = map_country(raw.upper(), overrides)
    unmapped = sorted(r for r, c in seen.items() if c is None)
    if unmapped and not rest:
        for fname, lines, labels, _ in chunks:
            for col, (names, idx) in zip(("exporter_iso3", "importer_iso3"), labels[:2]):
                bad = [k for k, r in enumerate(names) if seen[r] is None]
                hit = np.flatnonzero(np.isin(idx, bad))
                if len(hit):
                    raise DataError(dataset, f"{fname}:line {int(lines[hit[0]])}:column {col}",
                                    f"{names[idx[hit[0]]]!r} is not a current ISO3 code; map it ([countries] map) "
                                    f"or set countries.rest")
    if unmapped:
        report.append(f"codes without a current ISO3 code added to {rest}: {unmapped[:8]}")
    mapped = sorted({c for c in seen.values() if c})
    regions = sorted(mapped) if keep is None else list(dict.fromkeys(keep))
    if rest:
        regions.append(rest)
    position = {c: k for k, c in enumerate(regions)}

    def region(raw: str) -> int:
        code = seen[raw]
        if code in position:
            return position[code]
        return position[rest] if rest else -1

    # sectors
    if concordance is not None:
        sectors = list(dict.fromkeys(concordance.values()))
    elif level == "total":
        sectors = ["goods"]
    else:
        found: list[str] = []
        for _, _, labels, _ in chunks:
            names = labels[2][0] if level == "industry" else labels[3][0]
            found.extend(n for n in names if n not in found)
        sectors = sorted(found, key=lambda s: (len(s), s)) if level == "industry" else found
    spos = {s: k for k, s in enumerate(sectors)}
    n, S = len(regions), len(sectors)
    total = np.zeros(n * n * S)
    dropped = 0.0
    for fname, lines, labels, v in chunks:
        (en, ei), (im, ii), (ind, di), (brd, bi) = labels
        ri = np.array([region(r) for r in en], dtype=np.int64)[ei]
        rj = np.array([region(r) for r in im], dtype=np.int64)[ii]
        if concordance is not None:
            smap = np.array([spos.get(concordance.get(c.strip(), ""), -1) for c in ind], dtype=np.int64)
            s = smap[di]
            miss = np.flatnonzero(s < 0)
            if len(miss):
                raise DataError(dataset, f"{fname}:line {int(lines[miss[0]])}:column industry_id",
                                f"industry {ind[di[miss[0]]]!r} is not in the concordance")
        elif level == "total":
            s = np.zeros(len(v), dtype=np.int64)
        elif level == "industry":
            s = np.array([spos[c] for c in ind], dtype=np.int64)[di]
        else:
            s = np.array([spos[c] for c in brd], dtype=np.int64)[bi]
        ok = (ri >= 0) & (rj >= 0)
        dropped += float(v[~ok].sum())
        total += np.bincount(((ri * n + rj) * S + s)[ok], weights=v[ok], minlength=n * n * S)
    flows = total.reshape(n, n, S)
    if dropped:
        report.append(f"dropped {dropped:,.0f} million USD of trade with countries outside the selection")
    if internal == "drop":
        idx = np.arange(n)
        report.append(f"dropped {flows[idx, idx].sum():,.0f} million USD of domestic and intra-region trade")
        flows[idx, idx, :] = 0.0
    names = {r: r for r in regions}
    members = region_members(seen.items(), position, rest)
    return BaciAggregate(regions=regions, sectors=[str(s) for s in sectors], flows=flows, names=names, rows=rows,
                         report=report, members=members)


def _locate_itpde(dataset: str, path: Path, exc: Exception) -> DataError:
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            header = next(rows)
            pos = {c.strip(): k for k, c in enumerate(header)}
            for number, row in enumerate(rows, start=2):
                if len(row) != len(header):
                    return DataError(dataset, f"{path.name}:line {number}",
                                     f"{len(row)} fields where the header has {len(header)}")
                for column, kind in (("year", int), ("trade", float)):
                    text = row[pos[column]].strip()
                    try:
                        kind(text)
                    except ValueError:
                        return DataError(dataset, f"{path.name}:line {number}:column {column}", f"not a number: {text!r}")
    except UnicodeDecodeError as err:
        return DataError(dataset, path.name, f"not UTF-8 text: {err.reason}")
    return DataError(dataset, path.name, f"cannot parse: {exc}")
