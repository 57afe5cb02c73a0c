"""The seed article (../shared/news/seed_2019-07.txt): every event and figure with its verdict,
the inferred article date, the relative dates, the simulation, and the CLI (tables and JSON)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from tradewar.data.registry import data_dir
from tradewar.news import read

ROOT = data_dir()
SEED = ROOT.parent / "news" / "seed_2019-07.txt" if ROOT else None


@pytest.fixture(scope="module")
def report():
    return read(SEED)


# id: (sentence number 1-based, action, actor, target, modality, rate after, coverage, date label, verdict, cited rows)
EVENTS = {
    "E1": (1, "talks", "USA+CHN", None, "planned", None, None, "2019-07-08..2019-07-14", "unverifiable", ["timeline.csv:45"]),
    "E2": (2, "talks", "USA+CHN", None, "planned", None, None, "2019-07-08..2019-07-14", "unverifiable", ["timeline.csv:45"]),
    "E3": (3, "talks", "USA+CHN", None, "planned", None, None, "2019-07-08..2019-07-14", "unverifiable", ["timeline.csv:45"]),
    "E4": (4, "talks", "USA+CHN", None, "reported", None, None, None, "right", ["timeline.csv:45"]),
    "E5": (5, "talks", "USA+CHN", None, "planned", None, None, "2019-07-08..2019-07-14", "unverifiable", ["timeline.csv:45"]),
    "E6": (6, "talks", "USA+CHN", None, "hedged", None, None, "2019-07-03..2019-09-01", "unverifiable", ["timeline.csv:45"]),
    "E7": (7, "talks", "USA+CHN", None, "reported", None, None, "2019-05", "unverifiable", []),
    "E8": (8, "talks", "USA+CHN", None, "reported", None, None, "2019-06-24..2019-06-30", "right", ["timeline.csv:45"]),
    "E9": (9, "truce", "USA+CHN", None, "reported", None, None, None, "right", ["timeline.csv:45"]),
    "E10": (10, "talks", "USA+CHN", None, "reported", None, None, None, "right", ["timeline.csv:45"]),
    "E11": (11, "truce", "USA", "CHN", "reported", None, 300.0, None, "right", ["timeline.csv:45"]),
    "E12": (11, "export control", "USA", "Huawei", "reported", None, None, None, "unverifiable", ["timeline.csv:39", "timeline.csv:48"]),
    "E13": (12, "imposed", "USA", "CHN", "reported", 25.0, 250.0, "2019-05", "misattributed",
            ["timeline.csv:36", "timeline.csv:14", "timeline.csv:21"]),
    "E14": (15, "talks", "USA+CHN", None, "reported", None, None, None, "right", ["timeline.csv:45"]),
    "E15": (17, "cut", "USA", "CHN", "negated", None, None, None, "right", ["timeline.csv:45", "timeline.csv:66"]),
    "E16": (18, "purchase commitment", "CHN", "USA", "hedged", None, None, None, "unverifiable", ["timeline.csv:60"]),
    "E17": (20, "talks", "USA+CHN", None, "reported", None, None, "2019-01-31", "unverifiable", []),
    "E18": (24, "raised", "USA", "CHN", "hedged", None, None, None, "unverifiable", ["timeline.csv:44", "timeline.csv:50"]),
    "E19": (29, "talks", "USA+CHN", None, "hedged", None, None, None, "unverifiable", ["timeline.csv:45"]),
}

# id: (sentence, fragment, kind, quantity key as the article has it, period, verdict, cited monthly_trade lines)
FIGURES = {
    "F1": (23, "5-month high", "rank", "china_goods_balance", "2019-05", "misattributed", [18, 17, 16, 15, 14, 13]),
    "F2": (25, "8.4 percent", "change", "china_goods_balance", "2019-05", "misattributed", [17, 18]),
    "F3": (25, "$55.5bn", "level", "china_goods_balance", "2019-05", "misattributed", [18]),
    "F4": (26, "$51.2bn", "level", "china_goods_balance", "2019-04", "misattributed", [17]),
    "F5": (27, "12.2 percent", "change", "china_goods_balance", "2019-05", "right", [17, 18]),
    "F6": (27, "$30.2bn", "level", "china_goods_balance", "2019-05", "right", [18]),
    "F7": (27, "12.8 percent", "change", "china_goods_imports", "2019-05", "right", [17, 18]),
}


def test_article_date_inferred_from_the_may_trade_release(report):
    assert report.article_date == date(2019, 7, 3)
    assert "2019-07-03" in report.date_basis and "May 2019" in report.date_basis
    assert "'on Wednesday' agrees" in report.date_basis


def test_date_override_moves_relative_dates():
    r = read(SEED, on=date(2019, 7, 6))       # a Saturday: "this coming week" is the week ahead
    assert r.date_basis == "given (--date)"
    e2 = r.events[1][0]
    assert e2.date.label == "2019-07-08..2019-07-14"
    e1 = r.events[0][0]
    assert e1.date.label == "2019-07-08..2019-07-14"


def test_every_event_listed_with_its_verdict(report):
    got = {e.id: (e, v) for e, v in report.events}
    assert set(got) == set(EVENTS)
    for eid, (sent, action, actor, target, modality, rate, cov, when, verdict, rows) in EVENTS.items():
        e, v = got[eid]
        assert (e.sentence + 1, e.action, e.actor, e.target, e.modality) == (sent, action, actor, target, modality), eid
        assert e.rate_after == rate and e.coverage_usd_bn == cov, eid
        assert (e.date.label if e.date else None) == when, eid
        assert v.verdict == verdict, (eid, v)
        assert [r.split(" ")[0] for r in v.rows] == rows, (eid, v.rows)
        assert report.sentences[e.sentence].text       # the sentence it came from


def test_may_2019_tariffs_misattributed_coverage(report):
    e, v = dict((e.id, (e, v)) for e, v in report.events)["E13"]
    assert e.text.startswith("Earlier in May, the U.S slapped 25 percent tariffs on $250 billion")
    assert "List 3 ($200B); $200bn; 10% → 25%" in v.statement
    assert "List 1 ($34B) + List 2 ($16B) + List 3 ($200B) = $250bn" in v.statement
    assert v.note == "the 2019-05-10 action itself covered $200bn"


def test_truce_and_huawei_and_purchase(report):
    ev = {e.id: (e, v) for e, v in report.events}
    e, v = ev["E11"]
    assert "Osaka G20 truce" in v.statement and "$300bn" in v.statement
    e, v = ev["E12"]
    assert e.direction == "relaxed"
    assert "before it: 2019-05-15" in v.statement      # the Entity List listing being relaxed
    e, v = ev["E16"]
    assert e.hedge == "hoped" and "2020-01-15" in v.statement
    e, v = ev["E15"]
    assert e.trigger == "lift" and "no cut by USA in the timeline from 2019-07-03 to 2019-10-01" in v.statement


def test_every_figure_listed_with_its_verdict(report):
    got = {f.id: (f, v) for f, v in report.figures}
    assert set(got) == set(FIGURES)
    for fid, (sent, frag, kind, q, period, verdict, lines) in FIGURES.items():
        f, v = got[fid]
        assert (f.sentence + 1, f.fragment, f.kind, f.quantity_key, f.period) == (sent, frag, kind, q, period), fid
        assert v.verdict == verdict, (fid, v)
        assert [int(r.split(" ")[0].split(":")[1]) for r in v.rows] == lines, (fid, v.rows)
        assert all(r.startswith("monthly_trade.csv:") for r in v.rows)


def test_total_deficit_reported_as_deficit_with_china(report):
    fig = {f.id: (f, v) for f, v in report.figures}
    f, v = fig["F3"]
    assert f.attribution == "context" and f.partner == "CHN"
    assert "total US goods-and-services trade deficit" in v.statement and "$55.50bn (first print)" in v.statement
    assert "$29.95bn" in v.statement                    # what the deficit with China was
    f, v = fig["F2"]
    assert "2019-04 $51.20bn (as revised in the next release) → 2019-05 $55.50bn (first print) = +8.4%" in v.statement
    f, v = fig["F1"]
    assert "highest in 5 months (since 2018-12" in v.statement and "highest in 4 months (since 2019-01" in v.statement
    f, v = fig["F4"]
    assert "$51.20bn (as revised in the next release)" in v.statement and "$26.60bn" in v.statement


def test_china_goods_deficit_first_print_and_revision_tolerance(report):
    fig = {f.id: (f, v) for f, v in report.figures}
    f, v = fig["F6"]
    assert "$30.20bn (first print" in v.statement and "39.27" in v.statement
    f, v = fig["F5"]
    assert "+12.6%" in v.statement and "revision tolerance" in v.note
    f, v = fig["F7"]
    assert "+13.1%" in v.statement and f.quantity == "imports"


def test_seed_simulation_builds_the_bilateral_increment(report):
    from tradewar.news.simulate import plan, scenario

    p = plan(report)
    assert [m.event for m in p.measures] == ["E13"]
    m = p.measures[0]
    assert (m.importer, m.exporter, m.delta_pct, m.coverage_usd_bn) == ("USA", "CHN", 25.0, 250.0)
    assert m.base_usd_bn == pytest.approx(538.5, abs=0.1)
    assert m.increment == pytest.approx(0.25 * 250 / 538.5143, rel=1e-4)
    assert any("E15 cut: negated" in s for s in p.skipped) and any("E18 raised: hedged" in s for s in p.skipped)
    s, _ = scenario(report, basis="data")
    assert s.tariffs[0].rate == pytest.approx(0.15 * 200 / 538.5143, rel=1e-4)   # List 3, 10 → 25 on $200bn


def test_cli_read_seed_tables_and_json():
    from tradewar.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["read", str(SEED)])
    assert res.exit_code == 0, res.output
    for word in ("Events", "Figures", "misattributed", "unverifiable", "2019-07-03", "timeline.csv:36"):
        assert word in res.output
    res = runner.invoke(app, ["read", str(SEED), "--json", "--date", "2019-07-03"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["article_date"] == "2019-07-03" and payload["date_basis"] == "given (--date)"
    assert len(payload["events"]) == len(EVENTS) and len(payload["figures"]) == len(FIGURES)
    assert {f["id"]: f["check"]["verdict"] for f in payload["figures"]} == {k: v[5] for k, v in FIGURES.items()}
    assert payload["events"][12]["sentence_text"].startswith("Earlier in May")


def test_cli_read_seed_simulate_json():
    from tradewar.cli import app

    res = CliRunner().invoke(app, ["read", str(SEED), "--simulate", "--json"])
    assert res.exit_code == 0, res.output
    sim = json.loads(res.output)["simulation"]
    assert sim["scenario"]["tariffs"][0]["importer"] == "USA"
    assert sim["measures"][0]["event"] == "E13"
    usa = sim["outcome"]
    assert "USA" in json.dumps(usa)


def test_cli_read_simulation_options_need_simulate(tmp_path):
    import subprocess
    import sys

    for option in (["--threats"], ["--basis", "data"]):
        res = subprocess.run([sys.executable, "-m", "tradewar.cli", "read", str(SEED), *option], capture_output=True,
                             text=True, cwd=tmp_path, timeout=120)
        assert res.returncode == 2 and f"{option[0]}: only used with --simulate" in res.stderr, res.stderr
