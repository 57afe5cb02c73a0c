"""The one-sector model of Ignatenko et al. (2025) behind the common model interface:
calibration, closed-form rates, deficit closures, and the reported results (A.2 columns 1–7)."""

from __future__ import annotations

from dataclasses import asdict, fields

import numpy as np
import pandas as pd

from tradewar.errors import ConvergenceError, DataError, ParameterError
from tradewar.models import one_sector as eq
from tradewar.models.base import ModelBase, WelfareInterface, solve_warm
from tradewar.outcome import Outcome, bilateral_dataset
from tradewar.policy import Policy
from tradewar.world import World


def _pair(field: str, value) -> tuple[float, float]:
    """Two numbers (e.g. the ν calibration targets), as a tuple."""
    try:
        pair = tuple(float(v) for v in value if not isinstance(v, (bool, str)))
        ok = len(pair) == 2 == len(value) and all(np.isfinite(pair))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(field, value, "must be two finite numbers, e.g. [0.12, 0.26]")
    return pair


class OneSectorModel(WelfareInterface, ModelBase):
    """One sector, labour supply, deficits and tariff revenue (Ignatenko et al. 2025)."""

    name = "one_sector"

    def __init__(self, world: World, **parameters):
        allowed = {f.name for f in fields(eq.OneSectorParams)}
        self.refuse_unknown({k: v for k, v in parameters.items() if k not in allowed}, allowed)
        parameters = dict(parameters)
        for key, value in parameters.items():
            if isinstance(value, bool):  # TOML `true` would otherwise pass as the number 1
                raise ParameterError(f"model.{key}", value, "must be a number or a name, not true/false")
        for key in ("nu_targets", "nu_start"):
            if key in parameters:
                value = parameters[key]
                parameters[key] = _pair(f"model.{key}", value)
                if key == "nu_targets" and not all(0.0 <= v < 1.0 for v in parameters[key]):
                    raise ParameterError("model.nu_targets", value, "targets of ν must lie in [0, 1)")
        self.params = eq.OneSectorParams(**parameters)
        self.world = world
        # The model's tariffs are levels on a free-trade baseline: calibration ignores baseline
        # tariffs, so a world with baseline tariffs would be silently misread (Policy.baseline
        # would not reproduce the baseline). Refuse it rather than return wrong numbers.
        taxed = np.argwhere(np.asarray(world.tariffs) != 0)
        if len(taxed):
            pairs = [f"{world.iso3[i]}→{world.iso3[j]}={world.tariffs[i, j, s]:g}" for i, j, s in taxed[:5]]
            raise DataError(world.name, "tariffs",
                            "the one-sector model assumes zero baseline tariffs; nonzero at "
                            + ", ".join(pairs) + (f", … ({len(taxed)} in all)" if len(taxed) > 5 else ""))
        try:
            self.baseline = eq.calibrate(world, self.params)
        except ConvergenceError as exc:
            raise ConvergenceError(
                f"calibration of ν (model.nu_targets = {self.params.nu_targets}, model.nu_start = "
                f"{self.params.nu_start}) did not converge: {exc}", exc.diagnostics) from None

    @property
    def parameters(self) -> dict:
        return asdict(self.params)

    # ---------------------------------------------------------------- closed forms (A.3)
    def optimal_tariff(self, country: str, denominator: str = "expenditure") -> float:
        self._no_closed_form_io("tariffs.rate")
        return eq.optimal_tariff(self.baseline, country, denominator)

    def optimal_retaliation(self, target: str) -> float:
        self._no_closed_form_io("retaliation.rule")
        return eq.optimal_retaliation(self.baseline, target)

    def _no_closed_form_io(self, field: str) -> None:
        if self.params.variant == "input_output":
            raise ParameterError(field, "optimal", "the closed-form rates (A.3) are those of the baseline model, not "
                                                   "of the input-output variant: use a [[strategy]] of kind 'optimal'")

    # ---------------------------------------------------------------- welfare interface (strategies)
    # Government welfare is the model's welfare Ŵ (A.2); gradients by the adjoint method
    # (tradewar.models.one_sector_gradients). Tariff arrays are [exporter, importer, 1].
    @property
    def baseline_tariffs(self) -> np.ndarray:
        return np.zeros((self.world.n_countries, self.world.n_countries, 1))

    def _solve_from(self, tariffs: np.ndarray, start: eq.Solution | None) -> eq.Solution:
        t = tariffs[:, :, 0] if tariffs.ndim == 3 else tariffs
        return eq.solve(self.baseline, t, x0=None if start is None else start.x)

    def _welfare_at(self, sol: eq.Solution) -> np.ndarray:
        return sol.welfare

    def _welfare_vjp(self, sol: eq.Solution, weights) -> tuple[np.ndarray, np.ndarray]:
        from tradewar.models.one_sector_gradients import welfare_gradient

        if callable(weights):                          # weights as a function of Ŵ (strategy.base)
            weights = weights(sol.welfare)
        if self.params.variant == "input_output":      # A.4: tradewar.models.one_sector_io
            from tradewar.models import one_sector_io

            W, g = one_sector_io.welfare_gradient(one_sector_io.IOSystem(self.baseline, sol.t, sol.T), sol.x, weights)
            return W, g[:, :, None]
        W, g = welfare_gradient(eq.OneSectorSystem(self.baseline, sol.t, sol.T), sol.x, weights)
        return W, g[:, :, None]

    # ---------------------------------------------------------------- solving
    def equilibrium(self, policy: Policy, T=None, x0=None, T_path_from=None) -> eq.Solution:
        return eq.solve(self.baseline, policy.tariffs[:, :, 0], T=T, x0=x0, T_path_from=T_path_from)

    def solve(self, policy: Policy, scenario: str = "") -> Outcome:
        """Solve ``policy``. Under the balanced-bilateral closure (A.3 b) the result is the
        scenario solved with rebalanced transfers minus the zero-tariff equilibrium with the same
        transfers (differences of percentage changes); flows are compared to that equilibrium."""
        b = self.baseline
        notes = tuple(policy.notes)
        if b.floored:
            notes = notes + (f"calibration (A.1): domestic absorption max(E − M, 0) floored at 0 for "
                             f"{', '.join(b.floored)} (GDP plus transfers below imports)",)
        if policy.deficit_closure == "balanced_bilateral":
            p = self.world.index_of(policy.partner)
            T_new = b.T - (b.X[p, :] - b.X[:, p])
            T_new[p] = 0.0
            zero = np.zeros_like(policy.tariffs[:, :, 0])
            ref = eq.solve(b, zero, T=T_new, T_path_from=b.T)
            sol = eq.solve(b, policy.tariffs[:, :, 0], T=T_new, x0=ref.x)
            sol.diagnostics = ref.diagnostics.merge(sol.diagnostics)
            notes = notes + (
                f"balanced trade with {policy.partner}: transfers sum to {T_new.sum():,.0f} "
                f"({100 * T_new.sum() / b.E.sum():.2f}% of world expenditure), as in the replication "
                "code; the dropped market-clearing equation absorbs it (Walras' law checked with it)",)
            table = _metrics(b, sol) - _metrics(b, ref)
            levels = _levels(b, sol)
            table[list(levels)] = levels
            before = ref.state.Xp
        else:
            sol = self.equilibrium(policy)
            table = _countries(b, sol)
            before = b.X
        codes = list(self.world.iso3)
        table.index = pd.Index(codes, name="iso3")
        weights = pd.Series(self._weights(), index=table.index,
                            name="GDP" if self.params.variant == "input_output" else "baseline expenditure")
        return self._outcome(policy, scenario, table, weights, _world(b, sol),
                             bilateral_dataset(codes, before, sol.state.Xp), sol.diagnostics, notes)

    def _weights(self) -> np.ndarray:
        """Weights of group averages: baseline expenditure (A.4, input-output: GDP Y^data)."""
        return self.baseline.Y_data if self.params.variant == "input_output" else self.baseline.E

    def solve_countries(self, policy: Policy, x0=None, scenario: str = ""):
        """As :meth:`solve`'s per-country table and weights, warm-started from ``x0`` (a
        neighbouring Monte Carlo draw's solution; cold if that fails); the solution's x."""
        if policy.deficit_closure == "balanced_bilateral":
            return super().solve_countries(policy, x0, scenario)
        t = policy.tariffs[:, :, 0]
        sol = solve_warm(lambda x: eq.solve(self.baseline, t, x0=x), x0)
        return _countries(self.baseline, sol), np.asarray(self._weights(), float), sol.x


