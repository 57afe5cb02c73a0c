"""The multi-sector Ricardian model with input-output links of Caliendo & Parro (2015).

Equation references are to ``specs/cp2015.md`` (§C), which follows the R package ``cp2015``
(``prepare_cp2015.R``, ``solve_model.cpp``, ``compute_results.R``). The spec writes π_nij with
n the importer; here every bilateral array follows the package-wide convention **[exporter i,
importer n, sector j]**: ``V[i, n, j]`` is what i sells to n in sector j net of tariffs,
``t[i, n, j]`` the tariff n levies on it. Per-country-sector arrays are [country, sector];
``gio[n, k, j]`` is the share of input k in the gross output of sector j of country n.
Hats are counterfactual/baseline ratios; money is in the World's unit (US$ for ``cp2015``).

Equilibrium (§C), given new tariffs t¹ and deficits D in levels:

* κ̂ = (1+t¹)/(1+t⁰); P̂_nj = [Σ_i π⁰_inj (κ̂_inj ĉ_ij)^(−θ_j)]^(−1/θ_j);
  π¹_inj = π⁰_inj (κ̂_inj ĉ_ij / P̂_nj)^(−θ_j);
* (C) ĉ_nj = ŵ_n^γ_nj Π_k P̂_nk^γ_nkj;
* (X) X_nj = Σ_k γ_njk Y_nk + α_nj I_n, with Y_ij = Σ_n π¹_inj X_nj/(1+t¹_inj) and
  I_n = ŵ_n wL_n + Σ_{i,j} t¹_inj π¹_inj X_nj/(1+t¹_inj) + D_n;
* (W) ŵ_n wL_n = Σ_j γ_nj Y_nj, the last region's equation replaced by the numeraire
  Σ_n ŵ_n wL_n / Σ_n wL_n = 1 (the dropped equation is checked at the solution).

The package iterates these as a damped fixed point (update factor 0.5, ≈ 800 iterations on
the NAFTA data). Here the unknowns are z = (log ŵ [N], log ĉ [N·J], X_nj/Σ_k X⁰_nk [N·J]) and the
system is solved by the shared Newton solver; the Newton steps are solved by GMRES with
analytic Jacobian-vector products (:meth:`CPSystem.jvp`, an inexact Newton–Krylov method):
the dense Jacobian has (2NJ+N)² = 6.3 million entries on the NAFTA data, and its products with
a vector cost O(N²J) like one residual. GMRES is right-preconditioned by the exact inverse of
each region's own (2J+1)-block of the Jacobian (its input-output loops and domestic trade;
:meth:`CPSystem.local_blocks`, inverted by a block elimination in :class:`_BlockInverse`), which
leaves only the links through trade between regions: 4–14 GMRES iterations per Newton step on
the NAFTA data, 4–5 Newton steps. The forcing term follows the residual (inexact Newton). A
Krylov "factorisation" costs nothing to refresh, so every Newton step uses the Jacobian at the
current point (``reuse_ratio = 0``); the preconditioner is kept along a solve and can be handed
to nearby solves. Residuals are scaled: (C) is unitless, (X) is divided by Σ_k X⁰_nk (the
region's baseline expenditure) and (W) by wL_n, so the tolerance is relative.
Adjoints (welfare gradients) use reverse-mode products μ ↦ Jᵀμ (:meth:`CPSystem.residual_vjp`)
and the transposed blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tradewar.errors import ConvergenceError, DataError, ParameterError
from tradewar.solver import Diagnostics, continuation, newton


# ---------------------------------------------------------------------------- baseline (§C shares)
@dataclass(frozen=True, eq=False)
class Baseline:
    """The data and the shares derived from them (§C), in the World's country/sector order."""

    V: np.ndarray        # [i, n, j] flows net of tariffs
    t: np.ndarray        # [i, n, j] baseline tariffs t⁰
    theta: np.ndarray    # [j] trade elasticities θ_j
    pi: np.ndarray       # [i, n, j] π⁰ = V(1+t⁰)/Σ_i V(1+t⁰)
    gio: np.ndarray      # [n, k, j] γ_nkj = IC_nkj / GO_nj (input k used by sector j)
    gva: np.ndarray      # [n, j] γ_nj = VA_nj / GO_nj
    alpha: np.ndarray    # [n, j] α_nj = FC_nj / Σ_j FC_nj
    wL: np.ndarray       # [n] Σ_j VA_nj
    X: np.ndarray        # [n, j] initial expenditure Σ_i V(1+t⁰)
    D: np.ndarray        # [n] deficits of the data (imports − exports)

    @property
    def gioT(self) -> np.ndarray:
        """[n, j, k] γ_nkj, contiguous (computed once)."""
        if "_gioT" not in self.__dict__:
            object.__setattr__(self, "_gioT", np.ascontiguousarray(self.gio.transpose(0, 2, 1)))
        return self.__dict__["_gioT"]

    @property
    def scale(self) -> np.ndarray:
        """[n, 1] the unit of the X unknowns and residuals: a region's total expenditure
        (per-cell X⁰_nj would blow up the residuals of near-empty cells, e.g. 1 US$)."""
        return self.X.sum(axis=1, keepdims=True)

    @property
    def n(self) -> int:
        return self.V.shape[0]

    @property
    def n_sectors(self) -> int:
        return self.V.shape[2]


