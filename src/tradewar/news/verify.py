"""Verdicts: each event and figure of an article checked against the shared data.

* ``right``: the data say the same (within the precision the article states, or within the
  revision tolerance where the article quotes a first print we only have in revised form);
* ``misattributed``: the number is right, but for a different quantity (the total deficit given
  as the deficit with China; the coverage of Lists 1–3 given as the coverage of the May 2019
  increase; a different month);
* ``inaccurate``: the data hold the quantity and it differs;
* ``unverifiable``: the data do not hold the quantity, or the statement is hedged, negated in a
  way the data cannot show, or about the future.

Every verdict carries the correct statement (where the data have one) and the source rows
(``file:line (column=value, …)``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from tradewar.news.data import Facts, Row
from tradewar.news.extract import Event, Figure

LEVEL_REL_TOL = 0.002        # 0.2% of the value, on top of the stated precision
CHANGE_REVISION_TOL = 0.5    # percentage points: first print vs. revised vintages
COVERAGE_REL_TOL = 0.03      # announced coverage: "$250bn" vs 34+16+200

LABEL = {
    "china_goods_balance": "US goods deficit with China (Census basis, not seasonally adjusted)",
    "china_goods_imports": "US goods imports from China (Census basis, NSA)",
    "china_goods_exports": "US goods exports to China (Census basis, NSA)",
    "total_balance": "total US goods-and-services trade deficit (BOP basis, seasonally adjusted)",
}
QUANTITIES = tuple(LABEL)


@dataclass
class Verdict:
    verdict: str
    statement: str                 # the correct statement (or why it cannot be checked)
    rows: list[str] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# -- figures ------------------------------------------------------------------------------

def _month_shift(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    idx = y * 12 + m - 1 + k
    return f"{idx // 12}-{idx % 12 + 1:02d}"


def _decimals(txt: str) -> int:
    m = re.search(r"\d\.(\d+)", txt)
    return len(m.group(1)) if m else 0


def _candidates(f: Figure, q: str, month: str, facts: Facts) -> list[tuple[float, str, list[Row], bool]]:
    """(value, description, rows, exact_vintage) the data give for ``q`` in ``month`` in the
    figure's own terms (level, percent change on the previous month, or k-month high)."""
    out = []
    if f.kind == "level":
        for v, vintage, row in facts.series(q, month):
            out.append((round(v, 3), f"{LABEL[q]}, {month}: ${v:.2f}bn ({vintage})", [row] if row else [], True))
    elif f.kind == "change":
        prev = _month_shift(month, -1)
        cur_s, prev_s = facts.series(q, month), facts.series(q, prev)
        for vc, dc, rc in cur_s:
            for vp, dp, rp in prev_s:
                if not vp:
                    continue
                pct = 100 * (vc / vp - 1)
                same = (dc.startswith("first print") and dp.startswith("as revised")) or dc == dp
                out.append((round(pct, 2), f"{LABEL[q]}: {prev} ${vp:.2f}bn ({dp}) → {month} ${vc:.2f}bn ({dc}) "
                                           f"= {pct:+.1f}%", [r for r in (rp, rc) if r], same))
    elif f.kind == "rank":
        k, rows, stop = _k_month_high(q, month, facts, high=f.direction != "down")
        if k:
            desc = f"{LABEL[q]}, {month}: highest in {k} months" if f.direction != "down" else \
                f"{LABEL[q]}, {month}: lowest in {k} months"
            if stop:
                desc += f" (since {stop}, when it was higher)" if f.direction != "down" else f" (since {stop})"
            out.append((float(k), desc, rows, True))
    return out


def _k_month_high(q: str, month: str, facts: Facts, high: bool = True):
    s = facts.series(q, month)
    if not s:
        return None, [], None
    first = [x for x in s if x[1].startswith("first print")]
    cur = (first or s)[0]
    rows = [cur[2]] if cur[2] else []
    k = 1
    m = month
    while True:
        m = _month_shift(m, -1)
        v = facts.value(q, m)
        if v is None:
            return k, rows, None
        if (v[0] >= cur[0]) if high else (v[0] <= cur[0]):
            if v[1]:
                rows.append(v[1])
            return k, rows, m
        if v[1]:
            rows.append(v[1])
        k += 1
        if k > 240:
            return k, rows, None


