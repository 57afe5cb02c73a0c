"""The structural gravity model (gegravity's ``OneSectorGE``) behind the common model interface.

Parameters (``[model]``, name ``structural_gravity``):

* ``sigma``: elasticity of substitution σ > 1;
* ``reference_importer``: the country whose inward resistance is 1 (the normalisation);
* ``cost_coefficients``: ``{ <cost variable> = β, … }``, the effects of the dataset's gravity cost
  variables (``World.extras["cost_variables"]``) on ``t^(1−σ)``; or ``"ppml"`` (the default) to
  estimate them here by PPML with exporter and importer fixed effects on the dataset's flows
  (:mod:`tradewar.models.structural_gravity_ppml`, all the dataset's cost variables).

The experiment is a ``[[trade_costs]]`` measure; tariffs are not part of this model. Reported
per country: ``real_gdp`` (Y/P), ``welfare`` (E/P; equal to real GDP here as E = φY),
``factory_gate_price``, ``prices`` (inward resistance P), ``outward_resistance`` (Π),
``foreign_exports`` and ``foreign_imports`` (model trade with other countries), all percent
changes. Bilateral flows: observed flows times the change of model trade.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from tradewar.errors import DataError, ParameterError, ScenarioError
from tradewar.models import structural_gravity as eq
from tradewar.models.base import ModelBase
from tradewar.outcome import Outcome, bilateral_dataset
from tradewar.policy import Policy
from tradewar.trade_costs import COST_VARIABLES, baseline_cost_variables
from tradewar.world import World


def pct(hat):
    return 100.0 * (hat - 1.0)


_PPML: "weakref.WeakKeyDictionary[World, object]" = weakref.WeakKeyDictionary()


def _ppml_of(world: World, variables):
    """The PPML estimate on a world's flows, once per world (Monte Carlo builds the model once
    per draw; the estimate does not depend on the drawn parameters)."""
    if world not in _PPML:
        from tradewar.models.structural_gravity_ppml import ppml

        _PPML[world] = ppml(world.flows[:, :, 0], variables, dataset=world.name)
    return _PPML[world]


class StructuralGravityModel(ModelBase):
    """One-sector structural gravity with multilateral resistances and factory-gate prices."""

    name = "structural_gravity"
    takes_trade_costs = True
    takes_tariffs = False       # tariff measures are refused when the scenario is resolved
    headline = ("welfare", "real_gdp", "factory_gate_price", "prices", "outward_resistance", "foreign_exports",
                "foreign_imports")
    headline_digits = 3
    mc_headline = ("welfare", "prices", "real_gdp", "factory_gate_price")

    def __init__(self, world: World, sigma=None, reference_importer=None, cost_coefficients="ppml", **unknown):
        self.refuse_unknown(unknown, ("cost_coefficients", "reference_importer", "sigma"))
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not (np.isfinite(sigma) and sigma > 1):
            raise ParameterError("model.sigma", sigma, "the elasticity of substitution must be a number > 1")
        if not isinstance(reference_importer, str) or reference_importer not in world.iso3:
            raise ParameterError("model.reference_importer", reference_importer,
                                 f"must be a country of dataset {world.name!r} (e.g. {world.iso3[0]!r})")
        if len(world.sectors) != 1:
            raise DataError(world.name, "sectors", f"structural_gravity is a one-sector model; the dataset has "
                                                   f"{len(world.sectors)} sectors")
        self.world = world
        self.sigma = float(sigma)
        self.reference_importer = reference_importer
        self.variables = baseline_cost_variables(world)
        if not self.variables:
            raise DataError(world.name, f"extras.{COST_VARIABLES}",
                            "structural_gravity needs the dataset's bilateral cost variables (none found)")
        self.coefficients = self._coefficients(cost_coefficients)
        countries = world.countries
        self.output = world.gdp
        if "expenditure" in countries.columns:
            self.expenditure = world.country_column("expenditure").to_numpy(float)
        else:
            self.expenditure = world.flows.sum(axis=(0, 2))
        T = eq.cost_matrix(self.variables, self.coefficients)
        self.baseline = eq.calibrate(self.output, self.expenditure, T, self.sigma, world.index_of(reference_importer))

    def _coefficients(self, value) -> dict[str, float]:
        if value == "ppml":
            self.ppml = _ppml_of(self.world, self.variables)
            return {k: float(v) for k, v in self.ppml.coefficients.items()}
        if not isinstance(value, dict) or not value:
            raise ParameterError("model.cost_coefficients", value,
                                 "must be \"ppml\" or a table { <cost variable> = <coefficient>, … }")
        out = {}
        for name, beta in value.items():
            if name == "constant":          # rescales Π only: no effect on any result
                continue
            if name not in self.variables:
                raise ParameterError(f"model.cost_coefficients.{name}", beta,
                                     f"dataset {self.world.name!r} has no cost variable {name!r}; "
                                     f"available: {sorted(self.variables)}")
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not np.isfinite(beta):
                raise ParameterError(f"model.cost_coefficients.{name}", beta, "must be a finite number")
            out[name] = float(beta)
        self.ppml = None
        return out

    # ---------------------------------------------------------------- solving
    def cost_matrix(self, policy: Policy, scenario: str = "") -> np.ndarray:
        """``t'^(1−σ)`` [exporter, importer] under ``policy``."""
        if np.any(policy.tariffs != self.world.tariffs):
            raise ScenarioError(scenario or "<scenario>", "tariffs",
                                "model 'structural_gravity' has no tariffs: express the experiment as "
                                "[[trade_costs]] (cost variables or iceberg changes)")
        tc = policy.trade_costs
        if tc is None:
            return self.baseline.T
        T = eq.cost_matrix(tc.cost_variables(self.variables), self.coefficients)
        return T * tc.iceberg[:, :, 0] ** (1.0 - self.sigma)

    def equilibrium(self, policy: Policy, x0=None, scenario: str = "") -> eq.Counterfactual:
        return eq.counterfactual(self.baseline, self.cost_matrix(policy, scenario), x0=x0)

    def solve(self, policy: Policy, scenario: str = "") -> Outcome:
        return self.report(policy, self.equilibrium(policy, scenario=scenario), scenario)

    def solve_countries(self, policy: Policy, x0=None, scenario: str = ""):
        """:meth:`solve`'s per-country table and weights, warm-started from ``x0`` (a neighbouring
        Monte Carlo draw's solution: the resistances do not depend on σ, so a σ draw restarts at
        the solution; :func:`~tradewar.models.structural_gravity.counterfactual` falls back to
        continuation); the solution's x."""
        cf = self.equilibrium(policy, x0=x0, scenario=scenario)
        return self.countries_table(cf), self.baseline.E, cf.x

    @property
    def parameters(self) -> dict:
        return {"sigma": self.sigma, "reference_importer": self.reference_importer,
                **{f"cost_coefficients.{k}": v for k, v in self.coefficients.items()}}

    def countries_table(self, cf: eq.Counterfactual) -> pd.DataFrame:
        """Per-country percent changes of a solved counterfactual ``cf``."""
        X0, X1 = self.baseline.fitted_trade, cf.trade
        off = ~np.eye(len(X0), dtype=bool)
        return pd.DataFrame({
            "welfare": pct(cf.real_gdp),
            "real_gdp": pct(cf.real_gdp),
            "factory_gate_price": pct(cf.price),
            "prices": pct(cf.imr),
            "outward_resistance": pct(cf.omr),
            "foreign_exports": pct((X1 * off).sum(axis=1) / (X0 * off).sum(axis=1)),
            "foreign_imports": pct((X1 * off).sum(axis=0) / (X0 * off).sum(axis=0)),
        }, index=pd.Index(list(self.world.iso3), name="iso3"))

    def report(self, policy: Policy, cf: eq.Counterfactual, scenario: str = "") -> Outcome:
        """The Outcome of a solved counterfactual ``cf`` of ``policy``."""
        b = self.baseline
        X0, X1 = b.fitted_trade, cf.trade
        off = ~np.eye(len(b.Y), dtype=bool)
        codes = list(self.world.iso3)
        table = self.countries_table(cf)
        weights = pd.Series(b.E, index=table.index, name="baseline expenditure")
        world = {"welfare": np.nan,                      # the weighted mean of table["welfare"] (_outcome)
                 "foreign_trade": float(pct(X1[off].sum() / X0[off].sum()))}
        observed = np.asarray(self.world.flows[:, :, 0])
        notes = tuple(policy.notes) + (
            f"σ = {self.sigma:g}, reference importer {self.reference_importer} (P = 1); cost coefficients "
            + ", ".join(f"{k} {v:+.7g}" for k, v in self.coefficients.items())
            + (" (PPML, exporter and importer fixed effects)" if self.ppml is not None else ""),)
        return self._outcome(policy, scenario, table, weights, world,
                             bilateral_dataset(codes, observed, observed * (X1 / X0)), cf.diagnostics, notes)
