"""Product-level tariff schedules of the US–China war, by date, with documented trade weights.

Two directions, each a :class:`ProductSchedule` — product lines with a trade weight (2017 USD)
and a rate (percent) at each step date; the rate at any date is the rate of the last step on or
before it (rates before 2018-01-01 are the first step's; after the last step they hold).

**US tariffs on China** (``us_on_china``), lines = HTS8 codes:

* list membership of each HTS8 line: the USITC "China Tariffs" table (HTS8/HTS10 → chapter-99
  heading: 9903.88.01 List 1, .02 List 2, .03/.04 List 3, .15 List 4A, .16 List 4B); a 10-digit
  partial line puts its HTS8 on the list; a line on two lists keeps the earlier list. HS6 codes
  of Waugh's MFN table with no listed HTS8 line are one unlisted line each ("none").
* rate = MFN + the list's additional Section 301 duty at the date. MFN: the 2017 MFN ad-valorem
  rate of the line's HS6 (Waugh's 2018-01-01 column; the chapter's mean where the HS6 is not in
  Waugh's table), rescaled within each HS2 chapter so that the chapter's weighted MFN equals the
  duty actually collected in 2017 (Census calculated duty / imports for consumption from China;
  2.6% overall). Waugh's HS6 rate is the maximum over HS8 lines and the within-chapter weights
  are equal; both would overstate the level (5.2% unscaled). The additional duty of each list by date is read from ``timeline.csv``
  (rows of actor US with status effective/reduced): List 1 25% from 2018-07-06, List 2 25% from
  2018-08-23, List 3 10% from 2018-09-24 and 25% from 2019-05-10 (the legal date; Waugh dates
  it 2019-06-01), List 4A 15% from 2019-09-01 and 7.5% from 2020-02-14; List 4B never took
  effect. Section 232/201 duties, product exclusions and the in-transit window are ignored.
* weights: **no HTS8 import values for 2017 are public in the shared data**, so line weights are
  fitted: a (HS2 chapter × list) table of values is fitted by iterative proportional fitting
  (RAS) to two sets of margins — the chapter totals of 2017 US imports for consumption from China
  (Census, 12 months of 2017, $503.7bn) and the lists' shares of imports (Shiota's 2018 CIF value
  of each list over 2018 imports from China, $538.5bn: List 1 5.9%, List 2 2.8%, List 3 35.6%,
  4A 20.4%, 4B 29.8%, unlisted 5.4%) — starting from the number of lines in each cell; a cell's
  value is split equally over its lines.

**Chinese tariffs on the US** (``china_on_us``), lines = HS8 codes:

* rates: PIIE (Bown, Jung and Zhang 2019) HS10 schedule — the MFN level on 2018-01-01 plus the
  cumulative changes at each of its dates to 2019-06-01 (Section 232 and 301 retaliation, MFN
  cuts, the 2019 auto suspension) — averaged over the HS10 lines of each HS8 (PIIE's method).
  Later changes are taken from Waugh's HS6 table (maximum over HS10 in each HS6) as HS6
  increments applied to every HS8 line of the HS6: 2019-09-01 (round 4, batch 1) and
  2019-12-26 (China's 2020 MFN and temporary rates); on 2020-02-14 the batch-1 increment is
  halved (10 → 5, 5 → 2.5; timeline). Exclusions granted on application are ignored.
* weights: China's 2017 imports from the US by HS8 (ITC Trade Map via PIIE, $154.8bn) — true
  product-level weights, as PIIE.

The averages are trade-weighted arithmetic means of line rates with these fixed 2017 weights
(PIIE's convention): they move only with rates, not with the trade response to the tariffs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from tradewar.errors import ParameterError

#: Section 301 list of each chapter-99 heading (USITC China Tariffs table).
HEADING_LIST = {"9903.88.01": "List 1", "9903.88.02": "List 2", "9903.88.03": "List 3",
                "9903.88.04": "List 3", "9903.88.15": "List 4A", "9903.88.16": "List 4B"}
LIST_ORDER = ("List 1", "List 2", "List 3", "List 4A", "List 4B", "none")
#: Shiota's valuation of each list with 2018 CIF imports (USD bn; SOURCE.md §1) and the 2018
#: total of US goods imports from China (Census c5700, USD bn): the list shares used as margins.
LIST_VALUE_2018_BN = {"List 1": 32.0, "List 2": 15.3, "List 3": 191.8, "List 4A": 110.1, "List 4B": 160.4}
US_IMPORTS_FROM_CHINA_2018_BN = 538.5
#: timeline list_name → list, for the US lists' additional duties by date.
TIMELINE_LISTS = {"List 1 ($34B)": "List 1", "List 2 ($16B)": "List 2", "List 3 ($200B)": "List 3",
                  "List 4A": "List 4A", "List 4B": "List 4B"}
START, END = pd.Timestamp("2018-01-01"), pd.Timestamp("2020-12-31")
DIRECTIONS = ("us_on_china", "china_on_us")


@dataclass(frozen=True, eq=False)
class ProductSchedule:
    """Tariffs of ``importer`` on ``exporter`` by product line and date.

    lines : DataFrame (index = line code) with ``hs6``, ``hs2``, ``weight`` (2017 USD) and, for
        the US, ``list``. rates : array [line, step] in percent; ``mfn`` : array [line] (the
        rate on 2018-01-01). steps : step dates (ascending); labels : what changed at each step.
    """

    direction: str
    importer: str
    exporter: str
    lines: pd.DataFrame
    steps: tuple[pd.Timestamp, ...]
    rates: np.ndarray
    labels: tuple[str, ...]
    weighting: str
    #: the war's additional duty [line, step] in percent: Section 301 lists or retaliation,
    #: incl. their suspensions and cuts; MFN changes (e.g. China's 2018 MFN cuts) are not in it
    war: np.ndarray | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def step_index(self, date) -> int:
        d = to_date(date)
        k = int(np.searchsorted(np.array(self.steps, dtype="datetime64[ns]"), np.datetime64(d), side="right")) - 1
        return max(k, 0)

    def at(self, date) -> pd.Series:
        """Rate (percent) of every line at ``date``."""
        return pd.Series(self.rates[:, self.step_index(date)], index=self.lines.index, name="rate")

    @property
    def mfn(self) -> np.ndarray:
        return self.rates[:, 0]

    def war_duty(self, date) -> np.ndarray:
        """The war's additional duty (percent) of every line at ``date``: the sum of the changes
        of war steps (lists, retaliation, their suspensions and cuts) up to ``date``; MFN
        changes (e.g. China's 2018 MFN cuts) are not part of it."""
        return self.war[:, self.step_index(date)].copy()

    def table(self, date) -> pd.DataFrame:
        """Lines with their rate at ``date``, the rate on 2018-01-01 and the war's additional duty."""
        out = self.lines.copy()
        out["rate"] = self.at(date).to_numpy()
        out["rate_2018_01_01"] = self.mfn
        out["war_duty"] = self.war_duty(date)
        return out

    def average(self, date) -> float:
        w = self.lines["weight"].to_numpy()
        return float(self.at(date).to_numpy() @ w / w.sum())


def to_date(date, field: str = "date") -> pd.Timestamp:
    """``date`` as a day; not a date: a :class:`ParameterError` naming ``field``."""
    try:
        d = pd.Timestamp(date)
    except (ValueError, TypeError):
        d = pd.NaT
    if d is pd.NaT or pd.isna(d):
        raise ParameterError(field, date, "not a date (use YYYY-MM-DD)")
    return d.normalize()


# --------------------------------------------------------------------------- US on China
def us_list_rates(timeline: pd.DataFrame) -> dict[str, list[tuple[pd.Timestamp, float]]]:
    """Additional Section 301 duty (percent) of each US list by date, from the timeline."""
    rows = timeline[(timeline["actor"] == "US") & timeline["status"].isin(["effective", "reduced"])
                    & timeline["list_name"].isin(TIMELINE_LISTS)]
    out: dict[str, list] = {name: [] for name in LIST_ORDER}
    for _, r in rows.sort_values("date").iterrows():
        out[TIMELINE_LISTS[r["list_name"]]].append((r["date"], float(r["rate_after_pct"])))
    return out


def _ras(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iterations: int = 500) -> np.ndarray:
    m = seed.astype(float).copy()
    for _ in range(iterations):
        r = m.sum(1)
        m *= np.divide(rows, r, out=np.zeros_like(r), where=r > 0)[:, None]
        c = m.sum(0)
        m *= np.divide(cols, c, out=np.zeros_like(c), where=c > 0)[None, :]
    return m


def build_us(tables: dict) -> ProductSchedule:
    hs6 = tables["us_hs6"]
    mfn6 = hs6[hs6["time_of_tariff"] == hs6["time_of_tariff"].min()].set_index("hs6")["tariff"].astype(float)
    lists = tables["us_lists"].copy()
    lists["list"] = lists["heading_9903"].map(HEADING_LIST)
    lists = lists.dropna(subset=["list"])
    lists["order"] = lists["list"].map({k: i for i, k in enumerate(LIST_ORDER)})
    listed = lists.sort_values("order").drop_duplicates("hts8")[["hts8", "list"]]
    listed = listed[listed["hts8"].str.fullmatch(r"\d{8}") & ~listed["hts8"].str[:2].isin(["98", "99"])]
    listed = listed.assign(hs6=listed["hts8"].str[:6]).set_index("hts8")
    unlisted6 = sorted(set(mfn6.index) - set(listed["hs6"]))
    none = pd.DataFrame({"list": "none", "hs6": unlisted6}, index=pd.Index(unlisted6, name="hts8"))
    lines = pd.concat([listed, none])
    lines.index.name = "code"
    lines["hs2"] = lines["hs6"].str[:2]

    imp = tables["us_imports_hs2"]
    imp17 = imp[imp["month"].str.startswith("2017")].groupby(imp["hs2"].str.zfill(2))["imports_for_consumption_usd"].sum()
    # chapters with imports but no line (98/99 special provisions): one unlisted line each, MFN 0
    extra = [c for c in imp17.index if c not in set(lines["hs2"]) and imp17[c] > 0]
    if extra:
        lines = pd.concat([lines, pd.DataFrame({"list": "none", "hs6": [c + "0000" for c in extra], "hs2": extra},
                                               index=pd.Index([c + "000000" for c in extra], name="code"))])
    chapters = sorted(set(lines["hs2"]))
    counts = lines.groupby(["hs2", "list"]).size().unstack(fill_value=0).reindex(index=chapters, columns=list(LIST_ORDER), fill_value=0)
    row_t = imp17.reindex(chapters).fillna(0.0).to_numpy(float)
    total = row_t.sum()
    shares = {k: v / US_IMPORTS_FROM_CHINA_2018_BN for k, v in LIST_VALUE_2018_BN.items()}
    shares["none"] = 1.0 - sum(shares.values())
    col_t = np.array([shares[k] * total for k in LIST_ORDER])
    fitted = _ras(counts.to_numpy(float), row_t, col_t)
    cell = pd.DataFrame(fitted / np.maximum(counts.to_numpy(float), 1), index=chapters, columns=list(LIST_ORDER))
    lines["weight"] = [cell.at[c, l] for c, l in zip(lines["hs2"], lines["list"])]
    lines = lines[lines["weight"] > 0].copy()

    mfn = lines["hs6"].map(mfn6)
    chapter_mean = mfn6.groupby(mfn6.index.str[:2]).mean()
    mfn = mfn.fillna(lines["hs2"].map(chapter_mean)).fillna(0.0)
    # MFN level of each chapter calibrated to the duties actually collected in 2017 (Census
    # calculated duty / imports for consumption): Waugh's HS6 MFN is the maximum over HS8 and
    # the within-chapter weights are equal, both of which overstate the level; the HS6 profile
    # within a chapter is kept.
    duty17 = imp[imp["month"].str.startswith("2017")].groupby(imp["hs2"].str.zfill(2))["calculated_duty_usd"].sum()
    ratio = 100.0 * duty17.reindex(chapters).fillna(0.0) / imp17.reindex(chapters).replace(0, np.nan)
    wmean = (mfn * lines["weight"]).groupby(lines["hs2"]).sum() / lines["weight"].groupby(lines["hs2"]).sum()
    factor = (ratio / wmean.replace(0, np.nan)).reindex(chapters)
    scale = lines["hs2"].map(factor)
    mfn = np.where(scale.notna(), mfn * scale.fillna(1.0), lines["hs2"].map(ratio).fillna(0.0)).astype(float)

    sched = us_list_rates(tables["timeline"])
    steps = sorted({START} | {d for v in sched.values() for d, _ in v})
    labels, rates = [], np.empty((len(lines), len(steps)))
    names = lines["list"].to_numpy()
    for k, d in enumerate(steps):
        add = {name: ([r for dd, r in v if dd <= d] or [0.0])[-1] for name, v in sched.items()}
        rates[:, k] = mfn + np.array([add.get(n, 0.0) for n in names])
        changed = [f"{name} {r:g}%" for name, v in sched.items() for dd, r in v if dd == d]
        labels.append(", ".join(changed) or "MFN (2017 rates)")
    fit_rows = np.abs(fitted.sum(1) - row_t).max() / max(row_t.max(), 1)
    notes = (f"US line weights fitted by RAS to 2017 chapter totals and 2018 list shares (largest chapter "
             f"misfit {100 * fit_rows:.2g}% of the largest chapter)",)
    return ProductSchedule("us_on_china", "USA", "CHN", lines, tuple(steps), rates, tuple(labels),
                           weighting="2017 US imports from China by HS2 chapter (Census) × 2018 list shares "
                                     "(Shiota), fitted by RAS, equal within chapter × list",
                           war=rates - rates[:, :1], notes=notes)


# --------------------------------------------------------------------------- China on US
def _piie_date(label: str) -> pd.Timestamp:
    return pd.Timestamp(label.split(" - ")[0])


def build_china(tables: dict) -> ProductSchedule:
    cn = tables["cn_hs10"]
    cols = [c for c in cn.columns if c not in ("hs10", "description")]
    changes = cn[cols].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    cum = changes.cumsum(axis=1)
    cum["hs8"] = cn["hs10"].str[:8]
    hs8 = cum.groupby("hs8").mean()
    is_war = [("retaliation" in c.lower()) for c in cols]
    wcum = (changes * np.array(is_war, dtype=float)).cumsum(axis=1)
    wcum["hs8"] = cn["hs10"].str[:8]
    war8 = wcum.groupby("hs8").mean()
    dates = [_piie_date(c) for c in cols]
    labels = [c.split(" - ", 1)[1] if " - " in c else c for c in cols]
    # merge same-date columns (two on 2019-01-01): keep the last cumulative column of each date
    keep = [k for k in range(len(cols)) if k == len(cols) - 1 or dates[k + 1] != dates[k]]
    merged_labels = []
    for k in keep:
        same = [labels[j] for j in range(len(cols)) if dates[j] == dates[k]]
        merged_labels.append("; ".join(same))
    rates8 = hs8.iloc[:, keep].to_numpy(float)
    wars8 = war8.iloc[:, keep].reindex(hs8.index).to_numpy(float)
    steps = [dates[k] for k in keep]

    w = tables["cn_imports_2017"].groupby("hs8")["china_imports_from_us_2017_kusd"].sum() * 1000.0
    codes = sorted(set(hs8.index) | set(w.index[w > 0]))
    # HS8 lines with imports but no PIIE rate row: HS6 mean of PIIE rates (else chapter mean)
    frame = pd.DataFrame(rates8, index=hs8.index).reindex(codes)
    h6 = pd.DataFrame(rates8, index=hs8.index).groupby(hs8.index.str[:6]).mean()
    h2 = pd.DataFrame(rates8, index=hs8.index).groupby(hs8.index.str[:2]).mean()
    wframe = pd.DataFrame(wars8, index=hs8.index).reindex(codes)
    w6 = pd.DataFrame(wars8, index=hs8.index).groupby(hs8.index.str[:6]).mean()
    w2 = pd.DataFrame(wars8, index=hs8.index).groupby(hs8.index.str[:2]).mean()
    miss = frame.isna().any(axis=1)
    for c in frame.index[miss]:
        frame.loc[c] = h6.loc[c[:6]] if c[:6] in h6.index else h2.loc[c[:2]] if c[:2] in h2.index else 0.0
        wframe.loc[c] = w6.loc[c[:6]] if c[:6] in w6.index else w2.loc[c[:2]] if c[:2] in w2.index else 0.0
    lines = pd.DataFrame({"hs6": [c[:6] for c in codes], "hs2": [c[:2] for c in codes],
                          "weight": w.reindex(codes).fillna(0.0).to_numpy()}, index=pd.Index(codes, name="code"))
    rates = frame.to_numpy(float)
    war = wframe.to_numpy(float)

    # later steps from Waugh's HS6 table (increments), and the 2020-02-14 halving of batch 1
    wt = tables["cn_hs6"].pivot_table(index="hs6", columns="time_of_tariff", values="tariff", aggfunc="max")
    last_piie = steps[-1]
    base_col = max(c for c in wt.columns if c <= last_piie)
    later = [c for c in wt.columns if c > last_piie]
    prev = wt[base_col]
    batch1 = None
    for d in later:
        inc = (wt[d] - prev).fillna(0.0)
        prev = wt[d]
        add = lines["hs6"].map(inc).fillna(0.0).to_numpy(float)
        rates = np.column_stack([rates, rates[:, -1] + add])
        steps.append(pd.Timestamp(d))
        if pd.Timestamp(d) == pd.Timestamp("2019-09-01"):
            batch1 = np.clip(add, 0.0, None)
            war = np.column_stack([war, war[:, -1] + add])
            merged_labels.append("round 4 batch 1 (5%/10% on 1,717 lines; Waugh HS6)")
        else:
            war = np.column_stack([war, war[:, -1]])
            merged_labels.append("2020 MFN and temporary rates (Waugh HS6)")
    halving = tables["timeline"]
    halving = halving[(halving["actor"] == "CN") & (halving["status"] == "reduced")]
    if batch1 is not None and len(halving):
        d = halving["date"].min()
        rates = np.column_stack([rates, rates[:, -1] - 0.5 * batch1])
        war = np.column_stack([war, war[:, -1] - 0.5 * batch1])
        steps.append(d)
        merged_labels.append("round 4 batch 1 halved (10→5, 5→2.5)")
    return ProductSchedule("china_on_us", "CHN", "USA", lines, tuple(steps), rates, tuple(merged_labels),
                           weighting="China's 2017 imports from the US by HS8 (ITC Trade Map via PIIE)",
                           war=war)


@lru_cache(maxsize=4)
def _build(data_key: str | None) -> dict[str, ProductSchedule]:
    from tradewar.data.registry import load_event_dataset

    tables = load_event_dataset("us_china_2018_2020", data_key)
    return {"us_on_china": build_us(tables), "china_on_us": build_china(tables)}


def schedules(data=None) -> dict[str, ProductSchedule]:
    """Both schedules (cached per data directory)."""
    from tradewar.data.registry import data_dir

    root = data_dir(data)
    return _build(None if root is None else str(root))