def _metrics(b: eq.Baseline, sol: eq.Solution) -> pd.DataFrame:
    """A.2 reported columns 1–7 (and real and nominal wages), percent."""
    s = sol.state
    X0, X1 = b.lam * b.E[None, :], s.Xp
    D0 = X0.sum(axis=0) - X0.sum(axis=1)
    D1 = X1.sum(axis=0) - X1.sum(axis=1)
    ex0, ex1 = X0.sum(axis=1) - np.diag(X0), X1.sum(axis=1) - np.diag(X1)
    im0, im1 = X0.sum(axis=0) - np.diag(X0), X1.sum(axis=0) - np.diag(X1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({
            "welfare": 100 * (sol.welfare - 1),
            "deficit": 100 * (D1 - D0) / np.abs(D0),
            # a country without exports (imports) has none after either (zero flows stay zero): no change
            "exports_gdp": np.where(ex0 > 0, 100 * ((ex1 / s.Yp) / (ex0 / b.Y) - 1), 0.0),
            "imports_gdp": np.where(im0 > 0, 100 * ((im1 / s.Yp) / (im0 / b.Y) - 1), 0.0),
            "employment": 100 * (s.L - 1),
            "prices": 100 * (s.P - 1),
            "real_wage": 100 * (s.w / s.P - 1),
            "wage": 100 * (s.w - 1),
            "tariff_revenue_pct": 100 * s.R / b.E,
        })


def _countries(b: eq.Baseline, sol: eq.Solution) -> pd.DataFrame:
    """The per-country columns: percent changes and levels."""
    table = _metrics(b, sol)
    levels = _levels(b, sol)
    table[list(levels)] = levels
    return table


def _levels(b: eq.Baseline, sol: eq.Solution) -> pd.DataFrame:
    X0, X1 = b.lam * b.E[None, :], sol.state.Xp
    return pd.DataFrame({
        "tariff_revenue": sol.state.R,
        "deficit_baseline": X0.sum(axis=0) - X0.sum(axis=1),
        "deficit_counterfactual": X1.sum(axis=0) - X1.sum(axis=1),
    })


def _world(b: eq.Baseline, sol: eq.Solution) -> pd.Series:
    """World aggregates (A.2): trade-to-GDP and employment changes."""
    s = sol.state
    off = ~np.eye(len(b.E), dtype=bool)
    X0 = b.lam * b.E[None, :]
    gross = (s.Xp * (1 + sol.t))[off].sum() / X0[off].sum()
    return pd.Series({
        "trade_to_gdp": 100 * (gross / (s.Yp.sum() / b.Y.sum()) - 1),
        "employment": float((b.Y * 100 * (s.L - 1)).sum() / b.Y.sum()),
    })
