"""Charts of the war (matplotlib, written to PNG/SVG/PDF by the file's extension): average
rates both ways over time annotated with the timeline's events, and a timeline run's outcomes."""

from __future__ import annotations


import numpy as np
import pandas as pd

from tradewar.errors import TradewarError
from tradewar.outcome import write_chart

#: events annotated on the rates chart: (date, short label)
KEY_EVENTS = (
    ("2018-07-06", "List 1 / CN round 1"), ("2018-08-23", "List 2 / round 2"),
    ("2018-09-24", "List 3 10% / round 3"), ("2018-12-01", "Buenos Aires truce"),
    ("2019-05-10", "List 3 → 25%"), ("2019-06-01", "CN round 3 ↑"), ("2019-06-29", "Osaka truce"),
    ("2019-09-01", "List 4A 15% / round 4"), ("2019-12-13", "Phase One deal; 4B off"),
    ("2020-02-14", "Phase One in force: 4A 7.5%"),
)


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover
        raise TradewarError("charts need matplotlib: pip install matplotlib") from None
    return plt


def _save(fig, path) -> None:
    write_chart(path, fig, dpi=130, bbox_inches="tight")


def rates_chart(path, data=None, mark=None) -> None:
    """Both average rates (step functions, daily) from 2018-01-01 to 2020-12-31, with events."""
    from tradewar.war.api import averages
    from tradewar.war.schedules import END, START, schedules

    plt = _plt()
    days = pd.date_range(START, END, freq="D")
    fig, ax = plt.subplots(figsize=(11, 5.2))
    for direction, color, label in (("us_on_china", "tab:red", "US tariff on Chinese goods"),
                                    ("china_on_us", "tab:blue", "China's tariff on US goods")):
        s = schedules(data)[direction]
        w = s.lines["weight"].to_numpy()
        step_avg = s.rates.T @ w / w.sum()
        idx = np.searchsorted(np.array(s.steps, dtype="datetime64[ns]"), days.values, side="right") - 1
        ax.step(days, step_avg[np.clip(idx, 0, None)], where="post", color=color, lw=2, label=label)
    top = ax.get_ylim()[1]
    for k, (d, text) in enumerate(KEY_EVENTS):
        ax.axvline(pd.Timestamp(d), color="grey", lw=0.6, ls=":")
        ax.text(pd.Timestamp(d), top * (0.97 - 0.07 * (k % 4)), " " + text, fontsize=7, rotation=0,
                va="top", ha="left", color="dimgrey")
    if mark is not None:
        d = pd.Timestamp(mark)
        av = averages(d, data)
        ax.axvline(d, color="black", lw=1)
        ax.annotate(f"{d.date()}\nUS {av['us_on_china']['average']:.1f}%\nCN {av['china_on_us']['average']:.1f}%",
                    (d, av["us_on_china"]["average"]), xytext=(8, -40), textcoords="offset points", fontsize=8)
    ax.set_ylabel("trade-weighted average tariff, % (2017 weights)")
    ax.set_title("US–China trade war: average tariffs by date")
    ax.legend(loc="lower right")
    ax.set_ylim(0, top * 1.05)
    ax.grid(alpha=0.3)
    _save(fig, path)
    plt.close(fig)


def timeline_chart(run, path) -> None:
    """A timeline run: average rates, welfare, bilateral trade and diversion, US–China balance."""
    plt = _plt()
    t = run.table
    x = pd.to_datetime(t.index)
    fig, axes = plt.subplots(2, 2, figsize=(12, 7.5), sharex=True)
    panels = [
        (axes[0, 0], [("us_avg", "US on China"), ("cn_avg", "China on US")], "average tariff, %"),
        (axes[0, 1], [("welfare_USA", "USA"), ("welfare_CHN", "CHN"), ("welfare_rest", "rest of world")], "Δ welfare, %"),
        (axes[1, 0], [("us_imports_from_chn", "US imports from CHN"), ("chn_imports_from_usa", "CHN imports from USA"),
                      ("third_exports_to_usa", "third countries → USA"), ("third_exports_to_chn", "third countries → CHN")],
         "Δ trade, %"),
        (axes[1, 1], [("us_balance_with_chn_bn", "model"), ("us_balance_with_chn_baseline_bn", "pre-war baseline")],
         "US balance with China, USD bn"),
    ]
    for ax, series, ylabel in panels:
        for col, label in series:
            ax.step(x, t[col], where="post", marker="o", ms=3, label=label)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.axhline(0, color="black", lw=0.5)
    if "2019-07-15" in t.index:
        for ax in axes.flat:
            ax.axvline(pd.Timestamp("2019-07-15"), color="black", lw=0.8, ls="--")
    fig.suptitle(f"US–China trade war step by step on the {run.world} world (each step vs. the pre-war baseline; "
                 "dashed: seed date)", fontsize=10)
    fig.autofmt_xdate()
    _save(fig, path)
    plt.close(fig)
