"""Gradients of Ossa (2014) government welfare with respect to tariffs, through the equilibrium.

Implicit differentiation with the adjoint method: at an equilibrium r(x, t') = 0 (the residuals
of :class:`~tradewar.models.ossa2014.OssaSystem` in x = (log Ê, log ŵ)),

    dĜ_j/dt' = ∂Ĝ_j/∂t' − μᵀ ∂r/∂t',   with   Jᵀ μ = (∂Ĝ_j/∂x)ᵀ,

J = ∂r/∂x the model's analytic Jacobian. One linear solve per gradient, whatever the number of
tariffs. All partial derivatives are analytic; they share one "pullback" (:func:`pullback`):

Every quantity of the model is a function of the counterfactual flows X'_ijs, the sector price
indices P̂_js, the unknowns and the tariffs t'. For a scalar F with weights
W_ijs = ∂F/∂log X'_ijs and Q_js = ∂F/∂log P̂_js, since (B.2)

    d log P̂_js = Σ_k γ'_kjs (da_k + du_kjs),
    d log X'_ijs = de_j + (1−σ_s) da_i − σ_s du_ijs + (σ_s−1) d log P̂_js,

with a = log ŵ, e = log Ê and u = log(1+t') (so du = dt'/(1+t')), the chain rule gives

    ∂F/∂u_kjs = −σ_s W_kjs + γ'_kjs [(σ_s−1) Σ_i W_ijs + Q_js],
    ∂F/∂a_k   = Σ_{j,s} [(1−σ_s) W_kjs + γ'_kjs ((σ_s−1) Σ_i W_ijs + Q_js)],
    ∂F/∂e_j   = Σ_{i,s} W_ijs,

to which the direct dependence of F on x and t' is added. Applied to F = μᵀ r (at fixed μ) it
gives μᵀ ∂r/∂t' (and, as a check, μᵀ J); applied to F = log Ĝ_j it gives ∂ log Ĝ_j/∂(x, t').

Government welfare (B.2): Ĝ_j = N_j / D_j / P̂_j with N_j = Σ_s λ_js (S'_js + δ'_js R'_j),
δ'_js = κ_s S'_js / Σ_r κ_r S'_jr, κ_s = (σ_s−1)/σ_s, R'_j = Σ_{i,s} t'_ijs X'_ijs, so

    ∂N_j/∂S'_js = λ_js + R'_j κ_s (λ_js − λ̄_j) / Σ_r κ_r S'_jr,   ∂N_j/∂R'_j = λ̄_j = Σ_s λ_js δ'_js,

and ∂ log P̂_j/∂ log P̂_js = μ_js.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from tradewar.models.ossa2014 import OssaSystem, State, _share


def pullback(system: OssaSystem, st: State, W: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂F/∂x [2N], ∂F/∂u [i, j, s]) of a scalar F through the flows and price indices only,
    for W = ∂F/∂log X' [i, j, s] and Q = ∂F/∂log P̂ [j, s] (see the module docstring)."""
    sig = system.b.sigma
    n = system.n
    col = (sig - 1.0)[None, :] * W.sum(axis=0) + Q                # [j, s]
    du = -sig[None, None, :] * W + st.g * col[None]
    da = ((1.0 - sig)[None, None, :] * W).sum(axis=(1, 2)) + (st.g * col[None]).sum(axis=(1, 2))
    de = W.sum(axis=(0, 2))
    dx = np.empty(2 * n)
    dx[:n], dx[n:] = de, da
    return dx, du


