"""Scenario strategies (``[[strategy]]`` tables) resolved through the strategy layer: the
policy's tariffs are replaced by the tariffs the strategies choose."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from tradewar.errors import ScenarioError
from tradewar.policy import Policy, _one_country, select_countries
from tradewar.scenario import Scenario
from tradewar.strategy.base import Counts, supports_strategies, with_single_threaded_blas
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
        if spec.kind == "joint_optimal":
            if spec.restriction != "uniform":
                raise ScenarioError(src, f"{where}.restriction", "kind 'joint_optimal' sets one uniform rate: "
                                                                 "restriction must be 'uniform'")
            targets = [world.iso3[i] for i in select_countries(world, spec.against, src, f"{where}.against")]
            members = [c for c in who.split(", ") if c not in targets]
            shown = ", ".join(members) if len(members) <= 8 else f"{len(members)} countries"
            out.append(f"joint optimal uniform tariff of {shown} on {', '.join(targets)} "
                       f"in [{spec.lower:g}, {spec.upper:g}]")
            continue
        if spec.kind == "cooperative":
            if spec.start not in ("current", "factual") and not callable(getattr(model, "rebased", None)):
                raise ScenarioError(src, f"{where}.start", f"model {getattr(model, 'name', '?')!r} cannot re-base its "
                                                         f"data at other tariffs: start = {spec.start!r} needs it")
            how = "equal gains" if spec.objective == "equal_gains" else f"Nash bargaining (threat: {spec.threat})"
            out.append(f"{spec.restriction} cooperative tariffs of {who} from {spec.start}, {how}, "
                       f"in [{spec.lower:g}, {spec.upper:g}]")
            continue
        out.append(f"{spec.restriction} {spec.kind} tariffs of {who} in [{spec.lower:g}, {spec.upper:g}]")
    return out


def apply_strategies(scenario: Scenario, model, policy: Policy,
                     progress: Callable[[str, Round], None] | None = None) -> Policy:
    """The policy with its tariffs replaced by those of the scenario's strategies, in order."""
    return resolve_strategies(scenario, model, policy, progress)[0]


@with_single_threaded_blas
def resolve_strategies(scenario: Scenario, model, policy: Policy,
                       progress: Callable[[str, Round], None] | None = None):
    """(policy, model): the policy with its tariffs replaced by those of the scenario's
    strategies, and the model to solve it with (a cooperative strategy from a starting point
    other than the model's baseline re-bases the model there: results are then measured
    relative to the starting point, as Ossa's Table 5)."""
    if not scenario.strategy:
        return policy, model
    world = policy.world
    check_strategies(scenario, model, world)
    model = model.for_run()          # its own warm starts: a run does not depend on earlier or concurrent ones
    src = scenario.source
    t = np.array(policy.tariffs, float)
    notes = list(policy.notes)
    for k, spec in enumerate(scenario.strategy):
        where = f"strategy[{k}]"
        bounds = (spec.lower, spec.upper)
        if spec.kind == "joint_optimal":
            from tradewar.strategy.optimal import joint_optimal_rate

            players = [world.iso3[i] for i in select_countries(world, spec.players, src, f"{where}.players")]
            against = [world.iso3[i] for i in select_countries(world, spec.against, src, f"{where}.against")]
            players = [p for p in players if p not in against]
            codes = list(model.countries)
            weights = np.zeros(len(codes))
            E = np.asarray(getattr(model.baseline, "E", np.ones(len(codes))), float)
            for p in players:
                weights[codes.index(p)] = E[codes.index(p)] if spec.weights == "expenditure" else 1.0
            r = joint_optimal_rate(model, players, against, weights=weights, tariffs=t, bounds=bounds)
            t = r.tariffs
            notes.append(f"joint optimal uniform tariff of {len(players)} countries on {', '.join(against)} "
                         f"({spec.weights}-weighted mean welfare): {r.rate:.5f}; "
                         f"{'converged' if r.converged else 'NOT converged'}; {r.counts}")
            continue
        if spec.kind == "cooperative":
            players = [world.iso3[i] for i in select_countries(world, spec.players, src, f"{where}.players")]
            report = None if progress is None else (lambda rnd, label=f"{where} cooperative": progress(label, rnd))
            model, t, note = _cooperative(model, spec, t, players, bounds, report, progress, where)
            notes.append(note)
            continue
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
            stages = Counts()                    # work of the MFN stages, reported with the result
            if spec.start == "mfn" and spec.restriction == "mfn":     # MFN Nash from the MFN optimal tariffs
                start = np.array(t)
                for p in players:
                    r = optimal_tariffs(model, p, tariffs=t, restriction="mfn", bounds=bounds)
                    stages.add(r.counts)
                    start[:, r.index, :] = r.tariffs[:, r.index, :]
            if spec.start == "mfn" and spec.restriction != "mfn":
                mfn_start = np.array(t)
                for p in players:
                    r = optimal_tariffs(model, p, tariffs=t, restriction="mfn", bounds=bounds)
                    stages.add(r.counts)
                    mfn_start[:, r.index, :] = r.tariffs[:, r.index, :]
                # the MFN stage runs to its own rule (max_rounds applies to the requested stage)
                mfn_ne = nash_tariffs(model, players, tariffs=t, start=mfn_start, check=False, progress=report,
                                      **{**opts, "restriction": "mfn", "max_rounds": None})
                stages.add(mfn_ne.counts)
                start = mfn_ne.tariffs
            t_in = t
            ne = nash_tariffs(model, players, tariffs=t, start=start, check=spec.check, progress=report, **opts)
            ne.counts.add(stages)
            if spec.start == "mfn":              # the same war as a cooperative start/threat: share it
                model.nash_wars()[_war_key(spec, t_in, players, bounds)] = ne
            t = ne.tariffs
            last = ne.rounds[-1]
            check = "" if ne.max_deviation_gain is None else \
                f"; max gain from a unilateral deviation {ne.max_deviation_gain:.1e}"
            notes.append(f"{spec.restriction} Nash tariffs of {', '.join(players)}: "
                         f"{'converged' if ne.converged else 'NOT converged'} after {len(ne.rounds)} rounds "
                         f"(rule {ne.rule!r}, tol {ne.tol:g}; last max change {last.max_change:.1e}, "
                         f"mean change {last.signed_mean_change:+.1e}, mean |change| {last.mean_change:.1e}){check}; {ne.counts}")
    return Policy(world=world, tariffs=t, deficit_closure=policy.deficit_closure, partner=policy.partner,
                  notes=tuple(notes)), model


