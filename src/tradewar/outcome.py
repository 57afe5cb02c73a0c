"""Outcome: labelled results of a counterfactual — per country, per group, world, and per
country pair (trade flows and bilateral balances) — with the solver's diagnostics and the
inputs that produced them."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from tradewar.solver import Diagnostics

#: Per-country columns: name -> (label, unit). Percent changes are 100·(hat − 1).
COUNTRY_METRICS: dict[str, tuple[str, str]] = {
    "welfare": ("Δ welfare", "%"),
    "deficit": ("Δ trade deficit", "% of |baseline deficit|"),
    "exports_gdp": ("Δ exports/GDP", "%"),
    "imports_gdp": ("Δ imports/GDP", "%"),
    "employment": ("Δ employment", "%"),
    "prices": ("Δ consumer price index", "%"),
    "real_wage": ("Δ real wage", "%"),
    "wage": ("Δ nominal wage", "%"),
    "tariff_revenue_pct": ("tariff revenue", "% of baseline expenditure"),
    "tariff_revenue": ("tariff revenue", "level"),
    "deficit_baseline": ("trade deficit, baseline", "level"),
    "deficit_counterfactual": ("trade deficit, counterfactual", "level"),
    # multi-sector models (Ossa 2014)
    "government_welfare": ("Δ government welfare (political-economy weights)", "%"),
    "relative_wage": ("Δ nominal wage minus the mean Δ of all countries", "percentage points"),
    "profits": ("Δ profits deflated by the wage", "%"),
    "terms_of_trade": ("terms-of-trade effect (first order)", "% of expenditure"),
    "profit_shifting": ("profit-shifting effect (first order)", "% of expenditure"),
    "median_tariff": ("median tariff levied on partners (all sectors)", "%"),
    # Caliendo & Parro (2015)
    "volume_of_trade": ("volume-of-trade effect (first order)", "% of income"),
    "real_income": ("Δ real income Î/P̂", "%"),
    # structural gravity (gegravity's OneSectorGE)
    "real_gdp": ("Δ real GDP Y/P", "%"),
    "factory_gate_price": ("Δ factory-gate price", "%"),
    "outward_resistance": ("Δ outward multilateral resistance", "%"),
    "foreign_exports": ("Δ exports to other countries", "%"),
    "foreign_imports": ("Δ imports from other countries", "%"),
}
LEVELS = ("tariff_revenue", "deficit_baseline", "deficit_counterfactual")


@dataclass(frozen=True, eq=False)
class Outcome:
    """Results of one scenario.

    countries : DataFrame indexed by ISO3 with the columns of :data:`COUNTRY_METRICS`.
    weights : the weights of group averages (the model's baseline expenditure, as the paper).
    world : world aggregates.
    bilateral : xarray Dataset with ``trade_baseline``/``trade_counterfactual``/``trade_change``
        [exporter, importer] and ``balance_baseline``/``balance_counterfactual``/``balance_change``
        [country, partner] (exports of country to partner minus its imports from partner).
    extras : further labelled results of a model, by name — typically xarray DataArrays with
        dimensions ``country`` and ``sector`` (e.g. ``sector_sales_change``); each model documents
        its own. Replication specs can refer to them as metrics (see ``tradewar.replicate``).
    """

    scenario: str
    model: str
    parameters: dict
    countries: pd.DataFrame
    weights: pd.Series
    world: pd.Series
    bilateral: xr.Dataset
    diagnostics: Diagnostics
    units: str = ""
    groups_def: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    extras: dict = field(default_factory=dict)

    # ----------------------------------------------------------------- aggregation
    def average(self, members: Iterable[str]) -> pd.Series:
        """Weighted average (sums for levels) over ``members``."""
        members = list(members)
        rows = self.countries.loc[members]
        w = self.weights.loc[members]
        out = rows.mul(w, axis=0).sum(min_count=1) / w.sum()  # NaN only if no member has a value
        for level in LEVELS:
            if level in rows:
                out[level] = rows[level].sum()
        return out

    def groups(self) -> pd.DataFrame:
        """Averages over the dataset's groups, the actors' rest of world, and the world."""
        table = {name: self.average(members) for name, members in self.groups_def.items()}
        if self.actors:
            rest = [c for c in self.countries.index if c not in self.actors]
            if rest:
                table["rest of world"] = self.average(rest)
        table["world"] = self.average(self.countries.index)
        return pd.DataFrame(table).T

    def balance(self, country: str, partner: str) -> pd.Series:
        """Bilateral trade balance of ``country`` with ``partner``: baseline, counterfactual, change."""
        b = self.bilateral.sel(country=country, partner=partner)
        return pd.Series({k: float(b[f"balance_{k}"]) for k in ("baseline", "counterfactual", "change")})

    # ----------------------------------------------------------------- rendering
    def to_dict(self) -> dict:
        def clean(frame: pd.DataFrame) -> dict:
            return {idx: {k: json_number(v) for k, v in row.items()} for idx, row in frame.iterrows()}

        return {
            "scenario": self.scenario,
            "model": self.model,
            "parameters": {k: _jsonable(v) for k, v in self.parameters.items()},
            "units": self.units,
            "notes": list(self.notes),
            "diagnostics": {k: json_number(v) for k, v in self.diagnostics.as_dict().items()},
            "world": {k: json_number(v) for k, v in self.world.items()},
            "groups": clean(self.groups()),
            "countries": clean(self.countries),
            "bilateral_balance_change": {
                c: {p: json_number(v) for p, v in zip(self.bilateral.partner.values,
                                                 self.bilateral["balance_change"].sel(country=c).values)}
                for c in (self.actors or ())
            },
        }

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=1)
        if path is not None:
            write_atomic(path, text.encode())
        return text

    def to_csv(self, path: str | os.PathLike) -> None:
        write_atomic(path, self.countries.to_csv().encode())

    def to_parquet(self, path: str | os.PathLike) -> None:
        def writer(tmp: str):
            self.countries.reset_index().to_parquet(tmp, index=False)
        write_atomic(path, writer=writer)

    def __repr__(self) -> str:
        return f"Outcome({self.scenario!r}, model={self.model!r}, {len(self.countries)} countries)"


CHART_FORMATS = ("png", "svg", "pdf")


def check_output(path: str | os.PathLike, option: str, formats: tuple[str, ...] = ()) -> Path:
    """Refuse, before anything is solved, an output path that cannot be written: a missing or
    unwritable folder, a folder given as the file, or an extension not in ``formats`` (none: the first)."""
    from tradewar.errors import TradewarError

    path = Path(path)
    if path.is_dir():
        raise TradewarError(f"{option} {path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise TradewarError(f"{option} {path}: directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise TradewarError(f"{option} {path}: directory {path.parent} is not writable")
    fmt = path.suffix.lstrip(".").lower()
    if formats and fmt and fmt not in formats:
        raise TradewarError(f"{option} {path}: unsupported format {fmt!r}; "
                            f"use {', '.join('.' + f for f in formats)}")
    return path


def write_chart(path: str | os.PathLike, figure, option: str = "chart", **savefig) -> None:
    """A matplotlib figure written atomically as .png (the default), .svg or .pdf."""
    path = check_output(path, option, CHART_FORMATS)
    fmt = path.suffix.lstrip(".").lower() or "png"
    write_atomic(path, writer=lambda tmp: figure.savefig(tmp, format=fmt, **savefig))


def write_atomic(path: str | os.PathLike, data: bytes | None = None, writer=None) -> None:
    """Write a file so that it is either complete or absent (temporary file + rename)."""
    from tradewar.errors import TradewarError

    path = check_output(path, "output")
    tmp = None
    try:
        # a fresh name, created with mode 0666 less the umask (as any written file; mkstemp gives 0600)
        tmp = str(path.parent / f".{path.name}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        if writer is None:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data or b"")
        else:
            os.close(fd)
            writer(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise TradewarError(f"output {path}: cannot write ({exc.strerror or exc})") from exc
        raise


def json_number(v):
    """A JSON-safe scalar: numpy scalars as Python ones, non-finite floats as None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _jsonable(v):
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    return json_number(v)


def bilateral_dataset(codes: list[str], before: np.ndarray, after: np.ndarray) -> xr.Dataset:
    """Trade flows [exporter, importer] before/after, and bilateral balances [country, partner]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(before > 0, 100.0 * (after / before - 1.0), np.nan)
    bal0, bal1 = before - before.T, after - after.T
    return xr.Dataset(
        {
            "trade_baseline": (("exporter", "importer"), before),
            "trade_counterfactual": (("exporter", "importer"), after),
            "trade_change": (("exporter", "importer"), change),
            "balance_baseline": (("country", "partner"), bal0),
            "balance_counterfactual": (("country", "partner"), bal1),
            "balance_change": (("country", "partner"), bal1 - bal0),
        },
        coords={"exporter": codes, "importer": codes, "country": codes, "partner": codes},
        attrs={"trade_change": "percent", "balance": "exports of country to partner minus its imports from partner"},
    )
