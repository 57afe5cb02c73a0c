"""Article-like texts (tests/news/*.txt) covering every action type, relative dates, numbers in
words, hedged statements and non-trade noise; and bad input (empty, binary, huge, non-English)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewar.cli import app
from tradewar.news import MAX_BYTES, ArticleError, read
from tradewar.news.dates import find_dates
from tradewar.news.text import split_sentences, words_to_digits

HERE = Path(__file__).parent / "news"

# file: [(action, actor, target, modality, rate before, rate after, coverage, date label, verdict, matched row date)]
EVENTS = {
    "01_imposed_list1": [("imposed", "USA", "CHN", "reported", None, 25, 34, "2018-07-06", "right", "2018-07-06")],
    "02_retaliation_china": [("retaliation", "CHN", "USA", "reported", None, 25, 34, "2018-07-06", "right", "2018-07-06")],
    "03_raised_numbers_in_words": [("raised", "USA", "CHN", "reported", 10, 25, 200, "2019-05-10", "right", "2019-05-10")],
    "04_threatened_tweet": [("threatened", "USA", "CHN", "hedged", 10, 25, 200, "2019-05-05", "right", "2019-05-05")],
    "05_suspended_autos": [("suspended", "CHN", "USA", "planned", 25, 0, None, "2019-01-01", "right", "2018-12-14")],
    "06_cut_phase_one": [("cut", "USA", "CHN", "planned", 15, 7.5, 120, "2020-02-14", "right", "2020-02-14"),
                         ("deal", "USA", "CHN", "planned", None, None, None, "2020-02-14", "right", "2020-02-14")],
    "07_truce_buenos_aires": [("truce", "USA+CHN", None, "reported", 10, 25, 200, "2018-12-01", "right", "2018-12-01")],
    "08_deal_and_purchases": [("deal", "USA+CHN", None, "reported", None, None, None, "2020-01-15", "right", "2020-01-15"),
                              ("purchase commitment", "CHN", "USA", "planned", None, None, 200, None, "right", "2020-01-15")],
    "09_export_control_huawei": [("export control", "USA", "Huawei", "reported", None, None, None, "2019-05-15", "right", "2019-05-15")],
    "10_relative_next_month": [("imposed", "USA", "CHN", "planned", None, 10, 300, "2019-09", "right", "2019-08-01")],
    "11_hedged_might": [("threatened", "USA", "CHN", "hedged", None, None, 300, "2019-06-24..2019-06-30", "right", "2019-05-13")],
    "12_threatened_china_words": [("threatened", "CHN", "USA", "hedged", None, 25, 50, "2018-04-04", "right", "2018-04-04")],
    "13_noise_sports": [],
    "14_noise_weather_markets": [],
    "15_right_figures_june": [],
    "16_inaccurate_figures": [],
    "17_weighing_words": [("threatened", "USA", "CHN", "hedged", None, 25, 200, None, "right", "2018-08-01")],
    "18_cut_china_halves": [("cut", "CHN", "USA", "planned", 10, 5, 75, "2020-02-14", "right", "2020-02-14")],
    "19_hedged_may_delay": [("suspended", "USA", "CHN", "hedged", None, None, None, "2019-12-15", "unverifiable", None)],
    "20_not_us_china": [("retaliation", "EU27", "USA", "reported", None, 25, 3.2, "2018-06-22", "unverifiable", None)],
    "21_relative_last_week": [("raised", "USA", "CHN", "planned", 10, 15, 300, "2019-08-19..2019-08-25", "right", "2019-08-23"),
                              ("retaliation", "CHN", "USA", "reported", None, 10, 75, "2019-08-23", "right", "2019-08-23")],
    "22_retaliation_words_relative": [("retaliation", "CHN", "USA", "planned", None, None, 60, "2019-06-01", "right", "2019-05-13")],
    "23_talks_and_deal": [("talks", "USA+CHN", None, "reported", None, None, None, "2019-10-11", "unverifiable", None),
                          ("suspended", "USA", "CHN", "reported", 25, 30, 250, "2019-10-11", "right", "2019-10-11"),
                          ("deal", "USA", "CHN", "reported", None, None, None, "2019-10-11", "right", "2019-10-11")],
    "24_earlier_this_month_two_weeks_ago": [
        ("imposed", "USA", "CHN", "reported", None, 15, 120, "2019-09", "right", "2019-09-01"),
        ("talks", "USA+CHN", None, "reported", None, None, None, "2019-09-02..2019-09-08", "unverifiable", None)],
}

# file: [(fragment, kind, quantity key, period, verdict)]
FIGURES = {
    "15_right_figures_june": [("$29.6 billion", "level", "china_goods_balance", "2019-06", "right"),
                              ("$38.7 billion", "level", "china_goods_imports", "2019-06", "right"),
                              ("$9.2 billion", "level", "china_goods_exports", "2019-06", "right"),
                              ("$55.2 billion", "level", "total_balance", "2019-06", "right")],
    "16_inaccurate_figures": [("$35.0 billion", "level", "china_goods_balance", "2019-05", "inaccurate"),
                              ("25 percent", "change", "china_goods_imports", "2019-05", "inaccurate")],
}

TEXTS = sorted(p.stem for p in HERE.glob("[0-9]*.txt"))


def test_at_least_twenty_texts_and_every_action_type():
    assert len(TEXTS) >= 20 and set(TEXTS) == set(EVENTS)
    actions = {e[0] for evs in EVENTS.values() for e in evs}
    assert actions == {"imposed", "raised", "threatened", "suspended", "cut", "retaliation", "talks", "truce",
                       "deal", "export control", "purchase commitment"}
    assert {e[3] for evs in EVENTS.values() for e in evs} == {"reported", "planned", "hedged"}
    assert {v for figs in FIGURES.values() for *_, v in figs} >= {"right", "inaccurate"}


@pytest.mark.parametrize("name", TEXTS)
def test_text_events_and_verdicts(name):
    r = read(HERE / f"{name}.txt")
    assert r.article_date is not None and r.date_basis.startswith("dateline")
    got = [(e.action, e.actor, e.target, e.modality, e.rate_before, e.rate_after, e.coverage_usd_bn,
            e.date.label if e.date else None, v.verdict) for e, v in r.events]
    want = [tuple(x[:9]) for x in EVENTS[name]]
    assert got == want
    for (e, v), exp in zip(r.events, EVENTS[name]):
        assert r.sentences[e.sentence].text        # the sentence it came from
        if exp[9]:
            assert any(f"date={exp[9]}" in row for row in v.rows), v.rows
    figs = [(f.fragment, f.kind, f.quantity_key, f.period, v.verdict) for f, v in r.figures]
    assert figs == FIGURES.get(name, [])
    if not EVENTS[name] and not FIGURES.get(name):
        assert r.notes == ["no trade-policy events or trade figures found in the text"]


def test_noise_money_and_percent_are_not_trade_figures():
    r = read(HERE / "13_noise_sports.txt")
    assert r.events == [] and r.figures == []        # "$250" tickets, "40 percent" of seats


def test_hedges_are_kept_and_not_simulated():
    from tradewar.news.simulate import plan

    r = read(HERE / "19_hedged_may_delay.txt")
    assert r.events[0][0].hedge == "may"
    r = read(HERE / "11_hedged_might.txt")
    assert r.events[0][0].hedge == "might"
    p = plan(r)
    assert p.measures == [] and "not a tariff change" in p.skipped[0]
    p = plan(r, threats=True)
    assert p.skipped and "no rate" in p.skipped[0]


def test_numbers_in_words():
    assert words_to_digits("twenty-five percent tariffs on two hundred and fifty billion dollars") == \
        "25 percent tariffs on 250 billion dollars"
    assert words_to_digits("tariffs on $300 billion worth") == "tariffs on $300 billion worth"
    assert words_to_digits("seven and a half percent, one point five percent") == "7.5 percent, 1.5 percent"
    assert words_to_digits("one of the two sides") == "one of the 2 sides"
    r = read(HERE / "03_raised_numbers_in_words.txt")
    e = r.events[0][0]
    assert (e.rate_before, e.rate_after, e.coverage_usd_bn) == (10, 25, 200)


@pytest.mark.parametrize("phrase, base, label", [
    ("talks resume next week", date(2019, 7, 3), "2019-07-08..2019-07-14"),
    ("They will meet this coming week", date(2019, 7, 6), "2019-07-08..2019-07-14"),
    ("Earlier in May, the US slapped tariffs", date(2019, 7, 3), "2019-05"),
    ("tariffs will rise in May", date(2019, 7, 3), "2020-05"),
    ("data released on Wednesday showed", date(2019, 7, 3), "2019-07-03"),
    ("China threatened on Sunday", date(2019, 5, 6), "2019-05-05"),
    ("from September 1 the tariffs will apply", date(2019, 8, 2), "2019-09-01"),
    ("Talks broke down last month", date(2019, 7, 3), "2019-06"),
    ("two weeks ago China said", date(2019, 7, 3), "2019-06-17..2019-06-23"),
    ("the announcement came yesterday", date(2019, 10, 12), "2019-10-11"),
    ("the June-end meeting", date(2019, 7, 3), "2019-06-24..2019-06-30"),
    ("on January 31, 2019 in the Oval Office", None, "2019-01-31"),
    ("until December 15, officials said", date(2019, 8, 14), "2019-12-15"),
    ("Earlier this month, tariffs took effect", date(2019, 9, 20), "2019-09"),
])
def test_relative_dates(phrase, base, label):
    assert find_dates(phrase, base)[0].label == label


def test_may_the_verb_is_not_a_date():
    assert find_dates("it may take some more time", date(2019, 7, 3)) == []
    assert find_dates("but the US may delay tariffs", date(2019, 7, 3)) == []


def test_sentences_headings_and_spans():
    text = "Tariff truce in Osaka\n\nThe U.S. agreed not to act. Talks resume next week.\n"
    ss = split_sentences(text)
    assert [s.text for s in ss] == ["Tariff truce in Osaka", "The U.S. agreed not to act.", "Talks resume next week."]
    assert ss[0].heading and ss[1].section == "Tariff truce in Osaka"
    assert all(text[s.start:s.end] == s.text for s in ss)


def test_text_api_and_date_given():
    r = read(text="The US imposed 25% tariffs on $16 billion of Chinese goods on Thursday.", on=date(2018, 8, 23))
    e, v = r.events[0]
    assert (e.action, e.rate_after, e.coverage_usd_bn, e.date.label, v.verdict) == \
        ("imposed", 25, 16, "2018-08-23", "right")
    assert "timeline.csv:21" in v.rows[0]


def test_no_date_anywhere_leaves_relative_dates_unresolved():
    r = read(text="The US will impose tariffs of 10 percent on $300 billion of Chinese goods next month.")
    assert r.article_date is None and "unknown" in r.date_basis
    e, v = r.events[0]
    assert e.date.start is None and v.verdict == "unverifiable"


# -- bad input ----------------------------------------------------------------------------

def _cli(*args):
    return CliRunner().invoke(app, ["read", *map(str, args)])


@pytest.mark.parametrize("content, fragment", [
    (b"", "empty"),
    (b"   \n\n\t  \n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data, not text (NUL byte at offset 8)"),
    (b"caf\xe9 au lait and tariffs on China " * 3, "not UTF-8 text (invalid byte 0xe9 at offset 3)"),
    (bytes(range(1, 32)) * 40, "binary data, not text"),
    (b"Tariffs!", "too short"),
])
def test_bad_bytes_clear_error(tmp_path, content, fragment):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ArticleError) as exc:
        read(p)
    assert fragment in str(exc.value) and str(p) in str(exc.value)


def test_huge_file_names_the_size_limit(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_bytes(b"The US imposed tariffs on Chinese goods. " * (5_000_000 // 41 + 1))
    with pytest.raises(ArticleError) as exc:
        read(p)
    msg = str(exc.value)
    assert "too large: 5.0 MB" in msg and f"the limit is 1 MB ({MAX_BYTES:,} bytes)" in msg
    with pytest.raises(ArticleError, match="too large"):
        read(text="x " * 600_000)


def test_non_english_clear_error():
    with pytest.raises(ArticleError) as exc:
        read(HERE / "bad_french.txt")
    assert "not in English (detected language: fr)" in str(exc.value)
    with pytest.raises(ArticleError, match="not in English"):
        read(text="美国对价值2500亿美元的中国商品加征25%的关税，中国商务部表示将予以反击。" * 3)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ArticleError, match="file not found"):
        read(tmp_path / "nope.txt")
    with pytest.raises(ArticleError, match="is a directory"):
        read(tmp_path)


@pytest.mark.parametrize("content, fragment", [
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary data"),
    ("Les États-Unis ont imposé des droits de douane de 25 % sur les marchandises chinoises, "
     "selon le ministère du Commerce, qui a promis de riposter.".encode(), "not in English"),
])
def test_cli_bad_input_exit_2_with_message(tmp_path, content, fragment):
    import subprocess
    import sys

    p = tmp_path / "a.txt"
    p.write_bytes(content)
    res = subprocess.run([sys.executable, "-c", "from tradewar.cli import main; main()", "read", str(p)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "error:" in res.stderr and fragment in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_bad_date_and_nothing_to_simulate(tmp_path):
    res = _cli(HERE / "01_imposed_list1.txt", "--date", "someday")
    assert res.exit_code != 0 and "cannot read 'someday' as a date" in str(res.exception or res.output)
    res = _cli(HERE / "13_noise_sports.txt", "--simulate")
    assert res.exit_code != 0 and "nothing to simulate" in str(res.exception or res.output)


def test_cli_json_for_a_text():
    res = _cli(HERE / "21_relative_last_week.txt", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert [e["action"] for e in d["events"]] == ["raised", "retaliation"]
    assert d["events"][0]["date"]["text"] == "Last week" and d["events"][0]["check"]["verdict"] == "right"


def test_simulate_retaliation_both_directions():
    from tradewar.news.simulate import plan

    r = read(HERE / "21_relative_last_week.txt")
    p = plan(r)
    pairs = {(m.importer, m.exporter): m for m in p.measures}
    assert pairs[("USA", "CHN")].increment == pytest.approx(0.05 * 300 / 538.5143, rel=1e-4)
    assert pairs[("CHN", "USA")].increment == pytest.approx(0.10 * 75 / 120.3, rel=1e-3)
