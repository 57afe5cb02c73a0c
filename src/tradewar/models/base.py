"""The model interface every interface (CLI, runner, Monte Carlo, strategies) calls, and the
model registry.

A model is built on a World with its parameters (``Model(world, **parameters)`` calibrates the
baseline), resolves closed-form rates a scenario may ask for, and solves a Policy into an
Outcome. :class:`ModelBase` holds what all models share; :class:`WelfareInterface` turns a
model's own equilibrium and welfare gradient into the welfare interface of the strategies
(:mod:`tradewar.strategy.base`).
"""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np
import pandas as pd

from tradewar.errors import ConvergenceError, DataError, ParameterError, ScenarioError
from tradewar.outcome import Outcome
from tradewar.policy import Policy
from tradewar.world import World

#: The per-country columns a run's table shows for the tariff models (``tradewar run``).
TARIFF_HEADLINE = ("welfare", "real_wage", "employment", "prices", "exports_gdp", "imports_gdp", "deficit",
                   "tariff_revenue_pct")


class ModelBase:
    """What every model shares. A model supplies ``name``, ``world``, ``parameters`` and
    ``solve``; the class attributes name the columns its reports show first."""

    name: str
    world: World
    headline: tuple[str, ...] = TARIFF_HEADLINE       # a run's table (tradewar.render)
    headline_digits: int = 2                           # decimals in that table
    mc_headline: tuple[str, ...] = ("welfare", "real_wage", "employment", "prices")   # a Monte Carlo summary

    @property
    def parameters(self) -> dict:
        raise NotImplementedError

    def solve(self, policy: Policy, scenario: str = "") -> Outcome:
        raise NotImplementedError

    @classmethod
    def refuse_unknown(cls, unknown: dict, known) -> None:
        """A clear error for the first parameter (by name) the model does not know."""
        if unknown:
            key = min(unknown)
            raise ParameterError(f"model.{key}", unknown[key],
                                 f"unknown parameter of model {cls.name!r}; known: {sorted(known)}")

    # ---------------------------------------------------------------- closed forms
    def optimal_tariff(self, country: str, denominator: str = "expenditure") -> float:
        hint = " (use a [[strategy]] of kind 'optimal')" if isinstance(self, WelfareInterface) else ""
        raise ParameterError("tariffs.rate", "optimal", f"model {self.name!r} has no closed-form optimal tariff{hint}")

    def optimal_retaliation(self, target: str) -> float:
        raise ParameterError("retaliation.rule", "optimal",
                             f"model {self.name!r} has no closed-form optimal retaliation rate")

    # ---------------------------------------------------------------- solving
    def solve_countries(self, policy: Policy, x0=None, scenario: str = "") -> tuple[pd.DataFrame, np.ndarray, object]:
        """(per-country table, group weights, solution vector) of ``policy``: what a Monte Carlo
        draw keeps. A model that can warm-start from a neighbouring draw's solution ``x0`` and
        skip the rest of the Outcome overrides this; by default it is :meth:`solve`, cold."""
        outcome = self.solve(policy, scenario=scenario)
        return outcome.countries, outcome.weights.to_numpy(float), None

    def _outcome(self, policy: Policy, scenario: str, table: pd.DataFrame, weights: pd.Series, world: pd.Series,
                 bilateral, diagnostics, notes=None, extras=None) -> Outcome:
        """The Outcome of a solve: ``world["welfare"]`` becomes the ``weights``-weighted mean of
        ``table["welfare"]`` (in place if the model lists it, else last)."""
        world = pd.Series(world, dtype=float)
        world["welfare"] = float((table["welfare"] * weights).sum() / weights.sum())
        return Outcome(
            scenario=scenario, model=self.name, parameters=self.parameters, countries=table,
            weights=weights, world=world, bilateral=bilateral, diagnostics=diagnostics, units=self.world.units,
            groups_def=dict(self.world.groups), notes=tuple(policy.notes if notes is None else notes),
            actors=tuple(policy.actors), extras=dict(extras or {}),
        )


def solve_warm(solve: Callable, start):
    """``solve(start)``, warm-started from a previous solution; a cold ``solve(None)`` if that
    does not converge (a cold start that does not converge is an error)."""
    try:
        return solve(start)
    except ConvergenceError:
        if start is None:
            raise
        return solve(None)


