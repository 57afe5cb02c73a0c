"""Nash equilibrium in tariffs: simultaneous best responses.

Each round every player solves its optimal-tariff problem (:func:`optimal_tariffs`) given the
*previous* round's tariffs of everyone else, warm-started from its own previous tariffs; the
round's tariffs are then all replaced at once (as Ossa 2014, ``mynashtariff``).

Stated convergence rule (``rule``):

* ``"max"`` (default): stop when the largest absolute change of any player's tariff in a round
  is below ``tol`` (1e-6 by default);
* ``"ossa"``: Ossa's rule (``mynashtariff``), the absolute value of the *mean* change over the
  whole [N, N, S] tariff array, |mean(Δt)|, below ``tol`` (0.01 in the paper), at most 24
  rounds. Changes of opposite sign offset each other, so this can stop early.

At most ``max_rounds`` rounds either way. At the result every player's best response to the
others is computed once more (``check=True``): the largest welfare gain any player can obtain
by a unilateral deviation, ``max_deviation_gain`` (Ĝ_best/Ĝ_nash − 1), should be ~0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from tradewar.errors import ConvergenceError
from tradewar.strategy.base import Counts, WelfareModel, with_single_threaded_blas
from tradewar.strategy.optimal import BOUNDS, optimal_tariffs


@dataclass
class Round:
    """Progress of one round: what a progress callback receives."""

    round: int
    max_change: float          # max |Δ tariff| over the players' tariffs
    mean_change: float         # mean |Δ tariff| over the whole tariff array
    signed_mean_change: float  # mean Δ tariff over the whole tariff array (Ossa's measure, in absolute value)
    welfare: np.ndarray        # Ĝ per country at the round's tariffs
    seconds: float


@dataclass
class NashEquilibrium:
    players: tuple[str, ...]
    restriction: str
    tariffs: np.ndarray
    welfare: np.ndarray                    # Ĝ per country at the Nash tariffs
    rounds: list[Round]
    converged: bool
    rule: str
    tol: float
    max_deviation_gain: float | None = None    # from the unilateral-deviation check
    deviation_gains: dict[str, float] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)


@with_single_threaded_blas
def nash_tariffs(model: WelfareModel, players: Sequence[str] | None = None, *, tariffs: np.ndarray | None = None,
                 restriction: str = "discriminatory", start: np.ndarray | None = None,
                 bounds: tuple[float, float] = BOUNDS, rule: str = "max", tol: float | None = None,
                 max_rounds: int | None = None, check: bool = True, against: Sequence[str] | None = None,
                 progress: Callable[[Round], None] | None = None, **optimal_options) -> NashEquilibrium:
    """Nash tariffs of ``players`` (default: every country), the others' tariffs fixed at
    ``tariffs`` (default: the baseline). Best responses start from ``start`` (a full tariff
    array; default ``tariffs``). ``against``: players set only their tariffs on these exporters
    (e.g. ``players = against = ["USA", "CHN"]``: a bilateral war). ``progress(Round)`` is called
    after every round."""
    t0 = time.perf_counter()
    codes = list(model.countries)
    players = tuple(codes if players is None else players)
    idx = [codes.index(p) for p in players]
    if rule not in ("max", "ossa"):
        raise ValueError(f"rule must be 'max' or 'ossa', not {rule!r}")
    tol = (1e-6 if rule == "max" else 0.01) if tol is None else tol
    max_rounds = (100 if rule == "max" else 24) if max_rounds is None else max_rounds
    fixed = np.array(model.baseline_tariffs if tariffs is None else tariffs, float)
    current = np.array(fixed if start is None else start, float)
    mask = np.zeros(current.shape, bool)
    rows = list(range(len(codes))) if against is None else [codes.index(a) for a in against]
    for j in idx:
        mask[rows, j, :] = True
        mask[j, j, :] = False
    optimal_options = {**optimal_options, "against": against}
    current = np.where(mask, np.clip(current, *bounds), fixed)     # non-players keep ``tariffs``
    counts = Counts()
    rounds: list[Round] = []
    converged = False
    for k in range(1, max_rounds + 1):
        nxt = current.copy()
        for j in idx:
            r = optimal_tariffs(model, j, tariffs=current, restriction=restriction, bounds=bounds, **optimal_options)
            counts.add(r.counts)
            nxt[:, j, :] = r.tariffs[:, j, :]
        delta = nxt - current
        change = np.abs(delta)
        current = nxt
        try:
            welfare = model.government_welfare(current)
        except ConvergenceError as exc:
            raise ConvergenceError(
                f"Nash tariffs, round {k}: no equilibrium at the players' best responses taken together "
                f"(players' tariffs up to {current[mask].max():.4g}); narrower bounds or another start may "
                f"help. The model: {exc}", exc.diagnostics) from None
        counts.equilibrium_solves += 1
        rnd = Round(k, float(change[mask].max()), float(change.mean()), float(delta.mean()), welfare,
                    time.perf_counter() - t0)
        rounds.append(rnd)
        if progress is not None:
            progress(rnd)
        if (rnd.max_change if rule == "max" else abs(rnd.signed_mean_change)) < tol:
            converged = True
            break
    out = NashEquilibrium(players=players, restriction=restriction, tariffs=current, welfare=rounds[-1].welfare,
                          rounds=rounds, converged=converged, rule=rule, tol=tol, counts=counts)
    if check:
        for p, j in zip(players, idx):
            r = optimal_tariffs(model, j, tariffs=current, restriction=restriction, bounds=bounds, **optimal_options)
            counts.add(r.counts)
            out.deviation_gains[p] = float(r.welfare[j] / out.welfare[j] - 1.0)
        out.max_deviation_gain = max(out.deviation_gains.values())
    counts.seconds = time.perf_counter() - t0
    return out
