"""The embedded default store: one DuckDB file, no set-up."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

from tradewar.errors import TradewarError
from tradewar.store.base import RunRecord, RunSummary, compare_outcomes

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    created TIMESTAMP NOT NULL,
    scenario_name VARCHAR NOT NULL,
    scenario_toml VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    engine_version VARCHAR NOT NULL,
    parameters JSON NOT NULL,
    outcome JSON NOT NULL,
    diagnostics JSON NOT NULL,
    seconds DOUBLE NOT NULL
)
"""
_COLUMNS = ("id, created, scenario_name, scenario_toml, dataset, engine_version, parameters, "
            "outcome, diagnostics, seconds")


class RunNotFound(TradewarError):
    """No run has this id."""

    def __init__(self, run_id: str):
        self.field, self.run_id = "id", run_id
        super().__init__(f"run {run_id!r}: not found")


def _engine_version() -> str:
    from tradewar import __version__

    return __version__


def _dumps(value, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise TradewarError(f"run {what}: cannot be stored as JSON ({exc})") from None


class DuckDBStore:
    """Runs in a DuckDB file (``":memory:"`` for a throw-away store). Thread-safe: one
    connection, serialised by a lock; every save is one transaction."""

    def __init__(self, path: str | Path = "runs.duckdb"):
        import duckdb

        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.exists():
                raise TradewarError(f"store {self.path}: directory {parent} does not exist")
        self._lock = threading.Lock()
        self._con = duckdb.connect(self.path)
        with self._lock:
            self._con.execute(SCHEMA)

    # ------------------------------------------------------------------ writing
    def save(self, *, scenario_name: str, scenario_toml: str, dataset: str, parameters: dict,
             outcome: dict, diagnostics: dict, seconds: float,
             engine_version: str | None = None) -> str:
        run_id = uuid.uuid4().hex
        row = (run_id, datetime.now(timezone.utc).replace(tzinfo=None), str(scenario_name), str(scenario_toml),
               str(dataset), engine_version or _engine_version(), _dumps(parameters, "parameters"),
               _dumps(outcome, "outcome"), _dumps(diagnostics, "diagnostics"), float(seconds))
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                self._con.execute(f"INSERT INTO runs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return run_id

    def delete(self, run_id: str) -> None:
        with self._lock:
            found = self._con.execute("DELETE FROM runs WHERE id = ? RETURNING id", (run_id,)).fetchall()
        if not found:
            raise RunNotFound(run_id)

    # ------------------------------------------------------------------ reading
    def list(self, limit: int = 100, offset: int = 0) -> list[RunSummary]:
        with self._lock:
            rows = self._con.execute(
                "SELECT id, created, scenario_name, dataset, engine_version, seconds FROM runs "
                "ORDER BY created DESC, id LIMIT ? OFFSET ?", (int(limit), int(offset))).fetchall()
        return [RunSummary(*r) for r in rows]

    def count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM runs").fetchone()[0]

    def get(self, run_id: str) -> RunRecord:
        with self._lock:
            row = self._con.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFound(run_id)
        (rid, created, name, toml, dataset, version, params, outcome, diag, seconds) = row
        return RunRecord(rid, created, name, toml, dataset, version, json.loads(params),
                         json.loads(outcome), json.loads(diag), seconds)

    def compare(self, a: str, b: str) -> dict:
        ra, rb = self.get(a), self.get(b)
        return {"a": ra.id, "b": rb.id, "scenario_a": ra.scenario_name, "scenario_b": rb.scenario_name,
                **compare_outcomes(ra.outcome, rb.outcome)}

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_store(url: str | Path | None = None) -> DuckDBStore:
    """A store for ``url``: a DuckDB file path (default ``runs.duckdb``) or ``:memory:``.
    PostgreSQL URLs are not supported yet."""
    url = "runs.duckdb" if url is None else str(url)
    if url.startswith(("postgres://", "postgresql://")):
        raise TradewarError(f"store {url.split('@')[-1]!r}: PostgreSQL is not supported yet; use a DuckDB file")
    return DuckDBStore(url)


def save_outcome(store, scenario, outcome, seconds: float, scenario_toml: str = "") -> str:
    """Save a run of ``scenario`` (a :class:`~tradewar.scenario.Scenario`) with its ``outcome``."""
    d = outcome.to_dict()
    toml = scenario_toml or scenario.model_dump_json()
    return store.save(scenario_name=scenario.name, scenario_toml=toml, dataset=scenario.dataset,
                      parameters={"model": scenario.model.name, **d.get("parameters", {})},
                      outcome=d, diagnostics=d.get("diagnostics", {}), seconds=seconds)
