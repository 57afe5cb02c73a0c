"""Reproduce published tables: each table is a set of library scenarios plus a map from the
table's rows and columns to regions and metrics of the Outcome. Published values are read
from the target files (``specs/targets`` beside the data directory, or ``TRADEWAR_TARGETS``)
and compared at the precision the paper printed.

A replication spec (``library/replications/<paper>_table<k>.toml``) has ``paper``, ``table``,
``target`` (file name), ``caption``, optional ``decimals`` (the printed precision, used when
the target cells carry no ``printed`` text), ``[scenarios]`` (label -> library scenario, or
label -> a table row -> library scenario when every row of the table is its own scenario, e.g.
one country's optimal tariffs per row) and ``[rows]``/``[columns]`` whose entries are merged
(row over column) into a *cell spec*:

* ``metric``: a column of ``Outcome.countries``, or the name of a labelled per-country and/or
  per-sector result in ``Outcome.extras`` (an xarray DataArray with dims ``country`` and/or
  ``sector``; e.g. ``sector_sales_change``).
* ``region``: a country code, a dataset group, or ``"all"``, less ``exclude`` (a list); groups
  are weighted by ``Outcome.weights`` (levels are summed), or unweighted with
  ``average = "simple"``. ``region = "own"`` is the row's ``country``; ``region = "others"``
  every country but the row's ``country``. Not needed for metrics without a ``country``
  dimension.
* ``scope = "world"``: ``metric`` is a world aggregate (``Outcome.world``, e.g. ``trade_to_gdp``,
  ``employment``) rather than a per-country result; no ``region``.
* ``mean_of``: a list of rows; the cell is the simple mean of those rows' unrounded values
  (e.g. an "Average" row).
* ``sector``: the sector of a per-sector metric; ``sectors = "all"`` takes the unweighted mean
  over every sector, ``sectors = "others"`` the mean over every sector but ``sector``, and a
  list the mean over those sectors.
* ``scenario``: ties a row or column to one scenario label (otherwise the target says which).
* ``divide_by``: a number the value is divided by; ``decimals``: printed precision of the cell.
* ``variant``: when a scenario label maps to several scenarios (a table), the key of the one
  this cell reads (e.g. the starting point of a column); otherwise the row picks it.

``[sector_rows]`` adds one row per sector, named by its code (``sector = code``), ordered by a
per-sector metric (``sort_by``, ``descending``), before the rows of ``[rows]``.
``[not_reproduced]`` (``columns``/``rows`` lists and a ``reason``) names target cells that
are deliberately left out (e.g. cells that are labels rather than numbers); they are reported
in the notes.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from functools import lru_cache
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import xarray as xr

from tradewar.data.registry import data_dir
from tradewar.errors import TradewarError
from tradewar.outcome import Outcome
from tradewar.run import run

TABLES = resources.files("tradewar") / "library" / "replications"


@dataclass
class Cell:
    scenario: str
    row: str
    column: str
    value: float                     # computed
    published: float | None = None
    printed: str | None = None

    @property
    def decimals(self) -> int | None:
        if self.printed is None:
            return None
        number = self.printed.strip().rstrip("%").strip()
        return max(0, -Decimal(number).as_tuple().exponent)

    @property
    def difference(self) -> float | None:
        return None if self.published is None else self.value - self.published

    @property
    def matches(self) -> bool | None:
        """True when the computed value rounds to the printed one (within half a unit of the
        last printed digit)."""
        if self.published is None:
            return None
        return abs(self.value - self.published) <= 0.5 * 10.0 ** -self.decimals + 1e-12


class UnknownTable(TradewarError):
    """No replication spec for a (paper, table); ``field`` says which part is unknown."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@lru_cache(maxsize=1)
