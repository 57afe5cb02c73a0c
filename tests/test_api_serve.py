"""`tradewar serve` binding rules, and many concurrent runs all stored."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from fastapi.testclient import TestClient

from tradewar.errors import TradewarError
from tradewar.service.app import create_app
from tradewar.service.cli import check_bind, is_loopback


@pytest.mark.parametrize("host, loop", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                        ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                        ("example.com", False), ("::", False)])
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop


def test_non_loopback_needs_token():
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "t")
    with pytest.raises(TradewarError, match="needs --token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(TradewarError):
        check_bind("10.0.0.1", "")


def test_serve_command_refuses_public_host_without_token(monkeypatch):
    from typer.testing import CliRunner

    from tradewar.cli import app

    monkeypatch.delenv("TRADEWAR_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and isinstance(result.exception, TradewarError)


def test_twenty_concurrent_runs_all_stored(tmp_path, tiny_data, store_url):
    app = create_app(store_url, tiny_data, max_jobs=20)
    with TestClient(app) as client:
        def post(k):
            body = {"name": f"run-{k}", "dataset": "tiny",
                    "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": 0.01 * (k + 1)}]}
            return client.post("/scenarios/run", json=body)

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(post, range(20)))
        assert [r.status_code for r in responses] == [200] * 20
        ids = {r.json()["id"] for r in responses}
        listed = client.get("/runs").json()
        assert {r["id"] for r in listed} == ids
        assert {r["scenario_name"] for r in listed} == {f"run-{k}" for k in range(20)}
        # each stored outcome is the one of its own scenario
        for r in responses:
            stored = client.get(f"/runs/{r.json()['id']}").json()
            assert stored["outcome"] == r.json()["outcome"]