def calibrate(V: np.ndarray, t: np.ndarray, theta: np.ndarray, IC: np.ndarray, VA: np.ndarray,
              FC: np.ndarray, D: np.ndarray | None = None, name: str = "cp2015") -> Baseline:
    """§C shares from flows ``V`` and tariffs ``t`` [i, n, j], intermediate consumption
    ``IC`` [n, input k, using j], value added ``VA`` and final consumption ``FC`` [n, j]."""
    V, t, theta = np.asarray(V, float), np.asarray(t, float), np.asarray(theta, float)
    IC, VA, FC = np.asarray(IC, float), np.asarray(VA, float), np.asarray(FC, float)
    n, _, J = V.shape
    if V.shape != (n, n, J) or t.shape != V.shape or theta.shape != (J,) or IC.shape != (n, J, J) \
            or VA.shape != (n, J) or FC.shape != (n, J):
        raise DataError(name, "shapes", f"do not fit: V {V.shape}, t {t.shape}, θ {theta.shape}, IC {IC.shape}, "
                                        f"VA {VA.shape}, FC {FC.shape}")
    if not np.all(np.isfinite(theta) & (theta > 0)):
        raise ParameterError("theta", theta.min(), "trade elasticities must be positive")
    spend = V * (1.0 + t)
    X = spend.sum(axis=0)
    if not np.all(X > 0):
        bad = np.argwhere(X <= 0)[:5].tolist()
        raise DataError(name, "flows", f"(importer, sector) cells without absorption: {bad}")
    GO = IC.sum(axis=1) + VA
    if not np.all(GO > 0):
        raise DataError(name, "value_added", "gross output (inputs + value added) must be positive everywhere")
    fc = FC.sum(axis=1, keepdims=True)
    if not np.all(fc > 0):
        raise DataError(name, "final_consumption", "every region needs positive final consumption")
    D = (V.sum(axis=(0, 2)) - np.einsum("iij->i", V)) - (V.sum(axis=(1, 2)) - np.einsum("iij->i", V)) \
        if D is None else np.asarray(D, float)
    return Baseline(V=V, t=t, theta=theta, pi=spend / X[None], gio=IC / GO[:, None, :], gva=VA / GO,
                    alpha=FC / fc, wL=VA.sum(axis=1), X=X, D=D)


# ---------------------------------------------------------------------------- equilibrium
@dataclass
class State:
    """Equilibrium quantities at given unknowns (§C)."""

    w: np.ndarray      # ŵ [n]
    c: np.ndarray      # ĉ [n, j]
    P: np.ndarray      # P̂ [n, j]
    pi: np.ndarray | None   # π¹ [i, n, j] (None until needed: see :meth:`CPSystem.shares`)
    X: np.ndarray      # X [n, j] expenditure (levels)
    M: np.ndarray      # [i, n, j] flows net of tariffs π¹ X/(1+t¹)
    Y: np.ndarray      # [i, j] gross output Σ_n M
    R: np.ndarray      # [n] tariff revenue
    I: np.ndarray      # [n] income ŵ wL + R + D
    Pn: np.ndarray     # [n] consumer price index Π_j P̂_nj^α_nj
    logP: np.ndarray | None = None   # log P̂ [n, j]
    A: np.ndarray | None = None      # π⁰ (κ̂ ĉ)^(−θ) [i, n, j] (π¹ = A/S)
    iS: np.ndarray | None = None     # 1/S [n, j]


