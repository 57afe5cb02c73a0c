"""The one-sector model of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025).

Equation references are to ``specs/ignatenko2025.md`` (A.1 calibration, A.2 equilibrium, A.3
scenarios), which follows the authors' replication code. Arrays are [exporter, importer]:
``X[j, i]`` is the flow from exporter j to importer i, ``t[j, i]`` the tariff importer i levies
on it. Money is in the World's unit (thousand US$ for ``ignatenko2025``). Hats are
counterfactual/baseline ratios.

Unknowns are logs of the hats: x = (log ŵ, log Ê, log L̂) ∈ R^{3N}. Residuals are scaled by each
country's baseline income or expenditure, so the tolerance is relative. Newton steps use
:meth:`OneSectorSystem.factorize`, a block elimination of the analytic Jacobian that needs one
N×N LU instead of a 3N×3N one; :meth:`OneSectorSystem.jacobian` gives the full matrix.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import scipy.linalg as sla
from scipy.linalg.blas import dgemm, dgemv
from scipy.linalg.lapack import dgetrs

from tradewar.errors import DataError, ParameterError
from tradewar.solver import Diagnostics, continuation, newton, refuse_degenerate
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
    variant : "baseline", or "eaton_kortum_krugman" (ν = 0, φ = 1, income = gross sales), or
        "input_output" (A.4: roundabout production with labour share ``beta``; equations in
        :mod:`tradewar.models.one_sector_io`).
    beta : labour share β of the "input_output" variant (0.49 in the paper).
    nu : "calibrated" (A.1 step 2, two regions: ``nu_home`` and the rest) or a number for all.
    """

    trade_elasticity: float = 4.0
    labour_supply_elasticity: float = 0.5
    pass_through: float = 1.0
    psi: float | None = None
    phi_tilde: float | None = None
    derive_at_elasticity: float | None = None
    revenue: Literal["income_tax", "lump_sum"] = "income_tax"
    variant: Literal["baseline", "eaton_kortum_krugman", "input_output"] = "baseline"
    nu: float | Literal["calibrated"] = "calibrated"
    nu_home: str = "USA"
    nu_targets: tuple[float, float] = (0.12, 0.26)
    nu_start: tuple[float, float] = (0.1, 0.24)
    scale_share: float = 0.67  # ψ = scale_share/ε, θ = ε/scale_share
    beta: float = 0.49         # labour share of the input-output variant (A.4)

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
        if self.variant not in ("baseline", "eaton_kortum_krugman", "input_output"):
            raise ParameterError("model.variant", self.variant,
                                 "must be 'baseline', 'eaton_kortum_krugman' or 'input_output'")
        check("model.beta", self.beta, 0.0, 1.0, low_open=True)
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
    beta: float = 1.0    # labour share in production (< 1 only in the input-output variant, A.4)
    floored: tuple[str, ...] = ()   # countries whose domestic absorption max(E − M, 0) is floored at 0 (A.1)


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
    floored: tuple[str, ...] = ()
    if not has_domestic:  # A.1 step 3: domestic absorption from GDP
        M = X.sum(axis=0)
        T0 = (1 - nu) * (M - X @ (1 - nu))
        absorption = Yd + T0 - M
        floored = tuple(c for c, a in zip(world.iso3, absorption) if a < 0)
        np.fill_diagonal(X, np.maximum(absorption, 0.0))
    if params.variant == "input_output":   # A.4: same ν and absorption, then the IO transformation
        from tradewar.models.one_sector_io import calibrate_io

        return replace(calibrate_io(world, params, X, Yd, nu), floored=floored)
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
                    eps=eps, kappa=float(params.labour_supply_elasticity), psi=float(psi), Y_data=Yd,
                    floored=floored)


# ---------------------------------------------------------------------------- equilibrium
WHAT = "one_sector equilibrium (A.2)"   # names the system in a ConvergenceError


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


