"""Welfare of Caliendo & Parro (2015) and its gradient with respect to tariffs, through the
equilibrium (the welfare interface of the strategy layer, :mod:`tradewar.strategy.base`).

Welfare is real income relative to the model's baseline equilibrium,
Ĝ_n = (I_n / I_n^bln) / (P̂_n / P̂_n^bln), P̂_n = Π_j P̂_nj^α_nj: the exact welfare change of the
model's representative consumer with deficits fixed (the ``real_income`` column of the
outcome; the ``welfare`` column is the package's first-order decomposition).

Gradient by the adjoint method: at an equilibrium r(z, t¹) = 0,

    dF/dt¹ = ∂F/∂t¹ − μᵀ ∂r/∂t¹,   J(z)ᵀ μ = (∂F/∂z)ᵀ,

for F = Σ_c ω_c Ĝ_c; the transposed system is solved by GMRES with products μ ↦ Jᵀ μ in reverse
mode (:meth:`~tradewar.models.cp2015.CPSystem.residual_vjp`) and the transposed region blocks as
preconditioner. All partial derivatives are analytic (:meth:`CPSystem.pullback`): one
equilibrium solve and one adjoint solve per gradient, whatever the number of countries weighted.
"""

from __future__ import annotations

import numpy as np

from tradewar.models import cp2015 as eq


def welfare(ref: eq.State, st: eq.State) -> np.ndarray:
    """Ĝ_n = (I_n/I_n^bln) / (P̂_n/P̂_n^bln)."""
    return (st.I / ref.I) / (st.Pn / ref.Pn)


def welfare_vjp(system: eq.CPSystem, z: np.ndarray, ref: eq.State, weights: np.ndarray,
                rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """(Ĝ [n], d(Σ_c ω_c Ĝ_c)/dt¹ [i, n, j]) at the equilibrium z of ``system``; ``weights`` ω
    may be a function of Ĝ (evaluated at this equilibrium)."""
    b = system.b
    st = system.state(z)
    G = welfare(ref, st)
    wG = np.asarray(weights(G) if callable(weights) else weights, float) * G     # ω may depend on Ĝ
    gz, gt = system.pullback(z, I_bar=wG / st.I, logP_bar=-wG[:, None] * b.alpha)
    mu = system.solve_transposed(z, gz, rtol=rtol)
    _, rt = system.residual_vjp(z, mu)
    return G, gt - rt
