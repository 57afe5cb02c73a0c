"""News articles in: events and figures extracted from an article's text, each checked against
the shared US–China data, and the article's tariff measures run as a scenario.

    from tradewar.news import read
    report = read("article.txt")              # or read(text="...", on=date(2019, 7, 3))
    for event, verdict in report.events: ...

Modules: ``text`` (input checks, sentences, numbers in words), ``dates`` (relative dates),
``extract`` (events, figures), ``data`` (the shared CSVs), ``verify`` (verdicts with source rows),
``simulate`` (events → Scenario), ``reader`` (the pipeline).
"""

from __future__ import annotations

from tradewar.news.reader import Report, infer_date, read
from tradewar.news.text import MAX_BYTES, ArticleError

__all__ = ["read", "Report", "infer_date", "ArticleError", "MAX_BYTES"]