_LAM_T: "weakref.WeakKeyDictionary[Baseline, tuple[np.ndarray, np.ndarray]]" = weakref.WeakKeyDictionary()


def _lam_transposed(base: Baseline) -> np.ndarray:
    """λᵀ (importer-major, contiguous), computed once per baseline (and per ``base.lam`` array)."""
    entry = _LAM_T.get(base)
    if entry is None or entry[0] is not base.lam:
        entry = _LAM_T[base] = (base.lam, np.ascontiguousarray(base.lam.T))
    return entry[1]


class OneSectorSystem:
    """Equations A.2 (1)–(3) for given tariffs t[j, i] and transfers T.

    Besides ``residual`` and the dense analytic ``jacobian`` it offers ``factorize(x)``, a
    structured elimination of the Jacobian that :func:`tradewar.solver.newton` uses instead of
    a dense LU of the 3N×3N matrix (one N×N LU per factorisation).

    The tariff part of A_ji does not depend on the unknowns. With f_ji = (1+t_ji)^(−ε φ_i) the
    system keeps three constant importer-major matrices ([importer i, exporter j]):
    ``KT[0] = (λ∘f)ᵀ``, ``KT[1] = (λ∘f/(1+t))ᵀ``, ``KT[2] = (λ∘f∘t/(1+t))ᵀ``. With
    c_j = (ŵ_j/L̂_j^ψ)^(−ε), S = KT[0] c and g = E'/S, every counterfactual matrix is a diagonal
    scaling of one of them: λ'_ji = KT[0]_ij c_j / S_i, X'_ji = KT[1]_ij c_j g_i,
    t_ji X'_ji = KT[2]_ij c_j g_i. Residuals therefore need matrix-vector products only.
    """

    _SPARSE_FRACTION = 16  # taxed pairs ≤ N²/16: scatter updates instead of dense passes

    def __init__(self, base: Baseline, t: np.ndarray, T: np.ndarray | None = None):
        self.b = base
        self.t = t
        self.T = base.T if T is None else T
        n = self.n = len(base.E)
        self.lump_sum = base.params.revenue == "lump_sum"
        lamT, expo = _lam_transposed(base), -base.eps * base.phi
        K = np.empty((3, n, n))
        taxed = np.flatnonzero(t != 0)                   # flat [exporter, importer] indices
        if len(taxed) <= n * n // self._SPARSE_FRACTION:
            tj, ti = np.divmod(taxed, n)
            flat = ti * n + tj                           # the same pairs in [importer, exporter]
            tv = t.reshape(-1)[taxed]
            lv = lamT.reshape(-1)[flat] * (1.0 + tv) ** expo[ti]
            net, rev = lv / (1.0 + tv), lv * (tv / (1.0 + tv))
            K[0] = lamT
            K[1] = lamT
            K[2] = 0.0
            K[0].reshape(-1)[flat] = lv
            K[1].reshape(-1)[flat] = net
            K[2].reshape(-1)[flat] = rev
            # where KT[1] differs from KT[0], and KT[2] from 0
            self._taxed = (ti, flat, net - lv, rev)
        else:
            tT = t.T
            np.multiply(lamT, (1.0 + tT) ** expo[:, None], out=K[0])
            np.divide(K[0], 1.0 + tT, out=K[1])
            np.multiply(K[0], tT / (1.0 + tT), out=K[2])
            self._taxed = None
        self._K = K
        self._K2 = K.reshape(3 * n, n)
        self.lam_t = K[0].T              # λ_ji (1+t_ji)^(−ε φ_i), [exporter, importer]
        self._Y_sum, self._E_sum = float(base.Y.sum()), float(base.E.sum())
        self._cache: tuple[bytes, State] | None = None

    # -- the equilibrium quantities -------------------------------------------------------
    def _aggregates(self, x: np.ndarray):
        """Per-country aggregates at x, from one matrix-vector product (no N×N temporaries)."""
        b, n = self.b, self.n
        a, e, l = x[:n], x[n:2 * n], x[2 * n:]
        w, Eh, L = np.exp(a), np.exp(e), np.exp(l)
        c = np.exp(-b.eps * (a - b.psi * l))            # (ŵ_j / L̂_j^ψ)^(−ε)
        sums = _mv(self._K2, c)
        S, S_net, S_rev = sums[:n], sums[n:2 * n], sums[2 * n:]
        Ep, Yp = Eh * b.E, w * L * b.Y
        g = Ep / S                                       # X'_ji = KT[1]_ij c_j g_i
        R = S_rev * g
        P = np.exp((1 - b.phi) * (e - a)) * S ** (-1.0 / b.eps)
        tau = np.zeros(n) if self.lump_sum else R / Yp
        Q = w / ((1.0 - tau) * P)
        return w, Eh, L, c, S, g, P, Yp, Ep, R, tau, Q, S_net * g

    def _sales(self, c: np.ndarray, g: np.ndarray, y: np.ndarray | float = 1.0) -> np.ndarray:
        """Σ_k (1−ν_k) X'_ik y_k for every exporter i."""
        return c * _vm((1 - self.b.nu) * g * y, self._K[1])

    def state(self, x: np.ndarray) -> State:
        key = x.tobytes()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        w, Eh, L, c, S, g, P, Yp, Ep, R, tau, Q, _ = self._aggregates(x)
        n = self.n
        lam, Xp = np.empty((n, n)), np.empty((n, n))
        np.multiply(self._K[0].T, c[:, None], out=lam)
        lam *= (1.0 / S)[None, :]
        np.multiply(self._K[1].T, c[:, None], out=Xp)
        Xp *= g[None, :]
        st = State(w, Eh, L, lam, P, Yp, Ep, Xp, R, tau, Q)
        self._cache = (key, st)
        return st

    @property
    def t_share(self) -> np.ndarray:
        """t_ji/(1+t_ji)."""
        return self.t / (1.0 + self.t)

    def market_clearing(self, s: State) -> np.ndarray:
        """A.2 (1) for every country: Σ_k (1−ν_k) X'_ik + ν_i Σ_j X'_ji − ŵ_i L̂_i Y_i."""
        b = self.b
        return s.Xp @ (1 - b.nu) + b.nu * s.Xp.sum(axis=0) - s.Yp

    def market_clearing_at(self, x: np.ndarray) -> np.ndarray:
        """:meth:`market_clearing` at the unknowns x, from matrix-vector products only."""
        w, Eh, L, c, S, g, P, Yp, Ep, R, tau, Q, Mp = self._aggregates(x)
        return self._sales(c, g) + self.b.nu * Mp - Yp

    def residual(self, x: np.ndarray) -> np.ndarray:
        b, n = self.b, self.n
        w, Eh, L, c, S, g, P, Yp, Ep, R, tau, Q, Mp = self._aggregates(x)
        r = np.empty(3 * n)
        r[:n] = (self._sales(c, g) + b.nu * Mp - Yp) / b.Y
        r[n - 1] = ((P - 1) * b.E).sum() / self._E_sum   # numeraire replaces the last country
        r[n:2 * n] = (R + Yp + self.T * (Yp.sum() / self._Y_sum) - Ep) / b.E
        r[2 * n:] = L - Q ** b.kappa
        return r

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

    def factorize(self, x: np.ndarray) -> "_OneSectorFactorization | None":
        """The Jacobian at x, factorised by block elimination; ``None`` if that is not possible.

        In z = (dlc, de, dl) with dlc_j = −ε da_j + εψ dl_j (so da = ψ dl − dlc/ε), equations
        (2)–(3) depend on (de, dl) only through per-country 2×2 blocks D0 plus the rank-one term
        T_i ΣY'/ΣY of (2): D = D0 + u vᵀ is inverted in O(N) (Sherman–Morrison). Their
        dependence on dlc is C = diag·RmT + diag·λ'ᵀ + diag + rank one (RmT_ik = t_ki X'_ki), so
        D⁻¹C keeps that form and the Schur complement of (1) in dlc, A − B D⁻¹ C, costs one N×N
        matrix product and one N×N LU. Equation (1) rows are scaled by 1/Y, (2) by 1/E.
        """
        b, n = self.b, self.n
        eps, psi, kap, nu, phi = b.eps, b.psi, b.kappa, b.nu, b.phi
        w, Eh, L, c, S, g, P, Yp, Ep, R, tau, Q, Mp = self._aggregates(x)
        K0, K1, K2 = self._K
        sY, sE = 1.0 / b.Y, 1.0 / b.E
        h = nu * Mp
        # eq (3): H_i = L̂_i − Q_i^κ, log Q = a − log(1−τ) − log P̂
        Qk = kap * Q ** kap
        if self.lump_sum:
            dlt_dR = np.zeros(n)
            dlt_dy = np.zeros(n)
        else:  # d log(1/(1−τ)) = (dR/Y' − τ dlogY')/(1−τ)
            dlt_dR = 1.0 / ((1 - tau) * Yp)
            dlt_dy = -tau / (1 - tau)
        dH_da = -Qk * (dlt_dy + 1 + (1 - phi))
        a3 = -Qk * dlt_dR
        E3 = -Qk * (dlt_dR * R - (1 - phi))
        L3 = L - Qk * dlt_dy + psi * dH_da
        # eq (2): G_i = R_i + Y'_i + T_i ΣY'/ΣY − E'_i, with d log Y' = (1+ψ) dl − dlc/ε and
        # dR = R de + (RmT − diag(R) λ'ᵀ) dlc
        E2 = sE * (R - Ep)
        b2 = sE * (1 + psi) * Yp
        u = sE * (1 + psi) * self.T / self._Y_sum
        v = Yp
        # C2 = diag(x2R) RmT + diag(x2m) λ'ᵀ + diag(x2d) + x2o Y'ᵀ; C3 likewise (x3o = 0)
        x2R, x2m, x2d, x2o = sE, -sE * R, -sE * Yp / eps, -sE * self.T / (self._Y_sum * eps)
        x3R, x3m, x3d = a3, -a3 * R - Qk / eps, -dH_da / eps
        with np.errstate(all="ignore"):
            idet = 1.0 / (E2 * L3 - b2 * E3)
            # D0⁻¹ C: de part diag(pR) RmT + diag(pm) λ'ᵀ + diag(pd) + po Y'ᵀ, dl part with q
            pR, pm, pd, po = ((L3 * x2R - b2 * x3R) * idet, (L3 * x2m - b2 * x3m) * idet,
                              (L3 * x2d - b2 * x3d) * idet, L3 * x2o * idet)
            qR, qm, qd, qo = ((E2 * x3R - E3 * x2R) * idet, (E2 * x3m - E3 * x2m) * idet,
                              (E2 * x3d - E3 * x2d) * idet, -E3 * x2o * idet)
            pu, qu = L3 * u * idet, -E3 * u * idet       # D0⁻¹ (u, 0)
            denom = 1.0 + v @ qu
            # D⁻¹C = D0⁻¹C − (pu, qu) coefᵀ with coefᵀ = vᵀ (dl part of D0⁻¹C) / denom
            coef = (c * (_vm(v * qR * g, K2) + _vm(v * qm / S, K0)) + v * qd + (v @ qo) * Yp) / denom
        vectors = (idet, pR, pm, pd, po, qR, qm, qd, qo, pu, qu, coef)
        if not (np.isfinite(denom) and denom != 0.0 and all(np.all(np.isfinite(z)) for z in vectors)):
            return None
        # Schur complement Sc = A1 − E1 (D⁻¹C)_e − diag(L1) (D⁻¹C)_l for the rows of eq (1):
        #   diag(sY c) [−λ_net M + diag(α1/c) K0 + diag(α2/c) K2 + diag(α3/c) K1] diag(c)
        #   + diag(sY dd) − sY o1 Y'ᵀ + sY o2 coefᵀ,   λ_net = K1ᵀ,
        # M = diag((1−ν) g) [diag((1+pm)/S) K0 + diag(pR g) K2 + diag(pd/c)]
        L1u = -(1 + psi) * Yp                            # eq (1) in dl (unscaled)
        gam, ic = (1 - nu) * g, 1.0 / c
        alpha1 = -(h * (1 + pm) + L1u * qm) / S
        alpha2 = -(h * pR + L1u * qR) * g
        alpha3 = nu * g
        M = K0 * (gam * (1 + pm) / S)[:, None]
        if self._taxed is not None:
            ti, flat, dnet, rev = self._taxed
            M.reshape(-1)[flat] += (gam * pR * g)[ti] * rev
        else:
            M += K2 * (gam * pR * g)[:, None]
        M.reshape(-1)[::n + 1] += gam * pd * ic
        Z = _matmul(K1.T, M, -1.0)                      # C order
        if self._taxed is not None:
            Z += K0 * ((alpha1 + alpha3) * ic)[:, None]
            Z.reshape(-1)[flat] += (alpha3 * ic)[ti] * dnet + (alpha2 * ic)[ti] * rev
        else:
            Z += K0 * (alpha1 * ic)[:, None]
            Z += K1 * (alpha3 * ic)[:, None]
            Z += K2 * (alpha2 * ic)[:, None]
        Z *= (sY * c)[:, None]
        Z *= c[None, :]
        Z.reshape(-1)[::n + 1] += sY * (self._sales(c, g) + Yp / eps - h * pd - L1u * qd)
        o1 = self._sales(c, g, po) + h * po + L1u * qo
        o2 = self._sales(c, g, pu) + h * pu + L1u * qu
        U = np.empty((n, 2), order="F")
        U[:, 0], U[:, 1] = Yp, coef
        V = np.empty((n, 2), order="F")
        V[:, 0], V[:, 1] = -sY * o1, sY * o2
        Z = dgemm(1.0, U, V, trans_b=1, beta=1.0, c=Z.T, overwrite_c=1).T   # Scᵀ += U Vᵀ
        # the numeraire row Σ (P̂_i − 1) E_i/ΣE: in z, A1 = (EPf − λ' EP)/ε, E1 = EPf, L1 = −ψ EPf
        EP = b.E * P / self._E_sum
        EPf = EP * (1 - phi)
        yp, yq = EPf, -psi * EPf
        Z[-1] = ((EPf - c * _vm(EP / S, K0)) / eps
                 - c * (_vm((yp * pR + yq * qR) * g, K2) + _vm((yp * pm + yq * qm) / S, K0))
                 - (yp * pd + yq * qd) - (yp @ po + yq @ qo) * Yp + (yp @ pu + yq @ qu) * coef)
        if not np.isfinite(Z.sum()):
            return None
        fac = _OneSectorFactorization()
        fac.system, fac.c, fac.g, fac.S = self, c, g, S
        fac.sY, fac.h, fac.L1u, fac.EPf, fac.v, fac.denom, fac.Yp = sY, h, L1u, EPf, v, denom, Yp
        fac.E2, fac.b2, fac.E3, fac.L3 = E2, b2, E3, L3
        fac.vectors = vectors
        fac.lu = sla.lu_factor(Z.T, overwrite_a=True, check_finite=False)   # LU of Scᵀ
        return fac


