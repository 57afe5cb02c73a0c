"""Policy: what a model consumes — the full tariff array and other instruments, after groups,
dataset columns, floors, closed-form rates and retaliation rules of a scenario have been
resolved against a World."""

from __future__ import annotations

import dataclasses

import difflib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import xarray as xr

from tradewar.errors import DataError, ScenarioError
from tradewar.scenario import ArrayRate, CountrySelector, Scenario
from tradewar.trade_costs import TradeCosts, resolve_trade_costs
from tradewar.world import World


class ClosedForms(Protocol):
    """What a model offers to resolve "optimal" rates in a scenario."""

    def optimal_tariff(self, country: str, denominator: str = "expenditure") -> float: ...

    def optimal_retaliation(self, target: str) -> float: ...


@dataclass(frozen=True, eq=False)
class Policy:
    """Counterfactual instruments on a World. ``tariffs`` is [exporter, importer, sector]."""

    world: World
    tariffs: np.ndarray
    deficit_closure: str = "fixed_transfers"
    partner: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    trade_costs: TradeCosts | None = None      # bilateral trade-cost changes (tradewar.trade_costs)

    @classmethod
    def baseline(cls, world: World) -> "Policy":
        return cls(world=world, tariffs=np.array(world.tariffs))

    def with_tariffs(self, tariffs: np.ndarray) -> "Policy":
        return dataclasses.replace(self, tariffs=np.asarray(tariffs, float))

    @property
    def actors(self) -> list[str]:
        """Countries that impose tariffs different from the baseline, and both ends of routes
        whose trade costs change (the policy's actors)."""
        changed = np.any(self.tariffs != self.world.tariffs, axis=2)
        imposers = changed.any(axis=0)
        if self.trade_costs is not None:
            imposers = imposers | self.trade_costs.routes.any(axis=0) | self.trade_costs.routes.any(axis=1)
        return [self.world.iso3[k] for k in np.flatnonzero(imposers)]

    def to_xarray(self) -> xr.DataArray:
        codes = list(self.world.iso3)
        return xr.DataArray(self.tariffs, dims=("exporter", "importer", "sector"),
                            coords={"exporter": codes, "importer": codes, "sector": list(self.world.sectors)},
                            name="tariff")