def available_tables() -> dict[tuple[str, int], Path]:
    """(paper, table) -> its replication spec, read once (the specs ship with the package)."""
    root = Path(str(TABLES))
    out = {}
    for path in sorted(root.glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        out[(spec["paper"], int(spec["table"]))] = path
    return out


def targets_dir(data: str | os.PathLike | None = None) -> Path | None:
    env = os.environ.get("TRADEWAR_TARGETS")
    if env:
        return Path(env)
    root = data_dir(data)
    if root is not None and (root.parent / "specs" / "targets").is_dir():
        return root.parent / "specs" / "targets"
    return None


def table_spec(paper: str, table: int) -> dict:
    tables = available_tables()
    if (paper, table) not in tables:
        known = ", ".join(f"{p} --table {t}" for p, t in sorted(tables))
        field = "table" if any(p == paper for p, _ in tables) else "paper"
        raise UnknownTable(field, f"no replication of {paper} table {table}; available: {known}")
    return tomllib.loads(tables[(paper, table)].read_text())


def _region(spec: dict) -> dict:
    """``region = "own"``/``"others"`` resolved against the row's ``country``."""
    region = spec.get("region")
    if region not in ("own", "others"):
        return spec
    if "country" not in spec:
        raise TradewarError(f"region = {region!r} needs a 'country' in the row")
    if region == "own":
        return {**spec, "region": spec["country"]}
    return {**spec, "region": "all", "exclude": [*spec.get("exclude", []), spec["country"]]}


def _members(outcome: Outcome, spec: dict) -> list[str]:
    region = spec["region"]
    countries = list(outcome.countries.index)
    members = countries if region == "all" else list(outcome.groups_def[region])
    return [c for c in members if c not in spec.get("exclude", [])]


def value_of(outcome: Outcome, spec: dict) -> float:
    """A cell's value: ``metric`` of ``region`` (a country, a group, or "all" less ``exclude``),
    of ``sector``/``sectors`` for per-sector metrics (see the module docstring)."""
    spec = _region(spec)
    metric = spec["metric"]
    if spec.get("scope") == "world":
        if metric not in outcome.world.index:
            raise TradewarError(f"unknown world metric {metric!r}: the outcome's world aggregates are "
                                f"{', '.join(outcome.world.index)}")
        return float(outcome.world[metric]) / spec.get("divide_by", 1.0)
    if metric not in outcome.countries.columns:
        if metric in outcome.extras:
            return _extra_value(outcome, spec) / spec.get("divide_by", 1.0)
        raise TradewarError(f"unknown metric {metric!r}: neither a column of the outcome "
                            f"({', '.join(outcome.countries.columns)}) nor one of its extras ({', '.join(outcome.extras)})")
    region = spec["region"]
    if region in outcome.countries.index:
        value = outcome.countries.loc[region, metric]
    elif spec.get("average", "weighted") == "simple":
        value = outcome.countries.loc[_members(outcome, spec), metric].mean()
    else:
        value = outcome.average(_members(outcome, spec))[metric]
    return float(value) / spec.get("divide_by", 1.0)


def _extra_value(outcome: Outcome, spec: dict) -> float:
    """A cell of a labelled result in ``Outcome.extras`` (dims ``country`` and/or ``sector``)."""
    metric = spec["metric"]
    arr = outcome.extras[metric]
    if not isinstance(arr, xr.DataArray):
        raise TradewarError(f"metric {metric!r} is not a labelled array of the outcome")
    if "country" in arr.dims:
        if "region" not in spec:
            raise TradewarError(f"metric {metric!r} is per country: the cell needs a 'region'")
        region = spec["region"]
        if region in arr["country"].values:
            arr = arr.sel(country=region)
        else:
            members = _members(outcome, spec)
            w = xr.DataArray(outcome.weights.loc[members].to_numpy(), dims="country", coords={"country": members})
            arr = (arr.sel(country=members) * w).sum("country") / w.sum()
    if "sector" in arr.dims:
        sectors, sector = spec.get("sectors"), spec.get("sector")
        codes = [str(c) for c in arr["sector"].values]
        if sectors is None:
            if sector is None:
                raise TradewarError(f"metric {metric!r} is per sector: the cell needs 'sector' or 'sectors'")
            chosen = [sector]
        elif sectors == "all":
            chosen = codes
        elif sectors == "others":
            chosen = [c for c in codes if c != sector]
        else:
            chosen = list(sectors)
        unknown = [c for c in chosen if c not in codes]
        if unknown or not chosen:
            raise TradewarError(f"metric {metric!r}: unknown or no sectors {unknown}")
        arr = arr.sel(sector=chosen).mean("sector")
    if arr.ndim:
        raise TradewarError(f"metric {metric!r} has dimensions {arr.dims} the cell does not select")
    return float(arr)


def _sector_rows(spec: dict, outcomes: dict[str, Outcome]) -> dict[str, dict]:
    """Rows ``{code: {"sector": code}}`` of ``[sector_rows]``, ordered by ``sort_by``."""
    opts = spec.get("sector_rows")
    if not opts:
        return {}
    label = opts.get("scenario", next(iter(spec["scenarios"])))
    arr = outcomes[label].extras[opts["sort_by"]]
    if arr.dims != ("sector",):
        raise TradewarError(f"sector_rows.sort_by = {opts['sort_by']!r} must be a per-sector result (dims: sector)")
    codes = [str(c) for c in arr["sector"].values]
    values = np.asarray(arr.values, float)
    order = np.argsort(-values if opts.get("descending", False) else values, kind="stable")
    return {codes[k]: {"sector": codes[k]} for k in order}


def replicate(paper: str, table: int, data: str | os.PathLike | None = None,
              progress=None) -> tuple[list[Cell], dict]:
    """Compute every cell of a published table; returns the cells and run information.
    ``progress(label, round)`` is passed to :func:`tradewar.run.run` (strategy rounds)."""
    spec = table_spec(paper, table)
    target = None
    tdir = targets_dir(data)
    if tdir is not None and (tdir / spec["target"]).is_file():
        target = json.loads((tdir / spec["target"]).read_text())
    start = time.perf_counter()
    def _run(label, ref):
        report = None if progress is None else (lambda what, rnd: progress(f"{label} {what}", rnd))
        return run(ref, data, progress=report)

    outcomes = {sid: ({row: _run(f"{sid}/{row}", r) for row, r in ref.items()} if isinstance(ref, dict)
                      else _run(sid, ref))
                for sid, ref in spec["scenarios"].items()}
    seconds = time.perf_counter() - start
    rows = {**_sector_rows(spec, outcomes), **spec.get("rows", {})}
    skip = spec.get("not_reproduced", {})
    skipped = 0
    if target is not None:
        wanted = []
        for c in target["cells"]:
            if c["column"] in skip.get("columns", ()) or c["row"] in skip.get("rows", ()):
                skipped += 1
                continue
            wanted.append((c["scenario"], c["row"], c["column"], c["value"], c.get("printed")))
    else:
        wanted = [(s, r, c, None, None) for s in spec["scenarios"] for r, rs in rows.items()
                  for c, cs in spec["columns"].items() if {**cs, **rs}.get("scenario", s) == s]
    def cell_value(scenario: str, row: str, column: str) -> float:
        cell_spec = {**spec["columns"][column], **rows[row]}
        if "mean_of" in cell_spec:
            return float(np.mean([cell_value(scenario, r, column) for r in cell_spec["mean_of"]]))
        outcome = outcomes[scenario]
        if isinstance(outcome, dict):
            key = cell_spec.get("variant", row)        # a column's variant, else the row
            if key not in outcome:
                raise TradewarError(f"scenario {scenario!r} has no scenario for {key!r}")
            outcome = outcome[key]
        return value_of(outcome, cell_spec)

    cells = []
    for scenario, row, column, published, printed in wanted:
        if printed is None and published is not None:
            cell_spec = {**spec["columns"][column], **rows[row]}
            decimals = cell_spec.get("decimals", spec.get("decimals"))
            printed = f"{published:.{decimals}f}" if decimals is not None else str(published)
        cells.append(Cell(scenario, row, column, cell_value(scenario, row, column), published, printed))
    flat = {(f"{k}/{r}" if isinstance(o, dict) else k): x
            for k, o in outcomes.items() for r, x in (o.items() if isinstance(o, dict) else [(None, o)])}
    info = {
        "caption": spec.get("caption", ""),
        "target": str(tdir / spec["target"]) if target is not None else None,
        "seconds": seconds,
        "solver_seconds": sum(o.diagnostics.seconds for o in flat.values()),
        "iterations": {k: o.diagnostics.iterations for k, o in flat.items()},
        "notes": sorted({n for o in flat.values() for n in o.notes}),
    }
    if skipped:
        info["notes"].append(f"{skipped} target cells not reproduced here: {skip.get('reason', 'see the spec')}")
    return cells, info
