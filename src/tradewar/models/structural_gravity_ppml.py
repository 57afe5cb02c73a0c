"""PPML gravity estimation with exporter and importer fixed effects (Santos Silva & Tenreyro 2006):
``trade_ij = exp(Σ_k β_k x_k[i, j] + α_i + γ_j) · ε_ij``, fitted by iteratively reweighted least
squares. The same regression as ``ppmlhdfe trade x…, absorb(exporter importer)`` in Stata (the
estimates gegravity's examples take as given); robust (sandwich) standard errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewar.errors import ConvergenceError, DataError


@dataclass(frozen=True)
class PPMLResult:
    coefficients: pd.Series        # β_k of the cost variables
    std_errors: pd.Series          # robust (heteroskedasticity-consistent) standard errors
    iterations: int
    deviance: float

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"beta": self.coefficients, "stderr": self.std_errors})


def ppml(trade: np.ndarray, variables: dict[str, np.ndarray], *, tol: float = 1e-13,
         max_iter: int = 100, dataset: str = "") -> PPMLResult:
    """PPML of ``trade`` [exporter, importer] on the cost variables (each [exporter, importer]),
    with exporter and importer fixed effects (one importer effect dropped)."""
    y = np.asarray(trade, float)
    n = y.shape[0]
    if y.ndim != 2 or y.shape != (n, n):
        raise DataError(dataset, "flows", f"PPML needs a square [exporter, importer] array; got shape {y.shape}")
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise DataError(dataset, "flows", "PPML needs finite, non-negative flows")
    names = list(variables)
    X_vars = np.column_stack([np.asarray(variables[k], float).ravel() for k in names])
    exp_fe = np.kron(np.eye(n), np.ones((n, 1)))                 # row (i, j) -> exporter i
    imp_fe = np.kron(np.ones((n, 1)), np.eye(n))[:, 1:]          # importer j (first dropped)
    X = np.column_stack([X_vars, exp_fe, imp_fe])
    yv = y.ravel()
    if np.linalg.matrix_rank(X_vars) < len(names):
        raise DataError(dataset, "cost_variables", f"collinear cost variables {names}")
    eta = np.log(yv + yv.mean())
    mu = np.exp(eta)
    dev_old = np.inf
    for it in range(1, max_iter + 1):
        z = eta + (yv - mu) / mu
        w = mu
        Xw = X * w[:, None]
        beta = np.linalg.solve(X.T @ Xw, Xw.T @ z)
        eta = X @ beta
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2.0 * float(np.sum(np.where(yv > 0, yv * np.log(yv / mu), 0.0) - (yv - mu)))
        if abs(dev - dev_old) <= tol * max(abs(dev), 1.0):
            break
        dev_old = dev
    else:
        raise ConvergenceError(f"PPML did not converge in {max_iter} iterations (deviance {dev:.6g})")
    bread = np.linalg.inv(X.T @ (X * mu[:, None]))
    meat = X.T @ (X * ((yv - mu) ** 2)[:, None])
    nobs = X.shape[0]
    cov = bread @ meat @ bread * nobs / (nobs - 1)
    k_vars = len(names)
    return PPMLResult(coefficients=pd.Series(beta[:k_vars], index=names, name="beta"),
                      std_errors=pd.Series(np.sqrt(np.diag(cov)[:k_vars]), index=names, name="stderr"),
                      iterations=it, deviance=dev)
