"""Events and figures from an article's sentences.

An **event** is a trade-policy action: who (actor) did what (action) to whom (target), with the
rate before/after (percent), the coverage (USD bn of the target's exports), the date it takes or
took effect (resolved against the article's date), and its modality: ``reported`` (it happened),
``planned`` (stated as going to happen), ``hedged`` ("might", "hoped", "threatened", "could") or
``negated`` ("will not lift"). An event's numbers are its own; they are not listed again as figures.

A **figure** is any other number the article reports about trade: a level (USD bn), a change
(percent) or a rank ("five-month high"), with the quantity it is said to measure (balance,
imports, exports; with China or in total), the period (month), and where the attribution came
from (the sentence itself, or its context: the section heading and earlier sentences).

Everything keeps the sentence it came from and character spans in that sentence's normalised
text (numbers in words turned into digits; see :mod:`tradewar.news.text`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from tradewar.news.dates import DateRange, find_dates
from tradewar.news.text import Sentence, words_to_digits

ACTIONS = ("imposed", "raised", "threatened", "suspended", "cut", "retaliation", "talks", "truce", "deal",
           "export control", "purchase commitment")

# -- countries ----------------------------------------------------------------------------

_COUNTRY_WORDS: list[tuple[str, str]] = [
    ("USA+CHN", r"\b(?:both sides|the two sides|both countries|the two countries|two sides|both governments|"
                r"the two (?:nations|economies|powers)|washington and beijing|beijing and washington|"
                r"the united states and china|china and the united states|"
                r"the us and china|the u\.s\.? and china|china and the u\.?s\.?)\b"),
    ("USA", r"\b(?:u\.s\.a?\.?|u\.s\b|united states|america|americans?|washington|trump|white house|ustr|lighthizer|"
            r"mnuchin|kudlow|navarro|commerce department|department of commerce|treasury|biden|ross|"
            r"us (?:trade representative|officials?|president|administration|government|side|economy|companies))"),
    ("CHN", r"\b(?:china|chinese|beijing|xi jinping|president xi|\bxi\b|liu he|mofcom|state council|li keqiang)(?:['’]s)?"),
    ("Huawei", r"\b(?:huawei|zte)\b"),
    ("EU27", r"\b(?:european union|the eu|eu|brussels|european commission)\b"),
    ("CAN", r"\b(?:canada|canadian|ottawa)\b"),
    ("MEX", r"\b(?:mexico|mexican)\b"),
    ("JPN", r"\b(?:japan|japanese|tokyo)\b"),
    ("IND", r"\b(?:india|indian|new delhi)\b"),
    ("KOR", r"\b(?:south korea|korean|seoul)\b"),
    ("VNM", r"\b(?:vietnam|vietnamese|hanoi)\b"),
]
_COUNTRY_RX = [(code, re.compile(p, re.I)) for code, p in _COUNTRY_WORDS]
_US_CAPS = re.compile(r"\bUS\b")          # "US" in capitals only: "us" is a pronoun
_GOODS_AFTER = re.compile(r"^\s*(?:technology |tech |telecoms? )?(?:goods|imports|products|exports|merchandise|"
                          r"companies|company|firms?|farm|agricultural|soybeans|steel|cars|autos|items|"
                          r"technology company|telecom)", re.I)

# -- actions ------------------------------------------------------------------------------

TARIFF = re.compile(r"\b(?:tariffs?|dut(?:y|ies)|levy|levies|levied|import taxe?s?|section 301|section 232|rates? on)\b", re.I)
_A = {
    "threatened": r"\bthreat\w*|\bwarn(?:ed|s|ing)?\b|\bpropos(?:ed|es|ing|al)\b|\bconsider(?:ed|s|ing)?\b|\bmull\w*|"
                  r"\bweigh(?:s|ed|ing)?\b|\bvow\w*|\b(?:could|might|may) (?:impose|slap|raise|hit|levy|increase|put)\b|"
                  r"\bplans? to (?:impose|slap|raise|levy|increase)",
    "retaliation": r"\bretaliat\w+|\bin response\b|\bhit(?:s|ting)? back\b|\bstrik(?:e|es|ing) back\b|\bstruck back\b|"
                   r"\bcounter-?measures?\b|\btit-for-tat\b|\bin kind\b",
    "truce": r"\btruce\b|\bcease-?fire\b|\bhold(?:s|ing)? off\b|\bheld off\b|\bagree\w* not to\b|"
             r"\bno (?:new|further|additional) tariffs\b|\bnot to (?:slap|impose|add|levy|put|raise)\b|\bpaus(?:e|es|ed|ing)\b",
    "suspended": r"\bsuspen(?:d|ds|ded|ding|sion)\b|\bcancel\w*|\bcall(?:s|ed)? off\b|\bshelv\w+|\babandon\w*|"
                 r"\bdropp?(?:s|ed|ing)? (?:the |a |its )?(?:planned|proposed|threatened|scheduled)\b|\bpostpon\w+|\bdelay(?:s|ed|ing)?\b|\bput on hold\b|\bexempt\w*|\bexclusions?\b",
    "cut": r"\b(?:cut|cuts|cutting|lower(?:s|ed|ing)?|reduc\w+|halv\w+|halved|lift(?:s|ed|ing)?|remov\w+|roll(?:s|ed|ing)? back|"
           r"scrap\w*|eliminat\w+|withdr[ae]w\w*|slash\w*)\b",
    "raised": r"\b(?:rais(?:e|es|ed|ing)|increas(?:e|es|ed|ing)|hik(?:e|es|ed|ing)|boost\w*|doubl\w+|upped|escalat\w+|"
              r"bump\w*|went up|ratchet\w* up)\b",
    "imposed": r"\b(?:impos\w+|slap\w*|levy|levie[sd]|levying|plac(?:e|es|ed|ing)|put|puts|introduc\w+|enact\w+|"
               r"(?:took|take|takes|taking|went|go|goes|came|come) (?:into )?(?:effect|force)|kick\w* in|hit (?:\w+ )?with)\b",
}
_ACTION_RX = {k: re.compile(v, re.I) for k, v in _A.items()}
_TALKS = re.compile(r"\btalks?\b|\bnegotiat\w+|\bon the phone\b|\bphone call\b|\bmeetings?\b|\bmet\b|\bdialogue\b|"
                    r"\bface-to-face\b", re.I)
_DEAL = re.compile(r"\b(?:sign\w*|reach\w*|strik(?:e|es|ing)|struck|seal\w*|clinch\w*|agree(?:d|s)? (?:on|to)|finali[sz]\w*|"
                   r"conclud\w+)\b[^.;]{0,40}?\b(?:deal|agreement|accord|pact)\b|\bphase (?:one|1) (?:deal|agreement)\b|"
                   r"\b(?:deal|agreement|accord|pact) (?:was|has been|is|were) (?:signed|reached|struck|sealed)\b", re.I)
_EXPORT_CONTROL = re.compile(r"\bentity list\b|\bexport (?:controls?|curbs?|bans?|restrictions?|licen[cs]es?)\b|\bblacklist\w*|"
                             r"\b(?:curbs?|restrictions?|bans?|sanctions?)\b[^.;]{0,40}?\b(?:huawei|zte|chips?|semiconductors?|"
                             r"technology compan\w+)|\b(?:huawei|zte)\b[^.;]{0,40}?\b(?:curbs?|restrictions?|bans?|banned|blacklist\w*|sell)\b|"
                             r"\b(?:ban\w*|restrict\w*|curb\w*) (?:on )?(?:the )?(?:sales?|exports?|shipments?) of (?:chips|semiconductors|technology)", re.I)
_PURCHASE = re.compile(r"\b(?:purchas\w*|buy(?:s|ing)?|bought)\b[^.;]{0,60}?\b(?:american|u\.?s\.?|us|farm|agricultur\w*|"
                       r"soybeans?|energy|goods|products|imports|aircraft|boeing|pork|corn|lng)\b", re.I)
_RELAX = re.compile(r"\b(?:relax\w*|eas(?:e|es|ed|ing)|lift\w*|loosen\w*|remov\w+|grant\w* licen[cs]es?|allow\w* \w+ to sell|exempt\w*)\b", re.I)
_NEG = re.compile(r"\b(?:not|no|never|won['’]t|will not|didn['’]t|did not|refus\w+ to|declin\w+ to|without|nor)\b\W+(?:\w+\W+){0,3}$", re.I)
_HEDGE = re.compile(r"\b(?:might|could|possibly|perhaps|likely|unlikely|expected to|hope[sd]?|hoping|plans? to|planning to|"
                    r"considering|threat\w*|reportedly|rumou?red|propos\w+|if|unless|ahead of any|in case)\b", re.I)
_HEDGE_CASE = re.compile(r"\bmay\b")      # the modal, lower case; "May" is the month
_PLANNED = re.compile(r"\b(?:will|would|shall|set to|scheduled|due to|to take effect|going to|is to|are to)\b|\bnext\b|\bcoming\b", re.I)

# -- numbers ------------------------------------------------------------------------------

_MONEY = re.compile(
    r"(?:US\s?\$|\$|USD\s?)\s?(?P<v>\d[\d,]*(?:\.\d+)?)\s*(?P<s>trillion|tn|billion|bn|b|million|mn|m)?\b"
    r"|(?P<v2>\d[\d,]*(?:\.\d+)?)\s*(?P<s2>trillion|billion|million|bn)\s+(?:US\s+|U\.S\.\s+|american\s+)?dollars?\b", re.I)
_PCT = re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*(?P<u>%|per ?cent\b|percentage points?\b|pct\b|points?\b(?= (?:to|from)))", re.I)
_RANK = re.compile(r"(?P<v>\d+)[\s-]*(?P<u>month|year|week)[\s-]+(?P<hl>high|low)", re.I)
_SCALE = {"trillion": 1000.0, "tn": 1000.0, "billion": 1.0, "bn": 1.0, "b": 1.0, "million": 0.001, "mn": 0.001, "m": 0.001, None: 1e-9}
_UP = re.compile(r"\b(?:surg\w+|soar\w*|ros[ee]|rises|rising|increas\w+|jump\w*|climb\w*|widen\w*|grew|grow\w*|expand\w*|rais\w+|"
                 r"up|gain\w*|swell\w*|balloon\w*|spik\w+|higher)\b", re.I)
_DOWN = re.compile(r"\b(?:fell|fall\w*|drop\w*|declin\w+|decreas\w+|narrow\w*|shr[iau]nk\w*|plung\w+|slump\w*|down|lower|"
                   r"contract\w*|tumbl\w+|sank|sink\w*)\b", re.I)
_QUANTITY = re.compile(r"\b(?P<bal>deficits?|surplus(?:es)?|trade gap|gap|balance)\b|\b(?P<imp>imports?|imported|purchases from)\b|"
                       r"\b(?P<exp>exports?|exported|shipments to|sales to)\b", re.I)
_WORLD = re.compile(r"\b(?:total|overall|global|with the world|worldwide|with all|of all)\b", re.I)
_CAPTION = re.compile(r"getty ?images|\bphoto\b|\bAP Photo\b|\bimage:|\bcredit:", re.I)
_CHINA = re.compile(r"\b(?:china|chinese|beijing)\b", re.I)


@dataclass
class Event:
    id: str
    sentence: int
    text: str                     # the sentence (normalised)
    action: str
    actor: str | None
    target: str | None
    modality: str                 # reported | planned | hedged | negated
    hedge: str | None = None      # the word that hedges or negates
    direction: str | None = None  # export controls: tightened | relaxed
    rate_before: float | None = None
    rate_after: float | None = None
    rate_change_pp: float | None = None
    coverage_usd_bn: float | None = None
    date: DateRange | None = None
    trigger: str = ""
    spans: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["date"] = self.date.as_dict() if self.date else None
        return d


@dataclass
class Figure:
    id: str
    sentence: int
    text: str                     # the sentence (normalised)
    fragment: str                 # the number as written
    span: tuple[int, int]
    value: float
    unit: str                     # "USD bn" | "%" | "pp" | "month high" | "month low"
    kind: str                     # level | change | rank | share
    quantity: str | None          # balance | imports | exports | None
    partner: str | None           # "CHN" | "world" | None
    goods_only: bool = False
    period: str | None = None     # YYYY-MM
    direction: str | None = None  # up | down
    attribution: str = "sentence"  # where quantity/partner/period came from: sentence | context
    context: str | None = None    # the context text used
    hedged: bool = False

    @property
    def quantity_key(self) -> str | None:
        if self.quantity is None:
            return None
        if self.partner == "CHN":
            return f"china_goods_{self.quantity}"
        if self.partner == "world" and self.quantity == "balance":
            return "total_balance"
        return None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["span"] = list(self.span)
        d["quantity_key"] = self.quantity_key
        return d


# -- helpers ------------------------------------------------------------------------------

def country_mentions(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, code, is_goods_adjective) for each country mention, without overlaps."""
    found: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    rxs = list(_COUNTRY_RX) + [("USA", _US_CAPS)]
    for code, rx in rxs:
        for m in rx.finditer(text):
            a, b = m.span()
            if any(a < e and s < b for s, e in taken):
                continue
            taken.append((a, b))
            goods = bool(_GOODS_AFTER.match(text[b:])) or (code == "Huawei")
            found.append((a, b, code, goods))
    return sorted(found)


