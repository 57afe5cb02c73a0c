"""API fuzzing with schemathesis: requests generated from the app's OpenAPI schema (paths, query
parameters, scenario bodies as JSON and TOML, article text) never get a 5xx, and every 422 names
the field at fault. In-process (ASGI), on both stores, bounded and reproducible: a few dozen
examples per operation from a fixed seed (raise EXAMPLES locally to search harder)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from tradewar.service.app import create_app

schemathesis.serializer.alias("application/toml", "text/plain")  # a TOML scenario goes as text
EXAMPLES = 30


def _without_lifespan(app):
    """``app`` for HTTP only: its lifespan (store and job pool) is the fixture's, started once,
    not restarted by the fuzzer for each operation."""

    async def asgi(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await app(scope, receive, send)

    return asgi


def _app(store, data):
    app = create_app(store, data, max_jobs=2, max_pending=4)
    with TestClient(app):
        yield _without_lifespan(app)


@pytest.fixture(scope="module")
def duckdb_app(tmp_path_factory, write_tiny):
    root = tmp_path_factory.mktemp("fuzz")
    yield from _app(str(root / "runs.duckdb"), write_tiny(root / "data"))


@pytest.fixture(scope="module")
def postgres_app(tmp_path_factory, postgres_url_module, write_tiny):
    yield from _app(postgres_url_module, write_tiny(tmp_path_factory.mktemp("fuzz") / "data"))


def _schema():
    """The OpenAPI schema (the same for any store and data directory)."""
    app = create_app(":memory:", None)
    try:
        return schemathesis.openapi.from_dict(app.openapi())
    finally:
        app.state.job_manager.shutdown()
        app.state.store.close()


schema = _schema()
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def check(case, app) -> None:
    r = case.call(app=app)
    assert r.status_code < 500, f"{case.method} {case.formatted_path} -> {r.status_code}: {r.text[:500]}"
    if r.status_code == 422:
        body = r.json()
        assert body.get("message"), f"422 without a message: {body}"
        assert body.get("field"), f"422 without the field at fault: {body}"


@schema.parametrize()
@FUZZ
def test_no_server_error(case, duckdb_app):
    """Every operation, on the DuckDB store."""
    check(case, duckdb_app)


@schema.include(path_regex="^/(runs|scenarios/run|jobs)").parametrize()
@FUZZ
def test_no_server_error_postgres(case, postgres_app):
    """The operations that read or write the store, on PostgreSQL."""
    check(case, postgres_app)


def test_unstorable_run_is_422_and_stores_nothing(store_url, tiny_data):
    """What fuzzing found on PostgreSQL (NUL in text, 64-bit overflow), where a random body does
    not reach: a NUL in a scenario name solves fine but PostgreSQL cannot keep it; both stores
    refuse it the same way, before writing."""
    body = {"name": "nul\u0000name", "dataset": "tiny",
            "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": 0.1}]}
    with TestClient(create_app(store_url, tiny_data)) as client:
        r = client.post("/scenarios/run", json=body)
        assert r.status_code == 422 and r.json()["field"] == "scenario_name", r.text
        assert "NUL" in r.json()["message"] and client.get("/runs").json() == []
        assert client.get("/runs", params={"offset": 2**63}).json() == []
