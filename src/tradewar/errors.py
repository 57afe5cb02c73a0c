"""Errors raised by tradewar. Every message names where the problem is and what was found."""

from __future__ import annotations


class TradewarError(Exception):
    """Base class: anything the user can fix (bad data, bad scenario, no convergence)."""


class DataError(TradewarError):
    """A dataset is missing, malformed or inconsistent.

    The message names the dataset, the field and the offending values.
    """

    def __init__(self, dataset: str, field: str, problem: str):
        self.dataset, self.field, self.problem = dataset, field, problem
        super().__init__(f"dataset {dataset!r}, field {field!r}: {problem}")


class ScenarioError(TradewarError):
    """A scenario file is malformed or refers to something the world does not have."""

    def __init__(self, source: str, field: str, problem: str):
        self.source, self.field, self.problem = source, field, problem
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {problem}")


class ParameterError(TradewarError):
    """An input value (a model parameter, a date, ...) is outside its admissible range; names the field."""

    def __init__(self, field: str, value, problem: str):
        self.field, self.value, self.problem = field, value, problem
        super().__init__(f"{field} = {value!r}: {problem}")


class ConvergenceError(TradewarError):
    """The equilibrium solver did not converge; no numbers are returned."""

    def __init__(self, message: str, diagnostics=None):
        self.diagnostics = diagnostics
        super().__init__(message)
