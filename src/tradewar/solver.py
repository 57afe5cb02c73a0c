"""The shared equilibrium solver: Newton's method with an analytic Jacobian.

Models state their equilibrium as a :class:`System` (residuals and their Jacobian in the
model's unknowns); they never write solver loops. The solver adds a backtracking line search,
reuse of the factorised Jacobian while it keeps converging fast (modified Newton), continuation
along a path of systems, and diagnostics. A solve that does not converge raises
:class:`~tradewar.errors.ConvergenceError` with the residual; it never returns numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence

import numpy as np
import scipy.linalg as sla

from tradewar.errors import ConvergenceError

#: What the error of a solve that does not converge suggests.
HINT = ("no numbers are returned; try a smaller change (e.g. lower tariffs), other elasticities, "
        "or check the data for countries or flows that are (almost) zero")


class System(Protocol):
    """Residual equations F(x) = 0 of a model in its unknowns x (a 1-D array).

    Optionally a system may also define ``factorize(x)``, returning an object with a
    ``solve(r)`` method that gives J(x)⁻¹ r for the analytic Jacobian J(x) (e.g. a structured
    elimination that is much cheaper than a dense LU). :func:`newton` then uses it instead of
    factorising ``jacobian(x)``; ``factorize`` may return ``None`` for "not available here", and
    the solver falls back to a dense LU of ``jacobian(x)``.
    """

    def residual(self, x: np.ndarray) -> np.ndarray: ...

    def jacobian(self, x: np.ndarray) -> np.ndarray: ...


class DenseFactorization:
    """LU factors of a dense Jacobian: the default factorisation of :func:`newton`."""

    def __init__(self, J: np.ndarray):
        self.finite = bool(np.all(np.isfinite(J)))
        self.lu = None
        if self.finite:
            lu, piv, info = sla.lapack.dgetrf(np.asarray(J, float))
            self.finite = info == 0                    # info > 0: an exactly singular Jacobian
            self.lu = (lu, piv)

    def solve(self, r: np.ndarray) -> np.ndarray:
        return sla.lu_solve(self.lu, r, check_finite=False)


def factorize(system: System, x: np.ndarray):
    """The system's own factorisation of J(x) if it offers one, else a dense LU of ``jacobian(x)``.

    Returns ``None`` when the Jacobian is not finite or exactly singular.
    """
    own = getattr(system, "factorize", None)
    if own is not None:
        fac = own(x)
        if fac is not None:
            return fac
    fac = DenseFactorization(system.jacobian(x))
    return fac if fac.finite else None


@dataclass
class Diagnostics:
    """What the solver did: report these with every result."""

    converged: bool = False
    iterations: int = 0
    residual: float = np.inf  # max |F| at the returned x (equations scaled by the model)
    function_evaluations: int = 0
    jacobian_evaluations: int = 0
    continuation_steps: int = 0
    seconds: float = 0.0
    method: str = "newton"
    dropped_equation_residual: float | None = None  # Walras' law check, set by the model
    history: list[float] = field(default_factory=list)

    def merge(self, other: "Diagnostics") -> "Diagnostics":
        """Accumulate the work of a later solve (e.g. the next continuation step)."""
        self.iterations += other.iterations
        self.function_evaluations += other.function_evaluations
        self.jacobian_evaluations += other.jacobian_evaluations
        self.seconds += other.seconds
        self.history += other.history
        self.converged, self.residual = other.converged, other.residual
        if other.dropped_equation_residual is not None:   # the later solve's Walras' law check
            self.dropped_equation_residual = other.dropped_equation_residual
        return self

    def as_dict(self) -> dict:
        return {
            "converged": self.converged, "iterations": self.iterations, "residual": self.residual,
            "function_evaluations": self.function_evaluations,
            "jacobian_evaluations": self.jacobian_evaluations,
            "continuation_steps": self.continuation_steps, "seconds": self.seconds,
            "method": self.method, "dropped_equation_residual": self.dropped_equation_residual,
        }


def newton(system: System, x0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 60,
           reuse_ratio: float = 0.2, raise_on_failure: bool = True,
           what: str = "equilibrium solver") -> tuple[np.ndarray, Diagnostics]:
    """Solve ``system.residual(x) = 0`` from ``x0``.

    Newton steps use the analytic Jacobian (the system's own ``factorize(x)`` if it has one,
    else a dense LU of ``jacobian(x)``); its factors are reused for the next step as long
    as each step cuts max|F| by at least ``1/reuse_ratio`` (a modified Newton iteration that
    saves factorisations near the solution). Each step is damped by backtracking on ||F||₂.
    Converged when max|F| ≤ ``tol``. ``what`` names the system in the error (e.g. the model's
    equilibrium), which also says why the iteration stopped and what to try.
    """
    start = time.perf_counter()
    diag = Diagnostics()
    x = np.array(x0, dtype=float)
    r = system.residual(x)
    diag.function_evaluations += 1
    norm = _maxabs(r)
    diag.history.append(norm)
    fac = None
    stop = f"iteration limit max_iter = {max_iter} reached"
    while norm > tol and diag.iterations < max_iter:
        if fac is None:
            fac = factorize(system, x)
            diag.jacobian_evaluations += 1
            if fac is None:
                stop = "the Jacobian is singular or not finite"
                break
            fresh = True
        else:
            fresh = False
        dx = -fac.solve(r)
        if not np.all(np.isfinite(dx)):
            if fresh:
                stop = "the Newton step is not finite (singular Jacobian)"
                break
            fac = None
            continue
        step, r_new, norm_new = _line_search(system, x, r, dx, diag)
        diag.iterations += 1
        if r_new is None:  # no decrease along this direction
            if fresh:
                stop = "no decrease of the residual along the Newton step (nearly singular Jacobian)"
                break
            fac = None
            continue
        x = x + step * dx
        if not fresh and norm_new > reuse_ratio * norm:
            fac = None  # convergence slowed: refresh the Jacobian next time
        elif fresh and (step < 1.0 or norm_new > reuse_ratio * norm):
            fac = None
        r, norm = r_new, norm_new
        diag.history.append(norm)
    diag.residual = norm
    diag.converged = bool(norm <= tol)
    diag.seconds = time.perf_counter() - start
    if not diag.converged and raise_on_failure:
        if not np.isfinite(norm):
            stop = "the residual is not finite at the start"
        raise ConvergenceError(
            f"{what} did not converge: max |residual| = {norm:.3e} > tol {tol:.0e} "
            f"after {diag.iterations} iterations ({stop}); {HINT}", diag)
    return x, diag


def _line_search(system: System, x, r, dx, diag: Diagnostics, max_halvings: int = 30):
    f0 = float(r @ r)
    step = 1.0
    for _ in range(max_halvings):
        with np.errstate(all="ignore"):
            r_new = system.residual(x + step * dx)
        diag.function_evaluations += 1
        if np.all(np.isfinite(r_new)):
            with np.errstate(over="ignore"):          # a huge residual is simply not a decrease
                f1 = float(r_new @ r_new)
            if f1 <= (1.0 - 1e-4 * step) * f0:
                return step, r_new, _maxabs(r_new)
        step *= 0.5
    return step, None, None


def continuation(make_system: Callable[[float], System], x0: np.ndarray,
                 path: Sequence[float] = (1.0,), *, tol: float = 1e-10, min_step: float = 1 / 256,
                 **kwargs) -> tuple[np.ndarray, Diagnostics]:
    """Follow the solution of ``make_system(s)`` from s = 0 (where ``x0`` is close) to s = 1.

    Tries the steps in ``path``; a step that fails is halved, down to ``min_step``.
    """
    total = Diagnostics(method="newton+continuation")
    x, s = np.array(x0, float), 0.0
    targets = list(path)
    h = targets[0]
    while s < 1.0:
        s_next = min(1.0, s + h)
        try:
            x_next, d = newton(make_system(s_next), x, tol=tol, **kwargs)
        except ConvergenceError as exc:
            total.merge(exc.diagnostics)
            h /= 2
            if h < min_step:
                total.seconds = total.seconds
                raise ConvergenceError(
                    f"continuation stalled at s = {s:.4f} of the path to the requested change (step "
                    f"{h:.2e}; no equilibrium found beyond it, e.g. the branch folds): {exc}", total) from None
            continue
        total.merge(d)
        total.continuation_steps += 1
        x, s = x_next, s_next
        h = min(2 * h, 1.0)
    return x, total


def _maxabs(r: np.ndarray) -> float:
    if not np.all(np.isfinite(r)):
        return float("inf")
    return float(np.max(np.abs(r))) if r.size else 0.0


#: |log change| of an unknown beyond which a solve sits at a degenerate point (a factor e^35 ≈ 1.6e15)
DEGENERATE_LOG = 35.0


def refuse_degenerate(x: np.ndarray, names: Sequence[str], countries: Sequence[str], what: str,
                      diag: Diagnostics, limit: float = DEGENERATE_LOG) -> None:
    """Raise :class:`ConvergenceError` if a solve in log changes x = (one block of ``countries``
    per name in ``names``) converged to a degenerate point rather than an equilibrium: some
    quantity moved by more than a factor e^``limit``, where residuals scaled by baseline levels
    vanish because quantities collapse (e.g. a country's labour supply → 0)."""
    x = np.asarray(x, float)
    k = int(np.argmax(np.abs(x))) if x.size else 0
    if x.size and abs(x[k]) > limit:
        n = len(countries)
        raise ConvergenceError(
            f"{what} reached a degenerate point, not an equilibrium: {names[k // n]} of {countries[k % n]} "
            f"changes by a factor e^{x[k]:.4g} (beyond e^±{limit:g}); {HINT}", diag)