def _money_bn(m: re.Match) -> float:
    v = float((m.group("v") or m.group("v2")).replace(",", ""))
    s = (m.group("s") or m.group("s2") or "").lower() or None
    if s is None and v >= 1e6:
        return v * 1e-9
    return v * _SCALE.get(s, 1.0) if s else v * (1.0 if v < 5000 else 1e-9)


# -- extraction ---------------------------------------------------------------------------

def extract(sentences: list[Sentence], base: date | None) -> tuple[list[Event], list[Figure]]:
    events: list[Event] = []
    figures: list[Figure] = []
    pair = _article_pair(sentences)
    ctx = _Context()
    for s in sentences:
        if s.heading and _CAPTION.search(s.text):
            continue
        text = words_to_digits(s.text)
        dates = find_dates(text, base)
        sent_events, used = _events(s, text, dates, pair, len(events))
        events.extend(sent_events)
        figs = _figures(s, text, dates, used, ctx, len(figures), bool(sent_events))
        figures.extend(figs)
        ctx.update(s, text, dates, figs)
    return events, figures


def _article_pair(sentences) -> tuple[str, str]:
    counts: dict[str, int] = {}
    for s in sentences:
        for _, _, code, _ in country_mentions(s.text):
            if code in ("USA+CHN", "Huawei"):
                continue
            counts[code] = counts.get(code, 0) + 1
    ranked = sorted(counts, key=lambda c: -counts[c])
    if "USA" in counts and "CHN" in counts:
        return ("USA", "CHN")
    if len(ranked) >= 2:
        return (ranked[0], ranked[1])
    return ("USA", "CHN")


