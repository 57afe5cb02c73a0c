"""World: the baseline economy as validated, labelled data.

Array convention (the whole package): bilateral arrays are ordered
**[exporter, importer, sector]**; ``flows[i, j, s]`` is what exporter *i* sells to importer
*j* in sector *s*, and ``tariffs[i, j, s]`` is the ad-valorem rate importer *j* charges on it,
as a fraction (0.25, not 25). Countries are ISO3 codes, or aggregate regions (e.g. ``EU``,
``ROW``) that a dataset declares in :attr:`World.region_codes`; labels travel with the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from tradewar.errors import DataError

_ISO3 = re.compile(r"^[A-Z]{3}$")
#: A declared aggregate-region code: 2–4 letters, the first a capital (``EU``, ``ROW``, ``RoW``).
_REGION = re.compile(r"^[A-Z][A-Za-z]{1,3}$")
#: Dimensions of labelled extras that follow the countries or the sectors of the World.
_COUNTRY_DIMS = ("country", "exporter", "importer")


def _show(values, limit: int = 8) -> str:
    values = list(values)
    shown = ", ".join(map(str, values[:limit]))
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


@dataclass(frozen=True, eq=False)
class World:
    """A baseline economy: who trades what with whom, and at which tariffs.

    Parameters
    ----------
    name : dataset name (used in every error message).
    countries : DataFrame indexed by country code with at least ``name`` and ``gdp``
        (same currency unit as ``flows``); other columns (e.g. a dataset's tariff columns)
        are kept and can be referred to by scenarios. Codes are ISO3 (three capital letters)
        or one of ``region_codes``.
    sectors : sector codes, in the order of the last axis of ``flows``.
    flows : array [exporter, importer, sector], non-negative, in ``units``.
    tariffs : baseline applied tariffs, same shape as ``flows`` (fractions).
    groups : named groups of countries (e.g. ``EU27``).
    region_codes : codes of aggregate regions that are not ISO3 countries, declared by the
        dataset (e.g. ``("EU", "ROW")``): 2–4 letters, the first a capital. Only declared
        codes may deviate from ISO3, so a typo in a country dataset is still caught.
    sector_data : optional per-sector table indexed by the sector codes (e.g. elasticities
        σ_s of a multi-sector model); rows are put in the order of ``sectors``.
    extras : optional dataset-specific data a model may read, by name (e.g. ``ossa2014``'s
        political-economy weights). xarray objects with dimensions ``country``/``exporter``/
        ``importer``/``sector`` must be labelled with the World's codes; they are checked
        here and reordered by :meth:`reorder`; their numpy data are made read-only.
    """

    name: str
    countries: pd.DataFrame
    sectors: tuple[str, ...]
    flows: np.ndarray
    tariffs: np.ndarray | None = None
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    units: str = "thousand USD"
    citation: str = ""
    region_codes: tuple[str, ...] = ()
    sector_data: pd.DataFrame | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        countries = self.countries.copy()
        object.__setattr__(self, "countries", countries)
        flows = np.asarray(self.flows, dtype=float)
        if flows.ndim == 2:
            flows = flows[:, :, None]
        object.__setattr__(self, "flows", flows)
        tariffs = np.zeros_like(flows) if self.tariffs is None else np.asarray(self.tariffs, float)
        if tariffs.ndim == 2:
            tariffs = tariffs[:, :, None]
        object.__setattr__(self, "tariffs", tariffs)
        object.__setattr__(self, "sectors", tuple(str(s) for s in self.sectors))
        object.__setattr__(self, "groups", {k: tuple(v) for k, v in self.groups.items()})
        object.__setattr__(self, "region_codes", tuple(str(c) for c in self.region_codes))
        object.__setattr__(self, "extras", dict(self.extras))
        self._validate()
        if self.sector_data is not None:
            object.__setattr__(self, "sector_data", self.sector_data.loc[list(self.sectors)].copy())
        for arr in (self.flows, self.tariffs):
            arr.setflags(write=False)
        for value in self.extras.values():
            for arr in ([value] if isinstance(value, xr.DataArray) else
                        list(value.data_vars.values()) if isinstance(value, xr.Dataset) else []):
                if isinstance(arr.data, np.ndarray):
                    arr.data.setflags(write=False)

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        name = self.name
        codes = [str(c) for c in self.countries.index]
        if not codes:
            raise DataError(name, "countries", "no countries")
        odd = [c for c in self.region_codes if not _REGION.match(c)]
        if odd:
            raise DataError(name, "region_codes", f"region codes must be 2–4 letters, the first a capital: {_show(odd)}")
        declared = set(self.region_codes)
        bad = [c for c in codes if not _ISO3.match(c) and c not in declared]
        if bad:
            also = f" or declared region codes ({_show(self.region_codes)})" if declared else ""
            raise DataError(name, "countries.iso3", f"not ISO3 codes (three capital letters){also}: {_show(bad)}")
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise DataError(name, "countries.iso3", f"duplicate country codes: {_show(dup)}")
        if "gdp" not in self.countries.columns:
            raise DataError(name, "gdp", "missing: every country needs its GDP")
        gdp = pd.to_numeric(self.countries["gdp"], errors="coerce")
        missing = [c for c, v in zip(codes, gdp) if not np.isfinite(v)]
        if missing:
            raise DataError(name, "gdp", f"missing or not a number for {_show(missing)}")
        nonpos = [f"{c}={v:g}" for c, v in zip(codes, gdp) if v <= 0]
        if nonpos:
            raise DataError(name, "gdp", f"must be positive: {_show(nonpos)}")
        if not self.sectors:
            raise DataError(name, "sectors", "no sectors")
        dup = sorted({s for s in self.sectors if self.sectors.count(s) > 1})
        if dup:
            raise DataError(name, "sectors", f"duplicate sector codes: {_show(dup)}")
        n, s = len(codes), len(self.sectors)
        for label, arr in (("flows", self.flows), ("tariffs", self.tariffs)):
            if arr.ndim != 3 or arr.shape[0] != arr.shape[1]:
                raise DataError(name, label, f"must be square [exporter, importer, sector]; got shape {arr.shape}")
            if arr.shape != (n, n, s):
                raise DataError(
                    name, label, f"shape {arr.shape} does not match {n} countries × {n} × {s} sectors"
                )
            bad = np.argwhere(~np.isfinite(arr))
            if len(bad):
                raise DataError(name, label, f"NaN or infinite values at {_show(self._pairs(bad))}")
        neg = np.argwhere(self.flows < 0)
        if len(neg):
            raise DataError(
                name, "flows",
                "negative flows at " + _show(f"{p}={self.flows[tuple(i)]:g}" for p, i in zip(self._pairs(neg), neg)),
            )
        low = np.argwhere(self.tariffs <= -1)
        if len(low):
            raise DataError(name, "tariffs", f"rates must exceed -1 (a 100% subsidy); offending pairs {_show(self._pairs(low))}")
        if not (self.flows.sum(axis=(1, 2)) + self.flows.sum(axis=(0, 2)) > 0).all():
            idle = [c for c, v in zip(codes, self.flows.sum(axis=(1, 2)) + self.flows.sum(axis=(0, 2))) if v <= 0]
            raise DataError(name, "flows", f"countries with no trade at all: {_show(idle)}")
        known = set(codes)
        for group, members in self.groups.items():
            unknown = [m for m in members if m not in known]
            if unknown:
                raise DataError(name, f"groups.{group}", f"unknown country codes: {_show(unknown)}")
        if self.sector_data is not None:
            rows = [str(r) for r in self.sector_data.index]
            if sorted(rows) != sorted(self.sectors):
                missing = [s for s in self.sectors if s not in rows]
                extra = [r for r in rows if r not in self.sectors]
                raise DataError(name, "sector_data", f"rows must be the sectors exactly once; missing {_show(missing)}, "
                                                     f"unknown or repeated {_show(extra or sorted({r for r in rows if rows.count(r) > 1}))}")
        for key, value in self.extras.items():
            if isinstance(value, (xr.DataArray, xr.Dataset)):
                for dim in value.dims:
                    want = codes if dim in _COUNTRY_DIMS else list(self.sectors) if dim == "sector" else None
                    if want is not None and [str(v) for v in value[dim].values] != want:
                        raise DataError(name, f"extras.{key}", f"dimension {dim!r} must be labelled with the "
                                                               f"world's codes in order: {_show(want)}")

    def _pairs(self, idx) -> list[str]:
        codes = self.iso3
        out = []
        for row in idx:
            i, j = row[0], row[1]
            sec = f"/{self.sectors[row[2]]}" if len(row) > 2 and len(self.sectors) > 1 else ""
            out.append(f"{codes[i]}→{codes[j]}{sec}")
        return out

    # ------------------------------------------------------------------ labels
    @property
    def iso3(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.countries.index)

    @property
    def n_countries(self) -> int:
        return len(self.countries)

    @property
    def gdp(self) -> np.ndarray:
        return self.countries["gdp"].to_numpy(dtype=float)

    def index_of(self, code: str) -> int:
        try:
            return self.iso3.index(code)
        except ValueError:
            raise DataError(self.name, "iso3", f"unknown country code {code!r}") from None

    def group(self, name: str) -> tuple[str, ...]:
        """Members of a named group; group names are case-insensitive."""
        for key, members in self.groups.items():
            if key.lower() == name.lower():
                return members
        raise DataError(self.name, "groups", f"unknown group {name!r}; known groups: {_show(self.groups)}")

    def country_column(self, column: str) -> pd.Series:
        """A per-country data column of the dataset (e.g. a tariff schedule)."""
        if column not in self.countries.columns:
            raise DataError(self.name, column, f"no such country column; available: {_show(self.countries.columns)}")
        values = pd.to_numeric(self.countries[column], errors="coerce")
        bad = values[~np.isfinite(values)]
        if len(bad):
            raise DataError(self.name, column, f"missing or not a number for {_show(bad.index)}")
        return values

    # ------------------------------------------------------------------ derived
    @property
    def exports(self) -> np.ndarray:
        """Exports to other countries, by country (sum over sectors, diagonal excluded)."""
        total = self.flows.sum(axis=2)
        return total.sum(axis=1) - np.diag(total)

    @property
    def imports(self) -> np.ndarray:
        total = self.flows.sum(axis=2)
        return total.sum(axis=0) - np.diag(total)

    @property
    def trade_deficit(self) -> np.ndarray:
        """Imports minus exports in the data (diagonal excluded)."""
        return self.imports - self.exports

    def to_xarray(self) -> xr.Dataset:
        codes = list(self.iso3)
        dims = ("exporter", "importer", "sector")
        coords = {"exporter": codes, "importer": codes, "sector": list(self.sectors)}
        ds = xr.Dataset(
            {"flows": (dims, np.array(self.flows)), "tariffs": (dims, np.array(self.tariffs))},
            coords=coords,
            attrs={"name": self.name, "units": self.units},
        )
        ds["gdp"] = ("country", self.gdp)
        return ds.assign_coords(country=codes)

    # ------------------------------------------------------------------ transforms
    def reorder(self, codes: Sequence[str]) -> "World":
        """The same world with countries in another order (used to check order-invariance)."""
        idx = [self.index_of(c) for c in codes]
        if sorted(idx) != list(range(self.n_countries)):
            raise DataError(self.name, "iso3", "reorder needs every country exactly once")
        ix = np.ix_(idx, idx, range(len(self.sectors)))
        order = list(codes)
        extras = {k: v.sel({d: order for d in v.dims if d in _COUNTRY_DIMS}) if isinstance(v, (xr.DataArray, xr.Dataset)) else v
                  for k, v in self.extras.items()}
        return replace(self, countries=self.countries.iloc[idx], flows=self.flows[ix], tariffs=self.tariffs[ix],
                       extras=extras)

    def __repr__(self) -> str:
        return (
            f"World({self.name!r}: {self.n_countries} countries × {len(self.sectors)} sectors, "
            f"flows {self.flows.sum():,.0f} {self.units})"
        )
