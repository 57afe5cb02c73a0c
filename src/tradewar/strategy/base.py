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

Restriction = Literal["discriminatory", "mfn"]
RESTRICTIONS: tuple[str, ...] = ("discriminatory", "mfn")


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

    # Optional: ``tariff_curvature(tariffs) -> array shaped like tariffs``, a positive typical
    # size of the curvature of the importer's welfare in each tariff; optimal-tariff problems
    # use it as a diagonal preconditioner and to converge tariffs on tiny flows
    # (see :mod:`tradewar.strategy.optimal`).


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
    partner-major); ``mfn``: one rate per sector applied to every partner (S variables).
    """

    def __init__(self, n: int, n_sectors: int, country: int, restriction: str):
        if restriction not in RESTRICTIONS:
            raise ValueError(f"restriction must be one of {list(RESTRICTIONS)}, not {restriction!r}")
        self.country, self.restriction = country, restriction
        self.partners = np.array([i for i in range(n) if i != country])
        self.n_sectors = n_sectors

    @property
    def size(self) -> int:
        return self.n_sectors * (len(self.partners) if self.restriction == "discriminatory" else 1)

    def get(self, tariffs: np.ndarray) -> np.ndarray:
        block = tariffs[self.partners, self.country, :]
        return block.ravel().copy() if self.restriction == "discriminatory" else block.mean(axis=0)

    def put(self, tariffs: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.array(tariffs, float)
        if self.restriction == "discriminatory":
            out[self.partners, self.country, :] = v.reshape(len(self.partners), self.n_sectors)
        else:
            out[self.partners, self.country, :] = v[None, :]
        return out

    def pull(self, gradient: np.ndarray) -> np.ndarray:
        """The gradient with respect to the variables from one with respect to the tariff array."""
        block = gradient[self.partners, self.country, :]
        return block.ravel().copy() if self.restriction == "discriminatory" else block.sum(axis=0)
