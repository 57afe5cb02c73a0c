"""Baseline builder: a TOML spec -> a :class:`World` -> a dataset folder any scenario can name.

Spec (paths relative to the spec file)::

    name = "baci_g7"                       # the dataset name scenarios use
    title = "G7 + rest of world, 2023"     # optional
    [source]
    format = "baci"                        # or "itpde" (domestic trade kept), "icio" (one table;
                                           #   GDP = value added), "gtap" (one HAR file; tariffs
                                           #   from VMSB/VCIF; [gdp] header = "GDP"); units then
                                           #   million USD
    files = ["BACI_HS22_Y2023_V202501.csv"]
    country_codes = "country_codes_V202501.csv"
    year = 2023                            # optional; required if the files hold several years
    [countries]
    keep = ["USA", "CHN", "DEU"]           # optional (default: every country in the code list)
    rest = "ROW"                           # optional: everything else becomes this region
    unmapped = "rest"                      # legacy/aggregate codes: "rest" | "drop" | "error"
    map = { "490" = "TWN" }                # optional: numeric or raw ISO3 code -> your code
    internal = "drop"                      # trade within an aggregated region: "drop" | "keep"
    partial_groups = "error"               # a region only partly in a group: "error" | "drop" | "include"
    [regions]                              # optional: countries merged into a region (kept; its
    EU = ["AUT", "BEL", "DEU"]             #   code need not be ISO3)
    [sectors]
    concordance = "hs6_to_sector.csv"      # optional: columns hs6, sector (names configurable:
    hs_column = "hs6"                      #   hs_column, sector_column; HS2/HS4 prefixes accepted,
                                           #   longest prefix wins); else level = "total" | "hs2" |
                                           #   a built-in: "gtap" | "isic" | "isic_section" | "broad"
                                           #   (tradewar.data.hs_sectors; GTAP builds: "broad")
    sector_column = "sector"
    unmapped = "error"                     # HS6 codes not in the concordance: "error" | "drop" | a sector
    [gdp]
    file = "gdp.csv"                       # columns iso3 and value (names configurable)
    iso3 = "iso3"
    value = "gdp"
    scale = 0.001                          # to the unit of the flows (BACI: thousand US$)
    [country_data]                         # optional: extra per-country columns (e.g. tariffs
    file = "us_tariffs.csv"                #   that scenarios refer to by { column = "..." })
    iso3 = "iso3"
    columns = ["applied_tariff"]
    [tariffs]                              # optional baseline tariffs: a uniform rate and/or a
    rate = 0.0                             #   file with importer, exporter, [sector,] rate
    file = "tariffs.csv"
    [baseline]
    domestic = "none"                      # "none" (models build it from GDP) | "gdp": GDP − exports
    imbalances = "keep"                    # "keep" | "remove" (x_ij d_i / d_j: exports = imports)
    [groups]                               # member codes, or a standard group (tradewar.data.groups):
    EU27 = ["AUT", "BEL"]                  #   groups follow the merging of countries into regions
    G7 = "G7"
    [output]
    format = "parquet"                     # "parquet" | "duckdb" (CLI: --format)

The output folder holds ``world.json`` (a manifest: name, units, sectors, regions, groups, the
build report) and the tables ``countries`` and ``flows`` (long: exporter, importer, sector,
value, tariff; zero rows left out) as Parquet files or one DuckDB database (see
:mod:`tradewar.data.folder`). :func:`read_world_folder` reads it back; the registry treats any
``<data dir>/<name>/world.json`` as a dataset named ``<name>``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.data.folder import STORAGES, check_replaceable, read_world_folder, write_world_folder
from tradewar.errors import DataError
from tradewar.world import World

__all__ = ["build", "build_world", "load_spec", "read_world_folder", "write_world_folder"]


def _get(spec: dict, section: str, key: str, default=None, kind=None, source: str = ""):
    value = spec.get(section, {}).get(key, default)
    if kind is not None and value is not None and not isinstance(value, kind):
        raise DataError(source, f"{section}.{key}", f"must be {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def load_spec(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "spec", "file not found")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(str(path), "spec", f"not valid TOML: {exc}") from None
    known = {"name", "title", "citation", "units", *SECTION_KEYS}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise DataError(str(path), unknown[0], f"unknown section or key; known: {sorted(known)}")
    for section, keys in SECTION_KEYS.items():
        table = spec.get(section, {})
        if not isinstance(table, dict):
            raise DataError(str(path), section, f"must be a table [{section}], got {table!r}")
        if keys is not None and set(table) - keys:
            raise DataError(str(path), f"{section}.{sorted(set(table) - keys)[0]}",
                            f"unknown key; known: {sorted(keys)}")
    if "name" not in spec:
        raise DataError(str(path), "name", "missing: the dataset name")
    from tradewar.data.registry import valid_name

    if not valid_name(spec["name"]):
        raise DataError(str(path), "name", f"{spec['name']!r} cannot name a dataset folder: letters, digits, "
                                           "'_', '.' and '-' (up to 100), starting with a letter or digit")
    return spec


#: the keys each section of a spec takes (None: any, e.g. region or group names)
SECTION_KEYS = {
    "source": {"format", "files", "country_codes", "year"},
    "countries": {"keep", "rest", "unmapped", "map", "internal", "partial_groups"},
    "sectors": {"concordance", "hs_column", "industry_column", "sector_column", "level", "unmapped"},
    "gdp": {"file", "iso3", "value", "scale", "header"},
    "country_data": {"file", "iso3", "columns"},
    "tariffs": {"rate", "file"},
    "baseline": {"domestic", "imbalances"},
    "output": {"format"},
    "regions": None,
    "groups": None,
}


def build_world(spec_path: str | Path, spec: dict | None = None) -> tuple[World, list[str]]:
    """Build the World a spec describes; returns it with a report of what was changed."""
    spec_path = Path(spec_path)
    spec = spec or load_spec(spec_path)
    base = spec_path.parent
    src = str(spec_path)
    name = str(spec["name"])
    fmt = _get(spec, "source", "format", None, str, src)
    if fmt not in ("baci", "itpde", "icio", "gtap"):
        raise DataError(src, "source.format", f"supported formats: 'baci', 'itpde', 'icio', 'gtap'; got {fmt!r}")
    files = _get(spec, "source", "files", None, list, src)
    if not files:
        raise DataError(src, "source.files", f"missing: the {fmt.upper()} trade file(s)")
    from tradewar.data.concordance import read_code_file, read_hs6_concordance

    overrides = dict(_get(spec, "countries", "map", {}, dict, src))
    keep = _get(spec, "countries", "keep", None, list, src)
    rest = _get(spec, "countries", "rest", None, str, src)
    for region, countries_in in spec.get("regions", {}).items():  # [regions] EU = ["AUT", …]: merged countries
        if not (isinstance(countries_in, list) and countries_in and all(isinstance(c, str) for c in countries_in)):
            raise DataError(src, f"regions.{region}", f"must be a non-empty list of country codes, got {countries_in!r}")
        for country in countries_in:
            if keep is not None and country in keep:
                raise DataError(src, f"regions.{region}", f"{country!r} is also kept as a country (countries.keep)")
            if country.upper() in {k.upper() for k in overrides}:
                raise DataError(src, f"regions.{region}", f"{country!r} is already mapped ([countries] map or another region)")
            overrides[country.upper()] = str(region)
        if keep is not None and region not in keep:
            keep = [*keep, str(region)]
    conc_file = _get(spec, "sectors", "concordance", None, str, src)
    value_added = None
    base_tariffs = None

    def industry_concordance(default_column: str) -> dict | None:
        """The user's industry → sector concordance ([sectors] concordance, industry_column,
        sector_column), or None."""
        if not conc_file:
            return None
        ind_col = _get(spec, "sectors", "industry_column", default_column, str, src)
        sec_col = _get(spec, "sectors", "sector_column", "sector", str, src)
        table = read_code_file(name, base / conc_file, [ind_col, sec_col])
        return dict(zip(table[ind_col], table[sec_col]))

    if fmt == "gtap":
        from tradewar.data.gtap import aggregate_gtap

        if len(files) != 1:
            raise DataError(src, "source.files", "a GTAP build reads one base-data HAR file")
        concordance = industry_concordance("comm")
        if concordance is None and _get(spec, "sectors", "level", None, str, src) == "broad":
            from tradewar.data.hs_sectors import gtap_broad

            concordance = dict(gtap_broad())    # a copy of the cached table
        agg, base_tariffs, value_added, _ = aggregate_gtap(
            base / files[0], keep=keep, rest=rest, overrides=overrides, concordance=concordance,
            gdp_header=_get(spec, "gdp", "header", None, str, src), dataset=name)
        spec.setdefault("units", "million USD")
        codes = None
    elif fmt == "icio":
        from tradewar.data.icio import aggregate_icio

        if len(files) != 1:
            raise DataError(src, "source.files", "an ICIO build reads one table (one year)")
        concordance = industry_concordance("industry")
        agg, value_added = aggregate_icio(base / files[0], keep=keep, rest=rest, overrides=overrides,
                                          level=_get(spec, "sectors", "level", "industry", str, src),
                                          concordance=concordance, dataset=name)
        spec.setdefault("units", "million USD")
        codes = None
    elif fmt == "itpde":
        from tradewar.data.itpde import aggregate_itpde

        concordance = None
        if conc_file:
            hs_col = _get(spec, "sectors", "industry_column", "industry_id", str, src)
            sec_col = _get(spec, "sectors", "sector_column", "sector", str, src)
            table = read_code_file(name, base / conc_file, [hs_col, sec_col])
            concordance = dict(zip(table[hs_col], table[sec_col]))
        agg = aggregate_itpde([base / f for f in files], year=_get(spec, "source", "year", None, int, src),
                              keep=keep, rest=rest, overrides=overrides,
                              level=_get(spec, "sectors", "level", "broad_sector", str, src), concordance=concordance,
                              internal=_get(spec, "countries", "internal", "keep", str, src), dataset=name)
        spec.setdefault("units", "million USD")
        codes = None
    else:
        code_file = _get(spec, "source", "country_codes", None, str, src)
        if not code_file:
            raise DataError(src, "source.country_codes", "missing: the BACI code list (country_codes_V*.csv)")
        from tradewar.data.baci import aggregate_baci, read_country_codes

        codes = read_country_codes(base / code_file, overrides, dataset=name)
        concordance = None
        if conc_file:
            concordance = read_hs6_concordance(name, base / conc_file,
                                               _get(spec, "sectors", "hs_column", "hs6", str, src),
                                               _get(spec, "sectors", "sector_column", "sector", str, src))
        agg = aggregate_baci(
            [base / f for f in files], codes, keep=keep, rest=rest,
            unmapped=_get(spec, "countries", "unmapped", None, str, src),
            concordance=concordance, level=_get(spec, "sectors", "level", "total", str, src),
            unmapped_products=_get(spec, "sectors", "unmapped", "error", str, src),
            year=_get(spec, "source", "year", None, int, src),
            internal=_get(spec, "countries", "internal", "drop", str, src), dataset=name, code_file=code_file,
        )
    report = [f"read {agg.rows:,} rows from {len(files)} {fmt.upper()} file(s)"] + agg.report
    regions, flows = agg.regions, agg.flows

    # GDP
    gdp_file = _get(spec, "gdp", "file", None, str, src)
    if not gdp_file and value_added is not None:
        gdp_file = None
        report.append("GDP: value added by region from the ICIO table" if fmt == "icio" else
                      f"GDP: header {spec['gdp']['header']} of the HAR file")
    elif not gdp_file:
        raise DataError(src, "gdp.file", "missing: a GDP table (iso3, value) in any unit, with gdp.scale")
    if gdp_file is None:
        gdp = [float(value_added[r]) for r in regions]
    else:
        gdp = _gdp_from_file(spec, src, name, base, gdp_file, regions, rest, codes, report, agg.members)
    countries = pd.DataFrame({"name": [agg.names.get(r, r) for r in regions], "gdp": gdp},
                             index=pd.Index(regions, name="iso3"))

    # extra country columns
    extra_file = _get(spec, "country_data", "file", None, str, src)
    if extra_file:
        ecol = _get(spec, "country_data", "iso3", "iso3", str, src)
        columns = _get(spec, "country_data", "columns", [], list, src)
        extra = read_code_file(name, base / extra_file, [ecol, *columns])
        extra = extra.drop_duplicates(ecol).set_index(ecol)
        for column in columns:
            numbers = pd.to_numeric(extra[column], errors="coerce")
            countries[column] = numbers.reindex(countries.index).to_numpy()

    # baseline tariffs
    n, S = flows.shape[0], flows.shape[2]
    tariffs = np.full(flows.shape, float(_get(spec, "tariffs", "rate", 0.0, (int, float), src)))
    if base_tariffs is not None and "rate" not in spec.get("tariffs", {}):
        tariffs = base_tariffs.copy()
    tariff_file = _get(spec, "tariffs", "file", None, str, src)
    if tariff_file:
        from tradewar.data.csvutil import pairs_to_array, read_csv

        head = pd.read_csv(base / tariff_file, nrows=0).columns if (base / tariff_file).is_file() else []
        required = {"importer": "str", "exporter": "str", "rate": "float"}
        if "sector" in head:
            required["sector"] = "str"
        frame = read_csv(name, base / tariff_file, required, dtype={"sector": str} if "sector" in head else None)
        given = pairs_to_array(name, tariff_file, frame, regions, "exporter", "importer", "rate",
                               sector="sector" if "sector" in head else None,
                               sectors=agg.sectors if "sector" in head else None)
        mask = pairs_to_array(name, tariff_file, frame.assign(rate=1.0), regions, "exporter", "importer", "rate",
                              sector="sector" if "sector" in head else None,
                              sectors=agg.sectors if "sector" in head else None) > 0
        if given.shape[2] == 1 and S > 1:
            given, mask = np.repeat(given, S, axis=2), np.repeat(mask, S, axis=2)
        tariffs = np.where(mask, given, tariffs)
        report.append(f"tariffs: {int(mask.sum())} rates from {tariff_file}")
    idx = np.arange(n)
    tariffs[idx, idx, :] = 0.0

    # balancing and domestic absorption
    imbalances = _get(spec, "baseline", "imbalances", "keep", str, src)
    if imbalances == "remove":
        flows, note = remove_imbalances(flows)
        report.append(note)
    elif imbalances != "keep":
        raise DataError(src, "baseline.imbalances", f"must be 'keep' or 'remove', not {imbalances!r}")
    domestic = _get(spec, "baseline", "domestic", "none", str, src)
    if domestic == "gdp":
        flows, notes = fill_domestic(flows, countries["gdp"].to_numpy(), regions)
        report.extend(notes)
    elif domestic != "none":
        raise DataError(src, "baseline.domestic", f"must be 'none' or 'gdp', not {domestic!r}")
    idle = [r for r, e, m in zip(regions, flows.sum(axis=(1, 2)), flows.sum(axis=(0, 2))) if e + m <= 0]
    if idle:
        raise DataError(name, "flows", f"countries with no trade in the selected year/products: {idle[:8]}")
    from tradewar.data.groups import resolve_groups, spec_groups

    groups, notes = resolve_groups(spec_groups(spec.get("groups", {}), src), agg.members, regions,
                                   rule=_get(spec, "countries", "partial_groups", "error", str, src), source=src)
    report.extend(notes)
    from tradewar.data.concordance import iso3_codes

    region_codes = tuple(r for r in regions if r not in iso3_codes())
    world = World(name=name, countries=countries, sectors=tuple(agg.sectors), flows=flows, tariffs=tariffs,
                  groups=groups, units=str(spec.get("units", "thousand USD")),
                  citation=str(spec.get("citation", "CEPII BACI (Gaulier & Zignago 2010)" if fmt == "baci" else
                                        "USITC ITPD-E (Borchert, Larch, Shikher & Yotov 2021)")),
                  region_codes=region_codes)
    deficit = world.trade_deficit
    report.append(f"built {world.n_countries} countries × {len(world.sectors)} sectors; trade "
                  f"{world.flows.sum():,.0f} {world.units}; largest deficit "
                  f"{regions[int(np.argmax(deficit))]} {deficit.max():,.0f}")
    return world, report


def _gdp_from_file(spec, src, name, base, gdp_file, regions, rest, codes, report, members=None):
    from tradewar.data.concordance import read_code_file

    iso_col = _get(spec, "gdp", "iso3", "iso3", str, src)
    val_col = _get(spec, "gdp", "value", "gdp", str, src)
    scale = float(_get(spec, "gdp", "scale", 1.0, (int, float), src))
    table = read_code_file(name, base / gdp_file, [iso_col, val_col])
    values = pd.to_numeric(table[val_col], errors="coerce")
    bad = values.isna() & (table[val_col].fillna("") != "")
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(name, f"{gdp_file}:line {pos + 2}:column {val_col}", f"not a number: {table[val_col].iloc[pos]!r}")
    if scale <= 0:
        raise DataError(src, "gdp.scale", f"must be positive, got {scale}")
    divisor = 1.0 / scale  # 0.001 is not exact in binary: divide by 1000 instead
    if scale < 1 and abs(divisor - round(divisor)) < 1e-9 * divisor:
        gdp_of = {str(c).upper(): float(v) / round(divisor) for c, v in zip(table[iso_col], values) if np.isfinite(v)}
    else:
        gdp_of = {str(c).upper(): float(v) * scale for c, v in zip(table[iso_col], values) if np.isfinite(v)}
    gdp = []
    merged: dict[str, list[str]] = {}
    for country, region in (members or {}).items():
        if region is not None and region != rest:
            merged.setdefault(region, []).append(country)
    if codes is not None:
        all_codes = set(codes["iso3"].dropna())
    else:
        all_codes = {c for c in gdp_of if c not in set(regions)}  # ITPD-E: every GDP entry not kept
    rest_members = sorted(c for c in all_codes if c not in set(regions)) if rest else []
    for r in regions:
        if rest and r == rest:
            found = [gdp_of[c] for c in rest_members if c in gdp_of]
            gdp.append(sum(found))
            report.append(f"GDP of {rest}: sum over {len(found)} of its {len(rest_members)} countries in {gdp_file}")
        elif merged.get(r, [r]) != [r]:  # a region of merged countries: the sum of their GDPs
            lacking = [c for c in merged[r] if c not in gdp_of]
            if lacking:
                raise DataError(name, f"{gdp_file}:{val_col}", f"no GDP for {lacking[:8]}, merged into {r}")
            gdp.append(sum(gdp_of[c] for c in merged[r]))
            report.append(f"GDP of {r}: sum over its {len(merged[r])} countries in {gdp_file}")
        elif r in gdp_of:
            gdp.append(gdp_of[r])
        else:
            gdp.append(np.nan)
    missing = [r for r, g in zip(regions, gdp) if not np.isfinite(g)]
    if missing:
        raise DataError(name, f"{gdp_file}:{val_col}", f"no GDP for {missing[:8]}{' …' if len(missing) > 8 else ''} "
                                                     f"({len(missing)} in all)")
    return gdp


def remove_imbalances(flows: np.ndarray, tol: float = 1e-12, max_sweeps: int = 100_000) -> tuple[np.ndarray, str]:
    """Rescale bilateral flows so every country's exports equal its imports: x'_ij = d_i x_ij / d_j
    (matrix balancing, Osborne's iteration), one factor per pair applied to every sector.
    Possible exactly when the trade graph is strongly connected (each country can reach every
    other through export links); otherwise the countries that break it are named."""
    from scipy.sparse.csgraph import connected_components

    n = flows.shape[0]
    off = flows.sum(axis=2) * (1 - np.eye(n))
    count, label = connected_components(off > 0, directed=True, connection="strong")
    if count > 1:
        sizes = np.bincount(label)
        small = [i for i in range(n) if sizes[label[i]] < sizes.max()]
        raise DataError("baseline", "imbalances", f"cannot balance: countries at positions {small[:8]} only export "
                                                  f"or only import within their group; aggregate them into a "
                                                  f"region or keep imbalances")
    scaled = off.copy()
    scale = max(off.sum(axis=1).max(), 1e-300)
    for sweep in range(max_sweeps):
        for i in range(n):
            f = np.sqrt(scaled[:, i].sum() / scaled[i].sum())
            scaled[i] *= f
            scaled[:, i] /= f
        gap = np.abs(scaled.sum(axis=1) - scaled.sum(axis=0)).max()
        if gap <= tol * scale:
            break
    else:
        raise DataError("baseline", "imbalances", f"could not remove imbalances (gap {gap:g} after {max_sweeps} sweeps)")
    factor = np.divide(scaled, off, out=np.ones_like(off), where=off > 0)
    out = flows * factor[:, :, None]
    change = np.abs(out - flows).sum() / max(flows.sum(), 1e-300)
    return out, (f"imbalances removed (matrix balancing, {sweep + 1} sweeps): {100 * change:.2f}% of trade moved; "
                 f"total trade {flows.sum():,.0f} → {out.sum():,.0f}")


def fill_domestic(flows: np.ndarray, gdp: np.ndarray, regions: list[str]) -> tuple[np.ndarray, list[str]]:
    """Domestic absorption on the diagonal: GDP − exports, spread over sectors by export shares."""
    out = flows.copy()
    n, S = flows.shape[0], flows.shape[2]
    notes = []
    for i in range(n):
        exports = out[i].sum(axis=0) - out[i, i]
        total = exports.sum()
        home = gdp[i] - total
        if home <= 0:
            notes.append(f"domestic absorption of {regions[i]}: GDP {gdp[i]:,.0f} ≤ exports {total:,.0f}; set to 0")
            home = 0.0
        shares = exports / total if total > 0 else np.full(S, 1.0 / S)
        out[i, i] = home * shares
    notes.append("domestic absorption filled as GDP − exports")
    return out, notes


def build(spec_path: str | Path, out: str | Path | None = None, data: str | Path | None = None,
          storage: str | None = None) -> tuple[World, Path, list[str]]:
    """Build a spec and write the dataset folder (default: ``<data dir>/<name>``), its tables as
    Parquet or DuckDB (``storage``, else the spec's ``[output] format``, else Parquet)."""
    spec = load_spec(spec_path)
    storage = storage or _get(spec, "output", "format", "parquet", str, str(spec_path))
    if storage not in STORAGES:
        raise DataError(str(spec_path), "output.format", f"must be one of {list(STORAGES)}, not {storage!r}")
    name = str(spec["name"])
    if out is None:
        from tradewar.data.registry import data_dir

        root = data_dir(data)
        if root is None:
            raise DataError(name, "--out", "no data directory: give --out DIR, --data or TRADEWAR_DATA")
        out = root / name
    check_replaceable(name, out)   # before the (long) build
    world, report = build_world(spec_path, spec)
    folder = write_world_folder(world, out, report, storage=storage)
    return world, folder, report
