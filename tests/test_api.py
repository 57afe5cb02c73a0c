"""The REST API (tradewar.service.app) with FastAPI's test client, on a tiny 3-country dataset."""

from __future__ import annotations

import pytest

from tradewar.data.registry import data_dir

from fastapi.testclient import TestClient

from tradewar.service.app import create_app

SCENARIO = """name = "tiny-25"
dataset = "tiny"

[[tariffs]]
importer = "USA"
exporters = "CHN"
rate = {rate}
"""
JSON_SCENARIO = {"name": "tiny-json", "dataset": "tiny",
                 "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": 0.1}]}


@pytest.fixture(scope="module")
def data(tmp_path_factory, write_tiny):
    root = write_tiny(tmp_path_factory.mktemp("data"))
    shared = data_dir()
    if shared is not None and (shared / "us_china_2018_2020").is_dir():
        (root / "us_china_2018_2020").symlink_to(shared / "us_china_2018_2020")
    return root


@pytest.fixture
def client(tmp_path, data):
    app = create_app(tmp_path / "runs.duckdb", data)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def secured(tmp_path, data):
    app = create_app(tmp_path / "runs.duckdb", data, token="s3cret")
    with TestClient(app) as c:
        yield c


def run(client, rate=0.25, **kw):
    return client.post("/scenarios/run", content=SCENARIO.format(rate=rate),
                       headers={"content-type": "application/toml", **kw.pop("headers", {})}, **kw)


def test_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/datasets", "/scenarios/validate", "/scenarios/run", "/strategies", "/runs", "/runs/{run_id}",
              "/runs/compare", "/replicate/{paper}/{table}", "/news/read"):
        assert p in paths


def test_datasets(client):
    found = {d["name"]: d for d in client.get("/datasets").json()}
    assert found["tiny"]["available"] is True
    assert "ignatenko2025" in found


def test_strategies(client):
    body = client.get("/strategies").json()
    assert "nash" in body["kinds"] and "mfn" in body["restrictions"]


def test_validate(client):
    r = client.post("/scenarios/validate", content=SCENARIO.format(rate=0.25))
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is True and r.json()["actors"] == ["USA"]


def test_run_store_get_compare_delete(store_url, data):
    with TestClient(create_app(store_url, data)) as client:
        _run_store_get_compare_delete(client)


def _run_store_get_compare_delete(client):
    r = run(client)
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["outcome"]["countries"]["USA"]["welfare"] > 0
    r2 = client.post("/scenarios/run", json=JSON_SCENARIO)
    assert r2.status_code == 200, r2.text
    second = r2.json()["id"]
    listed = client.get("/runs").json()
    assert {x["id"] for x in listed} == {first["id"], second}
    got = client.get(f"/runs/{first['id']}").json()
    assert got["scenario_name"] == "tiny-25" and got["dataset"] == "tiny"
    assert 'rate = 0.25' in got["scenario_toml"]
    assert got["diagnostics"]["converged"] is True
    cmp = client.get("/runs/compare", params={"a": first["id"], "b": second}).json()
    usa = cmp["countries"]["USA"]["welfare"]
    assert usa["difference"] == pytest.approx(usa["b"] - usa["a"]) and usa["difference"] < 0
    assert client.delete(f"/runs/{first['id']}").status_code == 200
    assert client.get(f"/runs/{first['id']}").status_code == 404
    assert client.delete(f"/runs/{first['id']}").status_code == 404
    assert client.get("/runs/compare", params={"a": second}).status_code == 422


