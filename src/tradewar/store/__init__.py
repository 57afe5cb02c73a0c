"""Results store: every run saved with its scenario, dataset, engine version, parameters,
outcome, solver diagnostics and timing; list, get, compare two runs, delete.

``open_store(url)`` gives the embedded DuckDB store for a file path or ``:memory:`` (no
set-up), and the PostgreSQL store for a ``postgresql://`` URL; both follow :class:`RunStore`.
"""

from tradewar.store.base import (
    RunNotFound,
    RunRecord,
    RunStore,
    RunSummary,
    StoreUnavailable,
    compare_outcomes,
)
from tradewar.store.duck import DuckDBStore
from tradewar.store.open import open_store

__all__ = ["DuckDBStore", "RunNotFound", "RunRecord", "RunStore", "RunSummary", "StoreUnavailable", "compare_outcomes",
           "open_store"]
