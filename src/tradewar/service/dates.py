"""The ``date`` query parameter of the article endpoints (``/news/read``, ``/news/scenario``)."""

from __future__ import annotations

from datetime import date as Date

from fastapi import Query

from tradewar.errors import ParameterError


def article_date(date: str | None = Query(default=None, description="YYYY-MM-DD")) -> Date | None:
    """The article's date when given (a dependency); not ISO ``YYYY-MM-DD``: a 422 naming ``date``."""
    if date is None:
        return None
    try:
        return Date.fromisoformat(date)
    except ValueError:
        raise ParameterError("date", date, "not a date (YYYY-MM-DD)") from None
