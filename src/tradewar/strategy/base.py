"""What a strategy needs from a model, and the bookkeeping shared by all strategies.

Strategies (optimal tariffs, Nash equilibria, …) only use the *welfare interface* below; they
never look inside a model. A model offers it by exposing government welfare and its gradient
with respect to the tariff array through the equilibrium (e.g. by implicit differentiation with
its analytic Jacobian).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np

Restriction = Literal["discriminatory", "mfn", "uniform"]
RESTRICTIONS: tuple[str, ...] = ("discriminatory", "mfn", "uniform")


@runtime_checkable
class WelfareModel(Protocol):
    """The welfare interface of a model. Tariff arrays are [exporter, importer, sector]
    fractions; ``tariffs[i, j, s]`` is the rate j levies on i's goods in s."""

    @property
    def countries(self) -> tuple[str, ...]:
        """Country codes in array order."""

    @property
    def baseline_tariffs(self) -> np.ndarray:
        """The tariffs of the baseline (the data)."""

    def government_welfare(self, tariffs: np.ndarray) -> np.ndarray:
        """Ĝ per country (1 = baseline) at the equilibrium of ``tariffs``: one equilibrium solve."""

    def government_welfare_gradient(self, tariffs: np.ndarray, country: int) -> tuple[np.ndarray, np.ndarray]:
        """(Ĝ per country, dĜ_country/d tariffs as an array shaped like ``tariffs``) at the
        equilibrium of ``tariffs``: one equilibrium solve and one gradient evaluation."""

    # Optional: ``government_welfare_vjp(tariffs, weights) -> (Ĝ, d(Σ_c w_c Ĝ_c)/d tariffs)``, the
    # gradient of a weighted sum of welfare in one adjoint solve (see :func:`welfare_vjp`).
    # Optional: ``tariff_curvature(tariffs) -> array shaped like tariffs``, a positive typical
    # size of the curvature of the importer's welfare in each tariff; optimal-tariff problems
    # use it as a diagonal preconditioner and to converge tariffs on tiny flows
    # (see :mod:`tradewar.strategy.optimal`).