def _war_key(spec, t, players, bounds) -> tuple:
    return (tuple(players), spec.restriction, spec.rule, spec.tol, spec.max_rounds, spec.search, tuple(bounds),
            np.asarray(t).tobytes())


def _nash_war(model, spec, t: np.ndarray, players: list[str], bounds, progress, where: str):
    """The Nash tariffs of ``players`` (others at ``t``) with the strategy's rule, tol and
    max_rounds, started from the MFN Nash tariffs as Ossa's ``mynashtariff`` (MFN Nash from the
    MFN optimal tariffs); for MFN/uniform restrictions the Nash war of that restriction. Cached
    on the model (cooperative tables use the same war as start and threat)."""
    key = _war_key(spec, t, players, bounds)
    cache = model.nash_wars()
    if key in cache:
        return cache[key], False
    report = None if progress is None else (lambda rnd: progress(f"{where} nash war", rnd))
    opts = dict(bounds=bounds, rule=spec.rule, tol=spec.tol, search=spec.search)
    restriction = spec.restriction if spec.restriction != "discriminatory" else "mfn"
    start = np.array(t)
    counts, t0 = Counts(), time.perf_counter()
    for p in players:
        r = optimal_tariffs(model, p, tariffs=t, restriction=restriction, bounds=bounds)
        counts.add(r.counts)
        start[:, r.index, :] = r.tariffs[:, r.index, :]
    ne = nash_tariffs(model, players, tariffs=t, start=start, check=False, progress=report, restriction=restriction,
                      max_rounds=spec.max_rounds if spec.restriction != "discriminatory" else None, **opts)
    counts.add(ne.counts)
    if spec.restriction == "discriminatory":
        ne = nash_tariffs(model, players, tariffs=t, start=ne.tariffs, check=False, progress=report,
                          restriction="discriminatory", max_rounds=spec.max_rounds, **opts)
        counts.add(ne.counts)
    counts.seconds = time.perf_counter() - t0
    ne.counts = counts
    cache[key] = ne
    return ne, True


def _cooperative(model, spec, t: np.ndarray, players: list[str], bounds, report, progress, where: str):
    """(model to solve with, tariffs, note) of one cooperative strategy (see resolve_strategies)."""
    from tradewar.strategy.cooperative import cooperative_tariffs

    base_t = np.asarray(model.baseline_tariffs, float)
    wars = []

    def tariffs_at(point: str) -> np.ndarray:
        if point == "current":
            return np.array(t)
        if point == "factual":
            return np.array(base_t)
        if point == "free":
            return np.zeros_like(base_t)
        ne, fresh = _nash_war(model, spec, t, players, bounds, progress, where)
        wars.append((ne, fresh))
        return np.array(ne.tariffs)

    start = tariffs_at(spec.start)
    coop_model = model if np.array_equal(start, base_t) else model.rebased(start)
    threat = None
    if spec.objective == "nash_bargaining":
        threat = coop_model.government_welfare(tariffs_at(spec.threat))
    r = cooperative_tariffs(coop_model, players, tariffs=start, restriction=spec.restriction, objective=spec.objective,
                            threat=threat, bounds=bounds, progress=report)
    counts = Counts().add(r.counts)
    counts.seconds = r.counts.seconds
    for ne, fresh in wars[:1]:        # the war's work is counted once (start and threat share it)
        if fresh:
            counts.add(ne.counts)
            counts.seconds += ne.counts.seconds
    how = "equal gains" if spec.objective == "equal_gains" else f"Nash bargaining with threat point {spec.threat}"
    war = "" if not wars else (f"; Nash war ({spec.restriction}, rule {wars[0][0].rule!r}) "
                               f"{'converged' if wars[0][0].converged else 'stopped'} after {len(wars[0][0].rounds)} "
                               f"rounds{'' if wars[0][1] else ' (computed before by a Nash strategy: its work is not counted here)'}")
    note = (f"{spec.restriction} cooperative tariffs of {', '.join(players)} from {spec.start} ({how}): "
            f"Ĝ relative to the {spec.start} point {', '.join(f'{100 * (g - 1):+.4f}%' for g in r.welfare)}; "
            f"{'converged' if r.converged else 'NOT converged'} ({r.message}){war}; {counts}")
    return coop_model, r.tariffs, note
