"""Shared, generic fixtures: the data directory, registered datasets, synthetic worlds."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest

from tradewar.data.registry import REGISTRY, data_dir
from tradewar.world import World

#: Real ISO3 codes for synthetic worlds (the first is USA, for the default ν calibration).
SYNTHETIC_CODES = ("USA", "CHN", "DEU", "JPN", "MEX", "CAN", "KOR", "BRA", "IND", "FRA", "GBR", "ITA")


def make_world(seed: int, n: int, *, domestic: bool = False, sectors: int = 1,
               name: str = "synthetic") -> World:
    """A random positive world with ``n`` countries (ISO3 codes from :data:`SYNTHETIC_CODES`).

    Off-diagonal flows are uniform on [0.1, 10]; GDPs exceed each country's total trade, so the
    calibrated domestic absorption is positive. With ``domestic`` the diagonal holds domestic
    sales as well.
    """
    rng = np.random.default_rng(seed)
    codes = list(SYNTHETIC_CODES[:n])
    flows = rng.uniform(0.1, 10.0, size=(n, n, sectors))
    trade = flows.sum(axis=2)
    gdp = trade.sum(axis=0) + trade.sum(axis=1) + rng.uniform(5.0, 200.0, size=n)
    for k in range(n):
        flows[k, k, :] = rng.uniform(0.5, 1.0) * gdp[k] / sectors if domestic else 0.0
    countries = pd.DataFrame({"name": codes, "gdp": gdp}, index=pd.Index(codes, name="iso3"))
    return World(name=name, countries=countries, sectors=tuple(f"s{k}" for k in range(sectors)),
                 flows=flows, units="units")


@pytest.fixture(scope="session")
def world_factory():
    """``world_factory(seed, n, domestic=False)``: see :func:`make_world`."""
    return make_world


def _require_dataset(name: str) -> World:
    info = REGISTRY.info(name)
    root = data_dir()
    # A missing dataset fails the run: a skipped replication check would hide a defect.
    assert not info.missing_files(root), f"dataset {name} not available in {root} (set TRADEWAR_DATA)"
    return REGISTRY.load(name)


def write_tiny_dataset(root):
    """Write the 3-country long-format CSV dataset ``tiny`` (USA, CHN, MEX) under the data
    directory ``root``; returns ``root``."""
    tiny = root / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    (tiny / "flows.csv").write_text("exporter,importer,value\nUSA,CHN,10\nCHN,USA,30\nUSA,MEX,5\n"
                                    "MEX,USA,8\nCHN,MEX,3\nMEX,CHN,2\n")
    (tiny / "countries.csv").write_text("iso3,gdp\nUSA,200\nCHN,150\nMEX,60\n")
    return root


@pytest.fixture
def tiny_data(tmp_path):
    """A data directory holding only the 3-country dataset ``tiny``."""
    return write_tiny_dataset(tmp_path / "data")


@pytest.fixture(scope="session")
def write_tiny():
    """:func:`write_tiny_dataset`, for fixtures of a wider scope than ``tiny_data``."""
    return write_tiny_dataset


@pytest.fixture(scope="session")
def require_dataset():
    """``require_dataset(name)``: a registered dataset's World; the run fails when it is missing."""
    return _require_dataset


@pytest.fixture(scope="session")
def ignatenko_world() -> World:
    """The 194-country ``ignatenko2025`` world (the run fails when its data are missing)."""
    return _require_dataset("ignatenko2025")


@pytest.fixture
def write_file(tmp_path):
    """``write_file(name, text_or_bytes)`` -> path of a file written in ``tmp_path``."""

    def write(name: str, content: str | bytes):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


POSTGRES_URL = "postgresql://tradewar:tradewar@127.0.0.1:5432/tradewar_test"


@contextlib.contextmanager
def _postgres_schema():
    import os
    import uuid

    import psycopg

    url = os.environ.get("TRADEWAR_TEST_POSTGRES", POSTGRES_URL)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        psycopg.connect(url, connect_timeout=5).close()
        problem = None
    except psycopg.OperationalError as exc:
        problem = " ".join(str(exc).split())
    if problem:
        pytest.fail(f"PostgreSQL test server {url.split('@')[-1]} not reachable ({problem}); "
                    "run `make services` (or set TRADEWAR_TEST_POSTGRES)", pytrace=False)
    try:
        yield f"{url}{'&' if '?' in url else '?'}schema={schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def postgres_url():
    """A PostgreSQL store URL with a fresh schema (dropped afterwards) on the loopback test
    server ($TRADEWAR_TEST_POSTGRES); the run fails when that server is not reachable."""
    with _postgres_schema() as url:
        yield url


@pytest.fixture(scope="module")
def postgres_url_module():
    """:func:`postgres_url` for a whole test module."""
    with _postgres_schema() as url:
        yield url


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty store's URL: a DuckDB file, then a PostgreSQL schema."""
    if request.param == "duckdb":
        return str(tmp_path / "runs.duckdb")
    return request.getfixturevalue("postgres_url")
