"""The results stores (DuckDB file and PostgreSQL, the same tests against both): save, list, get,
compare, delete; transactional saves; persistence."""

from __future__ import annotations

import math
import uuid

import pytest

from tradewar.errors import TradewarError
from tradewar.store import RunNotFound, RunStore, compare_outcomes, open_store
from tradewar.store.postgres import PostgresStore, split_url


def outcome(welfare_usa: float, welfare_chn: float = -1.0) -> dict:
    return {"scenario": "s", "countries": {"USA": {"welfare": welfare_usa, "prices": 1.0},
                                           "CHN": {"welfare": welfare_chn, "prices": None}}}


def save(store, name="s", out=None, **kw) -> str:
    args = {"scenario_name": name, "scenario_toml": f"name = '{name}'\ndataset = 'tiny'\n", "dataset": "tiny",
            "parameters": {"model": "one_sector", "trade_elasticity": 4.0}, "outcome": out or outcome(1.0),
            "diagnostics": {"converged": True, "iterations": 5}, "seconds": 0.25}
    args.update(kw)
    return store.save(**args)


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


def test_protocol(store):
    assert isinstance(store, RunStore)


def test_save_get_list_delete(store):
    a = save(store, "first")
    b = save(store, "second", out=outcome(3.5))
    rec = store.get(a)
    assert rec.scenario_name == "first" and rec.dataset == "tiny"
    assert rec.parameters["trade_elasticity"] == 4.0
    assert rec.outcome["countries"]["USA"]["welfare"] == 1.0
    assert rec.diagnostics == {"converged": True, "iterations": 5}
    assert rec.engine_version and rec.seconds == 0.25
    assert "dataset = 'tiny'" in rec.scenario_toml
    assert {r.id for r in store.list()} == {a, b}
    assert len(store.list(limit=1)) == 1
    store.delete(a)
    assert [r.id for r in store.list()] == [b]
    with pytest.raises(RunNotFound, match="not found"):
        store.get(a)
    with pytest.raises(RunNotFound):
        store.delete(a)


def test_compare(store):
    a = save(store, "a", out=outcome(1.0, -1.0))
    b = save(store, "b", out=outcome(3.5, -2.0))
    c = store.compare(a, b)
    assert c["a"] == a and c["b"] == b
    assert c["countries"]["USA"]["welfare"] == {"a": 1.0, "b": 3.5, "difference": 2.5}
    assert c["countries"]["CHN"]["welfare"]["difference"] == -1.0
    assert c["countries"]["CHN"]["prices"]["difference"] is None  # a missing value
    with pytest.raises(RunNotFound):
        store.compare(a, "nope")


def test_compare_outcomes_different_countries():
    c = compare_outcomes({"countries": {"USA": {"w": 1}, "MEX": {"w": 2}}},
                         {"countries": {"USA": {"w": 4}, "CAN": {"w": 2}}})
    assert c["countries"] == {"USA": {"w": {"a": 1, "b": 4, "difference": 3.0}}}
    assert c["only_in_a"] == ["MEX"] and c["only_in_b"] == ["CAN"]


def test_failed_save_leaves_nothing_not_json(store):
    with pytest.raises(TradewarError, match="outcome"):
        save(store, out={"countries": {"USA": {"welfare": math.nan}}})
    with pytest.raises(TradewarError, match="parameters"):
        save(store, parameters={"x": object()})
    assert store.count() == 0 and store.list() == []


def test_failed_save_inside_transaction_rolls_back(store, monkeypatch):
    fixed = uuid.uuid4()
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    first = save(store, "first")
    with pytest.raises(Exception, match=r"(?i)duplicate|primary key|unique"):
        save(store, "second")  # same id: the insert fails inside the transaction
    assert store.count() == 1 and store.get(first).scenario_name == "first"
    monkeypatch.undo()
    save(store, "third")  # the store is still usable after the rollback
    assert store.count() == 2