def _other(code: str | None, pair: tuple[str, str]) -> str | None:
    if code == pair[0]:
        return pair[1]
    if code == pair[1]:
        return pair[0]
    if code == "Huawei":
        return "USA"
    return None


def _events(s: Sentence, text: str, dates: list[DateRange], pair, n0: int) -> tuple[list[Event], set]:
    """Events in one sentence: at most one tariff action, plus talks/deal, export control,
    purchase commitment when their own words are there."""
    out: list[Event] = []
    used: set[tuple[int, int]] = set()
    tariff = TARIFF.search(text)
    mentions = country_mentions(text)

    def make(action: str, m: re.Match, **kw) -> Event:
        a = m.start()
        modality, hedge = _modality(text, a, action)
        actor, target = _actor_target(mentions, a, action, pair, text)
        ev = Event(id=f"E{n0 + len(out) + 1}", sentence=s.index, text=text, action=action, actor=actor,
                   target=target, modality=modality, hedge=hedge, trigger=m.group(0),
                   date=_event_date(dates), spans={"trigger": [m.start(), m.end()]}, **kw)
        return ev

    # tariff actions: one per sentence, the most specific word wins
    if tariff:
        hits = {k: rx.search(text) for k, rx in _ACTION_RX.items()}
        hits = {k: m for k, m in hits.items() if m}
        # "lift" / "cut" only with tariffs nearby; "raise" needs a rate or tariffs
        order = ["truce", "suspended", "threatened", "retaliation", "cut", "raised", "imposed"]
        chosen = None
        if "threatened" in hits and "retaliation" in hits:
            chosen = "threatened"
        else:
            for k in order:
                if k in hits:
                    chosen = k
                    break
        if chosen == "cut" and "raised" in hits and hits["raised"].start() < hits["cut"].start():
            chosen = "raised"
        if chosen == "raised" and "imposed" in hits and re.search(r"\bincrease in tariffs\b", text, re.I) and \
                hits["imposed"].start() < hits["raised"].start():
            chosen = "imposed"
        if chosen:
            m = hits[chosen]
            ev = make(chosen, m)
            ev.date = _event_date(dates, text)
            _rates(ev, text, used)
            _coverage(ev, text, used)
            if not (chosen == "imposed" and ev.rate_after is None and ev.coverage_usd_bn is None
                    and not re.search(r"tariffs? (?:on|against)", text, re.I)):
                out.append(ev)
            else:
                used.clear()
    # talks (only if no tariff action took the sentence) and deals
    deal = _DEAL.search(text)
    if deal:
        ev = make("deal", deal)
        _coverage(ev, text, used) if not out else None
        out.append(ev)
    talks = _TALKS.search(text)
    if talks and not out:
        ev = make("talks", talks)
        if ev.actor is None or ev.actor == ev.target or {ev.actor, ev.target} <= {"USA", "CHN", "USA+CHN", None}:
            ev.actor, ev.target = "USA+CHN", None
        out.append(ev)
    ec = _EXPORT_CONTROL.search(text)
    if ec:
        ev = make("export control", ec)
        relax = _RELAX.search(text)
        ev.direction = "relaxed" if relax and abs(relax.start() - ec.start()) < 60 else "tightened"
        if any(code == "Huawei" for *_, code, _ in mentions):
            ev.target = "Huawei"
        out.append(ev)
    pc = _PURCHASE.search(text)
    if pc and re.search(r"\b(?:from|against|not|stop\w*)\s+$", text[:pc.start()], re.I):
        pc = None                     # "bars the company from buying", "stop buying"
    if pc:
        ev = make("purchase commitment", pc)
        # the buyer is the subject before the verb; the seller the adjective after it
        before = [x for x in mentions if x[1] <= pc.start() and not x[3] and x[2] != "USA+CHN"]
        after = [x for x in mentions if x[0] >= pc.start()]
        ev.actor = before[-1][2] if before else (_other(after[0][2], pair) if after else None)
        ev.target = after[0][2] if after else _other(ev.actor, pair)
        _coverage(ev, text, used)
        if ev.actor != ev.target:
            out.append(ev)
    return out, used


