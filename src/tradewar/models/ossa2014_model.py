"""The multi-sector model of Ossa (2014) behind the common model interface: parameters from
the World, the counterfactual of a Policy, and the reported results (B.2, B.4).

Parameters (the ``[model]`` table of a scenario, ``name = "ossa2014"``):

* ``weights``: ``"welfare"`` (λ = 1, governments maximise welfare: the paper's panels a) or
  ``"political_economy"`` (λ_js from the World's ``extras["political_economy_weights"]``,
  panels b). Only government welfare Ĝ depends on it.
* ``sigma``: a column of the World's ``sector_data`` (``"sigma_main"``, ``"sigma_low"``, …) or
  one number > 1 for every sector.
* ``net_exports``: ``"zero"`` (NX' = 0, as in all of the paper's tables) or ``"baseline"``
  (NX' = NX in levels of the numeraire). The ``ossa2014`` flows are balanced, so both agree
  there.

Per-country results (``Outcome.countries``, percent): ``welfare`` 100(Ŵ−1) with Ŵ = Ê/P̂,
``government_welfare`` 100(Ĝ−1), ``wage`` 100(ŵ−1) (numeraire Σ wL_i ŵ_i/Σ wL = 1),
``relative_wage`` 100(ŵ_j−1) − mean_k 100(ŵ_k−1), ``real_wage`` 100(ŵ/P̂−1), ``profits``
100(Π̂_j/ŵ_j−1) with Π_j = Σ_s Π_js, ``terms_of_trade`` and ``profit_shifting`` (the first-order
decomposition of B.4, % of expenditure), ``prices`` 100(P̂−1), ``employment`` 0 (labour is
fixed), ``exports_gdp``/``imports_gdp`` (international flows before tariffs over GDP = sales),
``deficit`` (NaN where the baseline is balanced), ``tariff_revenue_pct`` (100 R'/E),
``median_tariff`` (100 × the median of the (N−1)·S tariffs a country levies on its partners) and the
levels ``tariff_revenue``, ``deficit_baseline``, ``deficit_counterfactual``.

Per-sector results (``Outcome.extras``, xarray): ``sector_sales_change`` [country, sector] =
100(Ŝ_is/ŵ_i − 1), ``sector_price_change`` [country, sector] = 100(P̂_js − 1) of the importer's
sector price index, ``trade_counterfactual`` [exporter, importer, sector] = X' (World units),
and the parameters used: ``sigma`` [sector] and ``lambda`` [country, sector].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from tradewar.errors import DataError, ParameterError
from tradewar.models.base import ModelBase, WelfareInterface, sector_parameter
from tradewar.models import ossa2014 as eq
from tradewar.models import ossa2014_gradients as grad
from tradewar.outcome import Outcome, bilateral_dataset
from tradewar.policy import Policy
from tradewar.world import World

WEIGHTS = ("welfare", "political_economy")
NET_EXPORTS = ("zero", "baseline")
LAMBDA_KEY = "political_economy_weights"


class OssaModel(WelfareInterface, ModelBase):
    """Ossa (2014): many sectors, monopolistic competition with fixed firm numbers, tariffs."""

    name = "ossa2014"
    mc_headline = (*ModelBase.mc_headline, "government_welfare")

    def __init__(self, world: World, weights: str = "welfare", sigma: str | float = "sigma_main",
                 net_exports: str = "zero", **unknown):
        self.refuse_unknown(unknown, ("net_exports", "sigma", "weights"))
        if weights not in WEIGHTS:
            raise ParameterError("model.weights", weights, f"must be one of {list(WEIGHTS)}")
        if net_exports not in NET_EXPORTS:
            raise ParameterError("model.net_exports", net_exports, f"must be one of {list(NET_EXPORTS)}")
        self.world = world
        self.weights, self.sigma_source, self.net_exports = weights, sigma, net_exports
        self.sigma = _sigma(world, sigma)
        self.lam = _lambda(world) if weights == "political_economy" else np.ones((world.n_countries, len(world.sectors)))
        self.baseline = eq.calibrate(world.flows, world.tariffs, self.sigma, self.lam, name=world.name,
                                     codes=world.iso3)

    @property
    def parameters(self) -> dict:
        return {"weights": self.weights, "sigma": self.sigma_source, "net_exports": self.net_exports}

    # ---------------------------------------------------------------- solving
    def equilibrium(self, tariffs: np.ndarray, x0: np.ndarray | None = None) -> eq.Solution:
        """The equilibrium at ``tariffs`` [exporter, importer, sector] (NX' per ``net_exports``)."""
        b = self.baseline
        NXp = np.zeros(b.n) if self.net_exports == "zero" else b.NX
        return eq.solve(b, tariffs, NXp, x0=x0)

    # ---------------------------------------------------------------- welfare interface (strategies)
    @property
    def baseline_tariffs(self) -> np.ndarray:
        return np.array(self.baseline.t)

    def _solve_from(self, tariffs: np.ndarray, start: eq.Solution | None) -> eq.Solution:
        return self.equilibrium(tariffs, x0=None if start is None else start.x)

    def _system(self, sol: eq.Solution) -> eq.OssaSystem:
        return eq.OssaSystem(self.baseline, sol.tp, sol.NXp)

    def _welfare_at(self, sol: eq.Solution) -> np.ndarray:
        return eq.government_welfare(self.baseline, sol.state)

    def _welfare_vjp(self, sol: eq.Solution, weights) -> tuple[np.ndarray, np.ndarray]:
        return grad.government_welfare_vjp(self._system(sol), sol.x, weights)

    def government_welfare_gradient(self, tariffs: np.ndarray, country: int) -> tuple[np.ndarray, np.ndarray]:
        """(Ĝ [country], dĜ_country/dt' [exporter, importer, sector]) at ``tariffs``: one
        equilibrium solve and one adjoint gradient through it (implicit differentiation with
        the analytic Jacobian; see :mod:`tradewar.models.ossa2014_gradients`)."""
        sol = self._warm_solution(np.asarray(tariffs, float))
        return self._welfare_at(sol), grad.government_welfare_gradient(self._system(sol), sol.x, int(country))

    def rebased(self, tariffs: np.ndarray) -> "OssaModel":
        """The same model with its baseline moved to the equilibrium at ``tariffs`` (the data
        replaced by those tariffs and the flows at them, B.3): Ĝ, Ŵ, wages and profits are then
        measured relative to that point."""
        t = np.asarray(tariffs, float)
        sol = self.equilibrium(t)
        new = self._fresh_copy()
        new.baseline = eq.calibrate(sol.state.Xp, t, self.sigma, self.lam, name=self.world.name)
        return new

    def tariff_curvature(self, tariffs: np.ndarray) -> np.ndarray:
        """A typical size of the curvature of the importer's welfare in each tariff, σ_s X'_ijs /
        E_j / (1+t'_ijs)² [exporter, importer, sector]: a diagonal preconditioner for the
        optimal-tariff problems (welfare is flat in tariffs on tiny flows)."""
        t = np.asarray(tariffs, float)
        sol = self._warm_solution(t)
        b = self.baseline
        return b.sigma[None, None, :] * sol.state.Xp / b.E[None, :, None] / (1.0 + t) ** 2

    def solve(self, policy: Policy, scenario: str = "") -> Outcome:
        if policy.deficit_closure != "fixed_transfers":
            raise ParameterError("deficits.closure", policy.deficit_closure,
                                 "model 'ossa2014' sets net exports with its own parameter model.net_exports "
                                 "(\"zero\" or \"baseline\"); use the default closure")
        b = self.baseline
        sol = self.equilibrium(policy.tariffs)
        codes, sectors = list(self.world.iso3), list(self.world.sectors)
        table = _metrics(b, sol)
        table.index = pd.Index(codes, name="iso3")
        weights = pd.Series(b.E, index=table.index, name="baseline expenditure")
        st = sol.state
        cs = {"country": codes, "sector": sectors}
        extras = {
            "sector_sales_change": xr.DataArray(100.0 * (st.Shat / st.w[:, None] - 1.0), dims=("country", "sector"),
                                                coords=cs, name="sector_sales_change",
                                                attrs={"units": "%", "definition": "100 (Ŝ_is/ŵ_i − 1)"}),
            "sector_price_change": xr.DataArray(100.0 * (st.Ps - 1.0), dims=("country", "sector"), coords=cs,
                                                name="sector_price_change",
                                                attrs={"units": "%", "definition": "100 (P̂_js − 1)"}),
            "trade_counterfactual": xr.DataArray(st.Xp, dims=("exporter", "importer", "sector"),
                                                 coords={"exporter": codes, "importer": codes, "sector": sectors},
                                                 name="trade_counterfactual", attrs={"units": self.world.units}),
            "sigma": xr.DataArray(b.sigma, dims=("sector",), coords={"sector": sectors}, name="sigma",
                                  attrs={"definition": f"elasticity of substitution σ_s ({self.sigma_source})"}),
            "lambda": xr.DataArray(b.lam, dims=("country", "sector"), coords=cs, name="lambda",
                                   attrs={"definition": f"weights λ_js of government welfare ({self.weights})"}),
        }
        return self._outcome(policy, scenario, table, weights, _world(b, sol),
                             bilateral_dataset(codes, b.X.sum(axis=2), st.Xp.sum(axis=2)), sol.diagnostics,
                             extras=extras)


def _sigma(world: World, sigma) -> np.ndarray:
    return sector_parameter(world, sigma, "model.sigma", 1.0, "an elasticity of substitution")


def _lambda(world: World) -> np.ndarray:
    if LAMBDA_KEY not in world.extras:
        raise ParameterError("model.weights", "political_economy",
                             f"dataset {world.name!r} has no political-economy weights ({LAMBDA_KEY})")
    lam = np.asarray(world.extras[LAMBDA_KEY].transpose("country", "sector").values, float)
    if not np.all(np.isfinite(lam) & (lam >= 0)):
        raise DataError(world.name, LAMBDA_KEY, "weights must be finite and non-negative")
    return lam


def _metrics(b: eq.Baseline, sol: eq.Solution) -> pd.DataFrame:
    st = sol.state
    n = b.n
    off = ~np.eye(n, dtype=bool)
    X0, X1 = b.X.sum(axis=2), st.Xp.sum(axis=2)
    ex0, ex1 = (X0 * off).sum(axis=1), (X1 * off).sum(axis=1)
    im0, im1 = (X0 * off).sum(axis=0), (X1 * off).sum(axis=0)
    gdp0, gdp1 = b.S.sum(axis=1), st.Sp.sum(axis=1)
    D0, D1 = im0 - ex0, im1 - ex1
    balanced = np.abs(D0) <= 1e-9 * b.E
    with np.errstate(divide="ignore", invalid="ignore"):
        deficit = np.where(balanced, np.nan, 100.0 * (D1 - D0) / np.abs(D0))
    dw = 100.0 * (st.w - 1.0)
    profits = (st.Sp / b.sigma[None, :]).sum(axis=1) / b.Pi.sum(axis=1)
    tot, ps = eq.decomposition(b, st)
    return pd.DataFrame({
        "welfare": 100.0 * (sol.welfare - 1.0),
        "government_welfare": 100.0 * (eq.government_welfare(b, st) - 1.0),
        "wage": dw,
        "relative_wage": dw - dw.mean(),
        "real_wage": 100.0 * (st.w / st.P - 1.0),
        "profits": 100.0 * (profits / st.w - 1.0),
        "terms_of_trade": tot,
        "profit_shifting": ps,
        "prices": 100.0 * (st.P - 1.0),
        "employment": np.zeros(n),
        "exports_gdp": 100.0 * ((ex1 / gdp1) / (ex0 / gdp0) - 1.0),
        "imports_gdp": 100.0 * ((im1 / gdp1) / (im0 / gdp0) - 1.0),
        "deficit": deficit,
        "tariff_revenue_pct": 100.0 * st.Rp / b.E,
        "median_tariff": [100.0 * float(np.median(sol.tp[off[:, j], j, :])) for j in range(n)],
        "tariff_revenue": st.Rp,
        "deficit_baseline": D0,
        "deficit_counterfactual": D1,
    })


def _world(b: eq.Baseline, sol: eq.Solution) -> pd.Series:
    """World aggregates: international trade (before tariffs) over world GDP; employment (fixed)."""
    st = sol.state
    off = ~np.eye(b.n, dtype=bool)
    trade0, trade1 = b.X.sum(axis=2)[off].sum(), st.Xp.sum(axis=2)[off].sum()
    return pd.Series({
        "trade_to_gdp": 100.0 * ((trade1 / st.Sp.sum()) / (trade0 / b.S.sum()) - 1.0),
        "employment": 0.0,
    })
