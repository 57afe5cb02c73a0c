"""The input-output variant of the one-sector model of Ignatenko et al. (2025): roundabout
production with a labour share β (``specs/ignatenko2025.md`` A.4; ``variant =
"input_output"`` of :class:`tradewar.models.one_sector_model.OneSectorModel`).

Arrays are [exporter, importer] as in :mod:`tradewar.models.one_sector`; hats are
counterfactual/baseline ratios.

Calibration (A.4): the flows of A.1 steps 1–3 (same ν, domestic absorption from GDP; Y is not
recomputed) with the diagonal divided by β: X^IO; E^IO = column sums; Y^IO_i = β Σ_k (1−ν_k)
X^IO_ik + ν_i E^IO_i; λ^IO = X^IO/E^IO; T^IO_i = E^IO_i − (Y^IO_i + (1−β) Σ_k (1−ν_k) X^IO_ik).

Equilibrium in x = (log ŵ, log Ê, log L̂, log P̂) ∈ R^{4N}: with c_j = ŵ_j^β P̂_j^(1−β) and
entry_j = (ŵ_j/P̂_j)^(1−β), A_ji = λ_ji (c_j/(entry_j L̂_j)^ψ)^(−ε) (1+t_ji)^(−εφ_i), so
log A_ji = const_ji + g_j with g_j = −ε[(β − ψ(1−β)) a_j + (1−β)(1+ψ) p_j − ψ l_j]:

1. β Σ_k (1−ν_k) X'_ik + ν_i Σ_j X'_ji − ŵ_i L̂_i Y_i = 0 (÷ Y_i), the last country's replaced
   by the numeraire Σ_i (ŵ_i − 1) Y_i / Σ Y = 0;
2. R_i + ŵ_i L̂_i Y_i + (1−β) Σ_k (1−ν_k) X'_ik + T_i ΣY'/ΣY − E'_i = 0 (÷ E_i);
3. L̂_i − (τ̂_i ŵ_i/P̂_i)^κ = 0, τ̂ = 1/(1 − R/Y') (income-tax relief) or 1 (lump sum);
4. log P̂_i − (1−φ_i)(log Ê_i − log ŵ_i) + (1/ε) log Σ_j A_ji = 0 (A.4 (4) in logs).

Solved by the shared Newton solver with the analytic Jacobian (:meth:`IOSystem.jacobian`, a
dense 4N×4N matrix; its one N×N product uses scipy's BLAS, like the solver's LU: see the note
on BLAS in :mod:`tradewar.models.one_sector`).
"""

from __future__ import annotations

import numpy as np

from tradewar.errors import ConvergenceError, DataError
from tradewar.models.one_sector import _matmul
from tradewar.solver import continuation, newton, refuse_degenerate


def calibrate_io(world, params, X: np.ndarray, Yd: np.ndarray, nu: np.ndarray):
    """A.4 calibration from the A.1 flows ``X`` (diagonal filled), GDP ``Yd`` and ν."""
    from tradewar.models.one_sector import Baseline

    beta = float(params.beta)
    X = np.array(X, dtype=float)
    X[np.diag_indices_from(X)] /= beta
    E = X.sum(axis=0)
    sales = X @ (1 - nu)
    Y = beta * sales + nu * E
    bad = [c for c, e, y in zip(world.iso3, E, Y) if not (e > 0 and y > 0)]
    if bad:
        raise DataError(world.name, "flows", f"non-positive calibrated expenditure or income for {bad[:8]}")
    T = E - (Y + (1 - beta) * sales)
    eps = float(params.trade_elasticity)
    eps_ref = float(params.derive_at_elasticity or eps)
    psi = params.psi if params.psi is not None else params.scale_share / eps_ref
    if params.phi_tilde is not None:
        phi_tilde = np.full_like(nu, float(params.phi_tilde))
    else:
        theta = eps_ref / params.scale_share
        phi_tilde = (1 + theta) / ((1 - nu) * theta) - 1 / theta - 1
    return Baseline(world=world, params=params, X=X, E=E, Y=Y, T=T, lam=X / E[None, :], nu=nu,
                    phi=params.pass_through + phi_tilde, eps=eps, kappa=float(params.labour_supply_elasticity),
                    psi=float(psi), Y_data=Yd, beta=beta)


