"""The PostgreSQL store: runs in one table of a PostgreSQL database, reached by URL.

``postgresql://user:password@host:port/db?schema=NAME``: the ``schema`` query parameter (not a
libpq one; removed before connecting) keeps the ``runs`` table in that schema, created if
missing; without it the table goes where the connection's ``search_path`` puts it. Every other
query parameter is passed to libpq (``sslmode``, ``connect_timeout``...).
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tradewar.errors import TradewarError
from tradewar.store.base import (
    COLUMNS,
    RunNotFound,
    RunRecord,
    RunSummary,
    StoreUnavailable,
    StoreMixin,
    page,
    record_from_row,
)

_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    id TEXT PRIMARY KEY,
    created TIMESTAMP NOT NULL,
    scenario_name TEXT NOT NULL,
    scenario_toml TEXT NOT NULL,
    dataset TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    parameters JSON NOT NULL,
    outcome JSON NOT NULL,
    diagnostics JSON NOT NULL,
    seconds DOUBLE PRECISION NOT NULL
)
"""
# JSON, not JSONB: JSONB normalises numbers (1e308 comes back an int, -0.0 as 0), JSON keeps the text.
_SETUP_LOCK = 0x7472616465776172  # pg_advisory_xact_lock key ("tradewar"): one schema set-up at a time


def split_url(url: str) -> tuple[str, str | None, str]:
    """``(libpq URL, schema or None, user-free label for messages)`` of a store URL."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    schema = schemas[-1] if schemas else None
    label = f"postgresql://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
    if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
        raise TradewarError(f"store {label}: schema {schema!r} is not a plain SQL name (letters, digits, _)")
    conninfo = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"])))
    return conninfo, schema, label


class PostgresStore(StoreMixin):
    """Runs in PostgreSQL. Thread-safe: a small connection pool; every save is one transaction.

    When the server cannot be reached within ``timeout`` seconds an operation raises
    :class:`StoreUnavailable` and the pool is dropped; the next operation starts a fresh one, so
    the store is back as soon as the server is (a pool left to reconnect by itself backs off
    exponentially, up to minutes)."""

    def __init__(self, url: str, *, pool_size: int = 4, connect_timeout: float = 5.0, timeout: float = 10.0):
        import psycopg
        from psycopg import sql
        conninfo, self.schema, self.label = split_url(url)
        table = sql.Identifier(self.schema, "runs") if self.schema else sql.Identifier("runs")
        try:
            wait = max(1, round(connect_timeout))
            with psycopg.connect(conninfo, connect_timeout=wait, autocommit=True) as con, con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
                if self.schema:
                    con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
                con.execute(sql.SQL(_TABLE).format(table=table))
        except psycopg.OperationalError as exc:
            reason = " ".join(line.strip() for line in str(exc).splitlines()) or exc.__class__.__name__
            raise TradewarError(f"store {self.label}: cannot connect to PostgreSQL ({reason})") from None
        except psycopg.Error as exc:  # e.g. no right to create the schema or the table
            raise TradewarError(f"store {self.label}: cannot create the runs table ({exc})") from None
        cols = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
        self._insert = sql.SQL("INSERT INTO {t} ({c}) VALUES (%s, %s, %s, %s, %s, %s, %s::json, %s::json, "
                               "%s::json, %s)").format(t=table, c=cols)
        self._get = sql.SQL("SELECT {c} FROM {t} WHERE id = %s").format(t=table, c=cols)
        self._list = sql.SQL("SELECT id, created, scenario_name, dataset, engine_version, seconds FROM {t} "
                             "ORDER BY created DESC, id LIMIT %s OFFSET %s").format(t=table)
        self._count = sql.SQL("SELECT count(*) FROM {t}").format(t=table)
        self._delete = sql.SQL("DELETE FROM {t} WHERE id = %s RETURNING id").format(t=table)
        self._conninfo, self._pool_size, self._timeout = conninfo, max(1, pool_size), float(timeout)
        self._lock, self._closed = threading.Lock(), False
        self._pool = self._new_pool()

    def _new_pool(self):
        from psycopg_pool import ConnectionPool

        return ConnectionPool(self._conninfo, min_size=1, max_size=self._pool_size, open=True, timeout=self._timeout,
                              kwargs={"autocommit": True, "connect_timeout": max(1, round(self._timeout))},
                              check=ConnectionPool.check_connection, name="tradewar-store")

    @contextmanager
    def _connection(self):
        """A pooled connection; :class:`StoreUnavailable` when the server cannot be reached in time."""
        import psycopg
        from psycopg_pool import PoolClosed, PoolTimeout

        with self._lock:
            if self._closed:
                raise StoreUnavailable(f"store {self.label}: closed")
            if self._pool is None:
                self._pool = self._new_pool()
            pool = self._pool
        try:
            with pool.connection() as con:
                yield con
        except (PoolTimeout, PoolClosed, psycopg.OperationalError) as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.close(timeout=0)
            reason = " ".join(str(exc).split()) or exc.__class__.__name__
            raise StoreUnavailable(f"store {self.label}: PostgreSQL unavailable ({reason}); retry later") from None

    def _fetch(self, query, params=(), one: bool = False):
        with self._connection() as con:
            cur = con.execute(query, params)
            return cur.fetchone() if one else cur.fetchall()

    # ------------------------------------------------------------------ writing
    def _insert_row(self, row: tuple) -> None:
        with self._connection() as con, con.transaction():
            con.execute(self._insert, row)

    def delete(self, run_id: str) -> None:
        if "\x00" in run_id or not self._fetch(self._delete, (run_id,)):  # PostgreSQL text has no NUL
            raise RunNotFound(run_id)

    # ------------------------------------------------------------------ reading
    def list(self, limit: int = 100, offset: int = 0) -> list[RunSummary]:
        return [RunSummary(*r) for r in self._fetch(self._list, page(limit, offset))]

    def count(self) -> int:
        return self._fetch(self._count, one=True)[0]

    def get(self, run_id: str) -> RunRecord:
        row = None if "\x00" in run_id else self._fetch(self._get, (run_id,), one=True)
        if row is None:
            raise RunNotFound(run_id)
        return record_from_row(row)

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self._closed = self._pool, None, True
        if pool is not None:
            pool.close()