def _matches(f: Figure, value: float, exact: bool) -> tuple[bool, bool]:
    """(matches, within revision tolerance only)."""
    if f.kind == "level":
        tol = 0.5 * 10 ** -_decimals(f.fragment) + LEVEL_REL_TOL * abs(value)
        return abs(f.value - value) <= tol, False
    if f.kind == "change":
        tol = 0.5 * 10 ** -_decimals(f.fragment) + 1e-9
        if abs(f.value - value) <= tol:
            return True, False
        return abs(f.value - value) <= tol + CHANGE_REVISION_TOL, True
    if f.kind == "rank":
        return int(round(f.value)) == int(round(value)), False
    return False, False


def verify_figure(f: Figure, facts: Facts) -> Verdict:
    if f.kind == "share":
        return Verdict("unverifiable", "a percentage that is not a change on the previous month; the data "
                                       "hold monthly levels only", note="share or rate")
    if f.period is None:
        return Verdict("unverifiable", "no month given for this figure, in the sentence or its context")
    if f.hedged:
        return Verdict("unverifiable", "a hedged or forecast figure (might/could/expected)")
    claimed = f.quantity_key
    months = facts.months()
    if f.period not in months:
        return Verdict("unverifiable", f"the data cover {months[0]}..{months[-1]}; nothing for {f.period}")
    own = _candidates(f, claimed, f.period, facts) if claimed else []
    hits = [(c, _matches(f, c[0], c[3])) for c in own]
    good = [(c, loose) for c, (ok, loose) in hits if ok]
    if good:
        c, loose = min(good, key=lambda x: (x[1], abs(x[0][0] - f.value)))
        note = ""
        if loose:
            note = (f"within the revision tolerance ({CHANGE_REVISION_TOL} pp): the article quotes first "
                    f"prints; the data give {c[0]:+.1f}%")
        if f.direction and f.kind == "change" and (c[0] > 0) != (f.direction == "up"):
            return Verdict("inaccurate", f"{c[1]}: the direction is the opposite", _cite(c[2]))
        return Verdict("right", c[1], _cite(c[2]), note)
    # the same number for another quantity, or for the same quantity in another month
    others = []
    for q in QUANTITIES:
        if q == claimed:
            continue
        for c in _candidates(f, q, f.period, facts):
            ok, loose = _matches(f, c[0], c[3])
            if ok and not loose:
                others.append((c, q, f.period))
    if claimed and not others:
        for k in (-1, 1, -12):
            m = _month_shift(f.period, k)
            for c in _candidates(f, claimed, m, facts):
                ok, loose = _matches(f, c[0], c[3])
                if ok and not loose:
                    others.append((c, claimed, m))
    truth = _truth(own)
    if others:
        c, q, m = others[0]
        where = "the article's context" if f.attribution == "context" else "the sentence"
        statement = f"{f.fragment} matches another quantity: {c[1]}"
        if truth:
            statement += f". The quantity the article names: {truth[1]}"
        return Verdict("misattributed", statement, _cite(c[2] + (truth[2] if truth else [])),
                       f"{where} attributes it to the {LABEL.get(claimed, 'unspecified quantity')}, {f.period}")
    if truth:
        return Verdict("inaccurate", truth[1], _cite(truth[2]))
    if claimed is None:
        return Verdict("unverifiable", "the quantity (with China, or in total) cannot be told from the text "
                                       "and matches no series", note=f"quantity={f.quantity}, partner={f.partner}")
    return Verdict("unverifiable", f"no data for the {LABEL[claimed]} in {f.period}")


def _truth(own):
    if not own:
        return None
    exact = [c for c in own if c[3]]
    return (exact or own)[0]


def _cite(rows) -> list[str]:
    out, seen = [], set()
    for r in rows:
        if r is None:
            continue
        key = (r.file, r.line)
        if key in seen:
            continue
        seen.add(key)
        if r.file == "monthly_trade.csv":
            out.append(r.cite("month", "us_goods_exports_to_china_bn", "us_goods_imports_from_china_bn",
                              "us_goods_balance_with_china_bn", "us_total_goods_services_balance_first_print_bn",
                              "us_total_goods_services_balance_as_revised_next_release_bn"))
        elif r.file == "timeline.csv":
            out.append(r.cite("date", "actor", "target", "list_name", "coverage_usd_bn", "rate_before_pct",
                              "rate_after_pct", "status"))
        else:
            out.append(r.cite())
    return out


