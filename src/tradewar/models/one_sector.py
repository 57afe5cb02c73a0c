"""The one-sector model of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025).

Equation references are to ``specs/ignatenko2025.md`` (A.1 calibration, A.2 equilibrium, A.3
scenarios), which follows the authors' replication code. Arrays are [exporter, importer]:
``X[j, i]`` is the flow from exporter j to importer i, ``t[j, i]`` the tariff importer i levies
on it. Money is in the World's unit (thousand US$ for ``ignatenko2025``). Hats are
counterfactual/baseline ratios.

Unknowns are logs of the hats: x = (log ŵ, log Ê, log L̂) ∈ R^{3N}. Residuals are scaled by each
country's baseline income or expenditure, so the tolerance is relative.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from tradewar.errors import DataError, ParameterError
from tradewar.solver import Diagnostics, continuation, newton
from tradewar.world import World


# ---------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class OneSectorParams:
    """Parameters of the one-sector model (A.1, A.3).

    trade_elasticity : ε (4 in the paper).
    labour_supply_elasticity : κ (0.5).
    pass_through : c in φ_i = c + φ̃_i (1, 0.5 or 0.25 in the paper).
    psi : ψ, scale economies; default 0.67/ε (evaluated at ``derive_at_elasticity`` if given).
    phi_tilde : φ̃ for every country; default (1+θ)/((1−ν_i)θ) − 1/θ − 1 with θ = ε/0.67.
    derive_at_elasticity : evaluate the ψ and φ̃ formulas at this ε instead of the trade elasticity.
    revenue : "income_tax" (tariff revenue lowers the income tax: τ = R/Y') or "lump_sum".
    variant : "baseline", or "eaton_kortum_krugman" (ν = 0, φ = 1, income = gross sales).
    nu : "calibrated" (A.1 step 2, two regions: ``nu_home`` and the rest) or a number for all.
    """

    trade_elasticity: float = 4.0
    labour_supply_elasticity: float = 0.5
    pass_through: float = 1.0
    psi: float | None = None
    phi_tilde: float | None = None
    derive_at_elasticity: float | None = None
    revenue: Literal["income_tax", "lump_sum"] = "income_tax"
    variant: Literal["baseline", "eaton_kortum_krugman"] = "baseline"
    nu: float | Literal["calibrated"] = "calibrated"
    nu_home: str = "USA"
    nu_targets: tuple[float, float] = (0.12, 0.26)
    nu_start: tuple[float, float] = (0.1, 0.24)
    scale_share: float = 0.67  # ψ = scale_share/ε, θ = ε/scale_share

    def __post_init__(self):
        check = _check_range
        check("model.trade_elasticity", self.trade_elasticity, 0.1, 50.0)
        check("model.labour_supply_elasticity", self.labour_supply_elasticity, 0.0, 20.0)
        check("model.pass_through", self.pass_through, 0.0, 10.0, low_open=True)
        if self.psi is not None:
            check("model.psi", self.psi, 0.0, 5.0)
        if self.phi_tilde is not None:
            check("model.phi_tilde", self.phi_tilde, -10.0, 10.0)
        if self.derive_at_elasticity is not None:
            check("model.derive_at_elasticity", self.derive_at_elasticity, 0.1, 50.0)
        if self.revenue not in ("income_tax", "lump_sum"):
            raise ParameterError("model.revenue", self.revenue, "must be 'income_tax' or 'lump_sum'")
        if self.variant not in ("baseline", "eaton_kortum_krugman"):
            raise ParameterError("model.variant", self.variant, "must be 'baseline' or 'eaton_kortum_krugman'")
        if self.nu != "calibrated":
            check("model.nu", self.nu, 0.0, 1.0, high_open=True)
        check("model.scale_share", self.scale_share, 0.0, 5.0, low_open=True)


def _check_range(name, value, low, high, low_open=False, high_open=False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "must be a number") from None
    if not np.isfinite(v):
        raise ParameterError(name, value, "must be finite")
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if too_low or too_high:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise ParameterError(name, value, f"outside the admissible range {lo}{low}, {high}{hi}")


# ---------------------------------------------------------------------------- calibration
@dataclass(frozen=True, eq=False)
class Baseline:
    """The calibrated baseline equilibrium (A.1 step 4): arrays in the World's country order."""

    world: World
    params: OneSectorParams
    X: np.ndarray        # [exporter, importer] flows with domestic absorption on the diagonal
    E: np.ndarray        # expenditure (column sums of X)
    Y: np.ndarray        # model income
    T: np.ndarray        # transfers (deficits) E − Y
    lam: np.ndarray      # expenditure shares λ[j, i] = X[j, i]/E[i]
    nu: np.ndarray       # share parameter ν_i
    phi: np.ndarray      # φ_i = c + φ̃_i
    eps: float
    kappa: float
    psi: float
    Y_data: np.ndarray   # GDP in the World's unit


def calibrate_nu(world: World, params: OneSectorParams, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """A.1 step 2: ν of a two-region aggregation (home, rest), matched to two targets."""
    n = world.n_countries
    if params.nu != "calibrated":
        return np.full(n, float(params.nu))
    if params.nu_home not in world.iso3:
        raise ParameterError("model.nu_home", params.nu_home, f"not a country of dataset {world.name!r}")
    home = world.index_of(params.nu_home)
    A = np.zeros((2, n))
    A[0] = 1.0
    A[0, home] = 0.0
    A[1, home] = 1.0
    Xa, Ya = A @ X @ A.T, A @ Y
    Ma = Xa.sum(axis=0)
    target = np.array(params.nu_targets)

    class _NuSystem:  # linear-fractional in ν: the residual and Jacobian in closed form
        def _parts(self, v):
            Ea = Ya + (1 - v) * (Ma - Xa @ (1 - v))
            dEa = -np.diag(Ma - Xa @ (1 - v)) + (1 - v)[:, None] * Xa  # ∂E^a_r/∂ν_s
            return Ea, dEa

        def residual(self, v):
            Ea, _ = self._parts(v)
            r11 = (Ea[0] - Xa[1, 0]) / (Ea[0] - Xa[1, 0] + Xa[0, 1])
            r22 = (Ea[1] - Xa[0, 1]) / (Ea[1] - Xa[0, 1] + Xa[1, 0])
            return np.array([(1 - r11) * v[1] + r11 * v[0], r22 * v[1] + (1 - r22) * v[0]]) - target

        def jacobian(self, v):
            Ea, dEa = self._parts(v)
            a1, b1 = Ea[0] - Xa[1, 0], Xa[0, 1]
            a2, b2 = Ea[1] - Xa[0, 1], Xa[1, 0]
            r11, r22 = a1 / (a1 + b1), a2 / (a2 + b2)
            dr11 = b1 / (a1 + b1) ** 2 * dEa[0]
            dr22 = b2 / (a2 + b2) ** 2 * dEa[1]
            row1 = dr11 * (v[0] - v[1]) + np.array([r11, 1 - r11])
            row2 = dr22 * (v[1] - v[0]) + np.array([1 - r22, r22])
            return np.vstack([row1, row2])

    v, _ = newton(_NuSystem(), np.array(params.nu_start), tol=1e-13)
    v = np.clip(v, 0.0, None)
    nu = np.full(n, v[0])
    nu[home] = v[1]
    return nu


def calibrate(world: World, params: OneSectorParams | None = None) -> Baseline:
    """A.1: fill domestic absorption from GDP, then E, Y, T, λ; parameters ψ, φ."""
    params = params or OneSectorParams()
    if len(world.sectors) != 1:
        raise DataError(world.name, "sectors", f"the one-sector model needs one sector; got {len(world.sectors)}")
    X = np.array(world.flows[:, :, 0], dtype=float)
    Yd = world.gdp.astype(float)
    has_domestic = bool(np.any(np.diag(X) > 0))
    nu = calibrate_nu(world, params, X - np.diag(np.diag(X)), Yd)
    if not has_domestic:  # A.1 step 3: domestic absorption from GDP
        M = X.sum(axis=0)
        T0 = (1 - nu) * (M - X @ (1 - nu))
        np.fill_diagonal(X, np.maximum(Yd + T0 - M, 0.0))
    E = X.sum(axis=0)
    if params.variant == "eaton_kortum_krugman":
        nu = np.zeros_like(nu)
        Y = X.sum(axis=1)
    else:
        Y = X @ (1 - nu) + nu * E
    bad = [c for c, e, y in zip(world.iso3, E, Y) if not (e > 0 and y > 0)]
    if bad:
        raise DataError(world.name, "flows", f"non-positive calibrated expenditure or income for {bad[:8]}")
    T = E - Y
    lam = X / E[None, :]
    eps = float(params.trade_elasticity)
    eps_ref = float(params.derive_at_elasticity or eps)
    psi = params.psi if params.psi is not None else params.scale_share / eps_ref
    if params.variant == "eaton_kortum_krugman":
        phi = np.ones_like(nu)
    else:
        if params.phi_tilde is not None:
            phi_tilde = np.full_like(nu, float(params.phi_tilde))
        else:
            theta = eps_ref / params.scale_share
            phi_tilde = (1 + theta) / ((1 - nu) * theta) - 1 / theta - 1
        phi = params.pass_through + phi_tilde
    return Baseline(world=world, params=params, X=X, E=E, Y=Y, T=T, lam=lam, nu=nu, phi=phi,
                    eps=eps, kappa=float(params.labour_supply_elasticity), psi=float(psi), Y_data=Yd)


# ---------------------------------------------------------------------------- equilibrium
@dataclass
class State:
    """Counterfactual quantities at given unknowns (A.2)."""

    w: np.ndarray      # ŵ
    Eh: np.ndarray     # Ê
    L: np.ndarray      # L̂
    lam: np.ndarray    # λ'
    P: np.ndarray      # P̂
    Yp: np.ndarray     # Y' = ŵ L̂ Y
    Ep: np.ndarray     # E' = Ê E
    Xp: np.ndarray     # X' (net of tariffs)
    R: np.ndarray      # tariff revenue
    tau: np.ndarray    # income-tax relief rate R/Y' (0 with lump-sum rebate)
    Q: np.ndarray      # τ̂ ŵ / P̂


class OneSectorSystem:
    """Equations A.2 (1)–(3) for given tariffs t[j, i] and transfers T."""

    def __init__(self, base: Baseline, t: np.ndarray, T: np.ndarray | None = None):
        self.b = base
        self.t = t
        self.T = base.T if T is None else T
        self.n = len(base.E)
        # λ_ji (1+t_ji)^(−ε φ_i): the tariff part of A_ji does not depend on the unknowns
        self.lam_t = base.lam * (1.0 + t) ** (-base.eps * base.phi[None, :])
        self.t_share = t / (1.0 + t)
        self.lump_sum = base.params.revenue == "lump_sum"
        self._cache: tuple[bytes, State] | None = None

    def state(self, x: np.ndarray) -> State:
        key = x.tobytes()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        b, n = self.b, self.n
        a, e, l = x[:n], x[n:2 * n], x[2 * n:]
        w, Eh, L = np.exp(a), np.exp(e), np.exp(l)
        c = np.exp(-b.eps * (a - b.psi * l))            # (ŵ_j / L̂_j^ψ)^(−ε)
        A = self.lam_t * c[:, None]
        S = A.sum(axis=0)
        lam = A / S[None, :]
        P = np.exp((1 - b.phi) * (e - a)) * S ** (-1.0 / b.eps)
        Yp, Ep = w * L * b.Y, Eh * b.E
        Xp = lam * (Ep / 1.0)[None, :] / (1.0 + self.t)
        R = (lam * self.t_share).sum(axis=0) * Ep
        tau = np.zeros(n) if self.lump_sum else R / Yp
        Q = w / ((1.0 - tau) * P)
        st = State(w, Eh, L, lam, P, Yp, Ep, Xp, R, tau, Q)
        self._cache = (key, st)
        return st

    def market_clearing(self, s: State) -> np.ndarray:
        """A.2 (1) for every country: Σ_k (1−ν_k) X'_ik + ν_i Σ_j X'_ji − ŵ_i L̂_i Y_i."""
        b = self.b
        return s.Xp @ (1 - b.nu) + b.nu * s.Xp.sum(axis=0) - s.Yp

    def residual(self, x: np.ndarray) -> np.ndarray:
        b, s = self.b, self.state(x)
        r1 = self.market_clearing(s) / b.Y
        r1[-1] = ((s.P - 1) * b.E).sum() / b.E.sum()   # numeraire replaces the last country
        r2 = (s.R + s.Yp + self.T * s.Yp.sum() / b.Y.sum() - s.Ep) / b.E
        r3 = s.L - s.Q ** b.kappa
        return np.concatenate([r1, r2, r3])

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Analytic Jacobian of :meth:`residual` in x = (log ŵ, log Ê, log L̂).

        With dlc_j = −ε da_j + εψ dl_j and m_i = Σ_k λ'_ki dlc_k, every flow moves as
        dX'_ji = X'_ji (de_i + dlc_j − m_i); prices as d log P̂_i = (1−φ_i)(de_i − da_i) − m_i/ε.
        """
        b, s, n = self.b, self.state(x), self.n
        eps, psi, kap, nu = b.eps, b.psi, b.kappa, b.nu
        lamT = s.lam.T                                   # [i, k] = λ'_ki
        Xn = s.Xp * (1 - nu)[None, :]                    # (1−ν_k) X'_ik
        Mp = s.Xp.sum(axis=0)                            # Σ_j X'_ji
        Rm = s.Xp * self.t                               # t_ji X'_ji
        # eq (1): F_i = Σ_k Xn_ik + ν_i M'_i − Y'_i
        dF_dlc = np.diag(Xn.sum(axis=1)) - Xn @ lamT + nu[:, None] * s.Xp.T - (nu * Mp)[:, None] * lamT
        dF_de = Xn + np.diag(nu * Mp)
        # tariff revenue: dR_i = R_i de_i + Σ_j Rm_ji dlc_j − R_i m_i
        dR_dlc = Rm.T - s.R[:, None] * lamT
        # eq (2): G_i = R_i + Y'_i + T_i ΣY'/ΣY − E'_i
        dG_dlc = dR_dlc
        dG_de = np.diag(s.R - s.Ep)
        dG_dy = np.diag(s.Yp) + np.outer(self.T / b.Y.sum(), s.Yp)   # w.r.t. d log Y'_k
        # eq (3): H_i = L̂_i − Q_i^κ, log Q = a − log(1−τ) − log P̂
        Qk = kap * s.Q ** kap
        if self.lump_sum:
            dlt_dR = np.zeros(n)
            dlt_dy = np.zeros(n)
        else:  # d log(1/(1−τ)) = (dR/Y' − τ dlogY')/(1−τ)
            dlt_dR = 1.0 / ((1 - s.tau) * s.Yp)
            dlt_dy = -s.tau / (1 - s.tau)
        dH_dlc = -Qk[:, None] * (dlt_dR[:, None] * dR_dlc + lamT / eps)
        dH_de = np.diag(-Qk * (dlt_dR * s.R - (1 - b.phi)))
        dH_da_diag = -Qk * (dlt_dy + 1 + (1 - b.phi))
        dH_dl_diag = s.L - Qk * dlt_dy
        # numeraire: N = Σ (P̂_i − 1) E_i / ΣE
        EP = b.E * s.P / b.E.sum()
        dN_dlc = -(s.lam @ EP) / eps
        dN_de = EP * (1 - b.phi)
        dN_da = -EP * (1 - b.phi)

        J = np.empty((3 * n, 3 * n))
        ia, ie, il = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
        # chain rule: ∂/∂a = −ε ∂/∂lc + (direct), ∂/∂l = εψ ∂/∂lc + (direct)
        J[ia, ia] = -eps * dF_dlc - np.diag(s.Yp)
        J[ia, ie] = dF_de
        J[ia, il] = eps * psi * dF_dlc - np.diag(s.Yp)
        J[ia] /= b.Y[:, None]
        J[n - 1, ia] = -eps * dN_dlc + dN_da
        J[n - 1, ie] = dN_de
        J[n - 1, il] = eps * psi * dN_dlc
        J[ie, ia] = (-eps * dG_dlc + dG_dy) / b.E[:, None]
        J[ie, ie] = dG_de / b.E[:, None]
        J[ie, il] = (eps * psi * dG_dlc + dG_dy) / b.E[:, None]
        J[il, ia] = -eps * dH_dlc + np.diag(dH_da_diag)
        J[il, ie] = dH_de
        J[il, il] = eps * psi * dH_dlc + np.diag(dH_dl_diag)
        return J


# ---------------------------------------------------------------------------- welfare
def welfare(base: Baseline, s: State) -> np.ndarray:
    """Ŵ_i = δ_i Ê_i/P̂_i + (1−δ_i) ŵ_i L̂_i/P̂_i, δ_i = E_i/(E_i − κ(1−τ_i)Y_i/(1+κ)) (A.2)."""
    delta = base.E / (base.E - base.kappa * (1 - s.tau) * base.Y / (1 + base.kappa))
    return delta * s.Eh / s.P + (1 - delta) * s.w * s.L / s.P


# ---------------------------------------------------------------------------- closed forms
def optimal_tariff(base: Baseline, country: str, denominator: Literal["expenditure", "income"] = "expenditure") -> float:
    """A.3 B3: the uniform optimal tariff of ``country`` on all its imports.

    t* = 1/((1 + δ_j ε) φ_j − 1), δ_j = Σ_{i≠j} X_ji (1−ν_i)(1−λ_ji) / [(1−ν_j)(E_j − X_jj)].
    ``denominator="income"`` uses (Y_j − X_jj), as the replication code does in scenario R3.
    """
    j = base.world.index_of(country)
    X, nu = base.X, base.nu
    others = np.arange(len(X)) != j
    num = (X[j, others] * (1 - nu[others]) * (1 - base.lam[j, others])).sum()
    scale = base.E[j] if denominator == "expenditure" else base.Y[j]
    delta = num / ((1 - nu[j]) * (scale - X[j, j]))
    return float(1.0 / ((1 + delta * base.eps) * base.phi[j] - 1))


def optimal_retaliation(base: Baseline, target: str) -> float:
    """A.3: the uniform optimal retaliation rate of the rest of the world against ``target``.

    On the two-region aggregation (rest, target) of the filled X and of Y:
    δ^a_1 = Σ_{s≠1} X^a_1s (1−ν_s)(1−λ^a_1s) / [(1−ν_1)(Y^a_1 − X^a_11)],
    t_ret = 1/((1 + δ^a_1 ε) φ_rest − 1). ν and φ of the rest are their E-weighted means
    (all equal in the paper's calibration).
    """
    k = base.world.index_of(target)
    n = len(base.X)
    A = np.zeros((2, n))
    A[0] = 1.0
    A[0, k] = 0.0
    A[1, k] = 1.0
    Xa, Ya = A @ base.X @ A.T, A @ base.Y
    lam_a = Xa / Xa.sum(axis=0)[None, :]
    rest = np.arange(n) != k
    w = base.E[rest] / base.E[rest].sum()
    nu_a = np.array([(w * base.nu[rest]).sum(), base.nu[k]])
    phi_rest = float((w * base.phi[rest]).sum())
    delta = Xa[0, 1] * (1 - nu_a[1]) * (1 - lam_a[0, 1]) / ((1 - nu_a[0]) * (Ya[0] - Xa[0, 0]))
    return float(1.0 / ((1 + delta * base.eps) * phi_rest - 1))


# ---------------------------------------------------------------------------- solving
@dataclass
class Solution:
    """An equilibrium: the state, welfare and the solver's diagnostics."""

    base: Baseline
    t: np.ndarray
    T: np.ndarray
    x: np.ndarray
    state: State
    welfare: np.ndarray
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


def solve(base: Baseline, t: np.ndarray, T: np.ndarray | None = None, *, x0: np.ndarray | None = None,
          tol: float = 1e-10, T_path_from: np.ndarray | None = None) -> Solution:
    """Solve A.2 for tariffs ``t`` [exporter, importer] and transfers ``T``.

    With ``T_path_from`` the transfers move gradually from ``T_path_from`` to ``T``
    (continuation, A.3 (b)); otherwise Newton from x0 (default: the baseline, x = 0).
    Verifies the dropped equation (market clearing of the last country) at the solution.
    """
    n = len(base.E)
    t = np.asarray(t, dtype=float)
    if t.shape != (n, n):
        raise ParameterError("tariffs", t.shape, f"must be a {n}×{n} [exporter, importer] array")
    T = base.T if T is None else np.asarray(T, float)
    x0 = np.zeros(3 * n) if x0 is None else x0
    if T_path_from is not None:
        T0 = np.asarray(T_path_from, float)
        x, diag = continuation(lambda s: OneSectorSystem(base, t, T0 + s * (T - T0)), x0,
                               path=(1.0,), tol=tol)
    else:
        x, diag = newton(OneSectorSystem(base, t, T), x0, tol=tol)
    system = OneSectorSystem(base, t, T)
    st = system.state(x)
    dropped = system.market_clearing(st)[-1] / base.Y[-1]
    diag.dropped_equation_residual = float(dropped)
    if not abs(dropped) <= 1e-8:
        from tradewar.errors import ConvergenceError
        raise ConvergenceError(
            f"Walras' law check failed: the dropped market-clearing equation of {base.world.iso3[-1]} "
            f"has residual {dropped:.3e}", diag)
    return Solution(base=base, t=t, T=T, x=x, state=st, welfare=welfare(base, st), diagnostics=diag)
