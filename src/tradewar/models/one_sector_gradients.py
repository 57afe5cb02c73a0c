"""Gradients of one-sector welfare (Ignatenko et al. 2025, A.2) with respect to tariffs, through
the equilibrium.

Implicit differentiation with the adjoint method: at an equilibrium r(x, t) = 0 (the residuals
of :class:`~tradewar.models.one_sector.OneSectorSystem` in x = (log ŵ, log Ê, log L̂)),

    dF/dt = ∂F/∂t − μᵀ ∂r/∂t,   with   Jᵀ μ = (∂F/∂x)ᵀ,

J = ∂r/∂x the model's dense analytic Jacobian (one LU per gradient, whatever the number of
tariffs). F is a weighted sum of welfare Σ_c ω_c Ŵ_c (one country: ω = e_c). All partial
derivatives are analytic and share one pullback (:func:`pullback`):

Every quantity is a function of the unknowns, the counterfactual flows X'_ji, the price indices
P̂_i and the tariff revenues R_i = Σ_j t_ji X'_ji. With A_ji = λ_ji c_j (1+t_ji)^(−εφ_i),
c_j = (ŵ_j/L̂_j^ψ)^(−ε), S_i = Σ_j A_ji, X'_ji = A_ji E'_i/(S_i (1+t_ji)) and
log P̂_i = (1−φ_i)(e_i − a_i) − log S_i/ε, for a scalar F with level weights W_ji = ∂F/∂X'_ji,
π_i = ∂F/∂log P̂_i and ρ_i = ∂F/∂R_i (u = log(1+t), a = log ŵ, e = log Ê, l = log L̂):

    Ω_ji = (W_ji + ρ_i t_ji) X'_ji,   σ_i = −Σ_j Ω_ji − π_i/ε,   Γ_ji = Ω_ji + σ_i λ'_ji,
    ∂F/∂u_ji = −εφ_i Γ_ji − Ω_ji + ρ_i (1+t_ji) X'_ji,
    ∂F/∂a_j = −ε Σ_i Γ_ji − π_j (1−φ_j),  ∂F/∂l_j = εψ Σ_i Γ_ji,  ∂F/∂e_i = Σ_j Ω_ji + π_i (1−φ_i),

to which the direct dependence of F on x is added. Applied to F = μᵀ r (fixed μ) it gives
μᵀ ∂r/∂t (and, as a check, μᵀ J); applied to F = Σ ω Ŵ it gives ∂F/∂(x, t).

Welfare (A.2): Ŵ_i = δ_i Ê_i/P̂_i + (1−δ_i) ŵ_i L̂_i/P̂_i with δ_i = E_i/D_i,
D_i = E_i − κ(1−τ_i)Y_i/(1+κ), τ_i = R_i/Y'_i (0 with the lump-sum rebate), so
∂δ_i/∂τ_i = −E_i κ Y_i/((1+κ) D_i²).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from tradewar.models.one_sector import OneSectorSystem, State, welfare


def pullback(system: OneSectorSystem, st: State, W: np.ndarray, pi: np.ndarray,
             rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂F/∂x [3N], ∂F/∂t [exporter, importer]) of a scalar F through the flows, price indices
    and tariff revenues, for W = ∂F/∂X' [j, i], π = ∂F/∂log P̂ [i], ρ = ∂F/∂R [i] (module
    docstring). Direct dependence of F on x is not included."""
    b, n, t = system.b, system.n, system.t
    eps, psi, phi = b.eps, b.psi, b.phi
    Omega = (W + rho[None, :] * t) * st.Xp
    sig = -Omega.sum(axis=0) - pi / eps
    Gam = Omega + sig[None, :] * st.lam
    du = -eps * phi[None, :] * Gam - Omega + rho[None, :] * (1.0 + t) * st.Xp
    rows = Gam.sum(axis=1)
    dx = np.empty(3 * n)
    dx[:n] = -eps * rows - pi * (1.0 - phi)
    dx[n:2 * n] = Omega.sum(axis=0) + pi * (1.0 - phi)
    dx[2 * n:] = eps * psi * rows
    return dx, du / (1.0 + t)