# -- events -------------------------------------------------------------------------------

_ACTOR = {"USA": {"US", "US+CN"}, "CHN": {"CN", "US+CN"}, "USA+CHN": {"US", "CN", "US+CN"}}


def _d(row: Row) -> date:
    return date.fromisoformat(row.values["date"])


def _f(v) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None


def row_actions(row: Row) -> set[str]:
    v = row.values
    st, text, ln = v["status"], v["action"].lower(), v["list_name"]
    before, after = _f(v["rate_before_pct"]), _f(v["rate_after_pct"])
    acts: set[str] = set()
    if ln.startswith("Entity List"):
        return {"export control"}
    if ln.startswith("Phase One purchases"):
        return {"purchase commitment", "deal"}
    if st in ("effective", "final") and after is not None and after > (before or 0):
        acts |= {"imposed", "raised"} if before else {"imposed"}
        if v["actor"] == "CN":
            acts.add("retaliation")
    if st in ("announced", "proposed") and (after is not None or _f(v["coverage_usd_bn"])):
        acts.add("threatened")
        if v["actor"] == "CN":
            acts.add("retaliation")
        if after is not None and before:
            acts.add("raised")
    if "retaliat" in text or "response" in text:
        acts.add("retaliation")
    if st == "truce":
        acts |= {"truce", "talks"}
    if st in ("suspended", "postponed", "suspension extended", "cancelled", "exclusion"):
        acts.add("suspended")
    if st == "reduced" or (after is not None and before is not None and after < before):
        acts.add("cut")
    if st == "signed" or "phase one" in text or "deal" in text:
        acts.add("deal")
    if "talks" in text or "negotiation" in text:
        acts.add("talks")
    return acts


def _window(ev: Event, base: date | None) -> tuple[date, date] | None:
    if ev.date is not None and ev.date.start:
        return date.fromisoformat(ev.date.start), date.fromisoformat(ev.date.end)
    if base is None:
        return None
    if ev.modality in ("planned",) or ev.modality == "negated":
        return base, base + timedelta(days=90)
    return base - timedelta(days=366), base


def tariff_state(facts: Facts, actor: str, on: date) -> dict[str, tuple[float | None, float | None, Row]]:
    """list_name -> (rate, coverage, row) of the additional duties in force on a date."""
    state: dict[str, tuple[float | None, float | None, Row]] = {}
    cover: dict[str, float] = {}
    for r in facts.timeline:
        v = r.values
        if v["actor"] != actor or _d(r) > on:
            continue
        cov = _f(v["coverage_usd_bn"])
        if cov is not None:
            cover[v["list_name"]] = cov
        if v["status"] in ("effective", "reduced", "suspended") and _f(v["rate_after_pct"]) is not None:
            state[v["list_name"]] = (_f(v["rate_after_pct"]), cover.get(v["list_name"]), r)
    return state


def _row_text(r: Row) -> str:
    v = r.values
    nums = []
    if v["coverage_usd_bn"]:
        nums.append(f"${v['coverage_usd_bn']}bn")
    if v["rate_before_pct"] or v["rate_after_pct"]:
        nums.append(f"{v['rate_before_pct'] or '–'}% → {v['rate_after_pct'] or '–'}%")
    action = re.split(r";|\s\(", v["action"])[0].strip()
    return f"{v['date']} {v['actor']}→{v['target']} {v['status']}: {action} [{v['list_name']}{'; ' if nums else ''}{'; '.join(nums)}]"


