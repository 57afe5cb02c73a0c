"""The US–China war (tradewar.war): tariff schedules by date, concordances, scenarios, the
timeline run and the CLI.

Stage figures (percent, trade-weighted with fixed 2017 weights; derived in
``test_us_stage_averages_follow_the_lists`` from the data, independently of the schedule code):

US tariff on China = 2017 MFN level + Σ_list (list's share of imports) × (list's additional duty)
  * MFN level: Census 2017 calculated duty / imports for consumption from China = 2.68%
    (the schedule's weighted MFN is 2.58%: chapter weights fitted by RAS miss some chapters);
  * list shares: Shiota's 2018 CIF value of each list / 2018 imports from China $538.5bn:
    List 1 5.94%, List 2 2.84%, List 3 35.62%, List 4A 20.45% (4B never in force);
  * war duty: after Sept 2018 25·(5.94+2.84)% + 10·35.62% = 5.76 pp; after June 2019 (List 3 at
    25% from 2019-05-10) 11.10 pp; after Sept 2019 (+15·20.45%) 14.17 pp; after Feb 2020 (4A at
    7.5%) 12.63 pp.
  => averages 2.6 → 8.3 → 13.7 → 16.8 → 15.2.

China's tariff on the US (PIIE HS10 schedule averaged to HS8, China's 2017 imports from the US
by HS8 as weights; Waugh's HS6 increments after June 2019): 5.8 on 2018-01-01, 6.2 after the
April 2018 Section 232 retaliation (the "before July 2018" stage) → 15.3 → 15.1 → 16.3 → 15.6.

Differences from the well-known PIIE (Bown) chart — US 3.1/3.8 → 12.0 → ~17.5 → 21.0 → 19.3,
China 8.0 (7.2 after the July 2018 MFN cut) → 18.3 → 20.7 → 21.8 → 20.3–21.1:
  * US: Bown weights HS10 lines by 2017 import values, which are not in the shared data; we fit
    chapter × list values to Census chapter totals and Shiota's 2018 list values. The lists' 2018
    values are lower than their 2017 values (List 1–3 goods were already being tariffed), so our
    list shares are lower (List 1–3: 44% vs. ~50% at USTR's announced $250bn of $505bn) and so
    is our average by 2–4 pp; Bown's levels also include the Section 232/201 duties we leave out.
    Waugh's NAICS3 series (current-month weights, max over HS8 within HS6) gives 4.3 → 12.4 →
    18.6 → 20.5 → 19.6 — the same stages, higher levels.
  * China: PIIE's published average starts at 8.0% on 2018-01-01; the same HS10 rates averaged
    with China's 2017 imports *from the US* by HS8 (the file's weights) give 5.8%: PIIE's chart
    weights must differ (its "on others" series is identical on 2018-01-01, which suggests
    weights not specific to US trade). Our step sizes match the stages: +4.8 (July 2018), +2.3
    (Aug), +2.4 (Sept), −2.2 (Jan 2019 auto suspension and MFN cuts), +2.1 (June 2019).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tradewar.data.registry import REGISTRY, data_dir, load_event_dataset

ROOT = data_dir()
assert ROOT is not None and not REGISTRY.info("us_china_2018_2020").missing_files(ROOT), \
    "us_china_2018_2020 data not available (set TRADEWAR_DATA)"

STAGES = {  # stage -> a date inside it
    "before July 2018": "2018-06-30",
    "after September 2018": "2018-10-15",
    "after June 2019": "2019-06-30",
    "after September 2019": "2019-10-15",
    "after February 2020": "2020-03-15",
}
US_EXPECTED = {"before July 2018": 2.58, "after September 2018": 8.34, "after June 2019": 13.68,
               "after September 2019": 16.75, "after February 2020": 15.22}
CN_EXPECTED = {"before July 2018": 6.15, "after September 2018": 15.26, "after June 2019": 15.07,
               "after September 2019": 16.31, "after February 2020": 15.56}


@pytest.fixture(scope="module")
def tables():
    return load_event_dataset("us_china_2018_2020")


def test_event_dataset_is_registered_and_not_a_world():
    from tradewar.data import load_dataset
    from tradewar.errors import DataError

    assert REGISTRY.info("us_china_2018_2020").kind == "events"
    with pytest.raises(DataError, match="load_event_dataset"):
        load_dataset("us_china_2018_2020")
    with pytest.raises(DataError, match="load_dataset"):
        load_event_dataset("ossa2014")


def test_us_stage_averages_follow_the_lists(tables):
    """US averages at the five stages against the closed-form derivation in the module docstring."""
    from tradewar.war import averages

    imp = tables["us_imports_hs2"]
    y17 = imp[imp["month"].str.startswith("2017")]
    mfn_census = 100 * y17["calculated_duty_usd"].sum() / y17["imports_for_consumption_usd"].sum()
    assert mfn_census == pytest.approx(2.68, abs=0.01)
    share = {k: v / 538.5 for k, v in {"L1": 32.0, "L2": 15.3, "L3": 191.8, "L4A": 110.1}.items()}
    duty = {
        "before July 2018": 0.0,
        "after September 2018": 25 * (share["L1"] + share["L2"]) + 10 * share["L3"],
        "after June 2019": 25 * (share["L1"] + share["L2"] + share["L3"]),
        "after September 2019": 25 * (share["L1"] + share["L2"] + share["L3"]) + 15 * share["L4A"],
        "after February 2020": 25 * (share["L1"] + share["L2"] + share["L3"]) + 7.5 * share["L4A"],
    }
    got = {stage: averages(d)["us_on_china"] for stage, d in STAGES.items()}
    for stage in STAGES:
        assert got[stage]["war_duty"] == pytest.approx(duty[stage], abs=0.01), stage
        assert got[stage]["average_2018_01_01"] == pytest.approx(mfn_census, abs=0.15)
        assert got[stage]["average"] == pytest.approx(US_EXPECTED[stage], abs=0.01), stage
    # coverage: Lists 1–3 then + 4A, as shares of 2017 imports ($503.7bn)
    assert got["after June 2019"]["covered_share"] == pytest.approx(share["L1"] + share["L2"] + share["L3"], abs=1e-6)
    assert got["after September 2019"]["covered_share"] == pytest.approx(sum(share.values()), abs=1e-6)
    assert got["after February 2020"]["imports_usd"] / 1e9 == pytest.approx(503.65, abs=0.01)


def test_china_stage_averages(tables):
    """China's averages at the five stages; the first four recomputed here from the raw PIIE file."""
    from tradewar.war import averages

    cn = tables["cn_hs10"]
    cols = [c for c in cn.columns if c not in ("hs10", "description")]
    cum = cn[cols].apply(pd.to_numeric, errors="coerce").fillna(0).cumsum(axis=1)
    cum["hs8"] = cn["hs10"].str[:8]
    hs8 = cum.groupby("hs8").mean()
    w = tables["cn_imports_2017"].set_index("hs8")["china_imports_from_us_2017_kusd"]
    m = hs8.join(w, how="inner")
    W = m["china_imports_from_us_2017_kusd"]

    def piie(prefix):
        col = next(c for c in reversed(cols) if pd.Timestamp(c.split(" - ")[0]) <= pd.Timestamp(prefix))
        return float((m[col] * W).sum() / W.sum())

    for stage, d in STAGES.items():
        got = averages(d)["china_on_us"]["average"]
        assert got == pytest.approx(CN_EXPECTED[stage], abs=0.01), stage
        if pd.Timestamp(d) < pd.Timestamp("2019-09-01"):
            # same method on the lines with PIIE rates (the schedule also fills 4% of weight
            # whose HS8 has no PIIE rate row with HS6/HS2 means)
            assert got == pytest.approx(piie(d), abs=0.6), stage
    a = {s: averages(d)["china_on_us"] for s, d in STAGES.items()}
    # the stages: retaliation rounds in 2018, auto suspension, June 2019 rise, round 4, halving
    assert a["after September 2018"]["war_duty"] > 10 > a["before July 2018"]["war_duty"]
    assert a["after September 2019"]["war_duty"] > a["after June 2019"]["war_duty"] > 10
    assert a["after February 2020"]["war_duty"] < a["after September 2019"]["war_duty"]
    assert 0.5 < a["after September 2019"]["covered_share"] < 0.7     # PIIE: 58.3% ($90bn)


