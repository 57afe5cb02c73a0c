"""The results store (DuckDB): save, list, get, compare, delete; transactional saves; persistence."""

from __future__ import annotations

import math
import uuid

import pytest

from tradewar.errors import TradewarError
from tradewar.store import DuckDBStore, RunStore, compare_outcomes, open_store
from tradewar.store.duck import RunNotFound


def outcome(welfare_usa: float, welfare_chn: float = -1.0) -> dict:
    return {"scenario": "s", "countries": {"USA": {"welfare": welfare_usa, "prices": 1.0},
                                           "CHN": {"welfare": welfare_chn, "prices": None}}}


def save(store, name="s", out=None, **kw) -> str:
    args = dict(scenario_name=name, scenario_toml=f"name = '{name}'\ndataset = 'tiny'\n", dataset="tiny",
                parameters={"model": "one_sector", "trade_elasticity": 4.0}, outcome=out or outcome(1.0),
                diagnostics={"converged": True, "iterations": 5}, seconds=0.25)
    args.update(kw)
    return store.save(**args)


@pytest.fixture
def store(tmp_path):
    s = DuckDBStore(tmp_path / "runs.duckdb")
    yield s
    s.close()


def test_protocol():
    s = open_store(":memory:")
    assert isinstance(s, RunStore)
    s.close()


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
    with pytest.raises(Exception):
        save(store, "second")  # same id: the insert fails inside the transaction
    assert store.count() == 1 and store.get(first).scenario_name == "first"
    monkeypatch.undo()
    save(store, "third")  # the store is still usable after the rollback
    assert store.count() == 2


def test_reopen_after_close_persists(tmp_path):
    path = tmp_path / "runs.duckdb"
    with open_store(path) as s:
        rid = save(s, "kept", out=outcome(2.0))
    with open_store(path) as s:
        assert s.get(rid).outcome["countries"]["USA"]["welfare"] == 2.0
        assert [r.scenario_name for r in s.list()] == ["kept"]


def test_open_store_refuses_missing_dir_and_postgres(tmp_path):
    with pytest.raises(TradewarError, match="does not exist"):
        open_store(tmp_path / "nope" / "runs.duckdb")
    with pytest.raises(TradewarError, match="PostgreSQL"):
        open_store("postgresql://user:secret@host/db")
