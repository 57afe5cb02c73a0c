"""The store protocol, its records and the comparison of two stored outcomes."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class RunSummary:
    """One row of :meth:`RunStore.list`."""

    id: str
    created: datetime
    scenario_name: str
    dataset: str
    engine_version: str
    seconds: float

    def as_dict(self) -> dict:
        d = asdict(self)
        d["created"] = self.created.isoformat()
        return d


@dataclass(frozen=True)
class RunRecord:
    """A stored run: its inputs, its outcome (``Outcome.to_dict()``) and how it was solved."""

    id: str
    created: datetime
    scenario_name: str
    scenario_toml: str
    dataset: str
    engine_version: str
    parameters: dict
    outcome: dict
    diagnostics: dict
    seconds: float
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["created"] = self.created.isoformat()
        return d


@runtime_checkable
class RunStore(Protocol):
    """Where runs are kept. Saves are transactional: a failed save leaves nothing."""

    def save(self, *, scenario_name: str, scenario_toml: str, dataset: str, parameters: dict,
             outcome: dict, diagnostics: dict, seconds: float,
             engine_version: str | None = None) -> str: ...

    def list(self, limit: int = 100, offset: int = 0) -> list[RunSummary]: ...

    def get(self, run_id: str) -> RunRecord: ...

    def compare(self, a: str, b: str) -> dict: ...

    def delete(self, run_id: str) -> None: ...

    def close(self) -> None: ...


def compare_outcomes(a: dict, b: dict) -> dict:
    """Per-country differences ``b − a`` of every metric both outcomes report.

    Returns ``{"countries": {ISO3: {metric: {"a", "b", "difference"}}}, "only_in_a": [...],
    "only_in_b": [...]}``; a difference is ``None`` when either value is missing."""
    ca, cb = a.get("countries", {}), b.get("countries", {})
    out: dict[str, dict] = {}
    for country in [c for c in ca if c in cb]:
        ra, rb = ca[country], cb[country]
        row = {}
        for metric in [m for m in ra if m in rb]:
            va, vb = ra[metric], rb[metric]
            diff = None
            if _finite(va) and _finite(vb):
                diff = float(vb) - float(va)
            row[metric] = {"a": va, "b": vb, "difference": diff}
        out[country] = row
    return {
        "countries": out,
        "only_in_a": sorted(set(ca) - set(cb)),
        "only_in_b": sorted(set(cb) - set(ca)),
    }


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