def test_shapes_of_the_war_both_ways():
    from tradewar.war import averages

    us = [averages(d)["us_on_china"]["average"] for d in STAGES.values()]
    assert us[0] < us[1] < us[2] < us[3] and us[4] < us[3]           # escalation, then Phase One
    # before the war: the pre-war level; in a truce nothing changes
    assert averages("2018-12-15")["us_on_china"]["average"] == averages("2018-10-01")["us_on_china"]["average"]
    assert averages("2020-12-31")["us_on_china"]["average"] == averages("2020-03-01")["us_on_china"]["average"]


def test_product_lookups():
    from tradewar.war import tariff
    from tradewar.war.schedules import schedules

    # soybeans: China's MFN 3% + 25% retaliation from 2018-07-06
    assert tariff("2018-07-05", "1201", "china_on_us") == pytest.approx(3.0)
    assert tariff("2018-07-06", "1201", "china_on_us") == pytest.approx(28.0)
    us = schedules()["us_on_china"]
    l1 = us.lines.index[us.lines["list"] == "List 1"][0]
    assert tariff("2018-07-06", l1) - tariff("2018-07-05", l1) == pytest.approx(25.0)
    l4a = us.lines.index[us.lines["list"] == "List 4A"][0]
    assert tariff("2019-09-01", l4a) - tariff("2019-08-31", l4a) == pytest.approx(15.0)
    assert tariff("2020-02-14", l4a) - tariff("2019-08-31", l4a) == pytest.approx(7.5)
    l4b = us.lines.index[us.lines["list"] == "List 4B"][0]
    assert tariff("2020-06-01", l4b) == pytest.approx(tariff("2018-01-01", l4b))   # 4B never in force


