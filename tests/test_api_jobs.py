"""Jobs: a run queued, its progress streamed as server-sent events, cancellation, queue limit."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import pytest

from fastapi.testclient import TestClient

from tradewar.service.app import create_app

SCENARIO = {"name": "job-run", "dataset": "tiny",
            "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": 0.2}]}


@pytest.fixture
def data(tiny_data):
    return tiny_data


def events(client, job_id) -> list[dict]:
    with client.stream("GET", f"/jobs/{job_id}/events") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        return [json.loads(line[len("data: "):]) for line in r.iter_lines() if line.startswith("data: ")]


def wait_state(client, job_id, states=("done", "failed", "cancelled"), timeout=10.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        job = client.get(f"/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {job['state']}")


def test_job_runs_streams_and_stores(tmp_path, data):
    with TestClient(create_app(tmp_path / "r.duckdb", data)) as client:
        r = client.post("/jobs", json=SCENARIO)
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        seen = events(client, job_id)
        kinds = [e["event"] for e in seen]
        assert kinds[0] == "queued" and kinds[-1] == "done" and "started" in kinds
        run_id = seen[-1]["run_id"]
        assert client.get(f"/runs/{run_id}").json()["scenario_name"] == "job-run"
        assert client.get(f"/jobs/{job_id}").json()["run_id"] == run_id
        assert [j["id"] for j in client.get("/jobs").json()] == [job_id]


def test_job_bad_input_is_422_before_queueing(tmp_path, data):
    with TestClient(create_app(tmp_path / "r.duckdb", data)) as client:
        r = client.post("/jobs", content="name = 'x'\ndataset = [")
        assert r.status_code == 422 and r.json()["field"] == "TOML"
        bad = {**SCENARIO, "tariffs": [{"importer": "XXX", "exporters": "CHN", "rate": 0.2}]}
        r = client.post("/jobs", json=bad)  # an unknown country is found when the job runs
        job = wait_state(client, r.json()["id"])
        assert job["state"] == "failed" and job["error"]["field"] == "tariffs[0].importer"
        assert client.get("/jobs/nope").status_code == 404
        assert client.get("/runs").json() == []


@pytest.fixture
def slow_run(monkeypatch):
    """tradewar.run.run replaced by one reporting a round every 20 ms for up to 10 s."""
    import sys

    import tradewar.run  # noqa: F401  (the package exports a function of the same name)

    run_module = sys.modules["tradewar.run"]
    started = threading.Event()

    def fake(scenario, data=None, progress=None):
        started.set()
        for k in range(500):
            time.sleep(0.02)
            if progress is not None:
                progress("nash", SimpleNamespace(round=k, max_change=1.0 / (k + 1), seconds=0.02 * k))
        raise AssertionError("not cancelled")

    monkeypatch.setattr(run_module, "run", fake)
    return started


def test_cancel_running_job_stores_nothing(tmp_path, data, slow_run):
    with TestClient(create_app(tmp_path / "r.duckdb", data)) as client:
        job_id = client.post("/jobs", json=SCENARIO).json()["id"]
        assert slow_run.wait(5)
        time.sleep(0.1)
        assert client.delete(f"/jobs/{job_id}").status_code == 200
        job = wait_state(client, job_id)
        assert job["state"] == "cancelled"
        kinds = [e["event"] for e in events(client, job_id)]
        assert "progress" in kinds and kinds[-1] == "cancelled"
        progress = [e for e in client.get(f"/jobs/{job_id}").json()["events"] if e["event"] == "progress"]
        assert progress[0]["label"] == "nash" and progress[0]["round"] == 0
        assert client.get("/runs").json() == []


def test_queue_limit_is_429_and_token_needed(tmp_path, data, slow_run):
    app = create_app(tmp_path / "r.duckdb", data, token="t", max_jobs=1, max_pending=2)
    auth = {"authorization": "Bearer t"}
    with TestClient(app) as client:
        assert client.post("/jobs", json=SCENARIO).status_code == 401
        ids = [client.post("/jobs", json=SCENARIO, headers=auth).json()["id"] for _ in range(2)]
        r = client.post("/jobs", json=SCENARIO, headers=auth)
        assert r.status_code == 429 and "limit 2" in r.json()["message"]
        assert client.delete(f"/jobs/{ids[1]}").status_code == 401
        for job_id in ids:
            assert client.delete(f"/jobs/{job_id}", headers=auth).status_code == 200
        assert [wait_state(client, j)["state"] for j in ids] == ["cancelled", "cancelled"]


MC_SCENARIO = {**SCENARIO, "name": "job-mc",
               "uncertainty": {"trade_elasticity": {"dist": "normal", "mean": 4.0, "sd": 0.8, "low": 2.0, "high": 8.0}}}


def test_monte_carlo_job_streams_draws_and_stores_medians_and_bands(tmp_path, data):
    from tradewar.montecarlo import run_mc
    from tradewar.scenario import Scenario

    with TestClient(create_app(tmp_path / "r.duckdb", data)) as client:
        r = client.post("/jobs?draws=40&seed=7", json=MC_SCENARIO)
        assert r.status_code == 202, r.text
        seen = events(client, r.json()["id"])
        assert seen[-1]["event"] == "done", seen[-1]
        done = [e["done"] for e in seen if e["event"] == "progress"]
        assert done == sorted(done) and done[-1] == 40 and all(e["total"] == 40 for e in seen if "total" in e)
        stored = client.get(f"/runs/{seen[-1]['run_id']}").json()
        out = stored["outcome"]
        assert out["kind"] == "monte_carlo" and out["draws"] == 40 and out["seed"] == 7
        assert stored["parameters"]["monte_carlo"] == {"draws": 40, "seed": 7}
        # the stored medians and bands are those of the same Monte Carlo run in-process
        local = run_mc(Scenario.model_validate(MC_SCENARIO), 40, 7, data=data)
        for (unit, metric), row in local.summary.loc[["USA", "CHN"]].iterrows():
            if row["median"] == row["median"]:            # not NaN
                assert out["countries"][unit][metric] == pytest.approx(row["median"], rel=1e-9, abs=1e-12)
                assert out["bands"][unit][metric] == pytest.approx([row["q05"], row["q95"]], rel=1e-9, abs=1e-12)
        q05, q95 = out["bands"]["USA"]["welfare"]
        assert q05 < out["countries"]["USA"]["welfare"] < q95
        # a Monte Carlo run compares with a plain run like any other
        plain = client.post("/scenarios/run", json=SCENARIO).json()["id"]
        diff = client.get(f"/runs/compare?a={plain}&b={stored['id']}").json()
        assert diff["countries"]["USA"]["welfare"]["difference"] is not None


def test_monte_carlo_job_bad_requests_are_422(tmp_path, data):
    with TestClient(create_app(tmp_path / "r.duckdb", data)) as client:
        r = client.post("/jobs?draws=10", json=SCENARIO)
        assert r.status_code == 422 and r.json()["field"] == "uncertainty"
        assert "no [uncertainty] table: nothing to draw" in r.json()["message"], r.text
        for bad in ("draws=0", "draws=100001", "draws=ten", "draws=5&seed=-1"):
            r = client.post(f"/jobs?{bad}", json=MC_SCENARIO)
            assert r.status_code == 422, bad
            assert r.json()["field"] in ("query.draws", "query.seed"), r.json()
        assert client.get("/runs").json() == []


def test_jobs_share_the_run_slots_with_direct_runs(tmp_path, data):
    """A job waits while every run slot is taken (by direct runs), then runs."""
    with TestClient(create_app(tmp_path / "r.duckdb", data, max_jobs=1)) as client:
        slots = client.app.state.jobs
        assert slots.acquire(blocking=False)              # a direct run holds the only slot
        job_id = client.post("/jobs", json=SCENARIO).json()["id"]
        time.sleep(0.3)
        assert client.get(f"/jobs/{job_id}").json()["state"] != "done"
        assert client.get("/runs").json() == []
        slots.release()
        assert wait_state(client, job_id)["state"] == "done"