def welfare_vjp(model: WelfareModel, tariffs: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(Ĝ per country, d(Σ_c ω_c Ĝ_c)/d tariffs, gradient evaluations used). Uses the model's
    optional ``government_welfare_vjp(tariffs, weights)`` (one adjoint solve) when it has one,
    else sums the per-country gradients of the countries with ω_c ≠ 0. ``weights`` may be a
    function of Ĝ (then evaluated at the equilibrium of ``tariffs``, within the same solve)."""
    own = getattr(model, "government_welfare_vjp", None)
    if callable(weights) and not (callable(own) and getattr(model, "vjp_weights_of_welfare", False)):
        weights = weights(model.government_welfare(tariffs))
    if callable(own):
        G, g = own(tariffs, weights)
        return G, g, 1
    weights = np.asarray(weights, float)
    total, G, used = np.zeros(np.shape(tariffs)), None, 0
    for c in np.flatnonzero(weights):
        G, g = model.government_welfare_gradient(tariffs, int(c))
        total += weights[c] * g
        used += 1
    if G is None:
        G = model.government_welfare(tariffs)
    return G, total, used


def supports_strategies(model) -> bool:
    return all(callable(getattr(model, name, None)) for name in ("government_welfare", "government_welfare_gradient")) \
        and hasattr(model, "countries") and hasattr(model, "baseline_tariffs")


@dataclass
class Counts:
    """Work done by a strategy: equilibrium solves and gradient evaluations (each gradient
    evaluation includes its own equilibrium solve, counted in ``equilibrium_solves``), and
    optimisation problems solved."""

    equilibrium_solves: int = 0
    gradient_evaluations: int = 0
    optimisations: int = 0
    seconds: float = 0.0

    def add(self, other: "Counts") -> "Counts":
        self.equilibrium_solves += other.equilibrium_solves
        self.gradient_evaluations += other.gradient_evaluations
        self.optimisations += other.optimisations
        return self

    def __str__(self) -> str:
        return (f"{self.equilibrium_solves} equilibrium solves, {self.gradient_evaluations} gradient evaluations, "
                f"{self.optimisations} optimisation problem(s), {self.seconds:.2f} s")


class Instruments:
    """The tariffs one country controls, as a vector of decision variables.

    ``discriminatory``: t[i, j, s] for every partner i ≠ j and sector s ((N−1)·S variables,
    partner-major); ``mfn``: one rate per sector applied to every partner (S variables);
    ``uniform``: one rate for every partner and sector (1 variable).
    ``against`` (positions) limits the partners whose goods the country taxes (e.g. a US–China
    war: each side sets only its tariffs on the other); the other tariffs stay as they are.
    """

    def __init__(self, n: int, n_sectors: int, country: int, restriction: str, against=None):
        if restriction not in RESTRICTIONS:
            raise ValueError(f"restriction must be one of {list(RESTRICTIONS)}, not {restriction!r}")
        self.country, self.restriction = country, restriction
        pool = range(n) if against is None else sorted(set(int(a) for a in against))
        self.partners = np.array([i for i in pool if i != country])
        if not len(self.partners):
            raise ValueError("a country needs at least one partner to set tariffs on")
        self.n_sectors = n_sectors

    @property
    def size(self) -> int:
        if self.restriction == "uniform":
            return 1
        return self.n_sectors * (len(self.partners) if self.restriction == "discriminatory" else 1)

    def get(self, tariffs: np.ndarray) -> np.ndarray:
        block = tariffs[self.partners, self.country, :]
        if self.restriction == "uniform":
            return np.array([block.mean()])
        return block.ravel().copy() if self.restriction == "discriminatory" else block.mean(axis=0)

    def put(self, tariffs: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.array(tariffs, float)
        if self.restriction == "discriminatory":
            out[self.partners, self.country, :] = v.reshape(len(self.partners), self.n_sectors)
        elif self.restriction == "uniform":
            out[self.partners, self.country, :] = float(np.asarray(v).reshape(-1)[0])
        else:
            out[self.partners, self.country, :] = v[None, :]
        return out

    def pull(self, gradient: np.ndarray) -> np.ndarray:
        """The gradient with respect to the variables from one with respect to the tariff array."""
        block = gradient[self.partners, self.country, :]
        if self.restriction == "uniform":
            return np.array([block.sum()])
        return block.ravel().copy() if self.restriction == "discriminatory" else block.sum(axis=0)


# ---------------------------------------------------------------------------- BLAS threads
# Strategies alternate many small numerical steps (an optimiser's update, an equilibrium solve,
# an adjoint solve). numpy and scipy bundle separate OpenBLAS libraries whose worker threads
# spin after each call; on a small shared machine they then compete with each other and with
# the optimiser (L-BFGS-B on 1,386 tariffs ran 5× slower than single-threaded). Strategies
# therefore run with both OpenBLAS pools limited to one thread (restored afterwards), as
# threadpoolctl would do; where the libraries cannot be found this is a no-op.
_BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                 "openblas_set_num_threads64_", "openblas_set_num_threads")
_blas_depth = 0
_blas_saved: list = []


def _openblas_handles() -> list:
    import ctypes

    out = []
    try:
        with open("/proc/self/maps") as fh:
            paths = sorted({line.split()[-1] for line in fh if "openblas" in line.lower() and "/" in line})
    except OSError:
        return out
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _BLAS_SETTERS:
            setter = getattr(lib, name, None)
            getter = getattr(lib, name.replace("set_num_threads", "get_num_threads"), None)
            if setter is not None and getter is not None:
                out.append((setter, getter))
                break
    return out


class single_threaded_blas:
    """Context manager (re-entrant): OpenBLAS limited to one thread inside (see above)."""

    def __enter__(self):
        global _blas_depth, _blas_saved
        if _blas_depth == 0:
            try:
                handles = _openblas_handles()
                _blas_saved = [(setter, int(getter())) for setter, getter in handles]
                for setter, _ in _blas_saved:
                    setter(1)
            except Exception:                      # never let a speed-up break a computation
                _blas_saved = []
        _blas_depth += 1
        return self

    def __exit__(self, *exc):
        global _blas_depth
        _blas_depth -= 1
        if _blas_depth == 0:
            for setter, n in _blas_saved:
                try:
                    setter(n)
                except Exception:
                    pass
        return False


def with_single_threaded_blas(func):
    """Decorator: run ``func`` inside :class:`single_threaded_blas`."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with single_threaded_blas():
            return func(*args, **kwargs)

    return wrapper
