"""Scenario strategies (``[[strategy]]`` tables) resolved through the strategy layer: the
policy's tariffs are replaced by the tariffs the strategies choose."""

from __future__ import annotations

from typing import Callable

import numpy as np

from tradewar.errors import ScenarioError
from tradewar.policy import Policy, _one_country, select_countries
from tradewar.scenario import Scenario
from tradewar.strategy.base import supports_strategies
from tradewar.strategy.nash import Round, nash_tariffs
from tradewar.strategy.optimal import optimal_tariffs


def check_strategies(scenario: Scenario, model, world) -> list[str]:
    """Check the scenario's strategies without solving: the model has a welfare interface and
    the countries exist. Returns a one-line description of each strategy."""
    src = scenario.source
    if scenario.strategy and not supports_strategies(model):
        raise ScenarioError(src, "strategy", f"model {getattr(model, 'name', '?')!r} has no welfare interface "
                                             "(government welfare and its gradient): strategies need one")
    out = []
    for k, spec in enumerate(scenario.strategy):
        where = f"strategy[{k}]"
        if spec.kind == "optimal":
            who = world.iso3[_one_country(world, spec.country, src, f"{where}.country")]
        else:
            who = ", ".join(world.iso3[i] for i in select_countries(world, spec.players, src, f"{where}.players"))
        out.append(f"{spec.restriction} {spec.kind} tariffs of {who} in [{spec.lower:g}, {spec.upper:g}]")
    return out


def apply_strategies(scenario: Scenario, model, policy: Policy,
                     progress: Callable[[str, Round], None] | None = None) -> Policy:
    """The policy with its tariffs replaced by those of the scenario's strategies, in order."""
    if not scenario.strategy:
        return policy
    world = policy.world
    check_strategies(scenario, model, world)
    src = scenario.source
    t = np.array(policy.tariffs, float)
    notes = list(policy.notes)
    for k, spec in enumerate(scenario.strategy):
        where = f"strategy[{k}]"
        bounds = (spec.lower, spec.upper)
        if spec.kind == "optimal":
            j = _one_country(world, spec.country, src, f"{where}.country")
            start = None
            if spec.start == "mfn" and spec.restriction != "mfn":
                start = optimal_tariffs(model, j, tariffs=t, restriction="mfn", bounds=bounds).tariffs
            r = optimal_tariffs(model, j, tariffs=t, restriction=spec.restriction, bounds=bounds, start=start,
                                search=spec.search)
            t = r.tariffs
            notes.append(f"{r.country} {spec.restriction} optimal tariffs: Ĝ_{r.country} "
                         f"{100 * (r.welfare[r.index] - 1):+.4f}%; "
                         f"{'converged' if r.converged else 'NOT converged'} ({r.message}); {r.counts}")
        else:
            players = [world.iso3[i] for i in select_countries(world, spec.players, src, f"{where}.players")]
            opts = dict(restriction=spec.restriction, bounds=bounds, rule=spec.rule, tol=spec.tol,
                        max_rounds=spec.max_rounds, search=spec.search)
            report = None if progress is None else (lambda rnd, label=f"{where} nash": progress(label, rnd))
            start = None
            if spec.start == "mfn" and spec.restriction != "mfn":
                mfn_start = np.array(t)
                for p in players:
                    r = optimal_tariffs(model, p, tariffs=t, restriction="mfn", bounds=bounds)
                    mfn_start[:, r.index, :] = r.tariffs[:, r.index, :]
                # the MFN stage runs to its own rule (max_rounds applies to the requested stage)
                start = nash_tariffs(model, players, tariffs=t, start=mfn_start, check=False, progress=report,
                                     **{**opts, "restriction": "mfn", "max_rounds": None}).tariffs
            ne = nash_tariffs(model, players, tariffs=t, start=start, check=spec.check, progress=report, **opts)
            t = ne.tariffs
            last = ne.rounds[-1]
            check = "" if ne.max_deviation_gain is None else \
                f"; max gain from a unilateral deviation {ne.max_deviation_gain:.1e}"
            notes.append(f"{spec.restriction} Nash tariffs of {', '.join(players)}: "
                         f"{'converged' if ne.converged else 'NOT converged'} after {len(ne.rounds)} rounds "
                         f"(rule {ne.rule!r}, tol {ne.tol:g}; last max change {last.max_change:.1e}, "
                         f"mean change {last.signed_mean_change:+.1e}, mean |change| {last.mean_change:.1e}){check}; {ne.counts}")
    return Policy(world=world, tariffs=t, deficit_closure=policy.deficit_closure, partner=policy.partner,
                  notes=tuple(notes))