def _modality(text: str, at: int, action: str) -> tuple[str, str | None]:
    if action != "truce":
        neg = _NEG.search(text[:at])
        if neg:
            return "negated", neg.group(0).split()[0]
    h = _HEDGE_CASE.search(text) or _HEDGE.search(text)
    if h:
        return "hedged", h.group(0)
    if action == "threatened":
        return "hedged", "threatened"
    if _PLANNED.search(text):
        return "planned", None
    return "reported", None


def _actor_target(mentions, at: int, action: str, pair, text: str):
    subjects = [x for x in mentions if x[1] <= at and not x[3]]
    after = [x for x in mentions if x[0] >= at]
    actor = subjects[-1][2] if subjects else None
    target = None
    for a, b, code, goods in after:
        if code != actor and code != "USA+CHN":
            target = code
            break
    if target is None:
        m = re.search(r"\b(?:on|against|to|with) (?:\$?[\d.,]+\s*\w*\s*(?:worth )?(?:of )?)?(?:the )?"
                      r"(?:additional |more |further )?(chinese|china|american|u\.s\.|us|mexican|canadian|european|japanese)\b",
                      text[at:], re.I)
        if m:
            w = m.group(1).lower()
            target = {"chinese": "CHN", "china": "CHN", "american": "USA", "u.s.": "USA", "us": "USA",
                      "mexican": "MEX", "canadian": "CAN", "european": "EU27", "japanese": "JPN"}[w]
    if target is None and actor is None:
        goods = [x for x in mentions if x[3] and x[2] not in ("USA+CHN", "Huawei")]
        if goods:                     # passive: "tariffs on Chinese goods took effect"
            target = goods[0][2]
    if actor is None and re.search(r"\b(?:we|our)\b", text[:at], re.I) and after:
        actor = after[0][2]          # "We will not lift tariffs," Trump's adviser said
        target = next((c for _, _, c, _ in after[1:] if c not in (actor, "USA+CHN")), None)
    if actor in (None, target) and target:
        actor = _other(target, pair)
    if target is None and actor and actor != "USA+CHN":
        target = _other(actor, pair)
    if action in ("talks", "truce", "deal"):
        codes = {c for _, _, c, _ in mentions}
        if actor == "USA+CHN" or ({"USA", "CHN"} <= codes and action == "talks") or \
                (action == "talks" and not subjects):
            actor, target = "USA+CHN", None
    if actor is None and action in ("talks", "truce", "deal"):
        actor = "USA+CHN"
    return actor, target


