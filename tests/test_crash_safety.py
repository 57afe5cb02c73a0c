"""Crash safety: the server is SIGKILLed while clients are saving runs; after a restart on the
same store every run it reported saved (answered with an id) is there, complete and equal to
what it answered, and no stored run is half-written. On a DuckDB file and on PostgreSQL."""

from __future__ import annotations

import math
import threading
import time

import httpx
import pytest

from tradewar.service.launch import start_server

COUNTRIES = {"USA", "CHN", "MEX"}
CLIENTS = 8
KILL_AFTER = 12  # runs reported saved before the kill; more are in flight when it lands


def scenario(k: int) -> dict:
    return {"name": f"crash-{k}", "dataset": "tiny",
            "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": round(0.001 * (k % 500 + 1), 6)}]}


def complete(outcome: dict) -> bool:
    rows = outcome.get("countries", {})
    return set(rows) == COUNTRIES and all(isinstance(r.get("welfare"), float) and math.isfinite(r["welfare"])
                                          for r in rows.values())


def hammer(url: str, saved: dict, sent: set, lock: threading.Lock, stop: threading.Event, first: int):
    """Post runs until the server goes away; ``saved[id] = (name, outcome)`` for each answered one."""
    k = first
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            body = scenario(k)
            with lock:
                sent.add(body["name"])
            try:
                r = client.post("/scenarios/run", json=body)
            except httpx.TransportError:
                return  # the server died under us: this run was never reported saved
            if r.status_code == 200:
                with lock:
                    saved[r.json()["id"]] = (body["name"], r.json()["outcome"])
            elif r.status_code != 429:
                raise AssertionError(f"{r.status_code}: {r.text}")
            k += CLIENTS


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_sigkill_during_writes_loses_no_reported_run(backend, tmp_path, tiny_data, request):
    store = str(tmp_path / "runs.duckdb") if backend == "duckdb" else request.getfixturevalue("postgres_url")
    log = tmp_path / "serve.log"
    server = start_server(store, tiny_data, log, args=("--max-jobs", "2", "--max-queue", "16"))
    saved: dict[str, tuple[str, dict]] = {}
    sent: set[str] = set()
    lock, stop = threading.Lock(), threading.Event()
    threads = [threading.Thread(target=hammer, args=(server.url, saved, sent, lock, stop, i), daemon=True)
               for i in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(saved) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(saved) >= KILL_AFTER, f"only {len(saved)} runs saved in 30 s; log:\n{log.read_text()[-2000:]}"
        server.kill()  # SIGKILL while the other clients' runs are being solved and written
        stop.set()
        for t in threads:
            t.join(15)
    finally:
        stop.set()
        server.stop()
    with lock:
        reported = dict(saved)
    assert len(sent) > len(reported)  # some runs were in flight when the server died

    server = start_server(store, tiny_data, log)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for run_id, (name, outcome) in reported.items():
                r = client.get(f"/runs/{run_id}")
                assert r.status_code == 200, f"run {run_id} ({name}) reported saved but lost: {r.text}"
                got = r.json()
                assert got["scenario_name"] == name and got["outcome"] == outcome and complete(got["outcome"])
            listed = client.get("/runs", params={"limit": 1000}).json()
            assert {x["id"] for x in listed} >= set(reported)
            for row in listed:  # nothing half-written: every stored run is whole and was sent
                got = client.get(f"/runs/{row['id']}").json()
                assert got["scenario_name"] in sent and complete(got["outcome"]), got
                assert got["diagnostics"]["converged"] is True and got["scenario_toml"]
            # the restarted server still takes runs
            assert client.post("/scenarios/run", json=scenario(10_000)).status_code == 200
    finally:
        server.stop()
