"""An article's tariff measures as a scenario on the 194-country world (``ignatenko2025``,
one-sector model), run by the normal engine.

Each tariff event (imposed, raised, cut, retaliation; reported or planned, not hedged or
negated; threats only with ``threats=True``) becomes a **bilateral average increment**: the
importer's tariff on the exporter rises by

    Δ = (rate after − rate before) × coverage / (importer's 2018 imports from the exporter)

added (``mode = "add"``) to the dataset's baseline tariffs. The 2018 imports are the Census
c5700 sums (US imports from China $538.5bn; US exports to China, i.e. China's imports from the
US, $120.3bn). Example: the seed's "25 percent tariffs on $250 billion" is
0.25 × 250 / 538.5 = +11.6 points on the average US tariff on China. A missing coverage is read
from the matched timeline row, else the whole bilateral flow; a missing rate before from the
matched row, else 0. Truces, suspensions, talks, deals, export controls and purchase commitments
are not tariff changes and are listed as not modelled.

``basis="article"`` (default) takes the article's numbers as stated, ``basis="data"`` the numbers
of the timeline row each event was matched to (where one was).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tradewar.news.text import ArticleError
from tradewar.news.data import load_facts
from tradewar.news.reader import Report
from tradewar.scenario import Scenario

TARIFF_ACTIONS = ("imposed", "raised", "cut", "retaliation")


@dataclass
class Measure:
    event: str
    importer: str
    exporter: str
    delta_pct: float              # rate after − before, percent
    coverage_usd_bn: float
    base_usd_bn: float
    increment: float              # fraction added to the bilateral average tariff
    basis: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Plan:
    measures: list[Measure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"measures": [m.as_dict() for m in self.measures], "not_modelled": self.skipped}


def _row_values(rows: list[str]) -> dict | None:
    for r in rows:
        if r.startswith("timeline.csv:"):
            return dict(re.findall(r"(\w+)=([^,)]+)", r))
    return None


def plan(report: Report, threats: bool = False, basis: str = "article", data=None) -> Plan:
    facts = load_facts(data)
    base = {("USA", "CHN"): facts.year_total("china_goods_imports", 2018)[0],
            ("CHN", "USA"): facts.year_total("china_goods_exports", 2018)[0]}
    out = Plan()
    seen = set()
    for ev, verdict in report.events:
        tariff = ev.action in TARIFF_ACTIONS or (threats and ev.action == "threatened")
        if not tariff:
            out.skipped.append(f"{ev.id} {ev.action}: not a tariff change")
            continue
        if ev.modality in ("hedged", "negated") and not (threats and ev.action == "threatened"):
            out.skipped.append(f"{ev.id} {ev.action}: {ev.modality} ('{ev.hedge}')")
            continue
        importer, exporter = ev.actor, ev.target
        if (importer, exporter) not in base:
            out.skipped.append(f"{ev.id} {ev.action}: {importer}→{exporter} is not a US–China measure")
            continue
        row = _row_values(verdict.rows)
        after, before, cov = ev.rate_after, ev.rate_before, ev.coverage_usd_bn
        how = "article"
        if basis == "data" and row:
            f = lambda k: float(row[k]) if row.get(k) not in (None, "") else None  # noqa: E731
            after, before, cov = f("rate_after_pct") or after, f("rate_before_pct"), f("coverage_usd_bn") or cov
            how = f"data ({row.get('date')} {row.get('list_name')})"
        if after is None:
            out.skipped.append(f"{ev.id} {ev.action}: no rate in the text")
            continue
        if before is None:
            before = float(row["rate_before_pct"]) if (row and row.get("rate_before_pct")) and ev.action != "imposed" else 0.0
            if ev.action == "cut" and before == 0.0:
                out.skipped.append(f"{ev.id} cut: no rate before")
                continue
        if cov is None:
            cov = float(row["coverage_usd_bn"]) if row and row.get("coverage_usd_bn") else base[(importer, exporter)]
            how += "; coverage from the matched row" if row and row.get("coverage_usd_bn") else "; coverage: all imports"
        key = (importer, exporter, after, before, cov)
        if key in seen:
            out.skipped.append(f"{ev.id} {ev.action}: the same measure as an earlier event")
            continue
        seen.add(key)
        delta = after - before
        b = base[(importer, exporter)]
        out.measures.append(Measure(ev.id, importer, exporter, delta, cov, round(b, 1),
                                    round(delta / 100 * min(cov, b) / b, 6), how))
    return out


def scenario(report: Report, threats: bool = False, basis: str = "article", data=None) -> tuple[Scenario, Plan]:
    p = plan(report, threats, basis, data)
    if not p.measures:
        raise ArticleError(report.source, "nothing to simulate: no tariff measure between the US and China "
                                          f"in the article ({'; '.join(p.skipped[:6]) or 'no events'})")
    pairs: dict[tuple[str, str], float] = {}
    for m in p.measures:
        pairs[(m.importer, m.exporter)] = pairs.get((m.importer, m.exporter), 0.0) + m.increment
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", report.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "article"
    data = {
        "name": f"news-{stem}",
        "title": f"Tariff measures read from {report.source}",
        "description": "; ".join(f"{m.event}: {m.importer} on {m.exporter} {m.delta_pct:+g} pts on "
                                 f"${m.coverage_usd_bn:g}bn of ${m.base_usd_bn:g}bn → +{100 * m.increment:.2f} pts average"
                                 for m in p.measures),
        "dataset": "ignatenko2025",
        "model": {"name": "one_sector"},
        "tariffs": [{"importer": i, "exporters": e, "rate": round(v, 8), "mode": "add"} for (i, e), v in pairs.items()],
    }
    return Scenario.from_dict(data, source=report.source), p


def simulate(report: Report, threats: bool = False, basis: str = "article", data=None):
    from tradewar.run import run

    s, p = scenario(report, threats, basis, data)
    return run(s, data), s, p