def _income_terms(system: OneSectorSystem, st: State, dF_dtau: np.ndarray, rho: np.ndarray,
                  dx: np.ndarray) -> None:
    """Add the dependence through τ = R/Y' (income-tax rebate): ρ += ∂F/∂τ / Y', and
    ∂F/∂log Y' = −τ ∂F/∂τ to a and l (Y' = ŵ L̂ Y)."""
    if system.lump_sum:
        return
    n = system.n
    rho += dF_dtau / st.Yp
    dlogY = -dF_dtau * st.tau
    dx[:n] += dlogY
    dx[2 * n:] += dlogY


def residual_vjp(system: OneSectorSystem, x: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(μᵀ ∂r/∂x, μᵀ ∂r/∂t) at x."""
    b, n = system.b, system.n
    st = system.state(x)
    kap = b.kappa
    m1 = mu[:n] / b.Y
    mN = mu[n - 1]
    m1[n - 1] = 0.0                                   # row n−1 is the numeraire
    m2 = mu[n:2 * n] / b.E
    m3 = mu[2 * n:]
    # (1) market clearing: Σ_k (1−ν_k) X'_ik + ν_i Σ_j X'_ji − Y'_i, scaled by 1/Y_i
    W = m1[:, None] * (1.0 - b.nu)[None, :] + (m1 * b.nu)[None, :]
    # numeraire Σ (P̂_i − 1) E_i / ΣE
    pi = mN * b.E * st.P / b.E.sum()
    # (2) budget: R_i + Y'_i + T_i ΣY'/ΣY − E'_i, scaled by 1/E_i
    rho = m2.copy()
    dx = np.zeros(3 * n)
    dY = -m1 * st.Yp + m2 * st.Yp + (m2 @ system.T) / b.Y.sum() * st.Yp   # ∂F/∂log Y'
    dx[n:2 * n] -= m2 * st.Ep
    # (3) labour supply: L̂_i − Q_i^κ, log Q = a − log(1−τ) − log P̂
    k = m3 * kap * st.Q ** kap
    pi = pi + k
    dx[:n] -= k
    dx[2 * n:] += m3 * st.L
    dx[:n] += dY
    dx[2 * n:] += dY
    _income_terms(system, st, -k / (1.0 - st.tau), rho, dx)
    px, pt = pullback(system, st, W, pi, rho)
    return dx + px, pt


def welfare_partials(system: OneSectorSystem, st: State, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂F/∂x, ∂F/∂t) of F = Σ_c ω_c Ŵ_c at fixed t, respectively fixed x."""
    b, n = system.b, system.n
    om = np.asarray(weights, float)
    kap = b.kappa
    D = b.E - kap * (1.0 - st.tau) * b.Y / (1.0 + kap)
    delta = b.E / D
    real_e, real_y = st.Eh / st.P, st.w * st.L / st.P
    Wh = delta * real_e + (1.0 - delta) * real_y
    dx = np.zeros(3 * n)
    dx[n:2 * n] = om * delta * real_e
    dx[:n] = om * (1.0 - delta) * real_y
    dx[2 * n:] = om * (1.0 - delta) * real_y
    pi = -om * Wh
    rho = np.zeros(n)
    dF_dtau = om * (real_e - real_y) * (-b.E * kap * b.Y / ((1.0 + kap) * D ** 2))
    _income_terms(system, st, dF_dtau, rho, dx)
    px, pt = pullback(system, st, np.zeros_like(st.Xp), pi, rho)
    return dx + px, pt


def welfare_gradient(system: OneSectorSystem, x: np.ndarray, weights: np.ndarray,
                     jacobian: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Ŵ [country], d(Σ_c ω_c Ŵ_c)/dt [exporter, importer]) at the equilibrium x of
    ``system`` (total derivative through the equilibrium, by the adjoint method)."""
    st = system.state(x)
    if callable(weights):                                   # ω may depend on Ŵ
        weights = weights(welfare(system.b, st))
    gx, gt = welfare_partials(system, st, weights)
    J = system.jacobian(x) if jacobian is None else jacobian
    mu = sla.lu_solve(sla.lu_factor(J, check_finite=False), gx, trans=1, check_finite=False)
    _, rt = residual_vjp(system, x, mu)
    return welfare(system.b, st), gt - rt