def residual_weights(system: OssaSystem, st: State, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For F = μᵀ r(x, t'): (W, direct ∂F/∂x, direct ∂F/∂t'), Q = 0 (residuals depend on the
    price indices only through the flows)."""
    b, n = system.b, system.n
    mb, ml = mu[:n], mu[n:].copy()
    num = ml[0]
    ml[0] = 0.0                                                    # row n is the numeraire
    Xp = st.Xp
    # budget_i = Ê_i − (wL_i ŵ_i + Σ_s S'_is/σ_s + R'_i − NX'_i)/E_i ; labour_i = Σ_s c_is S'_is − ŵ_i
    W = (-(mb / b.E)[:, None, None] * Xp / b.sigma[None, None, :]      # profits of the exporter i
         - (mb / b.E)[None, :, None] * system.tp * Xp                   # tariff revenue of importer j
         + ml[:, None, None] * system.c_labour[:, None, :] * Xp)        # labour market of exporter i
    direct_x = np.empty(2 * n)
    direct_x[:n] = mb * st.Eh
    direct_x[n:] = -mb * b.wL * st.w / b.E - ml * st.w + num * b.omega * st.w
    direct_t = -(mb / b.E)[None, :, None] * Xp
    return W, direct_x, direct_t


def residual_vjp(system: OssaSystem, x: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(μᵀ ∂r/∂x, μᵀ ∂r/∂t') at x."""
    st = system.state(x)
    W, direct_x, direct_t = residual_weights(system, st, mu)
    dx, du = pullback(system, st, W, np.zeros_like(st.Ps))
    return dx + direct_x, du / (1.0 + system.tp) + direct_t


def log_government_welfare_partials(system: OssaSystem, st: State, country: int,
                                    lam: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(∂ log Ĝ_j/∂x, ∂ log Ĝ_j/∂t') at fixed x, respectively fixed t' (j = ``country``)."""
    b, j = system.b, country
    lam = b.lam if lam is None else lam
    sig = b.sigma
    kappa = (sig - 1.0) / sig
    Xp, tp = st.Xp, system.tp
    S_j = st.Sp[j]
    V = kappa * S_j
    Vsum = V.sum()
    dshare = _share(V, np.full_like(V, Vsum))
    R_j = st.Rp[j]
    lam_bar = float((lam[j] * dshare).sum())
    N_j = float((lam[j] * (S_j + dshare * R_j)).sum())
    A = lam[j] + (R_j * kappa * (lam[j] - lam_bar) / Vsum if Vsum > 0 else 0.0)   # ∂N_j/∂S'_js
    W = np.zeros_like(Xp)
    W[j] += Xp[j] * A[None, :] / N_j                                 # j's sales
    W[:, j, :] += tp[:, j, :] * Xp[:, j, :] * lam_bar / N_j           # j's tariff revenue
    Q = np.zeros_like(st.Ps)
    Q[j] = -b.mu[j]
    dx, du = pullback(system, st, W, Q)
    dt = du / (1.0 + tp)
    dt[:, j, :] += Xp[:, j, :] * lam_bar / N_j                        # ∂R'_j/∂t'_ijs = X'_ijs
    return dx, dt


def government_welfare_gradient(system: OssaSystem, x: np.ndarray, country: int,
                                lam: np.ndarray | None = None, jacobian: np.ndarray | None = None) -> np.ndarray:
    """dĜ_j/dt' [i, j, s] at the equilibrium x of ``system`` (total derivative through the
    equilibrium, by the adjoint method; j = ``country``)."""
    from tradewar.models.ossa2014 import government_welfare

    st = system.state(x)
    G = government_welfare(system.b, st, lam)[country]
    gx, gt = log_government_welfare_partials(system, st, country, lam)
    J = system.jacobian(x) if jacobian is None else jacobian
    mu = sla.solve(J.T, gx)
    _, rt = residual_vjp(system, x, mu)
    return G * (gt - rt)




def government_welfare_vjp(system: OssaSystem, x: np.ndarray, weights: np.ndarray,
                           lam: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Ĝ [country], d(Σ_c ω_c Ĝ_c)/dt' [i, j, s]) at the equilibrium x of ``system``: the
    gradient of a weighted sum of government welfare with one adjoint solve (the partials of
    the countries with ω_c ≠ 0 are added before the solve)."""
    from tradewar.models.ossa2014 import government_welfare

    st = system.state(x)
    G = government_welfare(system.b, st, lam)
    weights = np.asarray(weights(G) if callable(weights) else weights, float)   # ω may depend on Ĝ
    gx = np.zeros(2 * system.n)
    gt = np.zeros_like(system.tp)
    for c in np.flatnonzero(weights):
        px, pt = log_government_welfare_partials(system, st, int(c), lam)
        gx += weights[c] * G[c] * px
        gt += weights[c] * G[c] * pt
    mu = sla.solve(system.jacobian(x).T, gx)
    _, rt = residual_vjp(system, x, mu)
    return G, gt - rt