_EFFECTIVE = re.compile(r"\b(?:from|starting|effective|beginning|as of|as from|takes? effect|took effect|on or after)\s+(?:on\s+)?$", re.I)


def _event_date(dates: list[DateRange], text: str = "") -> DateRange | None:
    good = [d for d in dates if d.start is not None]
    if not good:
        return dates[0] if dates else None
    effective = [d for d in good if _EFFECTIVE.search(text[:d.span[0]])]
    if effective:
        return effective[0]
    # a precise date wins over a month, a month over a vague phrase
    rank = {"day": 0, "week": 1, "month": 2, "year": 3, "vague": 4}
    return sorted(good, key=lambda d: rank[d.granularity])[0]


def _rates(ev: Event, text: str, used: set) -> None:
    pcts = [m for m in _PCT.finditer(text)]
    if not pcts:
        return
    ft = re.search(r"from (\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent)?\s*(?:to|up to) (\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent)", text, re.I) \
        or re.search(r"(\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent)?\s*(?:to|->|→) (\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent)", text, re.I)
    tf = re.search(r"to (\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent) from (\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent)?", text, re.I)
    if tf:
        ev.rate_after, ev.rate_before = float(tf.group(1)), float(tf.group(2))
        used.add(tf.span())
    elif ft:
        ev.rate_before, ev.rate_after = float(ft.group(1)), float(ft.group(2))
        used.add(ft.span())
    for m in pcts:
        if any(a <= m.start() < b for a, b in used):
            continue
        unit = m.group("u").lower()
        if unit.startswith("percentage point") or unit.startswith("point"):
            ev.rate_change_pp = float(m.group("v"))
            used.add(m.span())
            continue
        if ev.rate_after is None:
            # "halved to 5%": the rate after; "cut by 5%" is a change
            by = re.search(r"\bby\s*$", text[:m.start()], re.I)
            if by:
                ev.rate_change_pp = float(m.group("v"))
            else:
                ev.rate_after = float(m.group("v"))
            used.add(m.span())
    if ev.rate_change_pp is not None and ev.rate_after is None and ev.rate_before is not None:
        sign = -1 if ev.action == "cut" else 1
        ev.rate_after = ev.rate_before + sign * ev.rate_change_pp
    if ev.action == "suspended" and ev.rate_after is not None and ev.rate_before is None:
        ev.rate_before, ev.rate_after = ev.rate_after, 0.0
    if ev.action == "cut" and ev.rate_after is not None and ev.rate_before is None and \
            re.search(r"\bhalv", text, re.I):
        ev.rate_before = 2 * ev.rate_after


