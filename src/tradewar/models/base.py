"""The model interface every interface (CLI, runner, strategies) calls, and the model registry.

A model is built on a World with its parameters (``Model(world, **parameters)`` calibrates the
baseline), resolves closed-form rates a scenario may ask for, and solves a Policy into an
Outcome.
"""

from __future__ import annotations

from typing import Protocol

from tradewar.errors import ParameterError, ScenarioError
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

    models = {OneSectorModel.name: OneSectorModel, OssaModel.name: OssaModel, CPModel.name: CPModel}
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
