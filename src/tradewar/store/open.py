"""``open_store(url)``: the store a path or URL names."""

from __future__ import annotations

from pathlib import Path

from tradewar.store.base import RunStore

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def open_store(url: str | Path | None = None) -> RunStore:
    """A store for ``url``: a DuckDB file path (default ``runs.duckdb``), ``:memory:``, or a
    PostgreSQL URL ``postgresql://user:password@host:port/db`` (``?schema=NAME`` keeps the runs
    table in that schema, created if missing)."""
    url = "runs.duckdb" if url is None else url
    if isinstance(url, str) and url.startswith(POSTGRES_SCHEMES):
        from tradewar.store.postgres import PostgresStore

        return PostgresStore(url)
    from tradewar.store.duck import DuckDBStore

    return DuckDBStore(url)