def verify_event(ev: Event, facts: Facts, base: date | None) -> Verdict:
    actors = _ACTOR.get(ev.actor or "", set())
    if not actors:
        return Verdict("unverifiable", f"the shared data hold US–China actions only (actor: {ev.actor})")
    if ev.target and ev.target not in ("USA", "CHN", "Huawei", "USA+CHN"):
        return Verdict("unverifiable", f"the shared data hold US–China actions only (target: {ev.target})")
    win = _window(ev, base)
    same_action = [r for r in facts.timeline if ev.action in row_actions(r) and r.values["actor"] in actors
                   and _target_ok(ev, r)]
    family = list(same_action)
    if ev.action == "export control" and ev.direction == "relaxed":
        same_action = [r for r in same_action if "relax" in r.values["action"].lower() or "licen" in r.values["action"].lower()
                       and "extend" in r.values["action"].lower()]
    if ev.modality == "negated":
        if win is None:
            return Verdict("unverifiable", "no date to check a negated statement against")
        found = [r for r in same_action if win[0] <= _d(r) <= win[1]]
        if found:
            return Verdict("inaccurate", f"the timeline has {ev.action} by {ev.actor} on {found[0].values['date']}: "
                                         f"{_row_text(found[0])}", _cite(found))
        later = [r for r in same_action if _d(r) > win[1]]
        recent = _related(ev, facts, win[0], back=40)
        st = f"no {ev.action} by {ev.actor} in the timeline from {win[0]} to {win[1]}"
        if later:
            st += f" (the first later one: {_row_text(later[0])})"
        return Verdict("right", st, _cite(recent + later[:1]), "a negated statement: checked for 90 days after the article")
    if ev.modality == "hedged" and ev.action != "threatened":
        rel = _related(ev, facts, base, back=60, pool=same_action)
        later = [r for r in same_action if win and _d(r) > win[1]][:1]
        st = f"a hedged statement ('{ev.hedge}'): nothing to verify as a fact"
        if later:
            st += f"; later, {_row_text(later[0])}"
        return Verdict("unverifiable", st, _cite(rel + later))
    if win is None:
        return Verdict("unverifiable", "no date in the text and no article date to place it")
    if ev.action == "threatened" and base is not None:
        # a threat is made before the article; the date in the sentence is the threatened action's
        if not (ev.date and ev.date.start and date.fromisoformat(ev.date.end) <= base):
            win = (base - timedelta(days=60), base)
    if ev.modality == "planned" and base is not None and ev.action in ("imposed", "raised", "cut", "retaliation",
                                                                       "suspended"):
        # a plan is checked against its announcement, shortly before the article
        announced = [r for r in facts.timeline if r.values["actor"] in actors and _target_ok(ev, r)
                     and r.values["status"] in ("announced", "proposed", "final", "postponed")
                     and base - timedelta(days=10) <= _d(r) <= base + timedelta(days=1)
                     and (ev.action in row_actions(r) or "threatened" in row_actions(r)
                          or not (r.values["rate_after_pct"] or r.values["rate_before_pct"]))]
        fit = [r for r in announced if not _field_mismatches(ev, r)]
        if fit:
            return Verdict("right", _row_text(fit[-1]), _cite([fit[-1]]), "a planned measure: checked against "
                                                                           "its announcement")
    pad = timedelta(days=3 if ev.date and ev.date.granularity == "day" else 0)
    inwin = [r for r in same_action if win[0] - pad <= _d(r) <= win[1] + pad]
    if ev.action == "talks":
        if inwin and ev.modality == "reported":
            r = inwin[-1]
            return Verdict("right", _row_text(r), _cite([r]))
        rel = _related(ev, facts, win[0], back=45, pool=same_action)
        return Verdict("unverifiable", "the timeline dates truces and deals, not individual rounds of talks"
                       + (f"; nearest: {_row_text(rel[0])}" if rel else ""), _cite(rel))
    if not inwin:
        near = sorted(same_action, key=lambda r: abs((_d(r) - win[0]).days))
        fitting = [r for r in near if not _field_mismatches(ev, r)]
        if fitting and ev.date is not None and abs((_d(fitting[0]) - win[0]).days) <= 400:
            r = fitting[0]
            return Verdict("inaccurate", f"the date is wrong: {_row_text(r)}", _cite([r]),
                           f"the article dates it {ev.date.label}")
        before = sorted([r for r in family if _d(r) <= win[1]], key=lambda r: _d(r))[-1:]
        after = [r for r in near if _d(r) > win[1]][:1]
        what = ev.action + (f" ({ev.direction})" if ev.direction else "")
        st = f"no {what} by {ev.actor} in the timeline in {win[0]}..{win[1]}"
        if before:
            st += f"; before it: {_row_text(before[0])}"
        if after:
            st += f"; later: {_row_text(after[0])}"
        return Verdict("unverifiable", st, _cite(before + after))
    scored = sorted(inwin, key=lambda r: (len(_field_mismatches(ev, r)), _pref(ev, r), -_d(r).toordinal()))
    best = scored[0]
    miss = _field_mismatches(ev, best)
    if not miss:
        return Verdict("right", _row_text(best), _cite([best]))
    # a right number for a different quantity?
    if "coverage" in miss and len(miss) == 1 and ev.actor in ("USA", "CHN"):
        agg = _aggregate_coverage(ev, facts, _d(best))
        if agg:
            total, rows = agg
            return Verdict("misattributed",
                           f"{_row_text(best)}; ${ev.coverage_usd_bn:g}bn is all {ev.actor} tariffs at "
                           f"{ev.rate_after:g}% in force after {best.values['date']} "
                           f"({' + '.join(r.values['list_name'] for r in rows)} = ${total:g}bn)",
                           _cite([best] + rows), f"the {best.values['date']} action itself covered "
                                                 f"${best.values['coverage_usd_bn']}bn")
        other = [r for r in facts.timeline if _f(r.values["coverage_usd_bn"]) and
                 abs(_f(r.values["coverage_usd_bn"]) - ev.coverage_usd_bn) <= COVERAGE_REL_TOL * ev.coverage_usd_bn
                 and r.values["actor"] in actors and abs((_d(r) - _d(best)).days) <= 400]
        if other:
            return Verdict("misattributed", f"{_row_text(best)}; ${ev.coverage_usd_bn:g}bn is the coverage of "
                                            f"{other[0].values['list_name']} ({other[0].values['date']})",
                           _cite([best, other[0]]))
    return Verdict("inaccurate", f"{_row_text(best)} (differs in {', '.join(miss)})", _cite([best]))


