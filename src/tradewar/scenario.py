"""Scenarios: what a user writes, as a TOML file, validated with messages that name the file,
the field and the value.

A scenario names a dataset, a model and its parameters, a deficit closure and measures:

    name = "B1"
    dataset = "ignatenko2025"

    [model]
    name = "one_sector"
    trade_elasticity = 4.0

    [[tariffs]]                      # set (or add) tariffs of an importer on exporters
    importer = "USA"
    exporters = "all"               # ISO3 code, group name, "all", or a list of them
    rate = { column = "applied_tariff" }   # a number, a dataset column, or "optimal"
    floor = 0.10

    [[retaliation]]                  # others answer the tariffs of `against`
    against = "USA"
    rule = "reciprocal"             # "reciprocal" | "rate" | "optimal"

    [[strategy]]                     # tariffs chosen by governments (models with Ĝ and dĜ/dt)
    kind = "optimal"                # or "nash" (with players = "all" or a list)
    country = "USA"
    restriction = "discriminatory"  # or "mfn"; bounds lower = 0, upper = 10
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from tradewar.errors import ScenarioError

CountrySelector = Union[str, list[str]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnRate(_Strict):
    """A rate per exporter read from a country column of the dataset."""

    column: str = Field(min_length=1)


def _no_bool_or_text(v):
    """TOML ``true`` or ``"0.25"`` where a number belongs: refuse rather than coerce to 1.0/0.25."""
    if isinstance(v, (bool, str)):
        raise ValueError("must be a number")
    return v


_RATE_FORMS = "a number (a fraction: 0.25 means 25%), \"optimal\", or { column = \"<dataset column>\" }"


class TariffMeasure(_Strict):
    importer: CountrySelector
    exporters: CountrySelector = "all"
    rate: Union[float, ColumnRate, Literal["optimal"]]
    mode: Literal["set", "add"] = "set"
    floor: float | None = Field(default=None, ge=0.0, le=10.0, allow_inf_nan=False)
    optimal_denominator: Literal["expenditure", "income"] = "expenditure"
    sectors: CountrySelector = "all"

    @field_validator("rate", mode="before")
    @classmethod
    def _rate_form(cls, v):
        # One clear message instead of one error per branch of the union.
        if isinstance(v, bool) or (isinstance(v, str) and v != "optimal"):
            raise ValueError(f"must be {_RATE_FORMS}")
        if isinstance(v, dict):
            extra = sorted(set(v) - {"column"})
            if extra or not isinstance(v.get("column"), str) or not v.get("column"):
                raise ValueError(f"a rate table must be exactly {{ column = \"<dataset column>\" }}"
                                 + (f"; unknown key(s) {extra}" if extra else ""))
        elif not isinstance(v, (int, float, str, ColumnRate)):
            raise ValueError(f"must be {_RATE_FORMS}")
        return v

    @field_validator("rate")
    @classmethod
    def _rate_range(cls, v):
        if isinstance(v, float) and not (-1.0 < v <= 10.0):
            raise ValueError("tariff rate must be a fraction in (-1, 10] (0.25 means 25%)")
        return v

    @field_validator("floor", mode="before")
    @classmethod
    def _floor_number(cls, v):
        return _no_bool_or_text(v)


class Retaliation(_Strict):
    against: str
    by: CountrySelector = "all"
    rule: Literal["reciprocal", "rate", "optimal"]
    # validate_default: a missing rate is checked against the rule too (and reported as `.rate`).
    rate: float | None = Field(default=None, gt=-1.0, le=10.0, allow_inf_nan=False, validate_default=True)

    @field_validator("rate", mode="before")
    @classmethod
    def _rate_number(cls, v):
        return _no_bool_or_text(v)

    @field_validator("rate")
    @classmethod
    def _rate_given(cls, v, info: ValidationInfo):
        rule = info.data.get("rule")  # absent when the rule itself is invalid (reported there)
        if rule == "rate" and v is None:
            raise ValueError("rule 'rate' needs a 'rate' (e.g. rate = 0.25)")
        if rule is not None and rule != "rate" and v is not None:
            raise ValueError(f"'rate' is only used with rule = 'rate', not with rule = {rule!r}")
        return v


class Strategy(_Strict):
    """Tariffs chosen by governments rather than written down: ``kind = "optimal"`` (one
    country's optimal tariffs, the others' given) or ``"nash"`` (a Nash equilibrium of
    ``players``). Strategies run after ``tariffs``/``retaliation``, in order, each from the
    tariffs left by the previous one; they need a model with a welfare interface."""

    kind: Literal["optimal", "nash"]
    country: str | None = Field(default=None, validate_default=True)
    players: CountrySelector = "all"
    restriction: Literal["discriminatory", "mfn"] = "discriminatory"
    lower: float = Field(default=0.0, ge=0.0, le=10.0, allow_inf_nan=False)
    upper: float = Field(default=10.0, gt=0.0, le=10.0, allow_inf_nan=False)
    # "current": search from the tariffs in force; "mfn": from the MFN-restricted solution of the
    # same strategy (Ossa 2014: optimal tariffs from MFN optimal, Nash from MFN Nash tariffs)
    start: Literal["current", "mfn"] = "current"
    # "local": one local optimum from the start; "prohibitive": greedy multi-start over sectors
    # shut by prohibitive tariffs (welfare can have such corner optima, e.g. with political weights)
    search: Literal["local", "prohibitive"] = "local"
    rule: Literal["max", "ossa"] = "max"
    tol: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    max_rounds: int | None = Field(default=None, ge=1, le=1000)
    check: bool = True

    @field_validator("country")
    @classmethod
    def _country(cls, v, info: ValidationInfo):
        if info.data.get("kind") == "optimal" and not v:
            raise ValueError("kind 'optimal' needs a 'country' (an ISO3 code)")
        if info.data.get("kind") == "nash" and v:
            raise ValueError("kind 'nash' takes 'players', not 'country'")
        return v

    @field_validator("upper")
    @classmethod
    def _bounds(cls, v, info: ValidationInfo):
        lower = info.data.get("lower")
        if lower is not None and v <= lower:
            raise ValueError(f"must exceed lower = {lower}")
        return v


class Deficits(_Strict):
    closure: Literal["fixed_transfers", "balanced_bilateral"] = "fixed_transfers"
    partner: str | None = Field(default=None, validate_default=True)

    @field_validator("partner")
    @classmethod
    def _partner(cls, v, info: ValidationInfo):
        if info.data.get("closure") == "balanced_bilateral" and not v:
            raise ValueError("closure 'balanced_bilateral' needs a 'partner' (an ISO3 code)")
        return v


class ModelSpec(BaseModel):
    """The model and its parameters; parameters are checked by the model itself."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: Literal["one_sector", "ossa2014"] = "one_sector"

    def parameters(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Scenario(_Strict):
    name: str = Field(min_length=1)
    title: str = ""
    description: str = ""
    dataset: str = Field(min_length=1)
    model: ModelSpec = ModelSpec()
    deficits: Deficits = Deficits()
    tariffs: list[TariffMeasure] = []
    retaliation: list[Retaliation] = []
    strategy: list[Strategy] = []
    source: str = Field(default="", exclude=True)

    @classmethod
    def from_toml(cls, path: str | Path) -> "Scenario":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError(str(path), "file", "not found") from None
        except (UnicodeDecodeError, IsADirectoryError) as exc:
            raise ScenarioError(str(path), "file", f"cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
        return cls.from_text(text, source=str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<scenario>") -> "Scenario":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(source, "TOML", f"syntax error: {exc}") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: dict, source: str = "<scenario>") -> "Scenario":
        try:
            scenario = cls.model_validate({**data, "source": source})
        except ValidationError as exc:
            raise _scenario_error(source, exc) from None
        return scenario


def _scenario_error(source: str, exc: ValidationError) -> ScenarioError:
    first = exc.errors()[0]
    loc = _location(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "missing":
        message = "required field is missing"
    value = first.get("input")
    shown = "" if first["type"] == "missing" or value is None or isinstance(value, dict) else f" (got {value!r})"
    more = len(exc.errors()) - 1
    tail = f"; and {more} more problem(s)" if more else ""
    return ScenarioError(source, loc, f"{message}{shown}{tail}")


def _location(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("float", "ColumnRate", "literal['optimal']", "str", "list[str]") or "[" in str(part):
            continue  # pydantic's union-branch labels
        else:
            out += ("." if out else "") + str(part)
    return out or "scenario"