WHAT = "one_sector input-output equilibrium (A.4)"   # names the system in a ConvergenceError


class IOSystem:
    """A.4 equations (1)–(4) for tariffs t[j, i] and transfers T (see the module docstring)."""

    def __init__(self, base, t: np.ndarray, T: np.ndarray | None = None):
        self.b = base
        self.t = np.asarray(t, float)
        self.T = base.T if T is None else np.asarray(T, float)
        self.n = len(base.E)
        self.lump_sum = base.params.revenue == "lump_sum"
        b, beta, eps, psi = base, base.beta, base.eps, base.psi
        self.K = base.lam * (1.0 + self.t) ** (-eps * base.phi)[None, :]       # [j, i]
        # d g_j / d (a_j, p_j, l_j)
        self.ga = -eps * (beta - psi * (1 - beta))
        self.gp = -eps * (1 - beta) * (1 + psi)
        self.gl = eps * psi
        self._Y_sum = float(b.Y.sum())
        self._cache = None

    def state(self, x: np.ndarray):
        from tradewar.models.one_sector import State

        key = x.tobytes()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        b, n = self.b, self.n
        a, e, l, p = x[:n], x[n:2 * n], x[2 * n:3 * n], x[3 * n:]
        g = self.ga * a + self.gp * p + self.gl * l
        A = self.K * np.exp(g)[:, None]
        S = A.sum(axis=0)
        lam = A / S[None, :]
        w, Eh, L, P = np.exp(a), np.exp(e), np.exp(l), np.exp(p)
        Ep, Yp = Eh * b.E, w * L * b.Y
        Xp = lam * (Ep / (1.0 + self.t))
        R = (self.t * Xp).sum(axis=0)
        tau = np.zeros(n) if self.lump_sum else R / Yp
        st = State(w=w, Eh=Eh, L=L, lam=lam, P=P, Yp=Yp, Ep=Ep, Xp=Xp, R=R, tau=tau, Q=w / ((1 - tau) * P))
        st.S = S
        self._cache = (key, st)
        return st

    def residual(self, x: np.ndarray) -> np.ndarray:
        b, n = self.b, self.n
        st = self.state(x)
        a, e, p = x[:n], x[n:2 * n], x[3 * n:]
        sales = (st.Xp * (1 - b.nu)[None, :]).sum(axis=1)
        Mp = st.Xp.sum(axis=0)
        r = np.empty(4 * n)
        r[:n] = (b.beta * sales + b.nu * Mp - st.Yp) / b.Y
        r[n - 1] = ((st.w - 1) * b.Y).sum() / self._Y_sum
        r[n:2 * n] = (st.R + st.Yp + (1 - b.beta) * sales + self.T * (st.Yp.sum() / self._Y_sum) - st.Ep) / b.E
        r[2 * n:3 * n] = st.L - st.Q ** b.kappa
        r[3 * n:] = p - (1 - b.phi) * (e - a) + np.log(st.S) / b.eps
        return r

    def market_clearing(self, x: np.ndarray) -> np.ndarray:
        """Equation (1) of every country (unscaled), the dropped one included."""
        b, st = self.b, self.state(x)
        return b.beta * (st.Xp * (1 - b.nu)[None, :]).sum(axis=1) + b.nu * st.Xp.sum(axis=0) - st.Yp

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Analytic Jacobian in x = (log ŵ, log Ê, log L̂, log P̂). With dλ'_ji = λ'_ji (dg_j −
        m_i), m_i = Σ_k λ'_ki dg_k, every flow moves as dX'_ji = X'_ji (de_i + dg_j − m_i)."""
        b, n = self.b, self.n
        st = self.state(x)
        beta, eps, kap, nu, phi = b.beta, b.eps, b.kappa, b.nu, b.phi
        lamT = st.lam.T                                          # [i, k] = λ'_ki
        Xn = st.Xp * (1 - nu)[None, :]                           # (1−ν_k) X'_ik
        sales = Xn.sum(axis=1)
        Mp = st.Xp.sum(axis=0)
        dsales_dg = np.diag(sales) - _matmul(np.ascontiguousarray(Xn), np.ascontiguousarray(lamT))
        dM_dg = st.Xp.T - Mp[:, None] * lamT
        Rm = st.Xp * self.t
        dR_dg = Rm.T - st.R[:, None] * lamT
        I = np.eye(n)
        # equation blocks in (g, e) and direct (a, l, p) terms
        F1g = beta * dsales_dg + nu[:, None] * dM_dg
        F1e = beta * Xn + np.diag(nu * Mp)
        F2g = dR_dg + (1 - beta) * dsales_dg
        F2e = np.diag(st.R - st.Ep) + (1 - beta) * Xn
        F2y = np.diag(st.Yp) + np.outer(self.T / self._Y_sum, st.Yp)    # w.r.t. d log Y'
        Qk = kap * st.Q ** kap
        if self.lump_sum:
            dlt_dR, dlt_dy = np.zeros(n), np.zeros(n)
        else:
            dlt_dR = 1.0 / ((1 - st.tau) * st.Yp)
            dlt_dy = -st.tau / (1 - st.tau)
        F3g = -Qk[:, None] * dlt_dR[:, None] * dR_dg
        F3e = np.diag(-Qk * dlt_dR * st.R)
        F4g = lamT / eps
        J = np.zeros((4 * n, 4 * n))
        ia, ie, il, ip = (slice(k * n, (k + 1) * n) for k in range(4))
        for rows, Fg, Fe in ((ia, F1g, F1e), (ie, F2g, F2e), (il, F3g, F3e), (ip, F4g, None)):
            J[rows, ia] = Fg * self.ga
            J[rows, ip] = Fg * self.gp
            J[rows, il] = Fg * self.gl
            if Fe is not None:
                J[rows, ie] = Fe
        J[ia, ia] -= np.diag(st.Yp)
        J[ia, il] -= np.diag(st.Yp)
        J[ia] /= b.Y[:, None]
        J[n - 1] = 0.0
        J[n - 1, ia] = st.w * b.Y / self._Y_sum
        J[ie, ia] += F2y
        J[ie, il] += F2y
        J[ie] /= b.E[:, None]
        # (3): −κQ^κ [da − dp + dlt_dR dR + dlt_dy (da + dl)] + L̂ dl
        J[il, ia] += np.diag(-Qk * (1 + dlt_dy))
        J[il, il] += np.diag(st.L - Qk * dlt_dy)
        J[il, ip] += np.diag(Qk)
        J[il, ie] = F3e
        # (4): dp − (1−φ)(de − da) + m/ε
        J[ip, ip] += I
        J[ip, ie] = np.diag(-(1 - phi))
        J[ip, ia] += np.diag(1 - phi)
        return J