def test_dates_and_errors():
    from tradewar.errors import TradewarError
    from tradewar.war import resolve_date

    assert resolve_date("seed") == pd.Timestamp("2019-07-15")
    assert resolve_date("2019-07") == pd.Timestamp("2019-07-15")
    for bad in ("2017-05-01", "2021-01-01", "yesterday"):
        with pytest.raises(TradewarError):
            resolve_date(bad)


def test_concordances_cover_the_chapters():
    from tradewar.war.concordance import UNMAPPED, map_codes
    from tradewar.war import rates

    ossa = pd.read_csv(ROOT / "ossa2014" / "sectors.csv")["gtap_code"].tolist()
    chapters = [f"{c:02d}" for c in range(1, 98) if c != 77]
    o = map_codes([c + "0000" for c in chapters], "ossa2014")
    assert set(o) - {UNMAPPED} <= set(ossa)
    assert set(o[o == UNMAPPED].index.str[:2]) == {"26", "27"}
    cp = pd.read_csv(ROOT / "cp2015" / "sectors.csv")
    tradable = set(cp.loc[cp["tradable"] == 1, "sector"])
    p = map_codes([c + "0000" for c in chapters], "cp2015")
    assert set(p) <= tradable and UNMAPPED not in set(p)
    # sector tables add up to the totals
    for by in ("ossa2014", "cp2015", "hs2"):
        t = rates("seed", "us_on_china", by=by)
        assert t["imports_usd"].sum() / 1e9 == pytest.approx(503.65, abs=0.01)
    one = rates("seed", "china_on_us", by="one_sector")
    assert len(one) == 1


def test_user_concordance(tmp_path):
    from tradewar.war import rates

    f = tmp_path / "conc.csv"
    f.write_text("hs,sector\n12,soy_and_oilseeds\n1201,soybeans\n01,animals\n")
    t = rates("2019-07-15", "china_on_us", by="sector", concordance=f)
    assert t.loc["soybeans", "rate"] == pytest.approx(28.0)
    assert "unmapped" in t.index


