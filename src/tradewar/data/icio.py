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
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from tradewar.data.baci import BaciAggregate
from tradewar.data.concordance import normalise_iso3
from tradewar.errors import DataError

SPLIT = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
FINAL = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR", "NONRES", "FD")


def _country(code: str, overrides: Mapping[str, str]) -> str | None:
    code = code.strip().upper()
    if code in overrides:
        return overrides[code]
    if code in SPLIT:
        return SPLIT[code]
    if code == "ROW":
        return "ROW"
    return normalise_iso3(code)


def aggregate_icio(path: str | Path, *, keep: Sequence[str] | None = None, rest: str | None = None,
                   overrides: Mapping[str, str] | None = None, level: str = "industry",
                   concordance: Mapping[str, str] | None = None, dataset: str = "icio") -> tuple[BaciAggregate, dict]:
    """Aggregate an ICIO table; returns the aggregate and value added by region."""
    path = Path(path)
    overrides = {str(k).upper(): str(v) for k, v in (overrides or {}).items()}
    if not path.is_file():
        raise DataError(dataset, path.name, f"file not found: {path}")
    try:
        frame = pd.read_csv(path, index_col=0, keep_default_na=False, na_values=[""], engine="pyarrow")
    except Exception as exc:  # pyarrow raises its own error types
        raise DataError(dataset, path.name, f"cannot parse: {exc}") from None
    frame.index = frame.index.astype(str).str.strip()
    frame.columns = [str(c).strip() for c in frame.columns]
    for label in ("VA", "OUT"):
        if label not in frame.index:
            raise DataError(dataset, f"{path.name}:row {label}", "missing (an ICIO table has TLS, VA and OUT rows)")
    bad = frame.apply(pd.to_numeric, errors="coerce").isna() & frame.notna()
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise DataError(dataset, f"{path.name}:line {r + 2}:column {frame.columns[c]}",
                        f"not a number: {frame.iat[r, c]!r}")
    frame = frame.apply(pd.to_numeric).fillna(0.0)
    rows = [r for r in frame.index if "_" in r]
    cols = [c for c in frame.columns if "_" in c]

    def split(label: str, kind: str, line: int | None = None) -> tuple[str, str]:
        code, _, rest_ = label.partition("_")
        country = _country(code, overrides)
        if country is None:
            where = f"line {line}" if line else f"column {label}"
            raise DataError(dataset, f"{path.name}:{where}", f"{code!r} ({kind}) is not a current ISO3 code or an "
                                                            f"ICIO code (CN1/CN2, MX1/MX2, ROW); map it ([countries] map)")
        return country, rest_

    row_pos = {r: k for k, r in enumerate(frame.index)}
    sellers = [split(r, "row", row_pos[r] + 2) for r in rows]
    buyers = [split(c, "column")[0] for c in cols]
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

    spos = {s: k for k, s in enumerate(sectors)}
    ri = np.array([region(c) for c, _ in sellers])
    si = np.array([spos[sector_of[ind]] for _, ind in sellers])
    rj = np.array([region(c) for c in buyers])
    values = frame.loc[rows, cols].to_numpy(float)
    n, S = len(regions), len(sectors)
    flows = np.zeros((n, n, S))
    ok_r, ok_c = ri >= 0, rj >= 0
    # sum columns by importer region, then rows by (exporter, sector)
    by_importer = np.zeros((len(rows), n))
    np.add.at(by_importer.T, rj[ok_c], values[:, ok_c].T)
    np.add.at(flows, (ri[ok_r], slice(None), si[ok_r]), by_importer[ok_r])
    report = []
    if (values < 0).any():
        report.append(f"{int((values < 0).sum())} negative cells (inventory changes) kept as they are; "
                      f"negative pair totals set to 0")
        flows = np.maximum(flows, 0.0)
    va_cols = [k for k, c in enumerate(cols) if c.partition("_")[2] not in FINAL]
    va = np.zeros(n)
    np.add.at(va, rj[va_cols][ok_c[va_cols]], frame.loc["VA", cols].to_numpy(float)[va_cols][ok_c[va_cols]])
    merged = sorted({r.partition("_")[0] for r in rows if r.partition("_")[0] in SPLIT})
    if merged:
        report.append(f"merged {merged} into CHN/MEX")
    agg = BaciAggregate(regions=regions, sectors=sectors, flows=flows, names={r: r for r in regions},
                        rows=len(rows), report=report)
    return agg, dict(zip(regions, va))