def _coverage(ev: Event, text: str, used: set) -> None:
    for m in _MONEY.finditer(text):
        if any(a <= m.start() < b for a, b in used):
            continue
        around = text[max(0, m.start() - 40):m.end() + 40].lower()
        if re.search(r"revenue|deficit|surplus|gap|fine|subsid|farm aid|bailout|collected", around):
            continue
        ev.coverage_usd_bn = round(_money_bn(m), 6)
        used.add(m.span())
        ev.spans["coverage"] = list(m.span())
        return


class _Context:
    """What earlier sentences of the same section said: partner, quantity, period."""

    def __init__(self):
        self.section = None
        self.partner = None
        self.partner_text = None
        self.quantity = None
        self.period = None
        self.period_text = None

    def update(self, s: Sentence, text: str, dates, figs):
        if s.heading:
            self.section = s.text
            self.partner = "CHN" if _CHINA.search(s.text) and _QUANTITY.search(s.text) else None
            self.partner_text = s.text if self.partner else None
            self.quantity = _quantity_at(s.text, len(s.text))
            self.period = None
            return
        if _QUANTITY.search(text):
            if _CHINA.search(text) and not _WORLD.search(text):
                self.partner, self.partner_text = "CHN", s.text
        months = [d for d in dates if d.granularity == "month" and d.start]
        if months and (self.period is None or months[-1].start[:7] > self.period):
            # the latest month of the section: reports lead with the newest data
            self.period, self.period_text = months[-1].start[:7], s.text
        if figs:
            self.quantity = figs[-1].quantity or self.quantity