@pytest.mark.parametrize("body, headers, field, fragment", [
    ("name = 'x'\ndataset = [", {}, "TOML", "syntax error"),
    (SCENARIO.format(rate=0.25).replace('importer = "USA"', 'importer = "XXX"'), {}, "tariffs[0].importer", "XXX"),
    (SCENARIO.format(rate=0.25).replace('"tiny"', '"../../etc"'), {}, "dataset", "unknown dataset"),
    (SCENARIO.format(rate=99), {}, "tariffs[0].rate", "fraction"),
    ("colour = 1\n" + SCENARIO.format(rate=0.25), {}, "colour", "unknown field"),
    ("{not json", {"content-type": "application/json"}, "body", "not valid JSON"),
    ("[1, 2]", {"content-type": "application/json"}, "body", "must be an object"),
    (b"\xff\xfe\x00", {}, "body", "UTF-8"),
    ("a = " + "[" * 5000 + "]" * 5000, {}, "body", "nested too deeply"),
    ("a = " + "{b=" * 3000 + "1" + "}" * 3000, {}, "body", "nested too deeply"),
])
def test_bad_scenarios_are_422_with_field(client, body, headers, field, fragment):
    for path in ("/scenarios/validate", "/scenarios/run"):
        r = client.post(path, content=body, headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field and fragment in r.json()["message"]
    assert client.get("/runs").json() == []  # nothing stored


def test_oversized_body_is_413(tmp_path, data):
    with TestClient(create_app(tmp_path / "r.duckdb", data, max_body=1000, max_scenario=500)) as c:
        r = c.post("/scenarios/run", content="#" * 2000 + "\n" + SCENARIO.format(rate=0.1))
        assert r.status_code == 413 and "1,000 bytes" in r.json()["message"]
        r = c.post("/scenarios/run", content="#" * 600 + "\n")
        assert r.status_code == 413 and "scenario" in r.json()["message"]
        r = c.post("/news/read", content="word " * 1000)
        assert r.status_code == 413


def test_token_required_on_write_and_run(secured):
    assert run(secured).status_code == 401
    assert run(secured, headers={"authorization": "Bearer wrong"}).status_code == 401
    ok = run(secured, headers={"authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    rid = ok.json()["id"]
    assert secured.delete(f"/runs/{rid}").status_code == 401
    assert secured.post("/replicate/ignatenko2025/1").status_code == 401
    # reading stays open
    assert secured.get(f"/runs/{rid}").status_code == 200
    assert secured.post("/scenarios/validate", content=SCENARIO.format(rate=0.1)).status_code == 200
    assert secured.delete(f"/runs/{rid}", headers={"authorization": "Bearer s3cret"}).status_code == 200


def test_concurrent_job_limit_is_429(client):
    sem = client.app.state.jobs
    held = 0
    while sem.acquire(blocking=False):
        held += 1
    try:
        r = run(client)
        assert r.status_code == 429 and "concurrent" in r.json()["message"]
    finally:
        for _ in range(held):
            sem.release()
    assert run(client).status_code == 200


def test_no_cors(client):
    r = client.options("/runs", headers={"origin": "https://evil.example",
                                         "access-control-request-method": "GET"})
    assert "access-control-allow-origin" not in r.headers
    r = client.get("/runs", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_replicate_unknown_table_is_422(client):
    r = client.post("/replicate/nopaper/1")
    assert r.status_code == 422 and "no replication" in r.json()["message"] and r.json()["field"] == "paper"
    r = client.post("/replicate/ignatenko2025/99")
    assert r.status_code == 422 and r.json()["field"] == "table"
    assert client.post("/replicate/ignatenko2025/x").status_code == 422


def test_replicate_shape(client, monkeypatch):
    import tradewar.replicate as rep

    cell = rep.Cell("s", "USA", "welfare", 1.25, 1.2, "1.2")
    monkeypatch.setattr(rep, "replicate", lambda paper, table, data: ([cell], {"seconds": 0.1, "notes": []}))
    body = client.post("/replicate/ignatenko2025/1").json()
    assert body["cells"][0]["value"] == 1.25 and body["cells"][0]["matches"] in (True, False)


def test_news_read(client, data):
    assert client.post("/news/read", content="").status_code == 422
    assert client.post("/news/read?date=yesterday", content="x").json()["field"] == "date"
    assert (data / "us_china_2018_2020").exists(), "shared US-China data not present (set TRADEWAR_DATA)"
    text = ("WASHINGTON, July 10, 2019. The United States raised tariffs on $200 billion of Chinese goods "
            "to 25 percent in May, and China retaliated with higher tariffs on $60 billion of American goods.")
    r = client.post("/news/read", content=text)
    assert r.status_code == 200, r.text
    assert r.json()["sentences"] >= 1 and r.json()["events"]


def test_overlong_dataset_name_is_a_422_naming_the_field(client):
    body = 'name = "x"\ndataset = "' + "a" * 3000 + '"\n'
    r = client.post("/scenarios/validate", content=body, headers={"content-type": "application/toml"})
    assert r.status_code == 422 and r.json()["field"] == "dataset"


def test_article_to_scenario_reads_the_body_within_the_limits(tmp_path, data):
    with TestClient(create_app(tmp_path / "r.duckdb", data, max_body=1000)) as c:
        r = c.post("/news/scenario", content=b"\xff\xfe not utf-8")
        assert r.status_code == 422 and r.json()["field"] == "body"
        r = c.post("/news/scenario", content=(b"x" * 600 for _ in range(3)))     # chunked: no Content-Length
        assert r.status_code == 413 and r.json()["field"] == "body"
