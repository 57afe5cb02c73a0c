"""Public API of :mod:`tradewar.war` — what other modules (e.g. news articles → scenarios) call.

Dates are anything ``pandas.Timestamp`` reads (``"2019-07-15"``), a month ``"2019-07"`` (its
15th), or ``"seed"`` (:data:`SEED_DATE`: the seed article's July 2019 — after List 3 rose to 25%
on 2019-05-10, with List 4 held off at the Osaka truce of 2019-06-29). Directions are
``"us_on_china"`` (US tariffs on Chinese goods) and ``"china_on_us"``. Rates are in percent.

* :func:`averages` (date) → both directions' trade-weighted average rate, its pre-war level and
  war increment, coverage (USD and share of imports).
* :func:`rates` (date, direction, by) → table by ``product`` (HTS8 / HS8 line), ``hs6``, ``hs2``,
  or model sector (``ossa2014``, ``cp2015``, ``one_sector``, or a user concordance CSV).
* :func:`tariff` (date, hs, direction) → the rate on one HS code or prefix (trade-weighted).
* :func:`events` (start, end) → the dated actions of the timeline.
* :func:`scenario_at` (date, world) → a :class:`~tradewar.scenario.Scenario` with the war's
  tariffs at that date on ``ossa2014`` (by sector) or ``ignatenko2025`` (bilateral averages).
* :func:`run_timeline` (world, dates) → the model solved at each step of the war.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tradewar.errors import ParameterError, TradewarError
from tradewar.war.concordance import SYSTEMS, map_codes
from tradewar.war.schedules import DIRECTIONS, END, START, ProductSchedule, schedules, to_date

#: The seed article's date: mid-July 2019 (May trade data out, talks to resume after Osaka).
SEED_DATE = pd.Timestamp("2019-07-15")


def resolve_date(date) -> pd.Timestamp:
    """``"seed"``, ``"YYYY-MM"`` (the 15th), or a date; must fall in 2018-01-01..2020-12-31."""
    if isinstance(date, str) and date.strip().lower() == "seed":
        return SEED_DATE
    given = date
    if isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}", date.strip()):
        date = date.strip() + "-15"
    d = to_date(date)
    if not (START <= d <= END):
        raise ParameterError("date", given, f"outside the war's data, {START.date()}..{END.date()}")
    return d


def war(data=None) -> dict[str, ProductSchedule]:
    """Both product schedules, by direction (see :mod:`tradewar.war.schedules`)."""
    return schedules(data)


def _schedule(direction: str, data=None) -> ProductSchedule:
    if direction not in DIRECTIONS:
        raise TradewarError(f"direction {direction!r}: must be one of {list(DIRECTIONS)}")
    return schedules(data)[direction]


def _aggregate(table: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    w = table["weight"]
    g = table.assign(_k=key.to_numpy(), _wr=table["rate"] * w, _w0=table["rate_2018_01_01"] * w,
                     _ww=table["war_duty"] * w, _cov=np.where(table["war_duty"] > 1e-9, w, 0.0))
    agg = g.groupby("_k").agg(imports_usd=("weight", "sum"), _wr=("_wr", "sum"), _w0=("_w0", "sum"),
                             _ww=("_ww", "sum"), covered_usd=("_cov", "sum"), lines=("weight", "size"))
    out = pd.DataFrame({
        "rate": agg["_wr"] / agg["imports_usd"],
        "rate_2018_01_01": agg["_w0"] / agg["imports_usd"],
        "war_duty": agg["_ww"] / agg["imports_usd"],
        "imports_usd": agg["imports_usd"],
        "covered_usd": agg["covered_usd"],
        "covered_share": agg["covered_usd"] / agg["imports_usd"],
        "lines": agg["lines"],
    })
    out.index.name = "code"
    return out[agg["imports_usd"] > 0]


def rates(date, direction: str = "us_on_china", by: str = "hs2", concordance=None, column=None,
          data=None) -> pd.DataFrame:
    """Rates at ``date`` by ``product``, ``hs6``, ``hs2``, ``ossa2014``, ``cp2015``, ``one_sector``
    (or ``by="sector"`` with a user ``concordance`` CSV: columns ``hs`` and ``sector``/``column``).

    Columns: ``rate`` (trade-weighted mean, %), ``rate_2018_01_01``, ``war_duty`` (the war's
    additional duty, %), ``imports_usd`` (2017 weights), ``covered_usd`` / ``covered_share``
    (imports facing a war duty), ``lines``. Weights: see :mod:`tradewar.war.schedules`."""
    s = _schedule(direction, data)
    table = s.table(resolve_date(date))
    if by == "product":
        out = table.rename(columns={"weight": "imports_usd"})
        out["covered_share"] = (out["war_duty"] > 1e-9).astype(float)
        return out
    if by in ("hs6", "hs2"):
        key = table[by]
    elif by in SYSTEMS or concordance is not None:
        key = map_codes(table.index, by if by in SYSTEMS else "ossa2014", concordance, column)
    else:
        raise TradewarError(f"by={by!r}: use product, hs6, hs2, {', '.join(SYSTEMS)} or a concordance file")
    return _aggregate(table, key)


def averages(date, data=None) -> dict:
    """Trade-weighted averages at ``date`` both ways: ``{direction: {importer, exporter, average,
    average_2018_01_01, war_duty, covered_usd, covered_share, imports_usd, weighting}}``, plus
    ``date``. Averages are in percent; USD are 2017 import values."""
    d = resolve_date(date)
    out: dict = {"date": str(d.date())}
    for direction, s in schedules(data).items():
        row = rates(d, direction, by="one_sector", data=data).iloc[0]
        out[direction] = {
            "importer": s.importer, "exporter": s.exporter,
            "average": float(row["rate"]), "average_2018_01_01": float(row["rate_2018_01_01"]),
            "war_duty": float(row["war_duty"]), "covered_usd": float(row["covered_usd"]),
            "covered_share": float(row["covered_share"]), "imports_usd": float(row["imports_usd"]),
            "weighting": s.weighting,
        }
    return out


def tariff(date, hs: str, direction: str = "us_on_china", data=None) -> float:
    """The rate (percent) at ``date`` on HS code or prefix ``hs`` (e.g. ``"8517"``, ``"120190"``);
    trade-weighted over the lines it covers (simple mean if they have no trade)."""
    code = re.sub(r"[.\s]", "", str(hs))
    if not re.fullmatch(r"\d{2,10}", code):
        raise TradewarError(f"hs={hs!r}: expected an HS code or prefix of 2–10 digits")
    table = _schedule(direction, data).table(resolve_date(date))
    key = code[:8]
    sel = table[table.index.str.startswith(key)]
    if sel.empty and len(key) > 6:       # a line not in the schedule: its HS6
        sel = table[table["hs6"] == key[:6]]
    if sel.empty:
        raise TradewarError(f"hs={hs!r}: no product in the {direction} schedule")
    w = sel["weight"].to_numpy()
    return float(sel["rate"].to_numpy() @ w / w.sum()) if w.sum() > 0 else float(sel["rate"].mean())


def events(start=None, end=None, data=None) -> pd.DataFrame:
    """Dated actions of the timeline (``timeline.csv``) between ``start`` and ``end``."""
    from tradewar.data.registry import load_event_dataset

    tl = load_event_dataset("us_china_2018_2020", data)["timeline"]
    lo = to_date(start, "start") if start is not None else tl["date"].min()
    hi = to_date(end, "end") if end is not None else tl["date"].max()
    return tl[(tl["date"] >= lo) & (tl["date"] <= hi)].reset_index(drop=True)


def step_dates(data=None) -> list[pd.Timestamp]:
    """Dates at which either side's war duty changes (plus 2018-01-01)."""
    out = {START}
    for s in schedules(data).values():
        for k in range(1, len(s.steps)):
            if np.any(np.abs(s.war[:, k] - s.war[:, k - 1]) > 1e-12):
                out.add(s.steps[k])
    return sorted(out)


def scenario_at(date, world: str = "ossa2014", **kw):
    from tradewar.war.scenarios import scenario_at as build

    return build(date, world, **kw)


def run_timeline(world: str = "ossa2014", dates=None, **kw):
    from tradewar.war.scenarios import run_timeline as run

    return run(world, dates, **kw)
