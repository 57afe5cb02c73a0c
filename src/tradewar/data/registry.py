"""Dataset registry: datasets found by name in a data directory.

The data directory is, in order: the ``data`` argument (CLI ``--data``), the ``TRADEWAR_DATA``
environment variable, or ``../shared/data`` next to the repository (or the working directory)
when it exists. Each registered dataset knows its loader, its files, its public source and how
to cite it.
"""

from __future__ import annotations

import difflib
import os
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

    def info(self, name: str) -> DatasetInfo:
        if name not in self._datasets:
            known = ", ".join(sorted(self._datasets))
            close = difflib.get_close_matches(str(name), list(self._datasets), n=2)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise DataError(name, "dataset", f"unknown dataset; registered datasets: {known}{hint}")
        return self._datasets[name]

    def load(self, name: str, data: str | os.PathLike | None = None) -> World:
        info = self.info(name)
        root = data_dir(data)
        missing = info.missing_files(root)
        if missing:
            where = f"in {info.folder(root)}" if root else "(no data directory: set TRADEWAR_DATA or --data)"
            raise DataError(name, "files", f"missing {', '.join(missing)} {where}. Get it from: {info.source}")
        return _load_cached(name, str(info.folder(root)), _mtime(info, root))


def _mtime(info: DatasetInfo, root: Path) -> float:
    return max((info.folder(root) / f).stat().st_mtime for f in info.files)


@lru_cache(maxsize=16)
def _load_cached(name: str, folder: str, mtime: float) -> World:
    return REGISTRY.info(name).loader(Path(folder))


REGISTRY = Registry()


def load_dataset(name: str, data: str | os.PathLike | None = None) -> World:
    """Load a registered dataset by name as a validated :class:`~tradewar.world.World`."""
    return REGISTRY.load(name, data)


def _register_builtin() -> None:
    from tradewar.data import gegravity, ignatenko2025, ossa2014

    REGISTRY.register(ignatenko2025.INFO)
    REGISTRY.register(gegravity.INFO)
    REGISTRY.register(ossa2014.INFO)


_register_builtin()