class CPSystem:
    """§C as residuals in z = (log ŵ, log ĉ, X/Σ_k X⁰_·k) for new tariffs ``t1`` and deficits ``D``.

    ``jvp(z, v)`` is the analytic Jacobian times a vector; ``factorize(z)`` returns a GMRES
    solver for J(z) (the shared Newton solver's hook); ``jacobian(z)`` the dense matrix (for
    checks only: it costs 2NJ+N products).
    """

    def __init__(self, base: Baseline, t1: np.ndarray, D: np.ndarray, *, gmres_rtol: float = 1e-9,
                 preconditioner: "_BlockInverse | None" = None):
        self.b = base
        self.n, self.J = base.n, base.n_sectors
        self.t1 = np.asarray(t1, float)
        self.D = np.asarray(D, float)
        th = base.theta
        # constant part of the price index terms: π⁰ κ̂^(−θ)
        self.A0 = base.pi * ((1.0 + self.t1) / (1.0 + base.t)) ** (-th)[None, None, :]
        self.inv1t = 1.0 / (1.0 + self.t1)
        self.trate = self.t1 * self.inv1t            # t/(1+t)
        self.gmres_rtol = gmres_rtol
        self.tol = 1e-10                               # the Newton tolerance (set by :func:`solve`)
        self.size = self.n + 2 * self.n * self.J
        self._cache: tuple[bytes, State] | None = None
        self._Binv: _BlockInverse | None = preconditioner
        self._Binv_stale = False

    # -- unknowns ---------------------------------------------------------------------
    def split(self, z: np.ndarray):
        n, J = self.n, self.J
        return z[:n], z[n:n + n * J].reshape(n, J), z[n + n * J:].reshape(n, J)

    def start(self) -> np.ndarray:
        """ŵ = ĉ = 1, X = X⁰ (the package's initial values)."""
        z = np.zeros(self.size)
        z[self.n + self.n * self.J:] = (self.b.X / self.b.scale).ravel()
        return z

    def state(self, z: np.ndarray) -> State:
        key = z.tobytes()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        b = self.b
        a, x, u = self.split(z)
        th = b.theta
        A = self.A0 * np.exp(-th * x)[:, None, :]     # π⁰ (κ̂ ĉ_ij)^(−θ)
        S = A.sum(axis=0)                             # [n, j]
        iS = 1.0 / S
        logP = -np.log(S) / th
        X = u * b.scale
        M = self.inv1t * A                            # π¹ X/(1+t¹) with π¹ = A/S
        M *= (X * iS)[None]
        R = np.einsum("inj,inj->n", self.t1, M)
        w = np.exp(a)
        I = w * b.wL + R + self.D
        st = State(w=w, c=np.exp(x), P=np.exp(logP), pi=None, X=X, M=M, Y=M.sum(axis=1), R=R, I=I,
                   Pn=np.exp((b.alpha * logP).sum(axis=1)), logP=logP, A=A, iS=iS)
        self._cache = (key, st)
        return st

    @staticmethod
    def shares(st: State) -> np.ndarray:
        """π¹ [i, n, j] of a state (computed when first needed: residuals do not need it)."""
        if st.pi is None:
            st.pi = st.A * st.iS[None]
        return st.pi

    # -- residuals --------------------------------------------------------------------
    def residual(self, z: np.ndarray) -> np.ndarray:
        b = self.b
        a, x, u = self.split(z)
        st = self.state(z)
        rc = x - b.gva * a[:, None] - _mv(b.gioT, st.logP)
        rX = (st.X - _mv(b.gio, st.Y) - b.alpha * st.I[:, None]) / b.scale
        rw = self.labour(st)
        rw[-1] = st.w @ b.wL / b.wL.sum() - 1.0
        return np.concatenate([rw, rc.ravel(), rX.ravel()])

    def labour(self, st: State) -> np.ndarray:
        """(W) scaled by wL: ŵ_n − Σ_j γ_nj Y_nj / wL_n, every region."""
        return st.w - (self.b.gva * st.Y).sum(axis=1) / self.b.wL

    def jvp(self, z: np.ndarray, v: np.ndarray) -> np.ndarray:
        """J(z) v, analytically. With dlogP̂_nj = Σ_i π¹_inj dx_ij (x = log ĉ),
        dM_inj = −θ_j M_inj (dx_ij − dlogP̂_nj) + m_inj dX_nj, m = π¹/(1+t¹), M = m X, so
        dY_ij = −θ_j Y_ij dx_ij + Σ_n m_inj q_nj with q = θ X dlogP̂ + dX, and
        dR_n = Σ_j q_nj Σ_i t¹_inj m_inj − Σ_{i,j} θ_j t¹_inj M_inj dx_ij: three passes over the
        N²J arrays (as per-sector matrix-vector products) and no N²J temporaries."""
        return self._jvp(self.linearization(z), v)

    def linearization(self, z: np.ndarray) -> dict:
        """The arrays of :meth:`jvp` at z, sector-major ([sector, row, column]) for batched
        matrix-vector products; computed once per z."""
        st = self.state(z)
        if getattr(self, "_lin_for", None) is not st:
            self.shares(st)
            m = st.pi * self.inv1t
            self._lin = {
                "st": st,
                "piT": np.ascontiguousarray(st.pi.transpose(2, 1, 0)),          # [j, n, i]
                "mT": np.ascontiguousarray(m.transpose(2, 0, 1)),               # [j, i, n]
                # t¹M as one [n, (i, j)] matrix: dR_n = Σ_{i,j} θ_j t¹_inj M_inj dx_ij is one product
                "tM_flat": np.ascontiguousarray((self.t1 * st.M).transpose(1, 0, 2)).reshape(self.n, -1),
                "tm": (self.t1 * m).sum(axis=0),                                # [n, j]
                "wwL": st.w * self.b.wL,
            }
            self._lin_for = st
        return self._lin

    def _jvp(self, lin: dict, v: np.ndarray) -> np.ndarray:
        b, n, J = self.b, self.n, self.J
        st = lin["st"]
        th = b.theta
        da = v[:n]
        dxT = v[n:n + n * J].reshape(n, J).T                  # [j, i]
        dXT = v[n + n * J:].reshape(n, J).T * b.scale[:, 0]   # [j, n]
        dlogPT = _mv(lin["piT"], dxT)                           # [j, n]
        qT = (st.X.T * th[:, None]) * dlogPT + dXT
        dY = (_mv(lin["mT"], qT) - (th[:, None] * st.Y.T) * dxT).T      # [i, j]
        dR = (qT.T * lin["tm"]).sum(axis=1) - lin["tM_flat"] @ (dxT.T * th).ravel()
        dI = lin["wwL"] * da + dR
        out = np.empty(self.size)
        rw = out[:n]
        rw[:] = st.w * da - (b.gva * dY).sum(axis=1) / b.wL
        rw[-1] = lin["wwL"] @ da / b.wL.sum()
        out[n:n + n * J] = (dxT.T - b.gva * da[:, None] - _mv(b.gioT, dlogPT.T)).ravel()
        out[n + n * J:] = ((dXT.T - _mv(b.gio, dY) - b.alpha * dI[:, None]) / b.scale).ravel()
        return out

    # -- reverse mode (adjoints) ---------------------------------------------------------
    def pullback(self, z: np.ndarray, *, I_bar=None, logP_bar=None, X_bar=None, Y_bar=None, a_bar=None,
                 x_bar=None) -> tuple[np.ndarray, np.ndarray]:
        """(∂F/∂z, ∂F/∂t¹ [i, n, j]) of a scalar F given its sensitivities to I [n], log P̂ [n, j],
        X [n, j], Y [i, j] and directly to a = log ŵ [n] and x = log ĉ [n, j] (all at fixed
        others; None = 0). With u = log(1+t¹) and L_inj = log(π⁰ κ̂^(−θ) ĉ^(−θ)):
        d log M = d log π¹ + d log X − du, d log π¹_inj = dL_inj − Σ_i' π¹_i'nj dL_i'nj,
        d log P̂_nj = −(1/θ_j) Σ_i π¹_inj dL_inj, dL_inj = −θ_j (dx_ij + du_inj),
        R = Σ t¹ M, Y = Σ_n M, I = ŵ wL + R + D."""
        b = self.b
        st = self.state(z)
        self.shares(st)
        n, J = self.n, self.J
        th = b.theta
        zero = np.zeros((n, J))
        I_bar = np.zeros(n) if I_bar is None else I_bar
        logP_bar = zero if logP_bar is None else logP_bar
        X_bar = zero.copy() if X_bar is None else np.array(X_bar, float)
        Y_bar = zero if Y_bar is None else Y_bar
        a_bar = np.zeros(n) if a_bar is None else np.array(a_bar, float)
        x_bar = zero.copy() if x_bar is None else np.array(x_bar, float)
        a_bar += I_bar * st.w * b.wL
        # M̄ = Ȳ (through Y) + Ī t¹ (through R); W = M̄ M the sensitivity to log M
        W = (Y_bar[:, None, :] + I_bar[None, :, None] * self.t1) * st.M
        u_bar = I_bar[None, :, None] * st.M               # ∂R/∂u = (1+t¹) M ... at fixed M: t¹ → e^u − 1
        u_bar = u_bar * (1.0 + self.t1) - W
        X_bar += (W.sum(axis=0)) / np.where(st.X > 0, st.X, 1.0)
        Wn = W.sum(axis=0)                                 # Σ_i W_inj
        L_bar = W - st.pi * Wn[None] - st.pi * (logP_bar / th)[None]
        x_bar += -th * L_bar.sum(axis=1)
        u_bar += -th * L_bar
        grad_z = np.concatenate([a_bar, x_bar.ravel(), (X_bar * b.scale).ravel()])
        return grad_z, u_bar / (1.0 + self.t1)

    def residual_vjp(self, z: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(μᵀ ∂r/∂z, μᵀ ∂r/∂t¹) at z."""
        b, n, J = self.b, self.n, self.J
        st = self.state(z)
        mw, mc, mX = mu[:n], mu[n:n + n * J].reshape(n, J), mu[n + n * J:].reshape(n, J)
        nu = mX / b.scale
        a_bar = np.zeros(n)
        mwn = mw.copy()
        mwn[-1] = 0.0
        a_bar += mwn * st.w
        a_bar += mw[-1] * st.w * b.wL / b.wL.sum()
        a_bar += -(b.gva * mc).sum(axis=1)
        Y_bar = -np.einsum("njk,nj->nk", b.gio, nu) - b.gva * (mwn / b.wL)[:, None]
        logP_bar = -np.einsum("nkj,nj->nk", b.gio, mc)
        return self.pullback(z, I_bar=-(b.alpha * nu).sum(axis=1), logP_bar=logP_bar, X_bar=nu, Y_bar=Y_bar,
                             a_bar=a_bar, x_bar=mc)

    def _vjp_z(self, lin: dict, mu: np.ndarray) -> np.ndarray:
        """μᵀ ∂r/∂z only (the products of the adjoint GMRES), as three per-sector matrix-vector
        products like :meth:`jvp`: with W_inj = (Ȳ_ij + Ī_n t¹_inj) M_inj the sensitivity to
        log M, x̄_ij = μ_c,ij − θ_j [Σ_n W_inj − Σ_n π¹_inj (Σ_i' W_i'nj + log P̄_nj/θ_j)] and
        X̄_nj = μ_X,nj/s_n + Σ_i W_inj / X_nj (see :meth:`pullback`)."""
        b, n, J = self.b, self.n, self.J
        st, adj = lin["st"], self._adjoint_arrays(lin)
        th = b.theta
        mw, mc, mX = mu[:n], mu[n:n + n * J].reshape(n, J), mu[n + n * J:].reshape(n, J)
        nu = mX / b.scale
        mwn = mw.copy()
        mwn[-1] = 0.0
        Ibar = -(b.alpha * nu).sum(axis=1)
        a_bar = mwn * st.w + mw[-1] * lin["wwL"] / b.wL.sum() - (b.gva * mc).sum(axis=1) + Ibar * lin["wwL"]
        Ybar = -_mv(b.gioT, nu) - b.gva * (mwn / b.wL)[:, None]
        logPbar = -_mv(b.gio, mc)
        SW = Ybar * st.Y + (Ibar @ lin["tM_flat"]).reshape(n, J)                         # Σ_n W_inj  [i, j]
        Wn = _mv(adj["M_jni"], Ybar.T).T + Ibar[:, None] * adj["tMsum"]              # Σ_i W_inj  [n, j]
        V = Wn + logPbar / th
        x_bar = mc - th * (SW - _mv(adj["pi_jin"], V.T).T)
        X_bar = nu + Wn * adj["invX"]
        out = np.empty(self.size)
        out[:n] = a_bar
        out[n:n + n * J] = x_bar.ravel()
        out[n + n * J:] = (X_bar * b.scale).ravel()
        return out

    def _adjoint_arrays(self, lin: dict) -> dict:
        if "adj" not in lin:
            st = lin["st"]
            tM = self.t1 * st.M
            lin["adj"] = {
                "M_jni": np.ascontiguousarray(st.M.transpose(2, 1, 0)),
                "pi_jin": np.ascontiguousarray(st.pi.transpose(2, 0, 1)),
                "tMsum": tM.sum(axis=0),
                "invX": np.where(st.X != 0, 1.0 / np.where(st.X != 0, st.X, 1.0), 0.0),
            }
        return lin["adj"]

    def solve_transposed(self, z: np.ndarray, g: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
        """μ with J(z)ᵀ μ = g by GMRES on Jᵀ (products by :meth:`residual_vjp`, the transposed
        region blocks as preconditioner)."""
        pre = self.preconditioner(z)

        def precondition(v):
            return v if pre is None else self.from_local(pre.solve_transposed(self.to_local(v)))

        lin = self.linearization(z)
        mu, k = gmres(lambda v: self._vjp_z(lin, v), precondition, g, rtol, max_iter=300)
        self.adjoint_iterations = k
        return mu

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        eye = np.eye(self.size)
        return np.column_stack([self.jvp(z, eye[:, k]) for k in range(self.size)])

    def factorize(self, z: np.ndarray) -> "_Krylov":
        return _Krylov(self, np.array(z))

    def preconditioner(self, z: np.ndarray) -> "_BlockInverse | None":
        """The inverse of :meth:`local_blocks` (as a :class:`_BlockInverse`), computed at the
        first Newton step of this system and kept (the blocks change little along the path and
        cost more than the GMRES iterations they would save); refreshed by :class:`_Krylov`
        when GMRES slows down. A system may also be given one (e.g. the baseline's)."""
        if self._Binv is None or self._Binv_stale:
            self._Binv = _BlockInverse.of(self.local_blocks(z, assemble=False))
            self._Binv_stale = False
        return self._Binv

    def local_blocks(self, z: np.ndarray, assemble: bool = True) -> np.ndarray | dict:
        """The Jacobian restricted to each region's own unknowns and equations [n, 2J+1, 2J+1]
        (order: log ŵ_n, log ĉ_n·, X_n·; equations (W)_n, (C)_n·, (X)_n·): the within-region
        input-output loops and domestic trade, without the links through other regions' prices
        and spending. Its inverse is the GMRES preconditioner. With p_k = π¹_nnk:
        ∂log P̂_nk/∂log ĉ_nk = p_k, ∂Y_nk/∂log ĉ_nk = −θ_k Σ_m M_nmk (1 − π¹_nmk),
        ∂Y_nk/∂X_nk = p_k/(1+t¹_nnk), ∂R_n/∂X_nj = Σ_i π¹_inj t¹_inj/(1+t¹_inj),
        ∂R_n/∂log ĉ_nj = θ_j (p_j Σ_i t¹_inj M_inj − t¹_nnj M_nnj). With ``assemble=False``: the
        nonzero parts (see :class:`_BlockInverse`) instead of the dense blocks."""
        b = self.b
        st = self.state(z)
        self.shares(st)
        n, J = self.n, self.J
        th = b.theta
        idx = np.arange(n)
        p = st.pi[idx, idx, :]                                  # [n, k] domestic shares
        Md = st.M[idx, idx, :]
        tM = (self.t1 * st.M).sum(axis=0)                       # [n, j] Σ_i t M_inj
        s = b.scale[:, 0]
        cYx = -th * (st.Y - np.einsum("nmk,nmk->nk", st.M, st.pi))   # Σ_m M_nmk (1 − π¹_nmk)
        cYu = p * self.inv1t[idx, idx, :] * s[:, None]
        cRu = (self.trate * st.pi).sum(axis=0) * s[:, None]
        cRx = th * (p * tM - self.t1[idx, idx, :] * Md)
        wwL = st.w * b.wL
        aw = np.array(st.w)
        bx = -b.gva * cYx / b.wL[:, None]
        bu = -b.gva * cYu / b.wL[:, None]
        aw[-1], bx[-1], bu[-1] = wwL[-1] / b.wL.sum(), 0.0, 0.0     # the numeraire row
        eye = np.eye(J)[None]
        parts = {
            "aw": aw, "bx": bx, "bu": bu,
            "ca": -b.gva, "C": eye - b.gioT * p[:, None, :],
            "xa": -b.alpha * (wwL / s)[:, None],
            "Xx": -(b.gio * cYx[:, None, :] + b.alpha[:, :, None] * cRx[:, None, :]) / s[:, None, None],
            "Xu": eye - (b.gio * cYu[:, None, :] + b.alpha[:, :, None] * cRu[:, None, :]) / s[:, None, None],
        }
        if not assemble:
            return parts
        B = np.zeros((n, 2 * J + 1, 2 * J + 1))
        ix, iu = slice(1, J + 1), slice(J + 1, 2 * J + 1)
        B[:, 0, 0], B[:, 0, ix], B[:, 0, iu] = parts["aw"], parts["bx"], parts["bu"]
        B[:, ix, 0], B[:, ix, ix] = parts["ca"], parts["C"]
        B[:, iu, 0], B[:, iu, ix], B[:, iu, iu] = parts["xa"], parts["Xx"], parts["Xu"]
        return B

    def to_local(self, v: np.ndarray) -> np.ndarray:
        n, J = self.n, self.J
        return np.concatenate([v[:n, None], v[n:n + n * J].reshape(n, J), v[n + n * J:].reshape(n, J)], axis=1)

    def from_local(self, y: np.ndarray) -> np.ndarray:
        J = self.J
        return np.concatenate([y[:, 0], y[:, 1:J + 1].ravel(), y[:, J + 1:].ravel()])


class _BlockInverse:
    """Solves with the region blocks of :meth:`CPSystem.local_blocks` by block elimination.

    In each block the (C) rows do not involve X: with unknowns (a, x, u) and equations
    (W: a_w a + b_x·x + b_u·u, C: c_a a + C x, X: x_a a + X_x x + X_u u), x = C⁻¹(r_C − c_a a),
    u = X_u⁻¹(r_X − X_x x − x_a a) and a from the scalar (W) equation: two J×J inverses per
    region instead of one (2J+1)×(2J+1) inverse (a quarter of the work).
    """

    @classmethod
    def of(cls, parts: dict) -> "_BlockInverse | None":
        """From the parts of :meth:`CPSystem.local_blocks` (``assemble=False``)."""
        self = cls()
        with np.errstate(all="ignore"):
            try:
                self.Ci = np.linalg.inv(parts["C"])
                self.Ui = np.linalg.inv(parts["Xu"])
            except np.linalg.LinAlgError:
                return None
            self.Xx = parts["Xx"]
            self.bx, self.bu = parts["bx"], parts["bu"]
            self.ca, self.xa, self.aw = parts["ca"], parts["xa"], parts["aw"]
            self.xi = _mv(self.Ci, self.ca)                          # C⁻¹ c_a
            self.eta = _mv(self.Ui, self.xa - _mv(self.Xx, self.xi))
            denom = self.aw - (self.bx * self.xi).sum(axis=1) - (self.bu * self.eta).sum(axis=1)
            self.idenom = 1.0 / denom
        values = (self.Ci, self.Ui, self.xi, self.eta, self.idenom)
        if not all(np.all(np.isfinite(v)) for v in values):
            return None
        self.J = self.xi.shape[1]
        return self

    def solve_transposed(self, r: np.ndarray) -> np.ndarray:
        """The solution of Bᵀ y = r per region (for adjoint solves): y_u = X_u⁻ᵀ(r_u − b_u y_a),
        y_x = C⁻ᵀ(r_x − b_x y_a − X_xᵀ y_u), y_a from the first row."""
        J = self.J
        if not hasattr(self, "xiT"):
            CiT, UiT = np.ascontiguousarray(np.swapaxes(self.Ci, 1, 2)), np.ascontiguousarray(np.swapaxes(self.Ui, 1, 2))
            XxT = np.ascontiguousarray(np.swapaxes(self.Xx, 1, 2))
            self.CiT, self.UiT, self.XxT = CiT, UiT, XxT
            self.etaT = _mv(UiT, self.bu)
            self.xiT = _mv(CiT, self.bx - _mv(XxT, self.etaT))
            self.idenomT = 1.0 / (self.aw - (self.ca * self.xiT).sum(axis=1) - (self.xa * self.etaT).sum(axis=1))
        ra, rx, ru = r[:, 0], r[:, 1:J + 1], r[:, J + 1:]
        u0 = _mv(self.UiT, ru)
        x0 = _mv(self.CiT, rx - _mv(self.XxT, u0))
        a = (ra - (self.ca * x0).sum(axis=1) - (self.xa * u0).sum(axis=1)) * self.idenomT
        out = np.empty_like(r)
        out[:, 0] = a
        out[:, 1:J + 1] = x0 - self.xiT * a[:, None]
        out[:, J + 1:] = u0 - self.etaT * a[:, None]
        return out

    def solve_global(self, v: np.ndarray) -> np.ndarray:
        """:meth:`solve` for a vector in the layout of the unknowns (log ŵ, log ĉ, X)."""
        n, J = self.xi.shape
        rW, rC, rX = v[:n], v[n:n + n * J].reshape(n, J), v[n + n * J:].reshape(n, J)
        x0 = _mv(self.Ci, rC)
        u0 = _mv(self.Ui, rX - _mv(self.Xx, x0))
        a = (rW - (self.bx * x0).sum(axis=1) - (self.bu * u0).sum(axis=1)) * self.idenom
        out = np.empty_like(v)
        out[:n] = a
        out[n:n + n * J] = (x0 - self.xi * a[:, None]).ravel()
        out[n + n * J:] = (u0 - self.eta * a[:, None]).ravel()
        return out

    def solve(self, r: np.ndarray) -> np.ndarray:
        """r [n, 2J+1] (per region: W, C, X) -> the block solution [n, 2J+1]."""
        J = self.J
        rW, rC, rX = r[:, 0], r[:, 1:J + 1], r[:, J + 1:]
        x0 = _mv(self.Ci, rC)
        u0 = _mv(self.Ui, rX - _mv(self.Xx, x0))
        a = (rW - (self.bx * x0).sum(axis=1) - (self.bu * u0).sum(axis=1)) * self.idenom
        out = np.empty_like(r)
        out[:, 0] = a
        out[:, 1:J + 1] = x0 - self.xi * a[:, None]
        out[:, J + 1:] = u0 - self.eta * a[:, None]
        return out


def _mv(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched matrix-vector products A[n] @ v[n]."""
    return np.matmul(A, v[:, :, None])[:, :, 0]


class _Krylov:
    """J(z)⁻¹ r by right-preconditioned GMRES (modified Gram–Schmidt, Givens rotations) with
    analytic Jacobian-vector products and the inverse of the region blocks
    (:meth:`CPSystem.local_blocks`) as preconditioner. The relative tolerance follows the
    residual (an inexact Newton method: min(0.1, ‖r‖₂^0.75), at least ``gmres_rtol``), so early
    Newton steps cost few products and the last ones are accurate. A solve that does not reach
    its tolerance returns its best iterate, which the Newton line search then judges."""

    def __init__(self, system: CPSystem, z: np.ndarray, max_iter: int = 150):
        self.system, self.z, self.max_iter = system, z, max_iter
        self.lin = system.linearization(z)
        self.Binv = system.preconditioner(z)
        self.iterations = 0

    def precondition(self, v: np.ndarray) -> np.ndarray:
        if self.Binv is None:
            return v
        return self.Binv.solve_global(v)

    def solve(self, r: np.ndarray) -> np.ndarray:
        sy = self.system
        beta = float(np.sqrt(r @ r))
        # forcing term η = min(0.1, ‖r‖₂^0.75): an inexact Newton method of order 1.75 (Dembo,
        # Eisenstat & Steihaug 1982), but no more accurate than the Newton tolerance needs (a
        # linear residual of a tenth of it)
        rtol = max(sy.gmres_rtol, min(0.1, beta ** 0.75), 0.1 * sy.tol / beta) if beta > 0 else 1.0
        dz, k = gmres(lambda v: sy._jvp(self.lin, v), self.precondition, r, rtol, self.max_iter)
        self.iterations += k
        if k > 30:
            sy._Binv_stale = True                       # refresh the preconditioner next step
        return dz


def gmres(matvec, precondition, r: np.ndarray, rtol: float, max_iter: int = 150) -> tuple[np.ndarray, int]:
    """x ≈ A⁻¹ r by right-preconditioned GMRES (modified Gram–Schmidt, Givens rotations), no
    restarts: stops when ‖r − A x‖₂ ≤ rtol ‖r‖₂ or after ``max_iter`` products. Returns the
    best iterate and the number of products."""
    beta = float(np.sqrt(r @ r))
    if beta == 0.0:
        return np.zeros_like(r), 0
    m = max_iter
    Q = np.empty((m + 1, r.size))
    H = np.zeros((m + 1, m))
    cs, sn = np.zeros(m), np.zeros(m)
    g = np.zeros(m + 1)
    g[0] = beta
    Q[0] = r / beta
    k = 0
    for k in range(m):
        w = matvec(precondition(Q[k]))
        for i in range(k + 1):                          # modified Gram–Schmidt
            H[i, k] = Q[i] @ w
            w -= H[i, k] * Q[i]
        H[k + 1, k] = float(np.sqrt(w @ w))
        if H[k + 1, k] > 0:
            Q[k + 1] = w / H[k + 1, k]
        for i in range(k):                              # previous rotations
            a, b_ = H[i, k], H[i + 1, k]
            H[i, k], H[i + 1, k] = cs[i] * a + sn[i] * b_, -sn[i] * a + cs[i] * b_
        den = np.hypot(H[k, k], H[k + 1, k])
        cs[k], sn[k] = (1.0, 0.0) if den == 0 else (H[k, k] / den, H[k + 1, k] / den)
        H[k, k], H[k + 1, k] = den, 0.0
        g[k + 1] = -sn[k] * g[k]
        g[k] = cs[k] * g[k]
        if abs(g[k + 1]) <= rtol * beta or H[k, k] == 0:
            break
    k += 1
    with np.errstate(all="ignore"):
        y = np.linalg.solve(np.triu(H[:k, :k]), g[:k]) if k else np.zeros(0)
    return precondition(y @ Q[:k]), k


# ---------------------------------------------------------------------------- solving
@dataclass
class Solution:
    base: Baseline
    t1: np.ndarray
    D: np.ndarray
    z: np.ndarray
    state: State
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    preconditioner: "_BlockInverse | None" = None    # reusable for nearby solves (warm starts)


def solve(base: Baseline, t1: np.ndarray | None = None, D: np.ndarray | None = None, *,
          z0: np.ndarray | None = None, tol: float = 1e-10, dropped_tol: float = 1e-8,
          preconditioner: "_BlockInverse | None" = None) -> Solution:
    """Solve §C for new tariffs ``t1`` [i, n, j] (default t⁰) and deficits ``D`` in levels
    (default: those of the data) from ``z0`` (default: the package's initial values). Verifies
    the dropped labour-market equation of the last region (Walras' law). ``preconditioner``:
    that of a nearby solution (e.g. the baseline's when z0 is the baseline), to save building
    one."""
    t1 = base.t if t1 is None else np.asarray(t1, float)
    if t1.shape != base.V.shape:
        raise ParameterError("tariffs", t1.shape, f"must be a {base.V.shape} [exporter, importer, sector] array")
    if np.any(t1 <= -1):
        raise ParameterError("tariffs", float(t1.min()), "rates must exceed -1")
    D = base.D if D is None else np.asarray(D, float)
    system = CPSystem(base, t1, D, preconditioner=preconditioner)
    system.tol = tol
    # reuse_ratio=0: a Krylov "factorisation" costs nothing to refresh, so every step is a full Newton step
    z, diag = newton(system, system.start() if z0 is None else np.asarray(z0, float), tol=tol, reuse_ratio=0.0,
                     what="cp2015 equilibrium")
    diag.method = "newton-gmres"
    st = system.state(z)
    dropped = float(system.labour(st)[-1])
    diag.dropped_equation_residual = dropped
    if not abs(dropped) <= dropped_tol:
        raise ConvergenceError(
            f"Walras' law check failed: the dropped labour-market equation of the last region has residual "
            f"{dropped:.3e} (deficits sum to {D.sum():.4g}; they must sum to zero)", diag)
    poor = np.flatnonzero(~(st.I > 0))
    if len(poor):   # e.g. import subsidies that cost more than the country's income: no economic equilibrium
        k = int(poor[0])
        raise ConvergenceError(
            f"cp2015 equilibrium: the solution has non-positive income I = {st.I[k]:.4g} for region {k} "
            f"(tariff revenue {st.R[k]:.4g}, e.g. import subsidies that cost more than its income), "
            f"which is no equilibrium; try smaller subsidies (tariffs further above -1)", diag)
    return Solution(base=base, t1=t1, D=D, z=z, state=st, diagnostics=diag, preconditioner=system._Binv)


def solve_along(base: Baseline, t1: np.ndarray, D: np.ndarray, start: Solution, *, tol: float = 1e-10) -> Solution:
    """:func:`solve` for tariffs far from those of ``start`` (e.g. 1000% or a −99% subsidy), which
    Newton cannot reach in one go: continuation along (1 + t(s)) = (1 + t_start)^(1−s) (1 + t1)^s
    from ``start``'s solution, then :func:`solve` at t1 (with its Walras' law check)."""
    t1 = np.asarray(t1, float)
    if np.any(t1 <= -1):
        raise ParameterError("tariffs", float(t1.min()), "rates must exceed -1")
    log0, step = np.log1p(start.t1), np.log1p(t1) - np.log1p(start.t1)

    def system(s):
        sy = CPSystem(base, np.expm1(log0 + s * step), D, preconditioner=start.preconditioner)
        sy.tol = tol
        return sy

    z, diag = continuation(system, start.z, path=(0.25,), tol=tol, reuse_ratio=0.0, what="cp2015 equilibrium")
    sol = solve(base, t1, D, z0=z, tol=tol)
    sol.diagnostics = diag.merge(sol.diagnostics)
    sol.diagnostics.method = "newton-gmres+continuation"
    return sol


# ---------------------------------------------------------------------------- results (§C)
def decomposition(base: Baseline, bln: State, cfl: State, t0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order welfare decomposition (§C, ``compute_results.R``), percent of baseline income,
    by [country, sector] (sum over sectors for the totals):

    ToT_nj = 100/I_n Σ_i [M_nij (ĉ_nj − 1) − M_inj (ĉ_ij − 1)]  (n's exports M_nij at its own cost
    change less its imports at the exporters' cost change), and
    VoT_nj = 100/I_n Σ_i t⁰_inj M_inj (M'_inj/M_inj − ĉ_ij), at baseline flows M and income I,
    ĉ = ĉ^cfl/ĉ^bln, M' the counterfactual flows."""
    chat = cfl.c / bln.c
    M, Mc = bln.M, cfl.M
    tot = ((M * (chat[:, None, :] - 1.0)).sum(axis=1) - (M * (chat[:, None, :] - 1.0)).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(M > 0, Mc / np.where(M > 0, M, 1.0), 0.0)
    vot = (t0 * M * (ratio - chat[:, None, :])).sum(axis=0)
    return 100.0 * tot / bln.I[:, None], 100.0 * vot / bln.I[:, None]