def welfare(base, st, T: np.ndarray | None = None) -> np.ndarray:
    """A.4: Ec = Y + T, δ = Ec/(Ec − κ(1−τ)Y/(1+κ)), Êc = (R + ŵL̂Y + T ΣY'/ΣY)/Ec,
    Ŵ = δ Êc/P̂ + (1−δ) ŵL̂/P̂."""
    T = base.T if T is None else T
    Ec = base.Y + base.T
    delta = Ec / (Ec - base.kappa * (1 - st.tau) * base.Y / (1 + base.kappa))
    Ech = (st.R + st.Yp + T * st.Yp.sum() / base.Y.sum()) / Ec
    return delta * Ech / st.P + (1 - delta) * st.w * st.L / st.P


def solve(base, t: np.ndarray, T: np.ndarray | None = None, *, x0: np.ndarray | None = None,
          tol: float = 1e-10, T_path_from: np.ndarray | None = None):
    """Solve A.4 for tariffs ``t`` [exporter, importer] and transfers ``T`` (continuation from
    ``T_path_from`` as in :func:`tradewar.models.one_sector.solve`); checks the dropped equation."""
    from tradewar.models.one_sector import Solution

    n = len(base.E)
    T = base.T if T is None else np.asarray(T, float)
    x0 = np.zeros(4 * n) if x0 is None else np.asarray(x0, float)
    system = IOSystem(base, t, T)
    if T_path_from is not None:
        T0 = np.asarray(T_path_from, float)
        x, diag = continuation(lambda s: system if s >= 1.0 else IOSystem(base, t, T0 + s * (T - T0)), x0,
                               path=(1.0,), tol=tol, what=WHAT)
    else:
        try:
            x, diag = newton(system, x0, tol=tol, what=WHAT)
        except ConvergenceError:
            # large tariffs (e.g. an optimiser's trial point): follow the path s·t from free trade
            x, diag = continuation(lambda s: system if s >= 1.0 else IOSystem(base, s * system.t, T),
                                   np.zeros(4 * n), path=(0.25,), tol=tol, what=WHAT)
    refuse_degenerate(x, ("ŵ", "Ê", "L̂", "P̂"), base.world.iso3, WHAT, diag)
    st = system.state(x)
    # Walras' law: summing (1) and (2) over countries gives Σ F1 = (ΣY'/ΣY) ΣT (with the
    # transfers of A.4 (2)), so the dropped equation must equal that world imbalance.
    imbalance = st.Yp.sum() / base.Y.sum() * T.sum()
    dropped = float((system.market_clearing(x)[-1] - imbalance) / base.Y[-1])
    diag.dropped_equation_residual = dropped
    if not abs(dropped) <= 1e-8:
        raise ConvergenceError(
            f"Walras' law check failed: the dropped market-clearing equation of {base.world.iso3[-1]} "
            f"has residual {dropped:.3e}", diag)
    return Solution(base=base, t=t, T=T, x=x, state=st, welfare=welfare(base, st, T), diagnostics=diag)