def _pref(ev: Event, r: Row) -> int:
    st = r.values["status"]
    if ev.action in ("imposed", "raised", "cut", "retaliation") and ev.modality == "reported":
        return 0 if st in ("effective", "reduced") else 1
    if ev.action == "threatened":
        return 0 if st in ("announced", "proposed") else 1
    return 0


def _target_ok(ev: Event, r: Row) -> bool:
    t = r.values["target"]
    if ev.target == "Huawei":
        return "Huawei" in t
    if ev.target is None or ev.actor == "USA+CHN":
        return True
    if ev.action == "purchase commitment":
        return True
    code = {"USA": "US", "CHN": "CN"}.get(ev.target)
    return code is None or code in t or t == "bilateral"


def _field_mismatches(ev: Event, r: Row) -> list[str]:
    v = r.values
    miss = []
    after, before, cov = _f(v["rate_after_pct"]), _f(v["rate_before_pct"]), _f(v["coverage_usd_bn"])
    if ev.action in ("suspended", "truce"):
        after = before = None         # the rates quoted are those of the plan put off
    if ev.rate_after is not None and after is not None and abs(ev.rate_after - after) > 0.05:
        miss.append("rate after")
    if ev.rate_before is not None and before is not None and abs(ev.rate_before - before) > 0.05:
        miss.append("rate before")
    if ev.coverage_usd_bn is not None and cov is not None and \
            abs(ev.coverage_usd_bn - cov) > COVERAGE_REL_TOL * cov:
        miss.append("coverage")
    if ev.rate_after is not None and after is None and ev.action in ("imposed", "raised", "cut"):
        miss.append("rate after")
    return miss


def _aggregate_coverage(ev: Event, facts: Facts, on: date):
    if ev.rate_after is None or ev.coverage_usd_bn is None:
        return None
    code = {"USA": "US", "CHN": "CN"}[ev.actor]
    state = tariff_state(facts, code, on)
    rows = [(cov, r) for rate, cov, r in state.values() if rate is not None and abs(rate - ev.rate_after) < 0.05 and cov]
    total = sum(c for c, _ in rows)
    if rows and abs(total - ev.coverage_usd_bn) <= COVERAGE_REL_TOL * ev.coverage_usd_bn:
        return total, [r for _, r in sorted(rows, key=lambda x: _d(x[1]))]
    return None


def _related(ev: Event, facts: Facts, at: date | None, back: int = 60, pool=None, forward: date | None = None):
    if at is None:
        return []
    rows = pool if pool is not None else [r for r in facts.timeline if r.values["actor"] in _ACTOR.get(ev.actor or "", set())]
    lo, hi = at - timedelta(days=back), forward or at
    near = [r for r in rows if lo <= _d(r) <= hi]
    return sorted(near, key=lambda r: abs((_d(r) - at).days))[:1]