def _quantity_at(text: str, at: int) -> str | None:
    best = None
    for m in _QUANTITY.finditer(text):
        q = "balance" if m.group("bal") else "imports" if m.group("imp") else "exports"
        if m.start() <= at:
            best = q
        elif best is None:
            best = q
            break
    return best


def _figures(s: Sentence, text: str, dates, used: set, ctx: _Context, n0: int, event_sentence: bool) -> list[Figure]:
    if s.heading:
        return []
    out: list[Figure] = []
    hits: list[tuple[re.Match, str]] = []
    hits += [(m, "money") for m in _MONEY.finditer(text)]
    hits += [(m, "pct") for m in _PCT.finditer(text)]
    hits += [(m, "rank") for m in _RANK.finditer(text)]
    hits.sort(key=lambda h: h[0].start())
    months = [d for d in dates if d.granularity == "month" and d.start]
    hedged = bool(_HEDGE_CASE.search(text) or re.search(r"\b(?:might|could|would|expected|estimated|forecast)\b", text, re.I))
    for m, kind in hits:
        if any(a <= m.start() < b for a, b in used):
            continue
        if event_sentence and TARIFF.search(text):
            continue
        q_here = _quantity_at(text, m.start())
        if q_here is None and not (ctx.quantity and (re.search(r"\b(?:data|figures?|report)\b", text, re.I) or kind != "money")):
            if kind != "rank":
                continue
        attribution = "sentence"
        context = None
        quantity = q_here or ctx.quantity
        if q_here is None:
            attribution, context = "context", ctx.section
        if _WORLD.search(text):
            partner = "world"
        elif _CHINA.search(text) and (_QUANTITY.search(text)):
            partner = "CHN"
        elif ctx.partner:
            partner = ctx.partner
            attribution, context = "context", ctx.partner_text
        else:
            partner = "world" if quantity == "balance" else None
        period = months[-1].start[:7] if months else None
        if period is None and ctx.period:
            period = ctx.period
            if attribution == "sentence":
                attribution, context = "context", ctx.period_text
        window = text[max(0, m.start() - 45):m.start()]
        direction = "up" if _UP.search(window) else "down" if _DOWN.search(window) else None
        if kind == "money":
            value, unit, k = round(_money_bn(m), 6), "USD bn", "level"
        elif kind == "pct":
            u = m.group("u").lower()
            value = float(m.group("v"))
            unit = "pp" if "point" in u else "%"
            k = "change" if direction or re.search(r"\b(?:by|up|down)\s*$", window, re.I) else "share"
        else:
            value, unit, k = float(m.group("v")), f"{m.group('u').lower()} {m.group('hl').lower()}", "rank"
            direction = "up" if m.group("hl").lower() == "high" else "down"
        out.append(Figure(id=f"F{n0 + len(out) + 1}", sentence=s.index, text=text, fragment=m.group(0),
                          span=m.span(), value=value, unit=unit, kind=k, quantity=quantity, partner=partner,
                          goods_only=bool(re.search(r"\bgoods\b", text, re.I)), period=period, direction=direction,
                          attribution=attribution, context=context, hedged=hedged))
    return out
