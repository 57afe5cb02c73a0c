"""Results store: every run saved with its scenario, dataset, engine version, parameters,
outcome, solver diagnostics and timing; list, get, compare two runs, delete.

``open_store(path)`` gives the embedded DuckDB store (no set-up). A PostgreSQL backend is
planned behind the same :class:`RunStore` protocol.
"""

from tradewar.store.base import RunRecord, RunStore, RunSummary, compare_outcomes
from tradewar.store.duck import DuckDBStore, open_store

__all__ = ["RunRecord", "RunStore", "RunSummary", "DuckDBStore", "open_store", "compare_outcomes"]