# BLAS. numpy and scipy each ship their own OpenBLAS, each with its own thread pool whose idle
# threads spin for a while after a call. Alternating the two (numpy's `@` for a product,
# scipy's LU) made both 10–100× slower on a 2-core machine, so everything on the solver's path
# (residuals, factorisation, solves) calls scipy's BLAS, like the LU.
def _mv(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """a @ x for a C-contiguous matrix a."""
    return dgemv(1.0, a.T, x, trans=1)


def _vm(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """y @ a for a C-contiguous matrix a."""
    return dgemv(1.0, a.T, y)


def _matmul(a: np.ndarray, b: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """alpha·a @ b in C order."""
    # dgemm computes bᵀ aᵀ in Fortran order, which is a b in C order
    bt, tb = (b.T, 0) if b.flags.c_contiguous else (b, 1)
    at, ta = (a.T, 0) if a.flags.c_contiguous else (a, 1)
    return dgemm(alpha, bt, at, trans_a=tb, trans_b=ta).T


class _OneSectorFactorization:
    """J(x)⁻¹ r by block elimination (see :meth:`OneSectorSystem.factorize`)."""

    def solve(self, r: np.ndarray) -> np.ndarray:
        sysm = self.system
        n, eps, psi = sysm.n, sysm.b.eps, sysm.b.psi
        idet, pR, pm, pd, po, qR, qm, qd, qo, pu, qu, coef = self.vectors
        r1, r2, r3 = r[:n], r[n:2 * n], r[2 * n:]
        yp = (self.L3 * r2 - self.b2 * r3) * idet       # D⁻¹ (r2, r3)
        yq = (self.E2 * r3 - self.E3 * r2) * idet
        k = (self.v @ yq) / self.denom
        yp -= pu * k
        yq -= qu * k
        rhs = r1 - self.sY * (sysm._sales(self.c, self.g, yp) + self.h * yp + self.L1u * yq)
        rhs[-1] = r1[-1] - self.EPf @ yp + psi * (self.EPf @ yq)
        dlc, _ = dgetrs(self.lu[0], self.lu[1], rhs, trans=1)     # Sc dlc = rhs (lu is of Scᵀ)
        cd = self.c * dlc
        lam_dlc = _mv(sysm._K[0], cd) / self.S           # λ'ᵀ dlc
        rev_dlc = _mv(sysm._K[2], cd) * self.g           # RmT dlc
        s1, s2 = self.Yp @ dlc, coef @ dlc
        out = np.empty(3 * n)
        out[n:2 * n] = yp - (pR * rev_dlc + pm * lam_dlc + pd * dlc + po * s1 - pu * s2)
        dl = out[2 * n:]
        dl[:] = yq - (qR * rev_dlc + qm * lam_dlc + qd * dlc + qo * s1 - qu * s2)
        out[:n] = psi * dl - dlc / eps
        return out


# ---------------------------------------------------------------------------- welfare
def welfare(base: Baseline, s: State) -> np.ndarray:
    """Ŵ_i = δ_i Ê_i/P̂_i + (1−δ_i) ŵ_i L̂_i/P̂_i, δ_i = E_i/(E_i − κ(1−τ_i)Y_i/(1+κ)) (A.2)."""
    delta = base.E / (base.E - base.kappa * (1 - s.tau) * base.Y / (1 + base.kappa))
    return delta * s.Eh / s.P + (1 - delta) * s.w * s.L / s.P


# ---------------------------------------------------------------------------- closed forms
def optimal_tariff(base: Baseline, country: str, denominator: Literal["expenditure", "income"] = "expenditure",
                   at: State | None = None) -> float:
    """A.3 B3: the uniform optimal tariff of ``country`` on all its imports.

    t* = 1/((1 + δ_j ε) φ_j − 1), δ_j = Σ_{i≠j} X_ji (1−ν_i)(1−λ_ji) / [(1−ν_j)(E_j − X_jj)],
    with the baseline's flows (the paper), or those of the equilibrium ``at`` (X' net of tariffs,
    E = Σ_j X'_ji, Y'). ``denominator="income"`` uses (Y_j − X_jj), as the replication code does
    in scenario R3.

    The formula is the exact optimum of the model's welfare Ŵ in a two-country world with
    inelastic labour (κ = 0) and balanced trade (T = 0): the numerical optimum is then its fixed
    point, the rate the formula returns at the optimum's own flows (with more countries the two
    part by 1e-5–4e-4; tests/test_one_sector_strategy.py). At the baseline's flows it is a
    first-order approximation of that fixed point; with κ > 0 or deficits it leaves out the
    labour-supply and transfer channels of Ŵ.
    """
    j = base.world.index_of(country)
    if at is None:
        X, lam, E, Y = base.X, base.lam, base.E, base.Y
    else:
        X = at.Xp
        E = X.sum(axis=0)
        lam, Y = X / E[None, :], at.Yp
    nu = base.nu
    others = np.arange(len(X)) != j
    num = (X[j, others] * (1 - nu[others]) * (1 - lam[j, others])).sum()
    scale = E[j] if denominator == "expenditure" else Y[j]
    delta = num / ((1 - nu[j]) * (scale - X[j, j]))
    return float(1.0 / ((1 + delta * base.eps) * base.phi[j] - 1))


def optimal_retaliation(base: Baseline, target: str, at: State | None = None) -> float:
    """A.3: the uniform optimal retaliation rate of the rest of the world against ``target``.

    On the two-region aggregation (rest, target) of the filled X and of Y (or of the flows X'
    and incomes Y' of the equilibrium ``at``):
    δ^a_1 = Σ_{s≠1} X^a_1s (1−ν_s)(1−λ^a_1s) / [(1−ν_1)(Y^a_1 − X^a_11)],
    t_ret = 1/((1 + δ^a_1 ε) φ_rest − 1). ν and φ of the rest are their E-weighted means
    (all equal in the paper's calibration). Exact, like :func:`optimal_tariff`, when the rest is
    one country, κ = 0 and trade is balanced, at the optimum's own flows.
    """
    k = base.world.index_of(target)
    n = len(base.X)
    A = np.zeros((2, n))
    A[0] = 1.0
    A[0, k] = 0.0
    A[1, k] = 1.0
    X, Y = (base.X, base.Y) if at is None else (at.Xp, at.Yp)
    Xa, Ya = A @ X @ A.T, A @ Y
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
    if base.params.variant == "input_output":   # A.4
        from tradewar.models import one_sector_io

        return one_sector_io.solve(base, t, T, x0=x0, tol=tol, T_path_from=T_path_from)
    T = base.T if T is None else np.asarray(T, float)
    x0 = np.zeros(3 * n) if x0 is None else x0
    system = OneSectorSystem(base, t, T)
    if T_path_from is not None:
        T0 = np.asarray(T_path_from, float)
        x, diag = continuation(
            lambda s: system if s >= 1.0 else OneSectorSystem(base, t, T0 + s * (T - T0)), x0,
            path=(1.0,), tol=tol, what=WHAT)
    else:
        x, diag = newton(system, x0, tol=tol, what=WHAT)
    refuse_degenerate(x, ("ŵ", "Ê", "L̂"), base.world.iso3, WHAT, diag)
    st = system.state(x)
    # Walras' law: summing (1) over countries and using (2) gives Σ_i F_i = (ΣY'/ΣY) ΣT, so with
    # the other equations solved the dropped one must equal that world transfer imbalance
    # (zero when transfers sum to zero; not under the replication code's closure A.3 (b)).
    imbalance = st.Yp.sum() / base.Y.sum() * T.sum()
    dropped = (system.market_clearing_at(x)[-1] - imbalance) / base.Y[-1]
    diag.dropped_equation_residual = float(dropped)
    if not abs(dropped) <= 1e-8:
        from tradewar.errors import ConvergenceError
        raise ConvergenceError(
            f"Walras' law check failed: the dropped market-clearing equation of {base.world.iso3[-1]} "
            f"has residual {dropped:.3e}", diag)
    return Solution(base=base, t=t, T=T, x=x, state=st, welfare=welfare(base, st), diagnostics=diag)
