"""Reproduce published tables: each table is a set of library scenarios plus a map from the
table's rows and columns to regions and metrics of the Outcome. Published values are read
from the target files (``specs/targets`` beside the data directory, or ``TRADEWAR_TARGETS``)
and compared at the precision the paper printed."""

from __future__ import annotations

import json
import os
import time
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

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


def available_tables() -> dict[tuple[str, int], Path]:
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
        raise TradewarError(f"no replication of {paper} table {table}; available: {known}")
    return tomllib.loads(tables[(paper, table)].read_text())


def value_of(outcome: Outcome, spec: dict) -> float:
    """A cell's value: ``metric`` of ``region`` (a country, a group, or "all" less ``exclude``)."""
    region = spec["region"]
    countries = list(outcome.countries.index)
    if region in countries:
        value = outcome.countries.loc[region, spec["metric"]]
    else:
        members = countries if region == "all" else list(outcome.groups_def[region])
        members = [c for c in members if c not in spec.get("exclude", [])]
        value = outcome.average(members)[spec["metric"]]
    return float(value) / spec.get("divide_by", 1.0)


def replicate(paper: str, table: int, data: str | os.PathLike | None = None) -> tuple[list[Cell], dict]:
    """Compute every cell of a published table; returns the cells and run information."""
    spec = table_spec(paper, table)
    target = None
    tdir = targets_dir(data)
    if tdir is not None and (tdir / spec["target"]).is_file():
        target = json.loads((tdir / spec["target"]).read_text())
    start = time.perf_counter()
    outcomes = {sid: run(ref, data) for sid, ref in spec["scenarios"].items()}
    seconds = time.perf_counter() - start
    if target is not None:
        wanted = [(c["scenario"], c["row"], c["column"], c["value"], c["printed"]) for c in target["cells"]]
    else:
        wanted = [(s, r, c, None, None) for s in spec["scenarios"] for r in spec["rows"]
                  for c, cs in spec["columns"].items() if cs.get("scenario", s) == s]
    cells = []
    for scenario, row, column, published, printed in wanted:
        cell_spec = {**spec["columns"][column], **spec["rows"][row]}
        cells.append(Cell(scenario, row, column, value_of(outcomes[scenario], cell_spec), published, printed))
    info = {
        "caption": spec.get("caption", ""),
        "target": str(tdir / spec["target"]) if target is not None else None,
        "seconds": seconds,
        "solver_seconds": sum(o.diagnostics.seconds for o in outcomes.values()),
        "iterations": {k: o.diagnostics.iterations for k, o in outcomes.items()},
        "notes": sorted({n for o in outcomes.values() for n in o.notes}),
    }
    return cells, info