def test_scenarios_at_the_seed_date():
    from tradewar.run import run
    from tradewar.war import scenario_at

    s = scenario_at("seed", "ossa2014")
    assert s.dataset == "ossa2014" and all(m.mode == "add" for m in s.tariffs)
    assert {m.importer for m in s.tariffs} == {"USA", "CHN"}
    out = run(s)
    assert out.countries.loc["CHN", "welfare"] < 0
    g = scenario_at("seed", "ignatenko2025")
    assert len(g.tariffs) == 2
    assert g.tariffs[0].rate == pytest.approx(0.1110, abs=1e-4)


@pytest.mark.parametrize("world", ["ossa2014", "ignatenko2025"])
def test_timeline_run_has_sane_signs(world):
    from tradewar.war import run_timeline

    r = run_timeline(world)
    t = r.table
    print(f"\n{world}\n" + t.drop(columns="event").round(2).T.to_string())
    seed = t.loc["2019-07-15"]
    assert seed["us_imports_from_chn"] < -10 and seed["chn_imports_from_usa"] < -10  # bilateral trade falls
    assert seed["third_exports_to_usa"] > 0                                          # diversion to third countries
    assert seed["welfare_CHN"] < 0 and seed["prices_USA"] > 0
    assert seed["us_balance_with_chn_bn"] > seed["us_balance_with_chn_baseline_bn"]  # smaller US deficit
    base = t.loc["2018-01-01"]
    assert abs(base["welfare_USA"]) < 1e-8 and abs(base["us_imports_from_chn"]) < 1e-6
    # escalation deepens the cut in bilateral trade
    assert t.loc["2019-09-01", "us_imports_from_chn"] < seed["us_imports_from_chn"] < t.loc["2018-09-24", "us_imports_from_chn"]


def test_cli_war_us_china_and_chart(tmp_path):
    from typer.testing import CliRunner

    from tradewar.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["war", "us-china", "--date", "2019-10-15", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["us_on_china"]["average"] == pytest.approx(16.75, abs=0.01)
    chart = tmp_path / "rates.png"
    res = runner.invoke(app, ["war", "us-china", "--date", "seed", "--chart", str(chart)])
    assert res.exit_code == 0, res.output
    assert "USA" in res.output and chart.stat().st_size > 10_000
    res = runner.invoke(app, ["war", "us-china", "--date", "seed", "--scenario", "ignatenko2025"])
    assert res.exit_code == 0 and 'mode = "add"' in res.output
    from tradewar.scenario import Scenario

    toml = tmp_path / "seed.toml"
    toml.write_text(res.output)
    assert Scenario.from_toml(toml).tariffs[0].rate == pytest.approx(0.1110, abs=1e-4)   # round trip
    chart2 = tmp_path / "tl.png"
    res = runner.invoke(app, ["war", "timeline", "--world", "ignatenko2025", "--chart", str(chart2)])
    assert res.exit_code == 0, res.output
    assert "2019-07-15" in res.output and chart2.stat().st_size > 10_000


def test_actual_war_vs_model_nash_war_and_talks():
    """On the Ossa world: the model's bilateral Nash war raises both sides' tariffs on each other
    and hurts China; talks (Nash bargaining from the baseline) leave both sides better off."""
    from tradewar.war import run_timeline

    r = run_timeline("ossa2014", dates=["2019-07-15"], compare=True)
    c = r.comparisons
    nash = c.loc["model: US–China Nash war (bilateral tariffs)"]
    talks = c.loc["model: US–China talks (Nash bargaining, bilateral tariffs)"]
    assert nash["us_tariff_increment"] > 5 and nash["cn_tariff_increment"] > 5
    assert nash["welfare_CHN"] < 0 and nash["us_imports_from_chn"] < -10
    assert talks["welfare_USA"] > 0 and talks["welfare_CHN"] > 0
    assert talks["welfare_USA"] + talks["welfare_CHN"] > nash["welfare_USA"] + nash["welfare_CHN"]
    assert "actual war, seed date" in c.index
