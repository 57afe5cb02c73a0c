"""The multi-sector model of Ossa (2014), "Trade Wars and Trade Talks with Data".

Equation references are to ``specs/ossa2014.md`` (B.1 data and derived shares, B.2 the
counterfactual equilibrium, B.4 the Table 2 decomposition), which follows Ossa's replication
code (``myconditions``/``mycounterfactuals``/``mydecomposition``). Arrays are [exporter,
importer, sector]: ``X[i, j, s]`` is what i sells to j in sector s valued before j's tariff,
``t[i, j, s]`` the tariff j levies on it; per-country-sector arrays are [country, sector].
Hats are counterfactual/baseline ratios. Krugman-type monopolistic competition with a fixed
number of firms per sector (profits Π_is = sales/σ_s), one factor (labour) mobile across
sectors, Cobb–Douglas upper tier.

Unknowns are logs of the hats: x = (log Ê, log ŵ) ∈ R^{2N}. Residuals: the N budget
constraints divided by E_i, then the labour markets of countries 2..N (unitless) with the
numeraire Σ_i (wL_i/Σ_k wL_k) ŵ_i = 1 in place of country 1's, which is dropped and checked at
the solution (Walras' law).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tradewar.errors import ConvergenceError, DataError, ParameterError
from tradewar.solver import Diagnostics, newton


# ---------------------------------------------------------------------------- baseline (B.1)
@dataclass(frozen=True, eq=False)
class Baseline:
    """The data and the shares derived from them (B.1), in the World's country/sector order."""

    X: np.ndarray        # [i, j, s] flows before tariffs
    t: np.ndarray        # [i, j, s] factual tariffs
    sigma: np.ndarray    # [s] elasticities of substitution σ_s
    lam: np.ndarray      # [j, s] political-economy weights λ_js (ones: welfare)
    alpha: np.ndarray    # [i, j, s] α_ijs = X_ijs / Σ_k X_iks
    gamma: np.ndarray    # [i, j, s] γ_ijs = (1+t_ijs) X_ijs / Σ_q (1+t_qjs) X_qjs
    delta: np.ndarray    # [i, s] δ_is, sector shares of i's wage bill
    mu: np.ndarray       # [j, s] μ_js, Cobb–Douglas expenditure shares
    S: np.ndarray        # [i, s] sales Σ_j X_ijs
    E: np.ndarray        # [j] expenditure Σ_{i,s} (1+t_ijs) X_ijs
    Pi: np.ndarray       # [i, s] profits S_is / σ_s
    NX: np.ndarray       # [i] net exports Σ_{j,s} X_ijs − Σ_{j,s} X_jis
    R: np.ndarray        # [j] tariff revenue Σ_{i,s} t_ijs X_ijs
    wL: np.ndarray       # [i] wage bill E_i + NX_i − R_i − Σ_s Π_is
    EL: np.ndarray       # [j, s] EL_js = Σ_k X_jks + δ_js R_j (government welfare, B.2)

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def omega(self) -> np.ndarray:
        """Numeraire weights wL_i / Σ_k wL_k."""
        return self.wL / self.wL.sum()


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den with 0 where den is 0 (a country without sales, a market without spending)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def wage_shares(X: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """δ_is = Σ_j ((σ_s−1)/σ_s) X_ijs / Σ_r Σ_j ((σ_r−1)/σ_r) X_ijr (B.1)."""
    V = X.sum(axis=1) * ((sigma - 1.0) / sigma)[None, :]
    return _share(V, V.sum(axis=1, keepdims=True))


def calibrate(X: np.ndarray, t: np.ndarray, sigma: np.ndarray, lam: np.ndarray | None = None,
              name: str = "ossa2014", codes=None) -> Baseline:
    """B.1: the derived shares and aggregates of flows ``X`` and tariffs ``t`` at elasticities σ
    (``codes`` name the countries in errors)."""
    X, t = np.asarray(X, float), np.asarray(t, float)
    sigma = np.asarray(sigma, float)
    n, _, s = X.shape
    if X.shape != (n, n, s) or t.shape != X.shape or sigma.shape != (s,):
        raise DataError(name, "flows", f"shapes do not fit: X {X.shape}, t {t.shape}, σ {sigma.shape}")
    if not np.all(sigma > 1.0):
        raise ParameterError("model.sigma", sigma.min(), "elasticities of substitution must exceed 1")
    lam = np.ones((n, s)) if lam is None else np.asarray(lam, float)
    spend = (1.0 + t) * X
    S = X.sum(axis=1)
    E = spend.sum(axis=(0, 2))
    if not np.all(E > 0) or not np.all(S.sum(axis=1) > 0):
        bad = np.flatnonzero(~((E > 0) & (S.sum(axis=1) > 0)))
        raise DataError(name, "flows", f"countries without expenditure or sales at positions {bad.tolist()}")
    home = np.einsum("iis->i", X)
    exports, imports = X.sum(axis=(1, 2)) - home, X.sum(axis=(0, 2)) - home
    if not np.all((exports > 0) & (imports > 0)):
        # a closed economy's wage is not determined, and with no imports (exports) balanced trade
        # cannot hold: the Jacobian is singular or the solve creeps towards a boundary
        idle = np.flatnonzero(~((exports > 0) & (imports > 0)))
        who = [codes[k] for k in idle] if codes is not None else idle.tolist()
        raise DataError(name, "flows", f"countries with no international trade (no imports or no exports): "
                                       f"{who[:8]}; every country must import and export: drop them or merge them "
                                       "into a region (a world needs at least two trading countries)")
    Pi = S / sigma[None, :]
    NX = S.sum(axis=1) - X.sum(axis=(0, 2))
    R = (t * X).sum(axis=(0, 2))
    wL = E + NX - R - Pi.sum(axis=1)
    delta = wage_shares(X, sigma)
    return Baseline(
        X=X, t=t, sigma=sigma, lam=lam,
        alpha=_share(X, S[:, None, :]),
        gamma=_share(spend, spend.sum(axis=0, keepdims=True)),
        delta=delta,
        mu=spend.sum(axis=0) / E[:, None],
        S=S, E=E, Pi=Pi, NX=NX, R=R, wL=wL,
        EL=S + delta * R[:, None],
    )


# ---------------------------------------------------------------------------- equilibrium (B.2)
@dataclass
class State:
    """Counterfactual quantities at given unknowns (B.2)."""

    Eh: np.ndarray     # Ê [j]
    w: np.ndarray      # ŵ [i]
    Ps: np.ndarray     # P̂_js [j, s]
    g: np.ndarray      # γ'_ijs, new origin shares of j's spending on s
    m: np.ndarray      # m_ijs = ŵ_i^(1−σ) τ̂_ijs^(−σ) P̂_js^(σ−1)
    Xp: np.ndarray     # X'_ijs = X_ijs m_ijs Ê_j
    Sp: np.ndarray     # sales S'_is = Σ_j X'_ijs
    Shat: np.ndarray   # Ŝ_is = Π̂_is = Σ_j α_ijs m_ijs Ê_j
    Rp: np.ndarray     # R'_j = Σ_{i,s} t'_ijs X'_ijs
    P: np.ndarray      # P̂_j = Π_s P̂_js^μ_js


class OssaSystem:
    """B.2 as residuals in x = (log Ê, log ŵ) for new tariffs ``tp`` and net exports ``NXp``."""

    def __init__(self, base: Baseline, tp: np.ndarray, NXp: np.ndarray):
        self.b = base
        self.n = base.n
        self.tp = np.asarray(tp, float)
        self.NXp = np.asarray(NXp, float)
        self.log_tau = np.log1p(self.tp) - np.log1p(base.t)           # log τ̂_ijs
        self.c_labour = _share(base.delta, base.S)                     # δ_is / S_is
        self._cache: tuple[bytes, State] | None = None

    def state(self, x: np.ndarray) -> State:
        key = x.tobytes()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        b, n = self.b, self.n
        e, a = x[:n], x[n:]
        sig = b.sigma[None, None, :]
        # P̂_js^(1−σ_s) = Σ_i γ_ijs (ŵ_i τ̂_ijs)^(1−σ_s)
        z = b.gamma * np.exp((1.0 - sig) * (a[:, None, None] + self.log_tau))
        zsum = z.sum(axis=0)
        with np.errstate(divide="ignore"):
            logPs = np.where(zsum > 0, np.log(np.where(zsum > 0, zsum, 1.0)), 0.0) / (1.0 - b.sigma)[None, :]
        g = _share(z, zsum[None])
        m = np.exp((1.0 - sig) * a[:, None, None] - sig * self.log_tau + (sig - 1.0) * logPs[None])
        Eh = np.exp(e)
        Xp = b.X * m * Eh[None, :, None]
        Sp = Xp.sum(axis=1)
        st = State(Eh=Eh, w=np.exp(a), Ps=np.exp(logPs), g=g, m=m, Xp=Xp, Sp=Sp, Shat=_share(Sp, b.S),
                   Rp=(self.tp * Xp).sum(axis=(0, 2)), P=np.exp((b.mu * logPs).sum(axis=1)))
        self._cache = (key, st)
        return st

    def budget(self, st: State) -> np.ndarray:
        """Ê_i − (wL_i/E_i) ŵ_i − Σ_s (Π_is/E_i) Π̂_is − R'_i/E_i + NX'_i/E_i (B.2 budgets)."""
        b = self.b
        return st.Eh - (b.wL * st.w + (st.Sp / b.sigma[None, :]).sum(axis=1) + st.Rp - self.NXp) / b.E

    def labour(self, st: State) -> np.ndarray:
        """Σ_s δ_is Π̂_is − ŵ_i for every country (B.2 labour markets)."""
        return (self.b.delta * st.Shat).sum(axis=1) - st.w

    def residual(self, x: np.ndarray) -> np.ndarray:
        st = self.state(x)
        r = np.concatenate([self.budget(st), self.labour(st)])
        r[self.n] = self.b.omega @ st.w - 1.0     # numeraire replaces country 1's labour market
        return r

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Analytic Jacobian of :meth:`residual` in x = (log Ê, log ŵ).

        With d log P̂_js = Σ_k γ'_kjs da_k, every flow moves as
        d log X'_ijs = de_j + (1−σ_s) da_i + (σ_s−1) Σ_k γ'_kjs da_k, so for weights c_is
        Σ_s c_is ∂S'_is/∂a_k = 1[i=k] Σ_s c_is (1−σ_s) S'_is + Σ_{j,s} c_is (σ_s−1) X'_ijs γ'_kjs,
        Σ_s c_is ∂S'_is/∂e_k = Σ_s c_is X'_iks, and tariff revenue
        ∂R'_i/∂a_k = Σ_s (1−σ_s) t'_kis X'_kis + Σ_s (σ_s−1) γ'_kis Σ_j t'_jis X'_jis, ∂R'_i/∂e_i = R'_i.
        """
        b, n = self.b, self.n
        st = self.state(x)
        sig = b.sigma
        diag = np.diag_indices(n)

        def sales_da(c):                                   # Σ_s c_is ∂S'_is/∂a_k  [i, k]
            out = np.einsum("ijs,kjs->ik", st.Xp * (c * (sig - 1.0))[:, None, :], st.g, optimize=True)
            out[diag] += (c * (1.0 - sig) * st.Sp).sum(axis=1)
            return out

        def sales_de(c):                                   # Σ_s c_is ∂S'_is/∂e_k  [i, k]
            return np.einsum("iks,is->ik", st.Xp, c, optimize=True)

        TX = self.tp * st.Xp                               # t'_jis X'_jis  [j, i, s]
        dR_da = (np.einsum("kis,s->ik", TX, 1.0 - sig, optimize=True)
                 + np.einsum("kis,is->ik", st.g, (sig - 1.0) * TX.sum(axis=0), optimize=True))
        c_profit = np.broadcast_to(1.0 / sig, b.S.shape)
        J = np.empty((2 * n, 2 * n))
        J[:n, :n] = -sales_de(c_profit) / b.E[:, None]
        J[:n, :n][diag] += st.Eh - st.Rp / b.E
        J[:n, n:] = -(sales_da(c_profit) + dR_da) / b.E[:, None]
        J[:n, n:][diag] -= b.wL * st.w / b.E
        J[n:, :n] = sales_de(self.c_labour)
        J[n:, n:] = sales_da(self.c_labour)
        J[n:, n:][diag] -= st.w
        J[n, :n] = 0.0
        J[n, n:] = b.omega * st.w
        return J


# ---------------------------------------------------------------------------- welfare (B.2)
def welfare(st: State) -> np.ndarray:
    """Ŵ_j = Ê_j / P̂_j."""
    return st.Eh / st.P


def government_welfare(base: Baseline, st: State, lam: np.ndarray | None = None) -> np.ndarray:
    """Ĝ_j = [Σ_s λ_js EL'_js / Σ_s λ_js EL_js] / P̂_j, EL'_js = Σ_k X'_jks + δ'_js R'_j with δ'
    the wage-bill shares of the new flows (B.2). Equals Ŵ_j when λ = 1 and NX = NX' = 0."""
    lam = base.lam if lam is None else lam
    ELp = st.Sp + wage_shares(st.Xp, base.sigma) * st.Rp[:, None]
    return (lam * ELp).sum(axis=1) / (lam * base.EL).sum(axis=1) / st.P


def decomposition(base: Baseline, st: State) -> tuple[np.ndarray, np.ndarray]:
    """First-order welfare decomposition of Table 2 (B.4, ``mydecomposition``), percent of income:

    ToT_j = 100 Σ_{i,s} (X_ijs/E_j)(dw_j − dw_i) and PS_i = 100 Σ_s (Π_is/E_i)(dS_is − dw_i),
    with dw = ŵ − 1 and dS = Ŝ − 1 at baseline flows, expenditure and profits."""
    dw = st.w - 1.0
    imports = base.X.sum(axis=2)                                   # [i, j]
    tot = 100.0 * (imports * (dw[None, :] - dw[:, None])).sum(axis=0) / base.E
    ps = 100.0 * (base.Pi * (st.Shat - 1.0 - dw[:, None])).sum(axis=1) / base.E
    return tot, ps


# ---------------------------------------------------------------------------- solving
@dataclass
class Solution:
    """An equilibrium: the state, welfare and the solver's diagnostics."""

    base: Baseline
    tp: np.ndarray
    NXp: np.ndarray
    x: np.ndarray
    state: State
    welfare: np.ndarray
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


def solve(base: Baseline, tp: np.ndarray | None = None, NXp: np.ndarray | None = None, *,
          x0: np.ndarray | None = None, tol: float = 1e-12, dropped_tol: float = 1e-8) -> Solution:
    """Solve B.2 for new tariffs ``tp`` [exporter, importer, sector] (default: factual) and new
    net exports ``NXp`` in levels (default 0, as in all of the paper's tables), by the shared
    Newton solver from x0 (default: the baseline, x = 0). Verifies the dropped equation (the
    labour market of country 1) at the solution."""
    n = base.n
    tp = base.t if tp is None else np.asarray(tp, float)
    if tp.shape != base.X.shape:
        raise ParameterError("tariffs", tp.shape, f"must be a {base.X.shape} [exporter, importer, sector] array")
    if np.any(tp <= -1):
        raise ParameterError("tariffs", float(tp.min()), "rates must exceed -1")
    NXp = np.zeros(n) if NXp is None else np.asarray(NXp, float)
    system = OssaSystem(base, tp, NXp)
    x, diag = newton(system, np.zeros(2 * n) if x0 is None else np.asarray(x0, float), tol=tol,
                     what="ossa2014 equilibrium (B.2)")
    st = system.state(x)
    dropped = float(system.labour(st)[0])
    diag.dropped_equation_residual = dropped
    if not abs(dropped) <= dropped_tol:
        raise ConvergenceError(
            f"Walras' law check failed: the dropped labour-market equation of country 1 has residual "
            f"{dropped:.3e}", diag)
    return Solution(base=base, tp=tp, NXp=NXp, x=x, state=st, welfare=welfare(st), diagnostics=diag)


def balance_trade(X: np.ndarray, t: np.ndarray, sigma: np.ndarray, *, tol: float = 1e-13) -> tuple[np.ndarray, Diagnostics]:
    """The data purged of trade imbalances (B.1): the counterfactual with t' = t and NX' = 0
    applied to flows ``X`` [exporter, importer, sector]. Returns the balanced flows X' and the
    solver's diagnostics. (Ossa's ``trade_balanced`` is this applied to ``trade_raw``.)"""
    base = calibrate(X, t, sigma)
    sol = solve(base, base.t, np.zeros(base.n), tol=tol)
    return sol.state.Xp, sol.diagnostics
