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
    # rate = { array = "tariff_counterfactual" }: a bilateral array of the dataset
    # (World.extras[name], [exporter, importer, sector]): each selected (exporter, importer,
    # sector) cell gets that array's rate (e.g. the 2005 NAFTA tariffs of cp2015)
    floor = 0.10

    [[retaliation]]                  # others answer the tariffs of `against`
    against = "USA"
    rule = "reciprocal"             # "reciprocal" | "rate" | "optimal"

    [[strategy]]                     # tariffs chosen by governments (models with Ĝ and dĜ/dt)
    kind = "optimal"                # or "nash"/"cooperative" (with players = "all" or a list)
    country = "USA"
    restriction = "discriminatory"  # or "mfn" or "uniform"; bounds lower = 0, upper = 10
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from tradewar.errors import ScenarioError

CountrySelector = Union[str, list[str]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnRate(_Strict):
    """A rate per exporter read from a country column of the dataset."""

    column: str = Field(min_length=1)


class ArrayRate(_Strict):
    """Rates per (exporter, importer, sector) read from a bilateral array of the dataset
    (``World.extras[array]``, dimensions exporter, importer[, sector])."""

    array: str = Field(min_length=1)


def _no_bool_or_text(v):
    """TOML ``true`` or ``"0.25"`` where a number belongs: refuse rather than coerce to 1.0/0.25."""
    if isinstance(v, (bool, str)):
        raise ValueError("must be a number")
    return v


def _finite(v):
    """A finite number (refusing ``true``, text, nan and inf)."""
    _no_bool_or_text(v)
    if isinstance(v, (int, float)) and not math.isfinite(v):
        raise ValueError("must be a finite number")
    return v


_RATE_FORMS = ("a number (a fraction: 0.25 means 25%), \"optimal\", { column = \"<dataset column>\" } or "
               "{ array = \"<dataset bilateral array>\" }")


class TariffMeasure(_Strict):
    importer: CountrySelector
    exporters: CountrySelector = "all"
    rate: Union[float, ColumnRate, ArrayRate, Literal["optimal"]]
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
            key = "array" if "array" in v else "column"
            extra = sorted(set(v) - {key})
            if extra or not isinstance(v.get(key), str) or not v.get(key):
                raise ValueError("a rate table must be exactly { column = \"<dataset column>\" } or "
                                 "{ array = \"<dataset bilateral array>\" }"
                                 + (f"; unknown key(s) {extra}" if extra else ""))
        elif not isinstance(v, (int, float, str, ColumnRate, ArrayRate)):
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
    country's optimal tariffs, the others' given), ``"nash"`` (a Nash equilibrium of
    ``players``), ``"cooperative"`` (trade talks among ``players``: equal gains or Nash
    bargaining with a ``threat`` point, from ``start`` = nash/factual/free/current, which is also
    the point gains are measured from) or ``"joint_optimal"`` (``players`` acting as one levy one
    uniform rate on ``against``, e.g. optimal retaliation). Strategies run after ``tariffs``/``retaliation``, in order, each from the
    tariffs left by the previous one; they need a model with a welfare interface."""

    kind: Literal["optimal", "nash", "cooperative", "joint_optimal"]
    country: str | None = Field(default=None, validate_default=True)
    players: CountrySelector = "all"
    restriction: Literal["discriminatory", "mfn", "uniform"] = "discriminatory"
    lower: float = Field(default=0.0, ge=0.0, le=10.0, allow_inf_nan=False)
    upper: float = Field(default=10.0, gt=0.0, le=10.0, allow_inf_nan=False)
    # "current": search from the tariffs in force; "mfn": from the MFN-restricted solution of the
    # same strategy (Ossa 2014: optimal tariffs from MFN optimal, Nash from MFN Nash tariffs)
    # cooperative ("trade talks", tradewar.strategy.cooperative): "nash" | "factual" | "free" |
    # "current" is both the starting point and the baseline from which gains are measured
    start: Literal["current", "mfn", "nash", "factual", "free"] = Field(default="current", validate_default=True)
    # "local": one local optimum from the start; "prohibitive": greedy multi-start over sectors
    # shut by prohibitive tariffs (welfare can have such corner optima, e.g. with political weights)
    search: Literal["local", "prohibitive"] = "local"
    rule: Literal["max", "ossa"] = "max"
    tol: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    max_rounds: int | None = Field(default=None, ge=1, le=1000)
    check: bool = True
    # cooperative only: maximise equal gains (Ossa 2014) or the Nash bargaining product with a
    # threat point ("nash": the trade war; "factual"/"free": those tariffs); rule/tol/max_rounds
    # then apply to the Nash war computed for start or threat = "nash"
    objective: Literal["equal_gains", "nash_bargaining"] = "equal_gains"
    threat: Literal["nash", "factual", "free"] | None = Field(default=None, validate_default=True)
    # joint_optimal only: the players acting as one levy one uniform rate on ``against``,
    # maximising their (expenditure-weighted, or equal-weighted) mean welfare
    against: CountrySelector | None = Field(default=None, validate_default=True)
    weights: Literal["expenditure", "equal"] = "expenditure"

    @field_validator("against")
    @classmethod
    def _against(cls, v, info: ValidationInfo):
        if info.data.get("kind") == "joint_optimal" and not v:
            raise ValueError("kind 'joint_optimal' needs 'against' (the exporters the players tax)")
        if v and info.data.get("kind") != "joint_optimal":
            raise ValueError("'against' is only used with kind = 'joint_optimal'")
        return v

    @field_validator("start")
    @classmethod
    def _start(cls, v, info: ValidationInfo):
        kind = info.data.get("kind")
        if kind == "cooperative" and v == "mfn":
            raise ValueError("kind 'cooperative' starts from 'current', 'nash', 'factual' or 'free'")
        if kind in ("optimal", "nash", "joint_optimal") and v not in ("current", "mfn"):
            raise ValueError(f"kind {kind!r} starts from 'current' or 'mfn'")
        return v

    @field_validator("threat")
    @classmethod
    def _threat(cls, v, info: ValidationInfo):
        if info.data.get("objective") == "nash_bargaining" and v is None:
            raise ValueError("objective 'nash_bargaining' needs a 'threat' ('nash', 'factual' or 'free')")
        if v is not None and info.data.get("objective") != "nash_bargaining":
            raise ValueError("'threat' is only used with objective = 'nash_bargaining'")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v, info: ValidationInfo):
        if info.data.get("kind") == "optimal" and not v:
            raise ValueError("kind 'optimal' needs a 'country' (an ISO3 code)")
        if info.data.get("kind") in ("nash", "cooperative", "joint_optimal") and v:
            raise ValueError(f"kind {info.data.get('kind')!r} takes 'players', not 'country'")
        return v

    @field_validator("upper")
    @classmethod
    def _bounds(cls, v, info: ValidationInfo):
        lower = info.data.get("lower")
        if lower is not None and v <= lower:
            raise ValueError(f"must exceed lower = {lower}")
        return v


class ExportControl(_Strict):
    """A trade cost on the route ``exporter`` → ``importers`` in ``sectors``, entered as its
    tariff-equivalent: ``kind = "prohibitive"`` (1000%) or ``"iceberg"`` with ``cost`` (a
    fraction). See :mod:`tradewar.measures`."""

    exporter: CountrySelector
    importers: CountrySelector = "all"
    sectors: CountrySelector = "all"
    kind: Literal["prohibitive", "iceberg"] = "prohibitive"
    cost: float | None = Field(default=None, gt=0.0, le=10.0, allow_inf_nan=False, validate_default=True)

    @field_validator("cost", mode="before")
    @classmethod
    def _cost_number(cls, v):
        return _no_bool_or_text(v)

    @field_validator("cost")
    @classmethod
    def _cost_given(cls, v, info: ValidationInfo):
        kind = info.data.get("kind")
        if kind == "iceberg" and v is None:
            raise ValueError("kind 'iceberg' needs a 'cost' (a fraction, e.g. 0.3)")
        if kind == "prohibitive" and v is not None:
            raise ValueError("'cost' is only used with kind = 'iceberg'")
        return v


class PurchaseCommitment(_Strict):
    """``importer``'s purchases from ``partner`` in ``sectors`` held at ``target`` × baseline,
    met by a shadow ad-valorem wedge on those purchases (reported; see :mod:`tradewar.measures`)."""

    importer: str
    partner: str
    sectors: CountrySelector = "all"
    target: float = Field(gt=0.0, le=100.0, allow_inf_nan=False)

    @field_validator("target", mode="before")
    @classmethod
    def _target_number(cls, v):
        return _no_bool_or_text(v)


class TradeCostMeasure(_Strict):
    """A bilateral trade-cost change on the routes ``exporters`` → ``importers`` (and back with
    ``both_ways``): set gravity cost variables of the dataset (``variables = { pta = 1 }``) or
    change the iceberg cost by ``change`` (a fraction). See :mod:`tradewar.trade_costs`."""

    exporters: CountrySelector
    importers: CountrySelector
    both_ways: bool = False
    sectors: CountrySelector = "all"
    variables: dict[str, float] | None = None
    change: float | None = Field(default=None, gt=-1.0, le=10.0, allow_inf_nan=False)

    @field_validator("change", mode="before")
    @classmethod
    def _change_number(cls, v):
        return _no_bool_or_text(v)

    @field_validator("variables", mode="before")
    @classmethod
    def _variable_numbers(cls, v):
        if isinstance(v, dict):
            for key, x in v.items():
                try:
                    _finite(x)
                except ValueError as exc:
                    raise ValueError(f"{key} = {x!r}: {exc}") from None
        return v

    @model_validator(mode="after")
    def _one_form(self):
        if (self.variables is None) == (self.change is None):
            raise ValueError("give either variables = { <cost variable> = <value> } or change = <fraction>")
        if self.variables is not None and not self.variables:
            raise ValueError("variables: name at least one cost variable")
        return self


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
    name: Literal["one_sector", "ossa2014", "cp2015", "structural_gravity"] = "one_sector"

    def parameters(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Uncertainty(_Strict):
    """The distribution of one model parameter for Monte Carlo runs (``tradewar mc``):
    ``dist = "normal"`` with ``mean`` and ``sd`` (truncated to [``low``, ``high``] when given),
    ``dist = "uniform"`` on [``low``, ``high``], or ``values = [...]`` (user samples, drawn with
    replacement; ``dist = "values"`` may be omitted).

    **Per sector** (models with sectors, e.g. ``sigma`` of ossa2014, ``theta`` of cp2015): one
    draw per sector when ``per_sector = true`` or when ``mean``/``sd`` name a column of the
    dataset's sector data (``mean = "sigma_main"``) or give one number per sector (a list in the
    order of the dataset's sectors); ``cv`` instead of ``sd`` sets each sector's sd to ``cv`` × its
    mean. ``correlation = "independent"`` (default) draws the sectors independently,
    ``"common"`` moves them together (one quantile for all sectors in a draw)."""

    dist: Literal["normal", "uniform", "values"] | None = None
    mean: float | str | list[float] | None = None
    sd: float | str | list[float] | None = None
    cv: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    values: list[float] | None = Field(default=None, min_length=1)
    per_sector: bool = False
    correlation: Literal["independent", "common"] = "independent"

    @field_validator("low", "high", "cv", mode="before")
    @classmethod
    def _numbers(cls, v):
        return _no_bool_or_text(v)

    @field_validator("mean", "sd", mode="before")
    @classmethod
    def _number_column_or_list(cls, v):
        if isinstance(v, str):
            if not v.strip():
                raise ValueError("must be a number, a sector-data column name or a list of numbers")
            return v
        if isinstance(v, list):
            if not v:
                raise ValueError("empty list: give one number per sector")
            for x in v:
                _finite(x)
            return v
        return _finite(v)

    @field_validator("sd")
    @classmethod
    def _positive_sd(cls, v):
        values = [v] if isinstance(v, (int, float)) else v if isinstance(v, list) else []
        if any(not (x > 0) for x in values):
            raise ValueError("standard deviations must be greater than 0")
        return v

    @field_validator("values", mode="before")
    @classmethod
    def _value_numbers(cls, v):
        if isinstance(v, list):
            for x in v:
                _finite(x)
        return v

    @model_validator(mode="after")
    def _complete(self):
        dist = self.dist or ("values" if self.values is not None else None)
        if dist is None:
            raise ValueError('needs dist = "normal" (mean, sd), "uniform" (low, high) or values = [...]')
        if dist == "normal" and self.cv is not None:
            if self.sd is not None:
                raise ValueError("give sd or cv, not both")
            needs = ("mean",)
        else:
            needs = {"normal": ("mean", "sd"), "uniform": ("low", "high"), "values": ("values",)}[dist]
        missing = [k for k in needs if getattr(self, k) is None]
        if missing:
            raise ValueError(f"dist {dist!r} needs {' and '.join(missing)}")
        unused = {"normal": ("values",), "uniform": ("mean", "sd", "cv", "values"),
                  "values": ("mean", "sd", "cv", "low", "high")}[dist]
        extra = [k for k in unused if getattr(self, k) is not None]
        if extra:
            raise ValueError(f"{', '.join(extra)} not used with dist {dist!r}")
        if self.low is not None and self.high is not None and self.high <= self.low:
            raise ValueError(f"high = {self.high} must exceed low = {self.low}")
        if (dist == "normal" and self.low is not None and self.high is not None
                and isinstance(self.mean, (int, float)) and isinstance(self.sd, (int, float))
                and not (self.low - 8 * self.sd < self.mean < self.high + 8 * self.sd)):
            raise ValueError(f"mean = {self.mean} lies too far outside [low, high] to draw from")
        if dist == "values" and self.per_sector:
            raise ValueError("per-sector draws take dist = \"normal\" or \"uniform\"")
        if self.correlation != "independent" and not self.sector_wise:
            raise ValueError("correlation is for per-sector draws (per_sector = true)")
        object.__setattr__(self, "dist", dist)
        return self

    @property
    def sector_wise(self) -> bool:
        """One draw per sector (see the class docstring)."""
        return self.per_sector or isinstance(self.mean, (str, list)) or isinstance(self.sd, (str, list))


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
    export_controls: list[ExportControl] = []          # non-tariff measures (tradewar.measures)
    purchase_commitments: list[PurchaseCommitment] = []
    trade_costs: list[TradeCostMeasure] = []          # bilateral trade-cost changes (tradewar.trade_costs)
    uncertainty: dict[str, Uncertainty] = {}           # parameter distributions (tradewar.montecarlo)
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
        elif part in ("float", "ColumnRate", "ArrayRate", "literal['optimal']", "str", "list[str]") or "[" in str(part):
            continue  # pydantic's union-branch labels
        else:
            out += ("." if out else "") + str(part)
    return out or "scenario"
