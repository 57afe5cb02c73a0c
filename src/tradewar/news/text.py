"""Article text in: checks (size, binary, empty, language), sentence splitting with character
spans, headings and sections, and numbers written in words turned into digits.

Numbers in words are converted with ``number-parser`` (``parse_number``) run by run: the library's
own whole-sentence ``parse`` also rewrites scale words after digits ("$300 billion" → "$300
1000000000"), so runs of number words are found here and only they are handed to it, leaving a
trailing scale word ("two hundred and fifty billion" → "250 billion") as a word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from number_parser import parse_number

from tradewar.errors import TradewarError

MAX_BYTES = 1_000_000          # 1 MB: a long news article is ~50 kB
MIN_LETTERS = 20


class ArticleError(TradewarError):
    """An article that cannot be read: names the source and the problem."""

    field = "body"      # the article text is what could not be read (the API's 422 names it)

    def __init__(self, source: str, problem: str):
        self.source, self.problem = source, problem
        super().__init__(f"{source}: {problem}")


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    start: int                 # character offsets in the article text
    end: int
    heading: bool = False      # a headline or caption line (no final punctuation, short)
    section: str | None = None  # the heading above it, if any
    paragraph: int = 0

    def as_dict(self) -> dict:
        return {"index": self.index, "text": self.text, "span": [self.start, self.end],
                "heading": self.heading, "section": self.section, "paragraph": self.paragraph}


# -- reading -----------------------------------------------------------------------------

def read_article(path: str | Path) -> str:
    p = Path(path)
    source = str(path)
    if str(path) == "-":
        import sys

        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        source = "<stdin>"
    else:
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            raise ArticleError(source, "file not found") from None
        if p.is_dir():
            raise ArticleError(source, "is a directory, not an article file")
        if size > MAX_BYTES:
            raise ArticleError(source, f"too large: {size / 1e6:.1f} MB ({size:,} bytes); the limit is "
                                       f"{MAX_BYTES / 1e6:.0f} MB ({MAX_BYTES:,} bytes) — pass one article at a time")
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    return decode_article(data, source)


def decode_article(data: bytes, source: str = "<article>") -> str:
    if len(data) > MAX_BYTES:
        raise ArticleError(source, f"too large: more than {MAX_BYTES:,} bytes; the limit is "
                                   f"{MAX_BYTES / 1e6:.0f} MB ({MAX_BYTES:,} bytes)")
    if b"\x00" in data:
        nul = data.index(b"\x00")
        raise ArticleError(source, f"binary data, not text (NUL byte at offset {nul}); "
                                   "give a plain-text (UTF-8) article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(source, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                                   "give a plain-text (UTF-8) article") from None
    return check_text(text, source)


_EN_STOP = {"the", "and", "of", "to", "in", "on", "a", "is", "was", "for", "that", "with", "said", "by",
            "its", "it", "has", "have", "be", "are", "from", "at", "as", "will", "would", "an", "this"}


def check_text(text: str, source: str = "<article>") -> str:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ArticleError(source, f"too large: {len(text.encode('utf-8')):,} bytes; the limit is "
                                   f"{MAX_BYTES / 1e6:.0f} MB ({MAX_BYTES:,} bytes)")
    if not text.strip():
        raise ArticleError(source, "empty: no text to read")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(2, 0.01 * len(text)):
        raise ArticleError(source, f"binary data, not text ({controls} control characters)")
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < MIN_LETTERS:
        raise ArticleError(source, f"too short: {len(letters)} letters; an article needs at least a sentence "
                                   f"({MIN_LETTERS} letters)")
    latin = sum(1 for ch in letters if ch.isascii())
    words = re.findall(r"[^\W\d_]+", text.lower())
    stop = sum(1 for w in words if w in _EN_STOP) / max(len(words), 1)
    if latin / len(letters) < 0.8 or stop < 0.12:
        lang = _detect(text)
        if lang != "en":
            raise ArticleError(source, f"not in English (detected language: {lang}); the reader handles "
                                       "English articles only")
    return text


def _detect(text: str) -> str:
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        return detect(text[:5000])
    except Exception:  # langdetect raises on text without features
        return "unknown"


# -- sentences ----------------------------------------------------------------------------

_ABBREV = {"u.s", "u.k", "mr", "mrs", "ms", "dr", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
           "sep", "sept", "oct", "nov", "dec", "inc", "corp", "co", "ltd", "no", "vs", "gov", "sen", "rep",
           "e.g", "i.e", "u.n", "e.u", "a.m", "p.m", "jr", "bn", "approx", "est", "fig"}
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9$])")


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    section = None
    para = 0
    for m in re.finditer(r"[^\n]+", text):
        line, base = m.group(0), m.start()
        stripped = line.strip()
        if not stripped:
            continue
        para += 1
        lstrip = len(line) - len(line.lstrip())
        words = stripped.split()
        if not re.search(r"[.!?:;\"”’)]$", stripped) and len(words) <= 14:
            out.append(Sentence(len(out), stripped, base + lstrip, base + lstrip + len(stripped), True, section, para))
            section = stripped
            continue
        start = 0
        pieces = []
        for b in _BOUNDARY.finditer(line):
            before = line[:b.start()].split()
            token = (before[-1] if before else "").lower().strip("\"“(")
            if token in _ABBREV or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
                continue
            pieces.append((start, b.end()))
            start = b.end()
        pieces.append((start, len(line)))
        for a, e in pieces:
            seg = line[a:e]
            s = a + len(seg) - len(seg.lstrip())
            seg = seg.strip()
            if seg:
                out.append(Sentence(len(out), seg, base + s, base + s + len(seg), False, section, para))
    return out


# -- numbers in words --------------------------------------------------------------------

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety").split()
_SCALE = ("hundred", "thousand", "million", "billion", "trillion")
_NUMWORD = r"(?:" + "|".join(_UNITS + list(_SCALE)) + r")"
_RUN = re.compile(rf"\b{_NUMWORD}(?:(?:\s+and\s+|[\s-]+){_NUMWORD})*(?:\s+point(?:\s+(?:{'|'.join(_UNITS[:10])}))+)?\b", re.I)
_HALF = re.compile(r"\b(\d+)\s+and\s+a\s+half\b", re.I)


def words_to_digits(text: str) -> str:
    """Numbers written in words as digits; a trailing scale word stays a word."""

    def repl(m: re.Match) -> str:
        run = m.group(0)
        words = re.split(r"[\s-]+", run.lower())
        if all(w in _SCALE or w == "and" for w in words):
            return run                  # "billion" after digits, "hundreds"
        if words == ["one"]:
            return run                  # the pronoun "one"
        frac = ""
        if "point" in words:
            k = words.index("point")
            frac = "." + "".join(str(_UNITS.index(w)) for w in words[k + 1:])
            words = words[:k]
        tail = ""
        if words and words[-1] in ("million", "billion", "trillion"):
            tail = " " + words[-1]
            words = words[:-1]
            while words and words[-1] == "and":
                words = words[:-1]
        if not words:
            return run
        value = parse_number(" ".join(words))
        if value is None:
            return run
        return f"{value}{frac}{tail}"

    text = _RUN.sub(repl, text)
    return _HALF.sub(lambda m: f"{m.group(1)}.5", text)
