"""Dataset registry: datasets found by name in a data directory.

The data directory is, in order: the ``data`` argument (CLI ``--data``), the ``TRADEWAR_DATA``
environment variable, or ``../shared/data`` next to the repository (or the working directory)
when it exists. Each registered dataset knows its loader, its files, its public source and how
to cite it.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from tradewar.errors import DataError
from tradewar.world import World


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    files: tuple[str, ...]
    loader: Callable[[Path], World]
    source: str
    citation: str
    licence: str = ""
    #: "world": the loader returns a :class:`World` (``load_dataset``); "events": an event
    #: dataset (e.g. dated tariff actions), whose loader returns a dict of named pandas tables
    #: (``load_event_dataset``). Both are listed by ``tradewar datasets``.
    kind: str = "world"

    def folder(self, root: Path) -> Path:
        return root / self.name

    def missing_files(self, root: Path | None) -> list[str]:
        if root is None:
            return list(self.files)
        return [f for f in self.files if not (self.folder(root) / f).is_file()]


def _default_candidates() -> list[Path]:
    repo = Path(__file__).resolve().parents[3]
    return [repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data", Path.cwd() / "shared" / "data"]


def data_dir(data: str | os.PathLike | None = None) -> Path | None:
    """Resolve the data directory (see module docstring); None if none exists."""
    if data is not None:
        path = Path(data).expanduser()
        if not path.is_dir():
            raise DataError(str(path), "data directory", "does not exist or is not a directory")
        return path.resolve()
    env = os.environ.get("TRADEWAR_DATA")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DataError(env, "TRADEWAR_DATA", "does not exist or is not a directory")
        return path.resolve()
    for candidate in _default_candidates():
        if candidate.is_dir():
            return candidate.resolve()
    return None


class Registry:
    def __init__(self):
        self._datasets: dict[str, DatasetInfo] = {}

    def register(self, info: DatasetInfo) -> None:
        self._datasets[info.name] = info

    def __iter__(self):
        return iter(self._datasets.values())

    def __contains__(self, name: str) -> bool:
        return name in self._datasets

    def _local(self, name: str, root: Path | None) -> DatasetInfo | None:
        """A user's own dataset: a folder ``<data dir>/<name>/`` holding ``flows.csv``
        (exporter, importer, [sector,] value) and ``countries.csv`` (iso3, gdp[, name])."""
        if name in self._datasets or root is None or not _SAFE_NAME.match(str(name)):
            return None
        folder = root / name
        if (folder / "world.json").is_file():  # a folder written by `tradewar data build`
            from tradewar.data.folder import FILES, LABELS, read_world_folder, storage_of

            storage = storage_of(folder)
            return DatasetInfo(name=name, title=f"built dataset (world.json + {LABELS.get(storage, storage)}) in {folder}",
                               files=FILES.get(storage, FILES["parquet"]),
                               loader=lambda f: read_world_folder(f, name=name), source=str(folder), citation="")
        if not ((folder / "flows.csv").is_file() and (folder / "countries.csv").is_file()):
            return None
        from tradewar.data.long_csv import load_long_csv

        return DatasetInfo(name=name, title=f"long-format CSV dataset in {folder}",
                           files=("flows.csv", "countries.csv"),
                           loader=lambda f: load_long_csv(f / "flows.csv", f / "countries.csv", name=name),
                           source=str(folder), citation="")

    def _not_a_dataset(self, name: str, root: Path | None) -> None:
        """A folder ``<data dir>/<name>/`` that is not a dataset (an unregistered name): say which
        files it lacks rather than "unknown dataset"."""
        if name in self._datasets or root is None or not _SAFE_NAME.match(str(name)) or not (root / name).is_dir():
            return None
        missing = [f for f in ("flows.csv", "countries.csv") if not (root / name / f).is_file()]
        raise DataError(name, "files", f"the folder {root / name} is not a dataset: missing {', '.join(missing)} "
                                       "(a CSV dataset needs flows.csv and countries.csv; `tradewar data build` "
                                       "writes world.json)")

    def local_datasets(self, root: Path | None) -> list[DatasetInfo]:
        if root is None:
            return []
        found = (self._local(p.name, root) for p in sorted(root.iterdir()) if p.is_dir())
        return [info for info in found if info is not None]

    def info(self, name: str) -> DatasetInfo:
        if name not in self._datasets:
            known = ", ".join(sorted(self._datasets))
            close = difflib.get_close_matches(str(name), list(self._datasets), n=2)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise DataError(name, "dataset", f"unknown dataset; registered datasets: {known}{hint}")
        return self._datasets[name]

    def load(self, name: str, data: str | os.PathLike | None = None, kind: str = "world") -> World:
        root = data_dir(data)
        info = self._local(name, root) or self._not_a_dataset(name, root) or self.info(name)
        if info.kind != kind:
            use = "load_event_dataset" if info.kind == "events" else "load_dataset"
            raise DataError(name, "dataset", f"is a dataset of kind {info.kind!r}, not {kind!r}; use {use}")
        missing = info.missing_files(root)
        if missing:
            where = f"in {info.folder(root)}" if root else "(no data directory: set TRADEWAR_DATA or --data)"
            raise DataError(name, "files", f"missing {', '.join(missing)} {where}. Get it from: {info.source}")
        return _load_cached(name, str(info.folder(root)), _mtime(info, root))


def _mtime(info: DatasetInfo, root: Path) -> float:
    return max((info.folder(root) / f).stat().st_mtime for f in info.files)


@lru_cache(maxsize=16)
def _load_cached(name: str, folder: str, mtime: float) -> World:
    info = REGISTRY._local(name, Path(folder).parent) or REGISTRY.info(name)
    return info.loader(Path(folder))


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")  # a dataset name never leaves the data dir (≤ 100 characters)
REGISTRY = Registry()


def valid_name(name) -> bool:
    """Whether ``name`` can name a dataset folder inside the data directory (no path tricks)."""
    return isinstance(name, str) and bool(_SAFE_NAME.match(name))


def load_dataset(name: str, data: str | os.PathLike | None = None) -> World:
    """Load a registered dataset by name as a validated :class:`~tradewar.world.World`."""
    return REGISTRY.load(name, data)


def load_event_dataset(name: str, data: str | os.PathLike | None = None) -> dict:
    """Load a registered event dataset (``kind = "events"``): a dict of named pandas tables."""
    return REGISTRY.load(name, data, kind="events")


def _register_builtin() -> None:
    from tradewar.data import gegravity, ignatenko2025, ossa2014

    REGISTRY.register(ignatenko2025.INFO)
    REGISTRY.register(gegravity.INFO)
    REGISTRY.register(ossa2014.INFO)
    from tradewar.data import cp2015

    REGISTRY.register(cp2015.INFO)
    from tradewar.war import data as war_data

    REGISTRY.register(war_data.INFO)


_register_builtin()
