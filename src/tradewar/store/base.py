"""The store protocol, its records and the comparison of two stored outcomes."""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from tradewar.errors import TradewarError


class RunNotFound(TradewarError):
    """No run has this id."""

    def __init__(self, run_id: str):
        self.field, self.run_id = "id", run_id
        super().__init__(f"run {run_id!r}: not found")


def current_version() -> str:
    from tradewar import __version__

    return __version__


class StoreUnavailable(Exception):
    """The store cannot be reached now (its server is down or saturated): retry later. Not a
    :class:`TradewarError`, since the request was not at fault."""


class Unstorable(TradewarError):
    """A run's field cannot be stored (not JSON, NaN, a NUL character); nothing was written."""

    def __init__(self, field: str, problem: str):
        self.field = field
        super().__init__(f"run {field}: {problem}")


def dumps(value, what: str) -> str:
    """``value`` as JSON text (sorted keys, no NaN); :class:`Unstorable` naming ``what`` otherwise."""
    try:
        return json.dumps(value, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise Unstorable(what, f"cannot be stored as JSON ({exc})") from None


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

    def count(self) -> int: ...

    def get(self, run_id: str) -> RunRecord: ...

    def compare(self, a: str, b: str) -> dict: ...

    def delete(self, run_id: str) -> None: ...

    def close(self) -> None: ...


_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL in JSON text, not an escaped backslash + "u0000"
COLUMNS = ("id", "created", "scenario_name", "scenario_toml", "dataset", "engine_version", "parameters",
           "outcome", "diagnostics", "seconds")
_JSON = ("parameters", "outcome", "diagnostics")


class StoreMixin:
    """What every store does the same way on top of its own ``_insert_row`` (one row in
    :data:`COLUMNS` order, in one transaction), ``get`` and ``close``: save a run, compare two
    runs, and the context-manager protocol."""

    def save(self, *, scenario_name: str, scenario_toml: str, dataset: str, parameters: dict,
             outcome: dict, diagnostics: dict, seconds: float,
             engine_version: str | None = None) -> str:
        """Store a run (checked in full before the transaction starts); returns its id."""
        row = new_row(scenario_name=scenario_name, scenario_toml=scenario_toml, dataset=dataset,
                      parameters=parameters, outcome=outcome, diagnostics=diagnostics, seconds=seconds,
                      engine_version=engine_version)
        self._insert_row(row)
        return row[0]

    def compare(self, a: str, b: str) -> dict:
        return compare_records(self.get(a), self.get(b))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def new_row(*, scenario_name: str, scenario_toml: str, dataset: str, parameters: dict, outcome: dict,
            diagnostics: dict, seconds: float, engine_version: str | None = None) -> tuple:
    """A fresh run's values in :data:`COLUMNS` order (new id, UTC time, JSON text), checked before
    any write so that a run that cannot be stored fails before its transaction starts."""
    row = (uuid.uuid4().hex, datetime.now(UTC).replace(tzinfo=None), str(scenario_name), str(scenario_toml),
           str(dataset), engine_version or current_version(), dumps(parameters, "parameters"),
           dumps(outcome, "outcome"), dumps(diagnostics, "diagnostics"), float(seconds))
    for name, value in zip(COLUMNS, row):
        if isinstance(value, str) and ("\x00" in value or (name in _JSON and _JSON_NUL.search(value))):
            raise Unstorable(name, "contains a NUL character, which PostgreSQL cannot keep")
    return row


_MAX_ROWS = 2**62  # beyond any table; keeps LIMIT/OFFSET inside a 64-bit integer on every backend


def page(limit: int, offset: int) -> tuple[int, int]:
    """``(limit, offset)`` of :meth:`RunStore.list`, checked (not negative) and clamped to 2**62."""
    for name, value in (("limit", limit), ("offset", offset)):
        if int(value) < 0:
            raise TradewarError(f"{name} = {value}: must not be negative")
    return min(int(limit), _MAX_ROWS), min(int(offset), _MAX_ROWS)


def record_from_row(row) -> RunRecord:
    """A :class:`RunRecord` from a row in :data:`COLUMNS` order (JSON as text or already parsed)."""
    *head, params, outcome, diag, seconds = row
    return RunRecord(*head, _loads(params), _loads(outcome), _loads(diag), float(seconds))


def _loads(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def compare_records(ra: RunRecord, rb: RunRecord) -> dict:
    """What :meth:`RunStore.compare` returns for two stored runs."""
    return {"a": ra.id, "b": rb.id, "scenario_a": ra.scenario_name, "scenario_b": rb.scenario_name,
            **compare_outcomes(ra.outcome, rb.outcome)}


def save_run(store, scenario, outcome: dict, parameters: dict, diagnostics: dict, seconds: float,
             scenario_toml: str = "") -> str:
    """Save a run of ``scenario`` (a :class:`~tradewar.scenario.Scenario`): its text (or its JSON
    when no text is given), dataset, model and ``parameters``, ``outcome`` dict, diagnostics."""
    return store.save(scenario_name=scenario.name, scenario_toml=scenario_toml or scenario.model_dump_json(),
                      dataset=scenario.dataset, parameters={"model": scenario.model.name, **parameters},
                      outcome=outcome, diagnostics=diagnostics, seconds=seconds)


def save_outcome(store, scenario, outcome, seconds: float, scenario_toml: str = "") -> str:
    """Save a run of ``scenario`` with its :class:`~tradewar.outcome.Outcome`."""
    d = outcome.to_dict()
    return save_run(store, scenario, d, d.get("parameters", {}), d.get("diagnostics", {}), seconds, scenario_toml)


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