# ---------------------------------------------------------------------------- gradients (adjoint)
def _pullback(system: IOSystem, st, W: np.ndarray, rho: np.ndarray, sigS: np.ndarray):
    """(∂F/∂x [4N], ∂F/∂t [j, i]) of a scalar F through the flows X', revenues R and log S_i
    = log Σ_j A_ji, for W = ∂F/∂X' [j, i], ρ = ∂F/∂R [i], σ = ∂F/∂log S [i] (direct
    dependence of F on x not included). With u = log(1+t), log A_ji = const + g_j − εφ_i u_ji,
    d log X'_ji = d log A_ji − d log S_i + de_i − du_ji and dR_i = Σ_j (t dX' + (1+t) X' du):
    Ω = (W + ρ t) X', Γ_ji = Ω_ji + λ'_ji (σ_i − Σ_j Ω_ji), ∂F/∂g_j = Σ_i Γ_ji,
    ∂F/∂e_i = Σ_j Ω_ji, ∂F/∂u_ji = −εφ_i Γ_ji − Ω_ji + ρ_i (1+t_ji) X'_ji."""
    b, n, t = system.b, system.n, system.t
    Omega = (W + rho[None, :] * t) * st.Xp
    Gam = Omega + st.lam * (sigS - Omega.sum(axis=0))[None, :]
    rows = Gam.sum(axis=1)
    dx = np.zeros(4 * n)
    dx[:n] = system.ga * rows
    dx[n:2 * n] = Omega.sum(axis=0)
    dx[2 * n:3 * n] = system.gl * rows
    dx[3 * n:] = system.gp * rows
    du = -b.eps * b.phi[None, :] * Gam - Omega + rho[None, :] * (1.0 + t) * st.Xp
    return dx, du / (1.0 + t)


