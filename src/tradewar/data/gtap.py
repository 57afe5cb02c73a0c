"""GTAP data bases in header-array (HAR) files, where the user has them (read with harpy3).

Bilateral trade is read from the base data as shipped: GTAP 10+ headers ``VCIF`` (imports at
CIF prices) and ``VMSB`` (imports at the importer's basic prices, tariffs included), both
[COMM, REG source, REG destination] in million US$; older releases name them ``VIWS`` and
``VIMS``. Flows are the CIF values; tariffs are ``VMSB / VCIF − 1`` (trade-weighted when
regions or commodities are aggregated).

Memory: harpy3 reads a header whole; only the headers used are read (the file's index first,
then ``VCIF``/``VMSB`` and the GDP header), so peak memory is about three [COMM, REG, REG]
arrays (65 × 160 × 160 float32 ≈ 7 MB each for GTAP 11), not the whole data base.

Regions: GTAP codes are lower-case ISO3 (``usa``) or composite regions (``xer``, ``xoc``,
``row``); the first become ISO3 codes, the others region codes (``XER``). GDP is read from a
1-D header over REG named by ``[gdp] header`` (e.g. a ``GDP`` header you added), or from a GDP
file as for the other sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tradewar.data.baci import BaciAggregate
from tradewar.data.concordance import map_country, normalise_iso3, region_members
from tradewar.errors import DataError

PAIRS = (("VCIF", "VMSB"), ("VIWS", "VIMS"))


class _Har:
    """A HAR file read lazily: the header index first (names and positions, no data), then only
    the headers asked for, so memory holds the trade headers, not the whole data base."""

    def __init__(self, info, io):
        self._info, self._io = info, io

    def getHeaderArrayNames(self) -> list[str]:
        return list(self._info.getHeaderArrayNames())

    def getHeaderArrayObj(self, name: str):
        return self._io.readHeader(hfi=self._info, header_name=name)


def _read(dataset: str, path: Path) -> _Har:
    try:
        from harpy.har_file_io import HarFileIO
    except ImportError:
        raise DataError(dataset, path.name, "reading GTAP HAR files needs harpy3: pip install harpy3") from None
    if not path.is_file():
        raise DataError(dataset, path.name, f"file not found: {path}")
    try:
        return _Har(HarFileIO.readHarFileInfo(str(path)), HarFileIO)
    except Exception as exc:  # noqa: BLE001  (harpy raises assorted errors on a file that is not a HAR file)
        raise DataError(dataset, path.name, f"not a readable header-array (HAR) file: {exc}") from None


def _labels(dataset: str, path: Path, header) -> list[list[str]]:
    sets = header.get("sets") or []
    labels = [s.get("dim_desc") for s in sets]
    if len(labels) != header["array"].ndim or any(lab is None for lab in labels):
        raise DataError(dataset, f"{path.name}:{header['name'].strip()}", "header has no set labels (COMM × REG × REG)")
    return [[str(x).strip() for x in lab] for lab in labels]


def aggregate_gtap(path: str | Path, *, keep: Sequence[str] | None = None, rest: str | None = None,
                   overrides: Mapping[str, str] | None = None, concordance: Mapping[str, str] | None = None,
                   gdp_header: str | None = None, dataset: str = "gtap"):
    """Returns (aggregate of CIF flows, tariffs array, GDP by region or None, region codes)."""
    path = Path(path)
    har = _read(dataset, path)
    names = [n.strip() for n in har.getHeaderArrayNames()]
    pair = next((p for p in PAIRS if all(h in names for h in p)), None)
    if pair is None:
        raise DataError(dataset, path.name, f"no bilateral trade headers (VCIF and VMSB, or VIWS and VIMS); "
                                            f"headers present: {names[:20]}")
    cif_h, mkt_h = (har.getHeaderArrayObj(h.ljust(4)) if h.ljust(4) in har.getHeaderArrayNames()
                    else har.getHeaderArrayObj(h) for h in pair)
    cif, mkt = np.asarray(cif_h["array"], float), np.asarray(mkt_h["array"], float)
    if cif.ndim != 3 or cif.shape != mkt.shape or cif.shape[1] != cif.shape[2]:
        raise DataError(dataset, f"{path.name}:{pair[0]}", f"expected [COMM, REG, REG]; got shape {cif.shape}")
    comm, reg, _ = _labels(dataset, path, cif_h)
    overrides = {str(k).upper(): str(v) for k, v in (overrides or {}).items()}
    codes = []
    region_codes = []
    for r in reg:
        up = r.upper()
        code = map_country(up, overrides) or up
        if code == up and normalise_iso3(up) is None:
            region_codes.append(code)
        codes.append(code)
    regions = list(codes) if keep is None else list(dict.fromkeys(keep))
    unknown = [c for c in (keep or []) if c not in codes]
    if unknown:
        raise DataError(dataset, "countries.keep", f"not GTAP regions of {path.name}: {unknown[:8]}")
    if rest and rest not in regions:
        regions.append(rest)
    pos = {c: k for k, c in enumerate(regions)}
    target = np.array([pos.get(c, pos.get(rest, -1) if rest else -1) for c in codes])
    if concordance is not None:
        missing = [c for c in comm if c not in concordance]
        if missing:
            raise DataError(dataset, f"{path.name}:COMM", f"commodities not in the concordance: {missing[:8]}")
        sectors = list(dict.fromkeys(concordance[c] for c in comm))
        sidx = np.array([sectors.index(concordance[c]) for c in comm])
    else:
        sectors, sidx = list(comm), np.arange(len(comm))
    n, S = len(regions), len(sectors)
    flows, paid = np.zeros((n, n, S)), np.zeros((n, n, S))
    ok = target >= 0
    for k, s in enumerate(sidx):
        block_c, block_m = cif[k][np.ix_(ok, ok)], mkt[k][np.ix_(ok, ok)]
        t = target[ok]
        np.add.at(flows[:, :, s], (t[:, None], t[None, :]), block_c)
        np.add.at(paid[:, :, s], (t[:, None], t[None, :]), block_m)
    tariffs = np.divide(paid, flows, out=np.ones_like(flows), where=flows > 0) - 1.0
    report = [f"GTAP headers {pair[0]}/{pair[1]}: flows at CIF prices, tariffs = {pair[1]}/{pair[0]} − 1"]
    dropped = cif.sum() - flows.sum()
    if dropped > 1e-9 * max(cif.sum(), 1):
        report.append(f"dropped {dropped:,.0f} million USD of trade with regions outside the selection")
    idx = np.arange(n)
    internal = flows[idx, idx].sum()
    if internal:
        report.append(f"trade within aggregated regions kept on the diagonal ({internal:,.0f} million USD)")
    gdp = None
    if gdp_header:
        if gdp_header.strip() not in names:
            raise DataError(dataset, f"{path.name}:{gdp_header}", f"no such header; headers present: {names[:20]}")
        head = har.getHeaderArrayObj(gdp_header.ljust(4) if gdp_header.ljust(4) in har.getHeaderArrayNames() else gdp_header)
        values = np.asarray(head["array"], float).ravel()
        (glabels,) = _labels(dataset, path, head)
        if [g.upper() for g in glabels] != [r.upper() for r in reg]:
            raise DataError(dataset, f"{path.name}:{gdp_header}", "must be a 1-D header over the same REG set")
        gdp = np.zeros(n)
        np.add.at(gdp, target[ok], values[ok])
        gdp = dict(zip(regions, gdp))
    members = region_members(((r.upper(), c) for r, c in zip(reg, codes)), regions, rest)
    agg = BaciAggregate(regions=regions, sectors=sectors, flows=flows, names={r: r for r in regions},
                        rows=int(cif.size), report=report, members=members)
    declared = [r for r in regions if r in region_codes or (rest and r == rest)]
    return agg, tariffs, gdp, declared