class WelfareInterface:
    """The welfare interface of :mod:`tradewar.strategy.base` for a model that supplies
    ``_solve_from(tariffs, start)`` (the equilibrium at ``tariffs`` from a previous solution, or
    from the model's own starting point when ``start`` is None), ``_welfare_at(solution)`` (Ĝ per country) and
    ``_welfare_vjp(solution, weights)`` ((Ĝ, d(Σ_c ω_c Ĝ_c)/d tariffs), one adjoint solve; ω may
    be a function of Ĝ). Strategies solve long sequences of nearby problems: each solve starts
    from the previous one."""

    vjp_weights_of_welfare = True      # government_welfare_vjp accepts weights as a function of Ĝ
    _last = None                       # the last equilibrium solved (the next warm start)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(self.world.iso3)

    def _warm_solution(self, tariffs: np.ndarray):
        solution = solve_warm(lambda start: self._solve_from(tariffs, start), self._last)
        self._last = solution
        return solution

    def government_welfare(self, tariffs: np.ndarray) -> np.ndarray:
        """Ĝ [country] at ``tariffs`` [exporter, importer, sector] (one equilibrium solve)."""
        return self._welfare_at(self._warm_solution(np.asarray(tariffs, float)))

    def government_welfare_vjp(self, tariffs: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
        """(Ĝ [country], d(Σ_c ω_c Ĝ_c)/dt [exporter, importer, sector]) for country weights ω:
        one equilibrium solve and one adjoint solve, whatever the number of countries weighted."""
        return self._welfare_vjp(self._warm_solution(np.asarray(tariffs, float)), weights)

    def government_welfare_gradient(self, tariffs: np.ndarray, country: int) -> tuple[np.ndarray, np.ndarray]:
        """(Ĝ [country], dĜ_country/dt [exporter, importer, sector]): one solve, one adjoint gradient."""
        weights = np.zeros(len(self.countries))
        weights[int(country)] = 1.0
        return self.government_welfare_vjp(tariffs, weights)

    def nash_wars(self) -> dict:
        """The Nash wars solved on this model (see :mod:`tradewar.strategy.apply`), by key."""
        return self.__dict__.setdefault("_nash_war_cache", {})

    def for_run(self):
        """A copy for one run of strategies: its own warm start (runs of a cached model, also
        concurrent ones, never start from each other's equilibria) and the Nash wars shared
        with this model (a war is a function of its key and the model's baseline)."""
        new = copy.copy(self)
        new._last = None
        new._nash_war_cache = self.nash_wars()
        return new

    def _fresh_copy(self):
        """A copy without the warm start and without the Nash wars (for ``rebased`` models,
        whose welfare is measured from another point)."""
        new = copy.copy(self)
        new._last = None
        new.__dict__.pop("_nash_war_cache", None)
        return new


Model = ModelBase          # the type the interfaces refer to


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


def build_model(name: str, world: World, parameters: dict, source: str = "") -> ModelBase:
    """Build and calibrate a model; parameter errors name the scenario file and field."""
    cls = model_class(name)
    try:
        return cls(world, **parameters)
    except ParameterError as exc:
        raise ScenarioError(source, exc.field, f"{exc.problem} (got {exc.value!r})") from None
    except TypeError as exc:
        raise ScenarioError(source, "model", f"{exc}") from None


def sector_parameter(world: World, value, field: str, lower: float | None, what: str) -> np.ndarray:
    """A per-sector parameter (e.g. a trade elasticity, or the mean of its Monte Carlo draws): one
    number for every sector, the name of a column of the dataset's sector data, or one number
    per sector (a list in the order of the sectors); every value must be finite and > ``lower``
    (None: any finite number). Errors name ``field`` and the value (a bad column: the dataset,
    column and sectors)."""
    n_s = len(world.sectors)
    bound = "a finite number" + ("" if lower is None else f" > {lower:g}")

    def ok(v):
        return np.isfinite(v) & (True if lower is None else v > lower)

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not ok(value):
            raise ParameterError(field, value, f"{what} must be {bound}")
        return np.full(n_s, float(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != n_s or any(isinstance(v, (bool, str)) for v in value):
            raise ParameterError(field, f"{len(value)} values", f"{len(value)} numbers for {n_s} sectors of dataset "
                                 f"{world.name!r}: give one number per sector, in the order {list(world.sectors)[:5]}…")
        values = np.asarray(value, float)
        bad = {s: float(v) for s, v in zip(world.sectors, values) if not ok(v)}
        if bad:
            raise ParameterError(field, bad, f"{what} must be {bound} in every sector")
        return values
    if not isinstance(value, str):
        raise ParameterError(field, value, f"must be a column of the dataset's sector data or {bound}")
    data = world.sector_data
    if data is None or value not in data.columns:
        have = [] if data is None else list(data.columns)
        raise ParameterError(field, value, f"dataset {world.name!r} has no sector-data column {value!r}; "
                                           f"available: {have or 'none (give a number)'}")
    values = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    bad = [s for s, v in zip(world.sectors, values) if not ok(v)]
    if bad:
        raise DataError(world.name, f"sector_data.{value}", f"{what} must be {bound}; not so for {bad[:8]}")
    return values
