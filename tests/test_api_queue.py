"""Admission of scenario runs: with ``max_queue`` a run waits for a free slot instead of an
immediate 429; a full queue, or a wait past ``queue_timeout``, is a 429 with Retry-After. And
`tradewar serve` shares the BLAS threads between its concurrent solves."""

from __future__ import annotations

import os
import threading
import time

from fastapi.testclient import TestClient

from tradewar.service.app import create_app

RUN = {"name": "queued", "dataset": "tiny", "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": 0.1}]}


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_queued_run_waits_for_a_slot_and_full_queue_is_429(tmp_path, tiny_data):
    app = create_app(tmp_path / "runs.duckdb", tiny_data, max_jobs=1, max_queue=1, queue_timeout=30)
    with TestClient(app) as client:
        assert app.state.jobs.acquire(blocking=False)  # the only slot is busy
        answers = []
        waiter = threading.Thread(target=lambda: answers.append(client.post("/scenarios/run", json=RUN)))
        waiter.start()
        _wait_for(lambda: app.state.queue.borrowed_tokens == 1)  # queued, not refused
        full = client.post("/scenarios/run", json=RUN)
        assert full.status_code == 429 and full.headers["retry-after"] == "1"
        assert "limit 1, 1 queued" in full.json()["message"]
        rep = client.post("/replicate/ignatenko2025/1")  # the same slots, but a replication never queues
        assert rep.status_code == 429 and rep.headers["retry-after"] == "1"
        assert rep.json() == {"field": None, "message": "too many concurrent runs (limit 1); retry later"}
        assert client.get("/runs").status_code == 200  # reads are served while runs wait
        assert not answers
        app.state.jobs.release()
        waiter.join(30)
        assert answers[0].status_code == 200, answers[0].text
        assert [r["id"] for r in client.get("/runs").json()] == [answers[0].json()["id"]]
        assert app.state.jobs.acquire(blocking=False)  # the slot came back
        app.state.jobs.release()


def test_queue_timeout_is_429(tmp_path, tiny_data):
    app = create_app(tmp_path / "runs.duckdb", tiny_data, max_jobs=1, max_queue=4, queue_timeout=0.2)
    with TestClient(app) as client:
        assert app.state.jobs.acquire(blocking=False)
        start = time.monotonic()
        r = client.post("/scenarios/run", json=RUN)
        assert r.status_code == 429 and time.monotonic() - start >= 0.2
        app.state.jobs.release()
        assert client.post("/scenarios/run", json=RUN).status_code == 200
        assert app.state.queue.borrowed_tokens == 0


def test_serve_shares_blas_threads_between_jobs():
    from threadpoolctl import threadpool_info

    from tradewar.service.cli import share_cores

    limiter = share_cores(os.cpu_count() or 1)
    try:
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
    finally:
        limiter.restore_original_limits()
