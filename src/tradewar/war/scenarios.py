"""The war's state at a date as a scenario, and the whole timeline run step by step.

**Ossa world** (``ossa2014``: 7 regions × 33 GTAP sectors, 2007 data): for each Ossa sector s,
the US tariff on China t[CHN, USA, s] and China's on the US t[USA, CHN, s] are the baseline
(2007, the dataset's) tariffs **plus the war's additional duty** of the sector at the date —
the 2017-trade-weighted mean over the sector's products of the Section 301 / retaliation duty
(MFN changes after 2018-01-01 are left out: the baseline already has its own MFN tariffs).
Products with no Ossa sector (HS 26–27 ores and fuels, 98–99) carry no shock. Model: Ossa's,
with welfare weights (λ = 1) and σ = ``sigma_main``.

**194-country world** (``ignatenko2025``: one sector, 2023 data): the US tariff on China and
China's on the US rise by the war's trade-weighted average additional duty (bilateral
averages); the model is the one-sector model with its defaults.

Each step of :func:`run_timeline` is a counterfactual from the same pre-war baseline (the state
of the war at that date, not the change since the previous step), so steps are comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradewar.errors import TradewarError
from tradewar.scenario import Scenario
from tradewar.war.api import SEED_DATE, averages, rates, resolve_date, step_dates
from tradewar.war.schedules import schedules

WORLDS = {"ossa2014": "ossa2014", "ignatenko2025": "one_sector"}
US, CN = "USA", "CHN"


def _model(world: str) -> dict:
    if world == "ossa2014":
        return {"name": "ossa2014", "weights": "welfare", "sigma": "sigma_main"}
    return {"name": "one_sector"}


def war_measures(date, world: str = "ossa2014", data=None) -> list[dict]:
    """The ``[[tariffs]]`` measures (mode = "add", fractions) of the war at ``date``."""
    d = resolve_date(date)
    out = []
    for direction, (imp, exp) in {"us_on_china": (US, CN), "china_on_us": (CN, US)}.items():
        if world == "ossa2014":
            table = rates(d, direction, by="ossa2014", data=data)
            for sector, row in table.iterrows():
                if sector == "unmapped" or abs(row["war_duty"]) < 1e-9:
                    continue
                out.append({"importer": imp, "exporters": exp, "sectors": [sector], "mode": "add",
                            "rate": round(float(row["war_duty"]) / 100.0, 8)})
        elif world == "ignatenko2025":
            duty = averages(d, data)[direction]["war_duty"]
            if abs(duty) > 1e-9:
                out.append({"importer": imp, "exporters": exp, "mode": "add", "rate": round(duty / 100.0, 8)})
        else:
            raise TradewarError(f"world {world!r}: use one of {list(WORLDS)}")
    return out


def phase_one_commitments(world: str = "ossa2014", data=None) -> tuple[list[dict], list[str]]:
    """Phase One's 2020 purchase goals as ``[[purchase_commitments]]`` of CHN from USA.

    Each Annex 6.1 category (manufactured goods, agriculture, energy) has a 2020 target of
    (2017 US exports to China in the category + the year-1 goal) / 2017 exports (Waugh's
    computation from Census data: manufactured 1.66×, agriculture 1.60×, energy 3.42×). On the
    Ossa world a category covers the sectors to which most of its HS4 codes map; energy maps to
    no Ossa sector (ossa2014 has no fuels) and is left out. On the one-sector world the target is
    the goods total (2017 + $63.9bn of goods goals) / 2017 exports in the three categories."""
    from tradewar.data.registry import load_event_dataset
    from tradewar.war.concordance import UNMAPPED, map_codes

    t = load_event_dataset("us_china_2018_2020", data)
    goals = t["phase_one_goals"]
    goals = goals[goals["high_catagory"].str[0].str.isdigit()]
    mult = {r["high_catagory"]: (r["2017 Values"] + r["Goals"]) / r["2017 Values"] for _, r in goals.iterrows()}
    notes = [f"{k}: target {v:.3f}× 2017" for k, v in mult.items()]
    if world != "ossa2014":
        total = (goals["2017 Values"].sum() + goals["Goals"].sum()) / goals["2017 Values"].sum()
        return [{"importer": CN, "partner": US, "sectors": "all", "target": round(float(total), 6)}], notes
    hs4 = t["phase_one_hs4"]
    sec = map_codes(hs4["hs4"], "ossa2014")
    counts = hs4.assign(sector=sec.to_numpy()).groupby(["sector", "high_catagory"]).size().unstack(fill_value=0)
    owner = counts.idxmax(axis=1)
    out = []
    for cat, m in mult.items():
        sectors = sorted(s for s, c in owner.items() if c == cat and s != UNMAPPED)
        if not sectors:
            notes.append(f"{cat}: no Ossa sector (left out)")
            continue
        out.append({"importer": CN, "partner": US, "sectors": sectors, "target": round(float(m), 6)})
    return out, notes


def scenario_at(date, world: str = "ossa2014", name: str | None = None, extra_tariffs: list[dict] | None = None,
                phase_one: bool = False, export_controls: list[dict] | None = None, data=None) -> Scenario:
    """A Scenario with the war's tariffs at ``date`` on ``world`` (see the module docstring);
    ``extra_tariffs`` (scenario ``[[tariffs]]`` tables) are appended after the war's;
    ``phase_one=True`` adds Phase One's purchase commitments (:func:`phase_one_commitments`);
    ``export_controls``: ``[[export_controls]]`` tables (:mod:`tradewar.measures`)."""
    d = resolve_date(date)
    if world not in WORLDS:
        raise TradewarError(f"world {world!r}: use one of {list(WORLDS)}")
    av = averages(d, data)
    desc = (f"US–China trade war as of {d.date()}: US war duty on China {av['us_on_china']['war_duty']:.2f}% "
            f"(average {av['us_on_china']['average']:.2f}%), China's on the US "
            f"{av['china_on_us']['war_duty']:.2f}% (average {av['china_on_us']['average']:.2f}%), "
            f"2017 trade weights; added to the dataset's baseline tariffs.")
    spec = {"name": name or f"us-china-war-{d.date()}", "title": f"US–China trade war on {d.date()}",
            "description": desc, "dataset": world, "model": _model(world),
            "tariffs": war_measures(d, world, data) + list(extra_tariffs or [])}
    if phase_one:
        spec["purchase_commitments"] = phase_one_commitments(world, data)[0]
    if export_controls:
        spec["export_controls"] = list(export_controls)
    return Scenario.from_dict(spec, source=f"<war {d.date()} {world}>")


def scenario_toml(scenario: Scenario) -> str:
    """The scenario as TOML text (for users to edit and rerun with ``tradewar run``)."""
    def val(v):
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return repr(v)

    lines = [f"name = {val(scenario.name)}", f"title = {val(scenario.title)}",
             f'description = """\n{scenario.description}"""', f"dataset = {val(scenario.dataset)}", "",
             "[model]", f"name = {val(scenario.model.name)}"]
    lines += [f"{k} = {val(v)}" for k, v in scenario.model.parameters().items()]
    for m in scenario.tariffs:
        lines += ["", "[[tariffs]]"]
        for k, v in m.model_dump(exclude_defaults=True).items():
            lines.append(f"{k} = {val(v)}")
    for table, items in (("export_controls", scenario.export_controls),
                         ("purchase_commitments", scenario.purchase_commitments)):
        for m in items:
            lines += ["", f"[[{table}]]"]
            lines += [f"{k} = {val(v)}" for k, v in m.model_dump(exclude_defaults=True).items()]
    return "\n".join(lines) + "\n"


@dataclass
class TimelineRun:
    world: str
    table: pd.DataFrame                         # one row per step (see run_timeline)
    outcomes: dict = field(default_factory=dict)  # date string -> Outcome
    comparisons: pd.DataFrame | None = None     # actual war vs Nash war (vs cooperative)
    notes: list[str] = field(default_factory=list)


def _metrics(outcome, units_scale: float) -> dict:
    c = outcome.countries
    bil = outcome.bilateral
    codes = list(bil.exporter.values)
    b0 = bil["trade_baseline"].values
    b1 = bil["trade_counterfactual"].values
    iu, ic = codes.index(US), codes.index(CN)
    third = [k for k in range(len(codes)) if k not in (iu, ic)]

    def change(x0, x1):
        return 100.0 * (x1 / x0 - 1.0) if x0 > 0 else np.nan

    rest = [k for k in c.index if k not in (US, CN)]
    w = outcome.weights.loc[rest]
    return {
        "welfare_USA": float(c.at[US, "welfare"]), "welfare_CHN": float(c.at[CN, "welfare"]),
        "welfare_rest": float((c.loc[rest, "welfare"] * w).sum() / w.sum()),
        "prices_USA": float(c.at[US, "prices"]), "prices_CHN": float(c.at[CN, "prices"]),
        "us_imports_from_chn": change(b0[ic, iu], b1[ic, iu]),
        "chn_imports_from_usa": change(b0[iu, ic], b1[iu, ic]),
        "third_exports_to_usa": change(b0[third, iu].sum(), b1[third, iu].sum()),
        "third_exports_to_chn": change(b0[third, ic].sum(), b1[third, ic].sum()),
        "us_balance_with_chn_baseline_bn": float(b0[iu, ic] - b0[ic, iu]) * units_scale,
        "us_balance_with_chn_bn": float(b1[iu, ic] - b1[ic, iu]) * units_scale,
    }


def _scale(units: str) -> float:
    u = units.lower()
    return 1e-3 if "million" in u else 1e-6 if "thousand" in u else 1e-9


PHASE_ONE = pd.Timestamp("2020-02-14")


def run_timeline(world: str = "ossa2014", dates=None, include_seed: bool = True, compare: bool = False,
                 phase_one: bool = False, data=None) -> TimelineRun:
    """Solve the war's state at each step date (default: every date at which a war duty changes,
    plus the seed date) on ``world``; one row per step with both sides' average rates and war
    duties, welfare (%), consumer prices (%), the change of bilateral US–China trade (%), the
    change of third countries' exports to the US and to China (%, trade diversion), and the US
    bilateral balance with China (USD bn, model units: 2007 flows for ossa2014, 2023 for
    ignatenko2025). ``compare=True`` adds the model's bilateral Nash war and talks for comparison
    (the strategy layer with `against`: each side sets only its tariffs on the other). ``phase_one=True`` adds Phase One's purchase commitments from
    2020-02-14 (:func:`phase_one_commitments`); column ``phase_one_shadow_pct`` then holds the
    shadow tariff-equivalent of each commitment (``;``-separated, percent)."""
    from tradewar.run import run as run_scenario

    if world not in WORLDS:
        raise TradewarError(f"world {world!r}: use one of {list(WORLDS)}")
    ds = [resolve_date(d) for d in dates] if dates else list(step_dates(data))
    if include_seed and not dates:
        ds.append(SEED_DATE)
    ds = sorted(set(ds))
    labels = _labels(data)
    rows, outcomes = [], {}
    for d in ds:
        sc = scenario_at(d, world, phase_one=phase_one and d >= PHASE_ONE, data=data)
        out = run_scenario(sc, data)
        av = averages(d, data)
        key = str(d.date())
        outcomes[key] = out
        row = {"date": key, "event": labels.get(d, "seed article (July 2019)" if d == SEED_DATE else ""),
               "us_avg": av["us_on_china"]["average"], "us_war_duty": av["us_on_china"]["war_duty"],
               "cn_avg": av["china_on_us"]["average"], "cn_war_duty": av["china_on_us"]["war_duty"]}
        row.update(_metrics(out, _scale(out.units)))
        if phase_one:
            shadows = [n.split("shadow tariff-equivalent ")[1].split("%")[0] for n in out.notes
                       if "shadow tariff-equivalent" in n]
            row["phase_one_shadow_pct"] = "; ".join(shadows)
        rows.append(row)
    result = TimelineRun(world, pd.DataFrame(rows).set_index("date"), outcomes)
    if compare:
        result.comparisons, notes = compare_with_strategies(world, result, data)
        result.notes.extend(notes)
    return result


def _labels(data=None) -> dict:
    out: dict = {}
    for s in schedules(data).values():
        for d, lab in zip(s.steps, s.labels):
            side = "US" if s.importer == US else "CN"
            out[d] = (out[d] + "; " if d in out else "") + f"{side}: {lab}"
    return out


def compare_with_strategies(world: str, timeline: TimelineRun, data=None):
    """The actual war (the timeline's peak and last steps) next to the model's Nash war of all
    players and, if the strategy layer offers it, cooperative talks (equal gains), on the same
    world. Only the Ossa world has the welfare interface these need."""

    notes = []
    rows = {}
    t = timeline.table
    for label, key in (("actual war, peak (2019-09-01)", "2019-09-01"), ("actual war, seed date", str(SEED_DATE.date())),
                       ("actual war, Phase One (2020-02-14)", "2020-02-14")):
        if key in t.index:
            rows[label] = t.loc[key, ["welfare_USA", "welfare_CHN", "welfare_rest", "us_imports_from_chn",
                                      "chn_imports_from_usa", "third_exports_to_usa"]]
    if world != "ossa2014":
        notes.append("Nash and cooperative tariffs need a model with welfare gradients; compared on ossa2014 only")
        return pd.DataFrame(rows).T, notes
    from tradewar.policy import Policy
    from tradewar.run import model_for
    from tradewar.strategy.cooperative import cooperative_tariffs
    from tradewar.strategy.nash import nash_tariffs

    base = Scenario.from_dict({"name": "war-base", "dataset": world, "model": _model(world)}, source="<war>")
    mdl = model_for(base, data)
    codes = list(mdl.world.iso3)
    iu, ic = codes.index(US), codes.index(CN)
    keys = ("welfare_USA", "welfare_CHN", "welfare_rest", "us_imports_from_chn", "chn_imports_from_usa",
            "third_exports_to_usa")
    pair = [US, CN]
    threat = np.asarray(mdl.government_welfare(np.array(mdl.baseline_tariffs)), float)
    strategies = (
        ("model: US–China Nash war (bilateral tariffs)",
         lambda: nash_tariffs(mdl, pair, against=pair, check=False)),
        ("model: US–China talks (Nash bargaining, bilateral tariffs)",
         lambda: cooperative_tariffs(mdl, pair, against=pair, objective="nash_bargaining", threat=threat)),
    )
    for label, strategy in strategies:
        res = strategy()
        out = mdl.solve(Policy.baseline(mdl.world).with_tariffs(res.tariffs), scenario=label)
        m = _metrics(out, _scale(out.units))
        row = {k: m[k] for k in keys}
        row["us_tariff_increment"] = 100 * float(np.mean(res.tariffs[ic, iu] - mdl.world.tariffs[ic, iu]))
        row["cn_tariff_increment"] = 100 * float(np.mean(res.tariffs[iu, ic] - mdl.world.tariffs[iu, ic]))
        rows[label] = pd.Series(row)
        notes.append(f"{label}: {len(res.rounds)} rounds, converged={res.converged}")
    notes.append("model strategies: USA and CHN choose only their 33 sector tariffs on each other, bounds [0, 10], "
                 "other tariffs at the 2007 baseline; tariff increments are simple means over sectors, pp; "
                 "the actual war's rows have trade-weighted war duties (us_avg/cn_avg in the timeline table)")
    return pd.DataFrame(rows).T, notes