def residual_vjp(system: IOSystem, x: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(μᵀ ∂r/∂x, μᵀ ∂r/∂t) at x (reverse mode through :func:`_pullback`)."""
    b, n = system.b, system.n
    st = system.state(x)
    m1 = mu[:n] / b.Y
    m1[-1] = 0.0                                        # the last row is the numeraire
    m2, m3, m4 = mu[n:2 * n] / b.E, mu[2 * n:3 * n], mu[3 * n:]
    one_nu = 1.0 - b.nu
    W = (m1 * b.beta + m2 * (1 - b.beta))[:, None] * one_nu[None, :] + (m1 * b.nu)[None, :]
    rho = m2.copy()
    direct = np.zeros(4 * n)
    dy = -m1 * st.Yp + m2 * st.Yp + (m2 @ system.T) / system._Y_sum * st.Yp    # ∂/∂ log Y'
    direct[:n] += mu[n - 1] * st.w * b.Y / system._Y_sum
    direct[n:2 * n] += -m2 * st.Ep - m4 * (1 - b.phi)
    direct[2 * n:3 * n] += m3 * st.L
    direct[:n] += m4 * (1 - b.phi)
    direct[3 * n:] += m4
    q = -m3 * b.kappa * st.Q ** b.kappa                 # (3): −κQ^κ d log Q
    if system.lump_sum:
        direct[:n] += q
    else:
        k = 1.0 / (1.0 - st.tau)
        direct[:n] += q * (1.0 - st.tau * k)
        direct[2 * n:3 * n] += -q * st.tau * k
        rho += q * k / st.Yp
    direct[3 * n:] += -q
    direct[:n] += dy
    direct[2 * n:3 * n] += dy
    dx, dt = _pullback(system, st, W, rho, m4 / b.eps)
    return dx + direct, dt


def welfare_gradient(system: IOSystem, x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Ŵ [n], d(Σ_c ω_c Ŵ_c)/dt [j, i]) at the equilibrium x of ``system`` (adjoint method:
    one dense transposed solve with the analytic Jacobian)."""
    import scipy.linalg as sla

    b, n = system.b, system.n
    st = system.state(x)
    T = system.T
    Wel = welfare(b, st, T)
    om = np.asarray(weights, float)
    Ec = b.Y + b.T
    D = Ec - b.kappa * (1 - st.tau) * b.Y / (1 + b.kappa)
    delta = Ec / D
    Ech = (st.R + st.Yp + T * st.Yp.sum() / system._Y_sum) / Ec
    gx = np.zeros(4 * n)
    gx[3 * n:] = -om * Wel                              # ∂Ŵ/∂ log P̂
    a_dEc = om * delta / (st.P * Ec)                    # ∂F/∂(Êc Ec)
    rho = a_dEc.copy()
    dy = a_dEc * st.Yp + (a_dEc @ T) / system._Y_sum * st.Yp + om * (1 - delta) * st.w * st.L / st.P
    if not system.lump_sum:
        dF_dtau = om * (Ech - st.w * st.L) / st.P * (-Ec * b.kappa * b.Y / ((1 + b.kappa) * D ** 2))
        rho += dF_dtau / st.Yp
        dy += -dF_dtau * st.tau
    gx[:n] += dy
    gx[2 * n:3 * n] += dy
    px, pt = _pullback(system, st, np.zeros_like(st.Xp), rho, np.zeros(n))
    gx += px
    mu = sla.solve(system.jacobian(x).T, gx)
    _, rt = residual_vjp(system, x, mu)
    return Wel, pt - rt
