"""The embedded default store: one DuckDB file, no set-up."""

from __future__ import annotations

import threading
from pathlib import Path

from tradewar.errors import TradewarError
from tradewar.store.base import (
    COLUMNS,
    RunNotFound,
    RunRecord,
    RunSummary,
    StoreMixin,
    page,
    record_from_row,
)

__all__ = ["DuckDBStore"]

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
_COLUMNS = ", ".join(COLUMNS)


class DuckDBStore(StoreMixin):
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
        self._con = duckdb.connect(self.path, config={"threads": 1})  # small rows: no parallel scans needed
        with self._lock:
            self._con.execute(SCHEMA)

    # ------------------------------------------------------------------ writing
    def _insert_row(self, row: tuple) -> None:
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                self._con.execute(f"INSERT INTO runs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise

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
                "ORDER BY created DESC, id LIMIT ? OFFSET ?", page(limit, offset)).fetchall()
        return [RunSummary(*r) for r in rows]

    def count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM runs").fetchone()[0]

    def get(self, run_id: str) -> RunRecord:
        with self._lock:
            row = self._con.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFound(run_id)
        return record_from_row(row)

    def close(self) -> None:
        with self._lock:
            self._con.close()

