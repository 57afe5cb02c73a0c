"""Read an article: text → sentences → events and figures → verdicts (see the package doc)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date

from tradewar.news.data import Facts, load_facts
from tradewar.news.dates import MONTHS, find_dates
from tradewar.news.extract import Event, Figure, extract
from tradewar.news.text import Sentence, check_text, read_article, split_sentences, words_to_digits
from tradewar.news.verify import Verdict, verify_event, verify_figure


@dataclass
class Report:
    source: str
    article_date: date | None
    date_basis: str
    sentences: list[Sentence]
    events: list[tuple[Event, Verdict]]
    figures: list[tuple[Figure, Verdict]]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "article_date": self.article_date.isoformat() if self.article_date else None,
            "date_basis": self.date_basis,
            "events": [{**e.as_dict(), "sentence_text": self.sentences[e.sentence].text, **{"check": v.as_dict()}}
                       for e, v in self.events],
            "figures": [{**f.as_dict(), "sentence_text": self.sentences[f.sentence].text, **{"check": v.as_dict()}}
                        for f, v in self.figures],
            "notes": self.notes,
            "sentences": len(self.sentences),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=1, ensure_ascii=False)


_DATELINE = re.compile(r"(?:published|updated|posted|dated?)\s*:?\s*(?:on\s+)?(?P<d>[A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{4}-\d\d-\d\d|\d{1,2} [A-Z][a-z]+ \d{4})", re.I)
_RELEASE = re.compile(r"\b(?:latest|new|fresh|monthly|released?|published|showed|data|figures|report)\b", re.I)
_TRADE = re.compile(r"\b(?:deficit|trade gap|surplus|imports|exports|trade balance)\b", re.I)


def infer_date(text: str, sentences: list[Sentence], facts: Facts | None) -> tuple[date | None, str]:
    """The article's date when none is given, from its content, with the reasoning.

    1. A dateline ("Published: July 3, 2019").
    2. The trade release it reports: the latest month named in a sentence about trade data
       ("the latest data … on Wednesday … in May"), in the latest year the text names, is
       published on the ``first_print_release_date`` of that month in monthly_trade.csv; the
       article appeared on or after that day (the earliest consistent date is taken).
    3. The latest full date the text names.
    """
    first = text.strip().split("\n", 1)[0][:200]
    lead = [d for d in find_dates(first, None) if d.granularity == "day"]
    if lead:
        return date.fromisoformat(lead[0].start), f"dateline '{lead[0].text}' (first line)"
    m = _DATELINE.search(text[:2000])
    if m:
        found = find_dates(m.group("d"), None)
        if found and found[0].granularity == "day":
            return date.fromisoformat(found[0].start), f"dateline '{m.group(0)}'"
    full = []
    for s in sentences:
        for d in find_dates(words_to_digits(s.text), None):
            if d.granularity == "day" and d.start:
                full.append(date.fromisoformat(d.start))
    years = {d.year for d in full}
    years |= {int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", text)}
    if facts is not None and years:
        year = max(years)
        months = []
        for s in sentences:
            t = s.text
            if _TRADE.search(t) or (_RELEASE.search(t) and re.search(r"\bdata\b", t, re.I)):
                for mm in re.finditer(r"\b(January|February|March|April|May|June|July|August|September|October|"
                                      r"November|December)\b", t):
                    months.append((MONTHS[mm.group(1).lower()], s))
        if months:
            mon, s = max(months, key=lambda x: x[0])
            # the latest month whose release date is known, in the latest year named
            for y in (year, year - 1):
                rel = facts.release_date(f"{y}-{mon:02d}")
                if rel:
                    why = (f"inferred: the article reports {date(y, mon, 1):%B %Y} trade data (sentence "
                           f"{s.index + 1}); that month's figures were first released on {rel} "
                           f"(monthly_trade.csv, first_print_release_date)")
                    wd = re.search(r"\bon (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", s.text)
                    if wd:
                        same = rel.strftime("%A") == wd.group(1)
                        why += f"; '{wd.group(0)}' {'agrees' if same else 'does not agree'} ({rel:%A})"
                    if full and max(full) > rel:
                        break
                    return rel, why + "; pass --date to override"
    if full:
        d = max(full)
        return d, f"inferred: the latest full date the text names ({d}); pass --date to override"
    return None, "unknown: no date in the text; relative dates are left unresolved (pass --date)"


def read(article: str | os.PathLike | None = None, *, text: str | None = None, on: date | None = None,
         data: str | os.PathLike | None = None, source: str | None = None) -> Report:
    """Read an article from a file (``article``) or a string (``text``) and check it."""
    if text is None:
        if article is None:
            raise ValueError("give an article file or text")
        text = read_article(article)
        source = source or str(article)
    else:
        source = source or "<text>"
        text = check_text(text, source)
    sentences = split_sentences(text)
    facts = load_facts(data)
    if on is not None:
        base, basis = on, "given (--date)"
    else:
        base, basis = infer_date(text, sentences, facts)
    events, figures = extract(sentences, base)
    notes = []
    if not events and not figures:
        notes.append("no trade-policy events or trade figures found in the text")
    return Report(source, base, basis, sentences,
                  [(e, verify_event(e, facts, base)) for e in events],
                  [(f, verify_figure(f, facts)) for f in figures], notes)
