"""The model interface every interface (CLI, runner, strategies) calls, and the model registry.

A model is built on a World with its parameters (``Model(world, **parameters)`` calibrates the
baseline), resolves closed-form rates a scenario may ask for, and solves a Policy into an
Outcome.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from tradewar.errors import DataError, ParameterError, ScenarioError
from tradewar.outcome import Outcome
from tradewar.policy import Policy
from tradewar.world import World


class Model(Protocol):
    name: str

    def solve(self, policy: Policy, scenario: str = "") -> Outcome: ...


def model_class(name: str):
    from tradewar.models.cp2015_model import CPModel
    from tradewar.models.one_sector_model import OneSectorModel
    from tradewar.models.ossa2014_model import OssaModel
    from tradewar.models.structural_gravity_model import StructuralGravityModel

    models = {OneSectorModel.name: OneSectorModel, OssaModel.name: OssaModel, CPModel.name: CPModel,
              StructuralGravityModel.name: StructuralGravityModel}
    if name not in models:
        raise ParameterError("model.name", name, f"unknown model; available: {sorted(models)}")
    return models[name]


def build_model(name: str, world: World, parameters: dict, source: str = "") -> Model:
    """Build and calibrate a model; parameter errors name the scenario file and field."""
    cls = model_class(name)
    try:
        return cls(world, **parameters)
    except ParameterError as exc:
        # ParameterError reads "field = value: problem"; keep the problem and the offending value.
        text, head = str(exc), f"{exc.field} = {exc.value!r}: "
        problem = text[len(head):] if text.startswith(head) else text
        raise ScenarioError(source, exc.field, f"{problem} (got {exc.value!r})") from None
    except TypeError as exc:
        raise ScenarioError(source, "model", f"{exc}") from None


def sector_parameter(world: World, value, field: str, lower: float, what: str) -> np.ndarray:
    """A per-sector parameter (e.g. a trade elasticity): one number for every sector, the name
    of a column of the dataset's sector data, or one number per sector (a list in the order of
    the sectors, e.g. a Monte Carlo draw); every value must be finite and > ``lower``."""
    n_s = len(world.sectors)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (np.isfinite(value) and value > lower):
            raise ParameterError(field, value, f"{what} must be a finite number > {lower:g}")
        return np.full(n_s, float(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != n_s or any(isinstance(v, (bool, str)) for v in value):
            raise ParameterError(field, f"{len(value)} values", f"must be {n_s} numbers, one per sector")
        values = np.asarray(value, float)
        bad = {s: float(v) for s, v in zip(world.sectors, values) if not (np.isfinite(v) and v > lower)}
        if bad:
            raise ParameterError(field, bad, f"{what} must be a finite number > {lower:g} in every sector")
        return values
    if not isinstance(value, str):
        raise ParameterError(field, value, f"must be a column of the dataset's sector data or a number > {lower:g}")
    data = world.sector_data
    if data is None or value not in data.columns:
        have = [] if data is None else list(data.columns)
        raise ParameterError(field, value, f"dataset {world.name!r} has no such per-sector column; "
                                           f"available: {have or 'none (give a number)'}")
    values = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    bad = [s for s, v in zip(world.sectors, values) if not (np.isfinite(v) and v > lower)]
    if bad:
        raise DataError(world.name, f"sector_data.{value}", f"{what} must be a number > {lower:g}; not so for {bad[:8]}")
    return values
