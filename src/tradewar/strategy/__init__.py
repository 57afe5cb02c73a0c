"""Strategies: optimal tariffs of one country and Nash equilibria among several, built on a
model's welfare interface (:class:`~tradewar.strategy.base.WelfareModel`) and never inside a
model."""

from tradewar.strategy.base import Counts, Instruments, WelfareModel, supports_strategies
from tradewar.strategy.nash import NashEquilibrium, Round, nash_tariffs
from tradewar.strategy.optimal import BOUNDS, OptimalTariffs, optimal_tariffs

__all__ = ["BOUNDS", "Counts", "Instruments", "NashEquilibrium", "OptimalTariffs", "Round", "WelfareModel",
           "nash_tariffs", "optimal_tariffs", "supports_strategies"]