def select_countries(world: World, selector: CountrySelector, source: str, field_name: str) -> list[int]:
    """Positions of the countries named by an ISO3 code, a group, "all", or a list of them."""
    items = [selector] if isinstance(selector, str) else list(selector)
    if not items:
        raise ScenarioError(source, field_name, "empty list of countries")
    out: list[int] = []
    codes = world.iso3
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ScenarioError(source, field_name, f"expected an ISO3 code or group name, got {item!r}")
        if item.lower() == "all":
            out.extend(range(len(codes)))
        elif item in codes:
            out.append(codes.index(item))
        elif any(item.lower() == g.lower() for g in world.groups):
            out.extend(codes.index(c) for c in world.group(item))
        else:
            choices = list(codes) + list(world.groups)
            close = difflib.get_close_matches(item.upper() if len(item) == 3 else item, choices, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ScenarioError(source, field_name,
                                f"unknown country code or group {item!r} in dataset {world.name!r}{hint}")
    return sorted(set(out))


def _one_country(world: World, code: str, source: str, field_name: str) -> int:
    if code not in world.iso3:
        positions = select_countries(world, code, source, field_name)  # raises a helpful error
        if len(positions) != 1:
            raise ScenarioError(source, field_name, f"must name one country, not the group {code!r}")
        return positions[0]
    return world.iso3.index(code)


def _sector_positions(world: World, selector: CountrySelector, source: str, field_name: str) -> list[int]:
    items = [selector] if isinstance(selector, str) else list(selector)
    if items == ["all"]:
        return list(range(len(world.sectors)))
    unknown = [s for s in items if s not in world.sectors]
    if unknown:
        raise ScenarioError(source, field_name, f"unknown sector(s) {unknown}; sectors: {list(world.sectors)[:10]}")
    return [world.sectors.index(s) for s in items]


def _array_rate(world: World, name: str, importer: int, source: str, field_name: str) -> np.ndarray:
    """Rates [exporter, sector] of ``importer`` from the bilateral array ``World.extras[name]``
    (dimensions exporter, importer[, sector]; e.g. ``cp2015``'s ``tariff_counterfactual``)."""
    arrays = [k for k, v in world.extras.items() if isinstance(v, xr.DataArray)
              and {"exporter", "importer"} <= set(v.dims) and set(v.dims) <= {"exporter", "importer", "sector"}]
    if name not in arrays:
        raise ScenarioError(source, field_name, f"dataset {world.name!r} has no bilateral array {name!r}; "
                                                f"available: {arrays or 'none'}")
    arr = world.extras[name]
    arr = arr.expand_dims(sector=list(world.sectors)) if "sector" not in arr.dims else arr
    values = np.asarray(arr.transpose("exporter", "importer", "sector").values, float)[:, importer, :]
    if not np.all(np.isfinite(values)) or np.any(values <= -1):
        raise ScenarioError(source, field_name, f"array {name!r} must hold finite rates above -1")
    return values


def resolve(scenario: Scenario, world: World, model: ClosedForms | None = None) -> Policy:
    """Resolve a scenario's measures against a world (and a model for "optimal" rates)."""
    src = scenario.source
    t = np.array(world.tariffs, dtype=float)
    notes: list[str] = []
    for k, m in enumerate(scenario.tariffs):
        where = f"tariffs[{k}]"
        importers = select_countries(world, m.importer, src, f"{where}.importer")
        exporters = select_countries(world, m.exporters, src, f"{where}.exporters")
        sectors = _sector_positions(world, m.sectors, src, f"{where}.sectors")
        if set(exporters) <= set(importers) and len(importers) == 1:
            raise ScenarioError(src, f"{where}.exporters", f"{m.exporters!r} names only the importer "
                                f"{world.iso3[importers[0]]!r}; a country does not tariff its own goods")
        for i in importers:
            if m.rate == "optimal":
                if model is None:
                    raise ScenarioError(src, f"{where}.rate", "'optimal' needs a model with a closed-form optimal tariff")
                rate = np.full(world.n_countries, model.optimal_tariff(world.iso3[i], m.optimal_denominator))
                notes.append(f"{world.iso3[i]} optimal uniform tariff = {rate[0]:.5f}")
            elif isinstance(m.rate, float):
                rate = np.full(world.n_countries, m.rate)
            elif isinstance(m.rate, ArrayRate):
                rate = _array_rate(world, m.rate.array, i, src, f"{where}.rate.array")   # [exporter, sector]
            else:
                try:
                    rate = world.country_column(m.rate.column).to_numpy(dtype=float)
                except DataError as exc:
                    raise ScenarioError(src, f"{where}.rate.column", str(exc)) from None
            if m.floor is not None:
                rate = np.maximum(rate, m.floor)
            js = [j for j in exporters if j != i]
            for s in sectors:
                r = rate[js, s] if rate.ndim == 2 else rate[js]
                if m.mode == "set":
                    t[js, i, s] = r
                else:
                    t[js, i, s] = t[js, i, s] + r
        low = np.argwhere(t <= -1)
        if len(low):
            shown = ", ".join(f"{world.iso3[j]}→{world.iso3[i]}={t[j, i, s]:g}" for j, i, s in low[:5])
            more = f", … ({len(low)} in all)" if len(low) > 5 else ""
            raise ScenarioError(src, where, f"resulting tariff rates must exceed -1; got {shown}{more}")
    for k, r in enumerate(scenario.retaliation):
        where = f"retaliation[{k}]"
        target = _one_country(world, r.against, src, f"{where}.against")
        by = [i for i in select_countries(world, r.by, src, f"{where}.by") if i != target]
        if not by:
            raise ScenarioError(src, f"{where}.by", f"{r.by!r} names only the country retaliated against "
                                f"({r.against!r}); nobody is left to retaliate")
        if r.rule == "reciprocal":
            t[target, by, :] = t[by, target, :]
        elif r.rule == "rate":
            t[target, by, :] = r.rate
        else:
            if model is None:
                raise ScenarioError(src, f"{where}.rule", "'optimal' needs a model with a closed-form retaliation rate")
            rate = model.optimal_retaliation(world.iso3[target])
            t[target, by, :] = rate
            notes.append(f"optimal retaliation against {world.iso3[target]} = {rate:.5f}")
    if scenario.export_controls:
        from tradewar.measures import apply_export_controls

        t = apply_export_controls(scenario, world, t, notes)
    if model is not None and not getattr(model, "takes_tariffs", True) and np.any(t != world.tariffs):
        raise ScenarioError(src, "tariffs", f"model {getattr(model, 'name', '?')!r} has no tariffs: express the "
                                            "experiment as [[trade_costs]] (cost variables or iceberg changes)")
    trade_costs = resolve_trade_costs(scenario, world)
    if trade_costs is not None and model is not None and not getattr(model, "takes_trade_costs", False):
        raise ScenarioError(src, "trade_costs", f"model {getattr(model, 'name', '?')!r} does not take trade-cost "
                                                "changes (use model.name = \"structural_gravity\")")
    partner = None
    if scenario.deficits.closure == "balanced_bilateral":
        partner = world.iso3[_one_country(world, scenario.deficits.partner, src, "deficits.partner")]
    return Policy(world=world, tariffs=t, deficit_closure=scenario.deficits.closure,
                  partner=partner, notes=tuple(notes), trade_costs=trade_costs)