def test_reopen_after_close_persists(store_url):
    with open_store(store_url) as s:
        rid = save(s, "kept", out=outcome(2.0))
    with open_store(store_url) as s:
        assert s.get(rid).outcome["countries"]["USA"]["welfare"] == 2.0
        assert [r.scenario_name for r in s.list()] == ["kept"]


def test_round_trip_is_exact(store):
    """Floats, unicode, nesting and key order come back as they went in, on both stores."""
    out = {"countries": {"CÔT": {"welfare": 0.1 + 0.2, "tiny": 5e-324, "big": 1.7976931348623157e308,
                                 "neg": -0.0, "int": 3, "flag": True, "none": None}},
           "notes": ["é", "中国", 'quote " and \\ backslash'], "nested": {"b": [1, {"a": []}], "a": {}}}
    rid = save(store, "naïve ünïcode ✓", out=out, seconds=1e-9)
    rec = store.get(rid)
    assert rec.outcome == out and rec.scenario_name == "naïve ünïcode ✓" and rec.seconds == 1e-9
    assert rec.created.tzinfo is None  # naive UTC on both stores


def test_list_order_and_paging(store):
    ids = [save(store, f"run-{k}") for k in range(5)]
    listed = [r.id for r in store.list()]
    assert sorted(listed) == sorted(ids) and listed[0] == ids[-1]  # newest first
    assert [r.id for r in store.list(limit=2, offset=1)] == listed[1:3]
    assert store.list(limit=10, offset=5) == []


def test_nul_character_refused_before_writing(store):
    with pytest.raises(TradewarError, match="scenario_name: contains a NUL"):
        save(store, "bad\x00name")
    with pytest.raises(TradewarError, match="outcome: contains a NUL"):
        save(store, out={"countries": {"USA": {"note": "a\x00b"}}})
    assert save(store, out={"countries": {"USA": {"note": "a\\u0000b"}}})  # backslash + "u0000" is fine
    assert save(store, scenario_toml='{"name": "a\\u0000b"}')  # raw JSON text keeps its escapes
    assert store.count() == 2
    with pytest.raises(TradewarError) as err:
        save(store, dataset="x\x00")
    assert err.value.field == "dataset"


def test_two_stores_on_one_url_see_each_other(store_url):
    """Two processes' stores on the same PostgreSQL schema (or one store reopened) share the runs."""
    with open_store(store_url) as first:
        rid = save(first, "shared")
        if store_url.startswith("postgresql"):
            with open_store(store_url) as second:
                assert second.get(rid).scenario_name == "shared"
                second.delete(rid)
            with pytest.raises(RunNotFound):
                first.get(rid)


def test_open_store_refuses_missing_dir(tmp_path):
    with pytest.raises(TradewarError, match="does not exist"):
        open_store(tmp_path / "nope" / "runs.duckdb")


def test_postgres_unreachable_is_a_clear_error():
    with pytest.raises(TradewarError, match=r"store postgresql://127.0.0.1:1/db: cannot connect to PostgreSQL"):
        PostgresStore("postgresql://user:secret@127.0.0.1:1/db", connect_timeout=1)


def test_postgres_url_schema():
    conninfo, schema, label = split_url("postgresql://u:pw@db.example:5433/runs?sslmode=require&schema=team_a")
    assert (schema, label) == ("team_a", "postgresql://db.example:5433/runs")
    assert conninfo == "postgresql://u:pw@db.example:5433/runs?sslmode=require"
    with pytest.raises(TradewarError, match="schema 'a;drop table runs' is not a plain SQL name"):
        split_url("postgresql://u@h/db?schema=a;drop table runs")
    assert "pw" not in label


def test_paging_bounds(store):
    rid = save(store)
    assert store.list(limit=2**70, offset=0)[0].id == rid
    assert store.list(limit=1, offset=2**63) == []
    with pytest.raises(TradewarError, match="offset = -1: must not be negative"):
        store.list(offset=-1)


def test_unknown_ids_are_not_found(store):
    for rid in ("", "nope", "a\x00b", "' OR 1=1 --", "é" * 300):
        with pytest.raises(RunNotFound):
            store.get(rid)
        with pytest.raises(RunNotFound):
            store.delete(rid)
