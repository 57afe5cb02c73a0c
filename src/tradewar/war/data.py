"""The ``us_china_2018_2020`` event dataset: dated US–China tariff actions and the product-level
tariff and trade data behind them (see ``<data dir>/us_china_2018_2020/SOURCE.md``).

This is an *event* dataset (registry ``kind = "events"``): it is not a World. Its loader returns
a dict of named pandas tables, read with explicit dtypes (HS codes stay strings with their
leading zeros):

* ``timeline``: dated actions (``date`` as Timestamp, actor, target, list_name, rates in %, status);
* ``us_hs6``: Waugh's HS6 × date total US tariff on China (2017 MFN + Section 301), percent;
* ``cn_hs6``: Waugh's HS6 × date total Chinese tariff on US goods, percent;
* ``us_lists``: USITC "China Tariffs" table, HTS code → chapter-99 heading (Section 301 list);
* ``cn_hs10``: PIIE (Bown–Jung–Zhang 2019) HS10 Chinese tariff: MFN level then changes, percent;
* ``cn_imports_2017``: China's 2017 imports from the US by HS8, thousand USD;
* ``us_imports_hs2``: monthly US imports for consumption from China by HS2, USD;
* ``us_exports_hs2``: monthly US exports to China by HS2, USD;
* ``monthly_trade``: 2018–2019 monthly US–China goods trade, USD bn;
* ``phase_one_hs4``: HS4 codes of Phase One Annex 6.1 with their purchase category;
* ``phase_one_goals``: 2017 US exports to China by Annex 6.1 category and the 2020 goals (USD).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradewar.data.registry import DatasetInfo
from tradewar.errors import DataError

NAME = "us_china_2018_2020"

FILES = {
    "timeline": "timeline.csv",
    "us_hs6": "waugh_us_tariffs_on_china_hs6_by_date.csv",
    "cn_hs6": "waugh_china_tariffs_on_us_hs6_by_date.csv",
    "us_lists": "usitc_china_tariffs_hts_to_9903_heading_2020-01-01.csv",
    "cn_hs10": "piie_bjz2019_china_tariff_changes_hs10.csv",
    "cn_imports_2017": "piie_bjz2019_china_imports_from_us_2017_hs8.csv",
    "us_imports_hs2": "census_api_us_imports_from_china_hs2_monthly_2013_2020.csv",
    "us_exports_hs2": "census_api_us_exports_to_china_hs2_monthly_2013_2020.csv",
    "monthly_trade": "monthly_trade.csv",
    "phase_one_hs4": "phase_one_annex_6_1_hs4_categories.csv",
    "phase_one_goals": "waugh_phase_one_goals_vs_2017_2020.csv",
}

_STR = {"hs6": str, "hs8": str, "hs10": str, "hs2": str, "hs4": str, "hts_code": str, "heading_9903": str,
        "month": str}
_REQUIRED = {
    "timeline": ["date", "actor", "target", "list_name", "rate_before_pct", "rate_after_pct", "status"],
    "us_hs6": ["hs6", "time_of_tariff", "tariff"],
    "cn_hs6": ["hs6", "time_of_tariff", "tariff"],
    "us_lists": ["hts_code", "hts_digits", "heading_9903"],
    "cn_hs10": ["hs10"],
    "cn_imports_2017": ["hs8", "china_imports_from_us_2017_kusd"],
    "us_imports_hs2": ["month", "hs2", "imports_for_consumption_usd"],
    "us_exports_hs2": ["month", "hs2", "total_exports_usd"],
    "monthly_trade": ["month", "us_goods_exports_to_china_bn", "us_goods_imports_from_china_bn"],
    "phase_one_hs4": ["hs4", "high_catagory"],
    "phase_one_goals": ["high_catagory", "2017 Values", "Goals"],
}


def load(folder: Path) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for key, file in FILES.items():
        try:
            frame = pd.read_csv(folder / file, dtype=_STR, keep_default_na=True)
        except Exception as exc:  # pragma: no cover - malformed file
            raise DataError(NAME, file, f"cannot be read as CSV ({exc})") from None
        missing = [c for c in _REQUIRED[key] if c not in frame.columns]
        if missing:
            raise DataError(NAME, file, f"missing column(s) {missing}")
        tables[key] = frame
    tl = tables["timeline"]
    tl["date"] = pd.to_datetime(tl["date"], errors="raise")
    for key in ("us_hs6", "cn_hs6"):
        frame = tables[key]
        frame["time_of_tariff"] = pd.to_datetime(frame["time_of_tariff"])
        frame["hs6"] = frame["hs6"].str.zfill(6)
    tables["us_lists"]["hts8"] = tables["us_lists"]["hts_code"].str.replace(".", "", regex=False).str[:8]
    tables["cn_hs10"]["hs10"] = tables["cn_hs10"]["hs10"].str.strip()
    tables["cn_imports_2017"]["hs8"] = tables["cn_imports_2017"]["hs8"].str.zfill(8)
    tables["phase_one_hs4"]["hs4"] = tables["phase_one_hs4"]["hs4"].str.zfill(4)
    return tables


INFO = DatasetInfo(
    name=NAME,
    title="US–China trade war 2018–2020: dated tariff actions, HS-level rates, trade (event data)",
    files=tuple(FILES.values()),
    loader=load,
    source="compiled from USTR/MOF notices, USITC, PIIE (Bown–Jung–Zhang 2019), Census, "
           "github.com/mwaugh0328/tradewar-tracker; see us_china_2018_2020/SOURCE.md",
    citation="Bown, Jung and Zhang (2019), PIIE; Waugh, tradewar-tracker (2020); USITC China Tariffs (2020)",
    licence="public data; Waugh files MIT",
    kind="events",
)
