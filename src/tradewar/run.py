"""Run a scenario: file → Scenario → (World, Model) → Policy → Outcome."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tradewar.data import data_dir, load_dataset
from tradewar.errors import DataError, ScenarioError
from tradewar.models.base import Model, build_model
from tradewar.outcome import Outcome
from tradewar.policy import resolve
from tradewar.scenario import Scenario

LIBRARY = resources.files("tradewar") / "library" / "scenarios"


def library_scenarios() -> dict[str, Path]:
    """Scenario files shipped with the package, by name ``paper/file-stem``."""
    root = Path(str(LIBRARY))
    return {str(p.relative_to(root).with_suffix("")): p for p in sorted(root.rglob("*.toml"))}


def load_scenario(ref: str | os.PathLike | Scenario) -> Scenario:
    """A Scenario from a path or a library name such as ``ignatenko2025/B1_ustr``."""
    if isinstance(ref, Scenario):
        return ref
    path = Path(ref)
    if path.is_file() or path.suffix == ".toml":
        return Scenario.from_toml(path)
    library = library_scenarios()
    if str(ref) in library:
        return Scenario.from_toml(library[str(ref)])
    raise ScenarioError(str(ref), "file", "not found (neither a file nor a library scenario; see `tradewar scenarios`)")


class _Table(tuple):
    """A frozen TOML table: sorted (key, value) pairs."""


def _freeze(v):
    """A hashable stand-in for a TOML value (lists become tuples, tables _Table); see _thaw."""
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return _Table(sorted((k, _freeze(x)) for k, x in v.items()))
    return v


def _thaw(v):
    if isinstance(v, _Table):
        return {k: _thaw(x) for k, x in v}
    if isinstance(v, tuple):
        return [_thaw(x) for x in v]
    return v


def _model_key(scenario: Scenario):
    # Values are kept as they are (not round-tripped through repr, which fails for nan/inf and
    # would hide them from the model's own range checks). The type is part of the key, so
    # `true` and `1` (equal in Python) do not share a cached model.
    params = tuple(sorted((k, type(v).__name__, _freeze(v)) for k, v in scenario.model.parameters().items()))
    return scenario.dataset, scenario.model.name, params


@lru_cache(maxsize=32)
def _cached_model(dataset: str, data: str | None, name: str, params: tuple, source: str) -> Model:
    world = load_dataset(dataset, data)
    parameters = {k: _thaw(v) for k, _, v in params}
    return build_model(name, world, parameters, source)


def model_for(scenario: Scenario, data: str | os.PathLike | None = None) -> Model:
    dataset, name, params = _model_key(scenario)
    try:
        # Resolve the data directory first: the cache is keyed by where the data is, so a
        # changed TRADEWAR_DATA (or a vanished directory) is never answered from the cache.
        root = data_dir(data)
        return _cached_model(dataset, None if root is None else str(root), name, params, scenario.source)
    except DataError as exc:
        if exc.field == "dataset":
            raise ScenarioError(scenario.source, "dataset", f"{exc.problem} (got {dataset!r})") from None
        raise


def run(ref: str | os.PathLike | Scenario, data: str | os.PathLike | None = None,
        progress=None) -> Outcome:
    """Run a scenario (a path, a library name or a Scenario) and return its Outcome.
    ``progress(label, round)`` is called after every round of a strategy (Nash, cooperative)."""
    scenario = load_scenario(ref)
    model = model_for(scenario, data)
    policy = resolve(scenario, model.world, model)
    if scenario.strategy:
        from tradewar.strategy.apply import resolve_strategies

        # a cooperative strategy may re-base the model at its starting point
        policy, model = resolve_strategies(scenario, model, policy, progress)
    if scenario.purchase_commitments:
        from tradewar.measures import apply_purchase_commitments

        policy, _ = apply_purchase_commitments(scenario, model, policy)
    return model.solve(policy, scenario=scenario.name)
