"""Dates in news text: find date expressions in a sentence and resolve them against the
article's date (``base``) to a range with a granularity (day, week, month, year).

Relative phrases (``next week``, ``this coming week``, ``earlier in May``, ``last month``,
``on Wednesday``, ``June-end``) are resolved here with small explicit rules; absolute dates
(``January 31, 2019``, ``2019-05-10``, ``September 1``) with python-dateutil, with the year of a
month named without a year taken from the tense: past-tense sentences resolve to the most recent
such month on or before ``base``, future-tense ones to the next on or after it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from dateutil import parser as dtparser

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_NUMWORD = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a": 1, "an": 1}

# Order matters: longer, more specific patterns first; matches may not overlap.
PATTERNS: list[tuple[str, str]] = [
    ("iso", r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    ("mdy", rf"\b(?P<mon>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"),
    ("dmy", rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH})\s+(?P<y>(?:19|20)\d\d)\b"),
    ("my", rf"\b(?P<mon>{_MONTH})\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b"),
    ("monthend", rf"\b(?:(?P<mon>{_MONTH})[- ]end|end[- ]of[- ](?P<mon2>{_MONTH}))\b"),
    ("md", rf"\b(?P<mon>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:percent|%|billion|million|bn))"),
    ("dm", rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH})\b"),
    ("relweek", r"\b(?P<rel>next|last|this coming|this|the coming|the following|the previous|coming|previous|following|past|later this|earlier this)\s+(?P<unit>week|month|year)\b"),
    ("ago", r"\b(?P<n>\d+|one|two|three|four|five|six|a|an)\s+(?P<unit>day|week|month|year)s?\s+(?P<dir>ago|from now|later)\b"),
    ("inn", r"\bin\s+(?P<n>\d+|one|two|three|four|five|six|a|an)\s+(?P<unit>day|week|month|year)s?(?:'|’)?\s*(?:time)?\b"),
    ("day", r"\b(?P<rel>today|tomorrow|yesterday)\b"),
    ("weekday", rf"\b(?:(?P<rel>next|last|this|on)\s+)?(?P<wd>{_WEEKDAY})\b"),
    ("month", rf"\b(?:(?P<rel>earlier in|later in|early|late|mid|mid-|in|since|until|by|last|next|this|from|of|during)\s+)?(?P<mon>{_MONTH})(?![\w-])"),
    ("year", r"\b(?P<rel>in|since|by|during|of|from)\s+(?P<y>(?:19|20)\d\d)\b"),
    ("soon", r"\b(?P<rel>soon|shortly|imminently|in the coming (?:days|weeks|months))\b"),
]
_COMPILED = [(k, re.compile(p, re.IGNORECASE)) for k, p in PATTERNS]

_FUTURE = re.compile(r"\b(will|would|shall|might|could|until|next|coming|set to|to take effect|from now|plans? to|scheduled|due|is to|are to|going to|later this)\b", re.I)
_PAST = re.compile(r"\b(was|were|had|did|earlier|last|ago|\w+ed)\b", re.I)


@dataclass(frozen=True)
class DateRange:
    text: str
    start: str | None          # ISO dates; None when the phrase cannot be placed in time
    end: str | None
    granularity: str           # day | week | month | year | vague
    span: tuple[int, int]      # characters in the sentence

    @property
    def label(self) -> str:
        if self.start is None:
            return f"{self.text} (unresolved)"
        if self.granularity == "day":
            return self.start
        if self.granularity == "month":
            return self.start[:7]
        if self.granularity == "year":
            return self.start[:4]
        return f"{self.start}..{self.end}"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["span"] = list(self.span)
        d["label"] = self.label
        return d


def _month_range(y: int, m: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def _week(d: date) -> tuple[date, date]:
    start = d - timedelta(days=d.weekday())
    return start, start + timedelta(days=6)


def _shift_month(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


_LOCAL_PAST = re.compile(r"\b(?:\w+ed|said|was|were|had|did|took|began|hit|met|agreed|announced)\b\W*(?:\w+\W+){0,2}$", re.I)
_LOCAL_FUTURE = re.compile(r"\b(?:will|would|shall|from|starting|until|till|through|by|effective|beginning|next)\b\W*(?:\w+\W+){0,2}$", re.I)


def tense(sentence: str) -> str:
    """'future' or 'past': enough to place a month named without a year."""
    return "future" if _FUTURE.search(sentence) or re.search(r"\bmay\b", sentence) else "past"


def local_tense(sentence: str, at: int, default: str) -> str:
    """The tense of the words just before a date ("threatened on Sunday", "from June 1")."""
    before = sentence[max(0, at - 40):at]
    if _LOCAL_FUTURE.search(before):
        return "future"
    if _LOCAL_PAST.search(before):
        return "past"
    return default


def _year_for_month(m: int, base: date, when: str, rel: str) -> int:
    rel = rel.lower()
    if rel in ("last", "earlier in", "since"):
        when = "past"
    elif rel in ("next", "until", "by") and when == "future":
        when = "future"
    if when == "future":
        return base.year if m >= base.month else base.year + 1
    return base.year if m <= base.month else base.year - 1


def find_dates(sentence: str, base: date | None) -> list[DateRange]:
    """Every date expression in ``sentence``, resolved against ``base`` where one is needed."""
    when = tense(sentence)
    taken: list[tuple[int, int]] = []
    found: list[DateRange] = []
    for kind, rx in _COMPILED:
        for m in rx.finditer(sentence):
            a, b = m.span()
            if any(a < e and s < b for s, e in taken):
                continue
            r = _resolve(kind, m, base, local_tense(sentence, a, when), sentence)
            if r is None:
                continue
            taken.append((a, b))
            found.append(DateRange(m.group(0), *r, span=(a, b)))
    return sorted(found, key=lambda r: r.span)


def _resolve(kind, m, base, when, sentence):
    g = m.groupdict()
    iso = lambda d: d.isoformat()  # noqa: E731
    try:
        if kind == "iso":
            d = date(int(g["y"]), int(g["m"]), int(g["d"]))
            return iso(d), iso(d), "day"
        if kind in ("mdy", "dmy"):
            d = dtparser.parse(m.group(0).replace("of ", ""), default=None).date()
            return iso(d), iso(d), "day"
        if kind == "my":
            s, e = _month_range(int(g["y"]), MONTHS[g["mon"].lower().rstrip(".")])
            return iso(s), iso(e), "month"
        mon = g.get("mon") or g.get("mon2")
        if kind == "monthend":
            if base is None:
                return None, None, "vague"
            mm = MONTHS[mon.lower().rstrip(".")]
            y = _year_for_month(mm, base, when, "")
            s, e = _month_range(y, mm)
            return iso(e - timedelta(days=6)), iso(e), "week"
        if kind in ("md", "dm"):
            mm = MONTHS[mon.lower().rstrip(".")]
            if mon.lower() == "may" and kind == "md" and not re.match(r"may\s+\d", m.group(0), re.I):
                return None
            if base is None:
                return None, None, "vague"
            y = _year_for_month(mm, base, when, "")
            d = date(y, mm, int(g["d"]))
            if when == "past" and d > base and mm == base.month:
                d = date(y - 1, mm, int(g["d"]))
            return iso(d), iso(d), "day"
    except (ValueError, OverflowError, dtparser.ParserError):
        return None
    if kind == "month":
        word = mon.lower().rstrip(".")
        rel = (g.get("rel") or "").lower()
        # "may" is also a verb: accept it only as a capitalised word after a preposition or
        # at the start of a sentence, never before a verb ("may take", "may be").
        if word == "may":
            if not m.group("mon").startswith("M"):
                return None
            if not rel and m.start() > 0:
                return None
            if re.match(r"\s+(be|have|take|not|also|still|well|begin|come|need|well|soon)\b", sentence[m.end():], re.I):
                return None
        if base is None:
            return None, None, "vague"
        mm = MONTHS[word]
        y = _year_for_month(mm, base, when, rel)
        s, e = _month_range(y, mm)
        if rel in ("early",):
            e = s + timedelta(days=9)
        elif rel in ("mid", "mid-"):
            s, e = s + timedelta(days=10), s + timedelta(days=19)
        elif rel in ("late",):
            s = e - timedelta(days=9)
        return iso(s), iso(e), "month" if rel not in ("early", "mid", "mid-", "late") else "vague"
    if kind == "year":
        y = int(g["y"])
        return f"{y}-01-01", f"{y}-12-31", "year"
    if kind == "soon":
        if base is None:
            return None, None, "vague"
        return iso(base), iso(base + timedelta(days=60)), "vague"
    if base is None:
        return None, None, "vague"
    if kind == "relweek":
        rel, unit = g["rel"].lower(), g["unit"].lower()
        k = {"next": 1, "this coming": 1, "the coming": 1, "coming": 1, "the following": 1, "following": 1,
             "last": -1, "the previous": -1, "previous": -1, "past": -1,
             "this": 0, "later this": 0, "earlier this": 0}[rel]
        if unit == "week":
            s, e = _week(base + timedelta(weeks=k))
            if rel == "this coming" and base.weekday() >= 5:  # said on a weekend: the week ahead
                s, e = _week(base + timedelta(days=2))
            return iso(s), iso(e), "week"
        if unit == "month":
            y, mm = _shift_month(base.year, base.month, k)
            s, e = _month_range(y, mm)
            return iso(s), iso(e), "month"
        return f"{base.year + k}-01-01", f"{base.year + k}-12-31", "year"
    if kind in ("ago", "inn"):
        n = g["n"].lower()
        n = int(n) if n.isdigit() else _NUMWORD[n]
        sign = -1 if kind == "ago" and g["dir"].lower() == "ago" else 1
        unit = g["unit"].lower()
        if unit == "day":
            d = base + timedelta(days=sign * n)
            return iso(d), iso(d), "day"
        if unit == "week":
            s, e = _week(base + timedelta(weeks=sign * n))
            return iso(s), iso(e), "week"
        if unit == "month":
            y, mm = _shift_month(base.year, base.month, sign * n)
            s, e = _month_range(y, mm)
            return iso(s), iso(e), "month"
        return f"{base.year + sign * n}-01-01", f"{base.year + sign * n}-12-31", "year"
    if kind == "day":
        k = {"today": 0, "tomorrow": 1, "yesterday": -1}[g["rel"].lower()]
        d = base + timedelta(days=k)
        return iso(d), iso(d), "day"
    if kind == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]
        rel = (g.get("rel") or "").lower()
        if rel == "next" or (rel != "last" and when == "future"):
            delta = (wd - base.weekday()) % 7 or 7
            d = base + timedelta(days=delta)
        else:  # reported past: the most recent such day, the article's own day included
            d = base - timedelta(days=(base.weekday() - wd) % 7)
            if rel == "last" and d == base:
                d -= timedelta(days=7)
        return iso(d), iso(d), "day"
    return None


def parse_date(value: str) -> date:
    """A date given by the user (``--date``): ISO or anything python-dateutil reads."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return dtparser.parse(value, dayfirst=False).date()
    except (ValueError, OverflowError, dtparser.ParserError):
        raise ValueError(f"cannot read {value!r} as a date (use YYYY-MM-DD)") from None
