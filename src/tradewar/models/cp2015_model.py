"""Caliendo & Parro (2015) behind the common model interface: shares from the World, the
"baseline, then counterfactual relative to baseline" procedure of the package, and the
reported results (``specs/cp2015.md`` §C).

Parameters (the ``[model]`` table of a scenario, ``name = "cp2015"``):

* ``deficits``: ``"zero"`` (D_n = 0 in the baseline and the counterfactual: CP's Table 2) or
  ``"fixed"`` (the data's deficits, ``countries.deficit`` of the World or imports − exports of
  its flows, held fixed in levels in both solves: the package's variant "with deficits").
* ``theta``: a column of the World's ``sector_data`` (default ``"theta"``) or one number > 0
  for every sector.

The baseline equilibrium (tariffs of the World, deficits as chosen) is solved once when the
model is built; every counterfactual is solved from it and reported relative to it
(ĉ = ĉ^cfl/ĉ^bln, ŵ, P̂ likewise), as in the package.

Per-country results (``Outcome.countries``, percent): ``welfare`` = ``terms_of_trade`` +
``volume_of_trade`` (the first-order decomposition of §C at baseline flows and income),
``real_wage`` 100(ŵ/P̂ − 1), ``wage`` 100(ŵ − 1) (numeraire Σ ŵ wL/Σ wL = 1), ``prices``
100(P̂ − 1) (P̂_n = Π_j P̂_nj^α_nj), ``real_income`` 100(Î/P̂ − 1) (the exact welfare change
with zero deficits), ``employment`` 0 (labour is fixed), ``exports_gdp``/``imports_gdp``
(international flows net of tariffs over value added), ``deficit`` (NaN where the baseline
is balanced), ``tariff_revenue_pct`` (100 R'/I), and levels ``tariff_revenue``,
``deficit_baseline``, ``deficit_counterfactual``.

Per-sector results (``Outcome.extras``, xarray): ``terms_of_trade_by_sector`` and
``volume_of_trade_by_sector`` [country, sector] (they sum to the country columns),
``sector_price_change`` 100(P̂_nj − 1) and ``input_cost_change`` 100(ĉ_nj − 1) [country,
sector], ``trade_baseline``/``trade_counterfactual`` [exporter, importer, sector] (flows net of
tariffs, World units) and ``theta`` [sector].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from tradewar.errors import ConvergenceError, DataError, ParameterError
from tradewar.models.base import ModelBase, WelfareInterface, sector_parameter
from tradewar.models import cp2015 as eq
from tradewar.models import cp2015_gradients as grad
from tradewar.outcome import Outcome, bilateral_dataset
from tradewar.policy import Policy
from tradewar.world import World

DEFICITS = ("zero", "fixed")
_EXTRAS = ("intermediate_consumption", "value_added", "final_consumption")


class CPModel(WelfareInterface, ModelBase):
    """Caliendo & Parro (2015): Ricardian, many sectors, input-output links, tariffs."""

    name = "cp2015"
    mc_headline = (*ModelBase.mc_headline, "real_income")

    def __init__(self, world: World, deficits: str = "zero", theta: str | float = "theta", **unknown):
        self.refuse_unknown(unknown, ("deficits", "theta"))
        if deficits not in DEFICITS:
            raise ParameterError("model.deficits", deficits, f"must be one of {list(DEFICITS)}")
        self.world = world
        self.deficits, self.theta_source = deficits, theta
        missing = [k for k in _EXTRAS if k not in world.extras]
        if missing:
            raise DataError(world.name, "extras", f"model 'cp2015' needs input-output data; missing {missing} "
                                                  "(see the cp2015 dataset)")
        codes, sectors = list(world.iso3), list(world.sectors)

        def arr(key, dims):
            a = world.extras[key]
            return np.asarray(a.transpose(*dims).values, float)

        IC = arr("intermediate_consumption", ("country", "input", "sector"))
        VA = arr("value_added", ("country", "sector"))
        FC = arr("final_consumption", ("country", "sector"))
        if IC.shape != (len(codes), len(sectors), len(sectors)):
            raise DataError(world.name, "extras.intermediate_consumption", f"shape {IC.shape} does not fit the world")
        D = (world.countries["deficit"].to_numpy(float) if "deficit" in world.countries.columns
             else world.trade_deficit)
        self.theta = _theta(world, theta)
        self.baseline = eq.calibrate(world.flows, world.tariffs, self.theta, IC, VA, FC, D, name=world.name)
        self.D = np.zeros(len(codes)) if deficits == "zero" else self.baseline.D
        self.reference = eq.solve(self.baseline, self.baseline.t, self.D)

    @property
    def parameters(self) -> dict:
        return {"deficits": self.deficits, "theta": self.theta_source}

    # ---------------------------------------------------------------- solving
    def equilibrium(self, tariffs: np.ndarray, start: eq.Solution | None = None) -> eq.Solution:
        """The equilibrium at ``tariffs`` [exporter, importer, sector], from the solution ``start``
        (default: the reference equilibrium, the baseline unless :meth:`rebased`)."""
        start = self.reference if start is None else start
        try:
            return eq.solve(self.baseline, tariffs, self.D, z0=start.z, preconditioner=start.preconditioner)
        except ConvergenceError as exc:
            if exc.diagnostics is not None and exc.diagnostics.converged:
                raise               # converged, then refused (Walras' law, non-positive income): no path helps
            return eq.solve_along(self.baseline, tariffs, self.D, start)   # far from the start: follow a path

    # ---------------------------------------------------------------- welfare interface (strategies)
    # Government welfare is real income relative to the baseline equilibrium (exact welfare;
    # see tradewar.models.cp2015_gradients); gradients by the adjoint method.
    @property
    def baseline_tariffs(self) -> np.ndarray:
        """The tariffs of the reference equilibrium (the data's, unless :meth:`rebased`)."""
        return np.array(self.reference.t1)

    _solve_from = equilibrium

    def _warm_solution(self, tariffs: np.ndarray) -> eq.Solution:
        last = self._last                # the same tariffs again (e.g. a gradient after a value): no solve
        if last is not None and last.t1.shape == tariffs.shape and np.array_equal(last.t1, tariffs):
            return last
        return super()._warm_solution(tariffs)

    def _welfare_at(self, sol: eq.Solution) -> np.ndarray:
        return grad.welfare(self.reference.state, sol.state)

    def _welfare_vjp(self, sol: eq.Solution, weights) -> tuple[np.ndarray, np.ndarray]:
        system = eq.CPSystem(self.baseline, sol.t1, self.D, preconditioner=sol.preconditioner)
        return grad.welfare_vjp(system, sol.z, self.reference.state, weights)

    def rebased(self, tariffs: np.ndarray) -> "CPModel":
        """The same model with its reference moved to the equilibrium at ``tariffs``: welfare,
        wages, prices and the decomposition are then measured relative to that point (the
        cooperative strategies measure gains from a Nash, factual or free-trade point)."""
        new = self._fresh_copy()
        new.reference = self.equilibrium(np.asarray(tariffs, float))
        return new

    def tariff_curvature(self, tariffs: np.ndarray) -> np.ndarray:
        """θ_j M'_inj / I_n / (1+t_inj)²: a typical size of the curvature of the importer's
        welfare in each tariff (a diagonal preconditioner for optimal-tariff problems)."""
        t = np.asarray(tariffs, float)
        st = self._warm_solution(t).state
        return self.baseline.theta[None, None, :] * st.M / st.I[None, :, None] / (1.0 + t) ** 2

    def solve(self, policy: Policy, scenario: str = "") -> Outcome:
        if policy.deficit_closure != "fixed_transfers":
            raise ParameterError("deficits.closure", policy.deficit_closure,
                                 "model 'cp2015' sets deficits with its own parameter model.deficits "
                                 "(\"zero\" or \"fixed\"); use the default closure")
        b, ref = self.baseline, self.reference
        sol = self.equilibrium(policy.tariffs)
        diag = sol.diagnostics
        codes, sectors = list(self.world.iso3), list(self.world.sectors)
        bln, cfl = ref.state, sol.state
        tot, vot = eq.decomposition(b, bln, cfl, ref.t1)
        table = _metrics(b, ref, sol, tot.sum(axis=1), vot.sum(axis=1))
        table.index = pd.Index(codes, name="iso3")
        weights = pd.Series(bln.I, index=table.index, name="baseline income")
        off = ~np.eye(b.n, dtype=bool)
        va0, va1 = bln.w * b.wL, cfl.w * b.wL
        world = pd.Series({
            "trade_to_gdp": 100.0 * ((cfl.M.sum(axis=2)[off].sum() / va1.sum())
                                     / (bln.M.sum(axis=2)[off].sum() / va0.sum()) - 1.0),
            "employment": 0.0,
        })
        cs = {"country": codes, "sector": sectors}
        tri = {"exporter": codes, "importer": codes, "sector": sectors}

        def per_sector(values, name, definition):
            return xr.DataArray(values, dims=("country", "sector"), coords=cs, name=name,
                                attrs={"units": "%", "definition": definition})

        extras = {
            "terms_of_trade_by_sector": per_sector(tot, "terms_of_trade_by_sector",
                                                   "100/I_n Σ_i [M_nij (ĉ_nj − 1) − M_inj (ĉ_ij − 1)]"),
            "volume_of_trade_by_sector": per_sector(vot, "volume_of_trade_by_sector",
                                                    "100/I_n Σ_i t_inj M_inj (M̂_inj − ĉ_ij)"),
            "sector_price_change": per_sector(100.0 * (cfl.P / bln.P - 1.0), "sector_price_change", "100 (P̂_nj − 1)"),
            "input_cost_change": per_sector(100.0 * (cfl.c / bln.c - 1.0), "input_cost_change", "100 (ĉ_nj − 1)"),
            "trade_baseline": xr.DataArray(bln.M, dims=tuple(tri), coords=tri, name="trade_baseline",
                                           attrs={"units": self.world.units}),
            "trade_counterfactual": xr.DataArray(cfl.M, dims=tuple(tri), coords=tri, name="trade_counterfactual",
                                                 attrs={"units": self.world.units}),
            "theta": xr.DataArray(b.theta, dims=("sector",), coords={"sector": sectors}, name="theta",
                                  attrs={"definition": f"trade elasticity θ_j ({self.theta_source})"}),
        }
        notes = tuple(policy.notes) + (
            f"deficits {'zero' if self.deficits == 'zero' else 'fixed at the data levels'} in baseline and "
            "counterfactual; results relative to the baseline equilibrium",
            "welfare = terms_of_trade + volume_of_trade, the package's first-order decomposition at baseline "
            "flows (accurate for small changes); real_income = Î/P̂ is the exact welfare change",)
        return self._outcome(policy, scenario, table, weights, world,
                             bilateral_dataset(codes, bln.M.sum(axis=2), cfl.M.sum(axis=2)), diag, notes, extras)


def _theta(world: World, theta) -> np.ndarray:
    return sector_parameter(world, theta, "model.theta", 0.0, "a trade elasticity")


def _metrics(b: eq.Baseline, ref: eq.Solution, sol: eq.Solution, tot: np.ndarray, vot: np.ndarray) -> pd.DataFrame:
    bln, cfl = ref.state, sol.state
    n = b.n
    off = ~np.eye(n, dtype=bool)
    X0, X1 = bln.M.sum(axis=2), cfl.M.sum(axis=2)
    ex0, ex1 = (X0 * off).sum(axis=1), (X1 * off).sum(axis=1)
    im0, im1 = (X0 * off).sum(axis=0), (X1 * off).sum(axis=0)
    gdp0, gdp1 = bln.w * b.wL, cfl.w * b.wL
    D0, D1 = im0 - ex0, im1 - ex1
    balanced = np.abs(D0) <= 1e-9 * bln.I
    what = cfl.w / bln.w
    Phat = cfl.Pn / bln.Pn
    with np.errstate(divide="ignore", invalid="ignore"):
        deficit = np.where(balanced, np.nan, 100.0 * (D1 - D0) / np.abs(D0))
    return pd.DataFrame({
        "welfare": tot + vot,
        "terms_of_trade": tot,
        "volume_of_trade": vot,
        "real_wage": 100.0 * (what / Phat - 1.0),
        "wage": 100.0 * (what - 1.0),
        "prices": 100.0 * (Phat - 1.0),
        "real_income": 100.0 * (cfl.I / bln.I / Phat - 1.0),
        "employment": np.zeros(n),
        "exports_gdp": 100.0 * ((ex1 / gdp1) / (ex0 / gdp0) - 1.0),
        "imports_gdp": 100.0 * ((im1 / gdp1) / (im0 / gdp0) - 1.0),
        "deficit": deficit,
        "tariff_revenue_pct": 100.0 * cfl.R / bln.I,
        "tariff_revenue": cfl.R,
        "deficit_baseline": D0,
        "deficit_counterfactual": D1,
    })
