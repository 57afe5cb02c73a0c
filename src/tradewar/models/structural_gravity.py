"""Structural gravity (Anderson & van Wincoop 2003; Yotov et al. 2016), as solved by gegravity's
``OneSectorGE`` (Herman 2021): pure array functions and an analytic Jacobian.

Trade costs enter as ``T[i, j] = t_ij^(1-σ) = exp(Σ_k β_k x_k[i, j])`` (gravity cost variables
``x_k`` with PPML coefficients ``β_k``; a constant only rescales the outward resistances and
cancels). With output shares ``y_i = Y_i / ΣY`` and expenditure shares ``e_j = E_j / ΣE``, the
multilateral resistances solve (unknowns in logs, ``a_j = −ln P_j^(1−σ)``, ``b_i = −ln Π_i^(1−σ)``)

    IMR  a_j + ln Σ_i T_ij y_i e^{b_i} = 0      for every importer j but the reference (a_ref = 0)
    OMR  b_i + ln Σ_j T_ij e_j e^{a_j} = 0      for every exporter i

gegravity's "full GE" adds factory-gate prices ``p_i`` by ``y_i e^{b_i} = y_i e^{b⁰_i} p_i^{1−σ}``,
with the shares in the resistance equations held at their baseline values, so the prices follow
from the resistances: ``p̂_i = exp((b_i − b⁰_i)/(1 − σ)) = Π⁰_i/Π_i``. Output and expenditure move
with the price (``Ŷ_i = p̂_i``, ``E_i = φ_i Y_i``); real GDP is ``Y_i / P_i`` (Yotov et al.'s Stata
code) and welfare ``E_i / P_i`` (the ACR statistic), both changing by ``p̂_i / P̂_i``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradewar.errors import ConvergenceError
from tradewar.solver import Diagnostics, continuation, newton


def cost_matrix(variables: dict[str, np.ndarray], coefficients: dict[str, float]) -> np.ndarray:
    """``T = t^(1−σ) = exp(Σ_k β_k x_k)`` [exporter, importer] from cost variables and coefficients."""
    logs = sum(float(beta) * np.asarray(variables[name], float) for name, beta in coefficients.items())
    return np.exp(logs)


class ResistanceSystem:
    """The IMR/OMR equations in ``x = (a without the reference importer, b)``."""

    def __init__(self, T: np.ndarray, y: np.ndarray, e: np.ndarray, ref: int):
        self.T, self.y, self.e, self.ref = T, y, e, ref
        self.n = len(y)
        self.keep = np.flatnonzero(np.arange(self.n) != ref)

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.zeros(self.n)
        a[self.keep] = x[: self.n - 1]
        return a, x[self.n - 1:]

    def _terms(self, x):
        a, b = self.split(x)
        imr = self.T * (self.y * np.exp(b))[:, None]         # [i, j]: T_ij y_i e^{b_i}
        omr = self.T * (self.e * np.exp(a))[None, :]         # [i, j]: T_ij e_j e^{a_j}
        return a, b, imr, omr

    def residual(self, x: np.ndarray) -> np.ndarray:
        a, b, imr, omr = self._terms(x)
        r_imr = a + np.log(imr.sum(axis=0))
        r_omr = b + np.log(omr.sum(axis=1))
        return np.concatenate([r_imr[self.keep], r_omr])

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        _, _, imr, omr = self._terms(x)
        n, keep = self.n, self.keep
        s_imr = imr / imr.sum(axis=0)[None, :]               # ∂r_imr_j/∂b_i = share of i in j's sum
        s_omr = omr / omr.sum(axis=1)[:, None]               # ∂r_omr_i/∂a_j = share of j in i's sum
        J = np.zeros((2 * n - 1, 2 * n - 1))
        J[: n - 1, : n - 1] = np.eye(n - 1)
        J[: n - 1, n - 1:] = s_imr[:, keep].T
        J[n - 1:, : n - 1] = s_omr[:, keep]
        J[n - 1:, n - 1:] = np.eye(n)
        return J


WHAT = "structural_gravity multilateral resistances"   # names the system in a ConvergenceError


def solve_resistances(T, y, e, ref: int, x0=None, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray, Diagnostics]:
    """``(a, b, diagnostics)``: log inverse resistances ``a = −ln P^(1−σ)`` (``a_ref = 0``) and
    ``b = −ln Π^(1−σ)``."""
    system = ResistanceSystem(np.asarray(T, float), np.asarray(y, float), np.asarray(e, float), ref)
    if x0 is None:   # P = 1 everywhere and Π from its own equation: a good start whatever the scale of T
        b0 = -np.log((system.T * system.e[None, :]).sum(axis=1))
        x0 = np.concatenate([np.zeros(system.n - 1), b0])
    x, diag = newton(system, x0, tol=tol, what=WHAT)
    a, b = system.split(x)
    # the reference importer's IMR equation, dropped (implied by the others: Σ y = Σ e = 1)
    diag.dropped_equation_residual = float(abs(np.log((system.T[:, ref] * system.y * np.exp(b)).sum())))
    return a, b, diag


@dataclass(frozen=True)
class Baseline:
    """The calibrated baseline: data, cost matrix and resistances."""

    Y: np.ndarray            # output by exporter
    E: np.ndarray            # expenditure by importer
    T: np.ndarray            # t^(1−σ) [exporter, importer]
    sigma: float
    ref: int                 # position of the reference importer (P_ref = 1)
    a: np.ndarray            # −ln P^(1−σ)
    b: np.ndarray            # −ln Π^(1−σ)
    diagnostics: Diagnostics

    @property
    def y(self) -> np.ndarray:
        return self.Y / self.Y.sum()

    @property
    def e(self) -> np.ndarray:
        return self.E / self.E.sum()

    @property
    def fitted_trade(self) -> np.ndarray:
        """Model trade ``E_j y_i T_ij / (P_j Π_i)^(1−σ)`` [exporter, importer]."""
        return trade(self.E, self.y, self.T, self.a, self.b)

    @property
    def x(self) -> np.ndarray:
        keep = np.arange(len(self.Y)) != self.ref
        return np.concatenate([self.a[keep], self.b])


def trade(E, y, T, a, b) -> np.ndarray:
    return E[None, :] * y[:, None] * T * np.exp(a)[None, :] * np.exp(b)[:, None]


def calibrate(Y, E, T, sigma: float, ref: int) -> Baseline:
    Y, E, T = (np.asarray(v, float) for v in (Y, E, T))
    a, b, diag = solve_resistances(T, Y / Y.sum(), E / E.sum(), ref)
    return Baseline(Y=Y, E=E, T=T, sigma=float(sigma), ref=int(ref), a=a, b=b, diagnostics=diag)


@dataclass(frozen=True)
class Counterfactual:
    """Hats (counterfactual / baseline) and counterfactual model trade."""

    price: np.ndarray        # factory-gate price p̂
    imr: np.ndarray          # P̂ (inward resistance: the consumer price index)
    omr: np.ndarray          # Π̂
    real_gdp: np.ndarray     # (Y/P)^ = p̂/P̂
    trade: np.ndarray        # counterfactual model trade [exporter, importer]
    x: np.ndarray            # solver unknowns (for warm starts)
    diagnostics: Diagnostics


def counterfactual(base: Baseline, T_new: np.ndarray, x0=None, tol: float = 1e-12) -> Counterfactual:
    """The equilibrium with trade costs ``T_new`` (= t'^(1−σ)), warm-started from ``x0`` or the
    baseline; a large change that Newton cannot take in one go is followed by continuation along
    ``T(s) = T⁰^(1−s) T'^s`` from the baseline."""
    T_new = np.asarray(T_new, float)
    try:
        a, b, diag = solve_resistances(T_new, base.y, base.e, base.ref, base.x if x0 is None else x0, tol)
    except ConvergenceError:
        log0, step = np.log(base.T), np.log(T_new) - np.log(base.T)
        x, diag = continuation(lambda s: ResistanceSystem(np.exp(log0 + s * step), base.y, base.e, base.ref),
                               base.x, path=(0.25,), tol=tol, what=WHAT)
        a, b, last = solve_resistances(T_new, base.y, base.e, base.ref, x, tol)
        diag.merge(last)
    inv = 1.0 / (1.0 - base.sigma)
    price = np.exp((b - base.b) * inv)
    imr = np.exp(-(a - base.a) * inv)
    omr = np.exp(-(b - base.b) * inv)
    Y1 = price * base.Y
    E1 = (base.E / base.Y) * Y1
    flows = trade(E1, Y1 / Y1.sum(), np.asarray(T_new, float), a, b)
    keep = np.arange(len(a)) != base.ref
    return Counterfactual(price=price, imr=imr, omr=omr, real_gdp=price / imr, trade=flows,
                          x=np.concatenate([a[keep], b]), diagnostics=diag)
