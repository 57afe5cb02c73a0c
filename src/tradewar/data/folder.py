"""Dataset folders written by ``tradewar data build``: a manifest and two tables.

A folder ``<name>/`` holds ``world.json`` (name, units, citation, countries and sectors in order,
region codes, groups, the build report and the table ``storage``) and the tables

* ``countries`` (iso3, name, gdp, extra per-country columns) and
* ``flows`` (long: exporter, importer, sector, value, tariff; pairs with zero flow and zero
  tariff left out),

stored either as ``countries.parquet`` and ``flows.parquet`` (``storage = "parquet"``) or as the
two tables of one DuckDB database ``world.duckdb`` (``storage = "duckdb"``), which DuckDB users
can query directly (``duckdb world.duckdb "select * from flows"``).

Writing is atomic: everything is written into a temporary folder beside the target, which is
renamed into place only once complete; on any error the temporary folder is removed and an
existing dataset of the same name is left as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewar.errors import DataError
from tradewar.world import World

FORMAT_VERSION = 1
STORAGES = ("parquet", "duckdb")
LABELS = {"parquet": "Parquet", "duckdb": "DuckDB"}
#: Files of a dataset folder, by storage.
FILES = {"parquet": ("world.json", "countries.parquet", "flows.parquet"), "duckdb": ("world.json", "world.duckdb")}


def _tables(world: World) -> tuple[pd.DataFrame, pd.DataFrame]:
    countries = world.countries.copy()
    countries.index.name = "iso3"
    codes, sectors = np.array(world.iso3), np.array(world.sectors)
    i, j, s = np.nonzero((world.flows != 0) | (world.tariffs != 0))
    flows = pd.DataFrame({"exporter": codes[i], "importer": codes[j], "sector": sectors[s],
                          "value": world.flows[i, j, s], "tariff": world.tariffs[i, j, s]})
    return countries.reset_index(), flows


def _write_duckdb(path: Path, countries: pd.DataFrame, flows: pd.DataFrame) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.register("countries_df", countries)
        con.register("flows_df", flows)
        con.execute("create table countries as select * from countries_df")
        con.execute("create table flows as select * from flows_df")
        con.execute("checkpoint")
    finally:
        con.close()


def storage_of(folder: Path) -> str:
    """The table storage of a dataset folder, from its manifest (``parquet`` if not stated)."""
    try:
        manifest = json.loads((Path(folder) / "world.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return "parquet"
    return str(manifest.get("storage", "parquet")) if isinstance(manifest, dict) else "parquet"


def check_replaceable(name: str, folder: str | Path) -> Path:
    """``folder`` may be written: it does not exist, is empty, or is a dataset folder written
    before (``world.json``). Anything else (a file, ``/tmp``, a home directory) is never replaced."""
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise DataError(name, "--out", f"{folder} exists and is not a folder")
    if folder.is_dir() and not (folder / "world.json").is_file() and any(folder.iterdir()):
        raise DataError(name, "--out", f"{folder} exists and is not a dataset folder (no world.json): "
                                       "give a new or empty folder; an existing folder is replaced only if "
                                       "`tradewar data build` wrote it")
    return folder


def write_world_folder(world: World, folder: str | Path, report: list[str] | None = None,
                       storage: str = "parquet") -> Path:
    """Write a World as a dataset folder, atomically (a temporary folder renamed in place); an
    existing folder only if it is empty or a dataset folder (:func:`check_replaceable`)."""
    if storage not in STORAGES:
        raise DataError(world.name, "output.format", f"must be one of {list(STORAGES)}, not {storage!r}")
    folder = check_replaceable(world.name, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        countries, flows = _tables(world)
        if storage == "duckdb":
            _write_duckdb(tmp / "world.duckdb", countries, flows)
        else:
            countries.to_parquet(tmp / "countries.parquet", index=False)
            flows.to_parquet(tmp / "flows.parquet", index=False)
        manifest: dict[str, Any] = {
            "format": "tradewar-world", "version": FORMAT_VERSION, "storage": storage, "name": world.name,
            "units": world.units, "citation": world.citation, "countries": list(world.iso3),
            "sectors": list(world.sectors), "region_codes": list(world.region_codes),
            "groups": {k: list(v) for k, v in world.groups.items()}, "report": list(report or []),
        }
        (tmp / "world.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _read_tables(name: str, folder: Path, storage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if storage == "parquet":
        return pd.read_parquet(folder / "countries.parquet"), pd.read_parquet(folder / "flows.parquet")
    if storage != "duckdb":
        raise DataError(name, "world.json:storage", f"must be one of {list(STORAGES)}, not {storage!r}")
    import duckdb

    path = folder / "world.duckdb"
    if not path.is_file():
        raise DataError(name, "world.duckdb", f"file not found in {folder}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise DataError(name, "world.duckdb", f"not a readable DuckDB database: {exc}") from None
    try:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        missing = [t for t in ("countries", "flows") if t not in tables]
        if missing:
            raise DataError(name, f"world.duckdb:{missing[0]}", f"missing table(s) {missing}; found {sorted(tables)}")
        return (con.execute("select * from countries").df(), con.execute("select * from flows").df())
    finally:
        con.close()


def read_world_folder(folder: str | Path, name: str | None = None) -> World:
    """Read a dataset folder written by :func:`write_world_folder` (either storage)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "world.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(str(folder), "world.json", "file not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(str(folder), "world.json", f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    name = name or manifest.get("name") or folder.name
    for key in ("countries", "sectors"):
        if key not in manifest:
            raise DataError(name, f"world.json:{key}", "missing")
    storage = str(manifest.get("storage", "parquet"))
    countries, long = _read_tables(name, folder, storage)
    where = "world.duckdb:" if storage == "duckdb" else ""
    ctab = f"{where}countries" if where else "countries.parquet"
    ftab = f"{where}flows" if where else "flows.parquet"
    if "iso3" not in countries.columns:
        raise DataError(name, f"{ctab}:iso3", f"missing column; found {list(countries.columns)}")
    countries = countries.set_index("iso3")
    codes = list(manifest["countries"])
    if sorted(countries.index) != sorted(codes):
        raise DataError(name, f"{ctab}:iso3", "countries differ from world.json")
    countries = countries.loc[codes]
    sectors = [str(s) for s in manifest["sectors"]]
    missing = [c for c in ("exporter", "importer", "sector", "value", "tariff") if c not in long.columns]
    if missing:
        raise DataError(name, f"{ftab}:{missing[0]}", f"missing column(s) {missing}")
    pos = {c: k for k, c in enumerate(codes)}
    spos = {s: k for k, s in enumerate(sectors)}
    for column, table in (("exporter", pos), ("importer", pos), ("sector", spos)):
        unknown = sorted(set(long[column].astype(str)) - set(table))
        if unknown:
            raise DataError(name, f"{ftab}:{column}", f"unknown codes {unknown[:8]}")
    n, S = len(codes), len(sectors)
    flows, tariffs = np.zeros((n, n, S)), np.zeros((n, n, S))
    i = long["exporter"].astype(str).map(pos).to_numpy()
    j = long["importer"].astype(str).map(pos).to_numpy()
    s = long["sector"].astype(str).map(spos).to_numpy()
    flows[i, j, s] = long["value"].to_numpy(float)
    tariffs[i, j, s] = long["tariff"].to_numpy(float)
    return World(name=name, countries=countries, sectors=tuple(sectors), flows=flows, tariffs=tariffs,
                 groups=manifest.get("groups", {}), units=manifest.get("units", "thousand USD"),
                 citation=manifest.get("citation", ""), region_codes=tuple(manifest.get("region_codes", ())))
