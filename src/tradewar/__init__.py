"""tradewar: quantitative general-equilibrium models of trade wars and trade talks.

    >>> import tradewar as tw
    >>> outcome = tw.run("ignatenko2025/B1_ustr")        # a library scenario or a TOML path
    >>> outcome.countries.loc["USA", "welfare"]           # percent change
    >>> outcome.balance("USA", "CHN")                     # bilateral balance, before/after

The core: :class:`World` (baseline data) + :class:`Scenario` → :class:`Policy` → a model's
``solve`` → :class:`Outcome`. Interfaces (CLI, reports) call the core; the core imports none.
"""

from tradewar.data import load_dataset
from tradewar.errors import ConvergenceError, DataError, ParameterError, ScenarioError, TradewarError
from tradewar.outcome import Outcome
from tradewar.policy import Policy, resolve
from tradewar.run import library_scenarios, load_scenario, run
from tradewar.scenario import Scenario
from tradewar.world import World

__version__ = "0.1.0"

__all__ = [
    "World", "Scenario", "Policy", "Outcome", "resolve", "run", "load_scenario", "load_dataset",
    "library_scenarios", "TradewarError", "DataError", "ScenarioError", "ParameterError", "ConvergenceError",
]
