"""ETA and ship date from a vendor's new text (quoted history already removed).

Each date mention (see date_mentions) is given a role from the nearest context word in its clause
(ship / arrival / something else such as an invoice date), then the strongest mention per role wins.
Dates with no context word fall back on the message's intent ("delayed ... 12/17" is an ETA)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.replies.date_context import (
    CLAUSE_RE,
    HEADER_LINE_RE,
    NEGATED_BEFORE_RE,
    ORDER_OF_RE,
    SENTENCE_RE,
    Keyword,
    Role,
    conditional_before,
    find_keywords,
)
from core.replies.date_mentions import Mention, add_duration, find_mentions
from core.replies.date_mentions import warm_up as _warm_patterns
from core.replies.schemas import ExtractedDates

MAX_TEXT = 20_000  # new text beyond this is signature/legal noise or hostile padding
_SKIP_WINDOW = 30  # a skip word this close before a date ("old delivery date:", "due date") wins
# Intents whose dates are never an ETA or ship date: proposals, invoices, automatic mail, noise.
_NO_DATE_INTENTS = frozenset({"change_request", "invoice", "auto_reply", "bounce", "unrelated"})


# Intents under which a date with no context word is still an ETA (or, when shipped, the ship day).
_DEFAULT_ROLE_INTENTS = frozenset({None, "delayed", "confirmed", "shipped"})


@dataclass(frozen=True, slots=True)
class _Candidate:
    mention: Mention
    role: Role
    strength: int


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(received_at: datetime, timezone: str | None) -> date:
    """The receive day in the vendor's time zone (naive datetimes are taken as UTC)."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=ZoneInfo("UTC"))
    return received_at.astimezone(_zone(timezone or "UTC")).date()


def warm_up() -> None:
    """Build regexes and zone caches before the first message (keeps the first call fast)."""
    _warm_patterns()
    extract_dates("shipped today, delivery 3 December", received_at=datetime(2026, 1, 1, tzinfo=UTC),
                  timezone="UTC", country=None, language=None)  # fmt: skip


def extract_dates(
    text: str,
    *,
    received_at: datetime,
    timezone: str,
    country: str | None,
    language: str | None,
    intent_hint: str | None = None,
) -> ExtractedDates:
    """The ETA and ship date the vendor states in text; None where not stated or too vague."""
    if not text or (intent_hint and str(intent_hint) in _NO_DATE_INTENTS):
        return ExtractedDates()
    lowered = text[:MAX_TEXT].lower()
    lang = (language or "").split("-")[0].split("_")[0].lower() or None
    today = local_day(received_at, timezone)
    mentions, keywords, header_lines = _scan(lowered, today, country, lang)
    if not mentions:
        return ExtractedDates(ship_date=today if intent_hint == "shipped" else None)
    candidates: list[_Candidate] = []
    for mention in mentions:
        if any(s <= mention.start and (e == -1 or mention.start < e) for s, e in header_lines):
            continue
        cand = _classify(lowered, mention, keywords, lang, str(intent_hint) if intent_hint else None, today)
        if cand is not None:
            candidates.append(cand)
    ship = _best(candidates, "ship")
    ship_day = ship.mention.day if ship else None
    if ship_day is None and intent_hint == "shipped":
        # A shipping notice without a day means the goods left the day it was sent.
        ship_day = today
    eta_cand = _best(candidates, "eta")
    eta_day: date | None = None
    if eta_cand is not None:
        eta_day = eta_cand.mention.day
        # Transit time counts from a future dispatch day ("leaves 1 Dec, 3-4 working days to Leeds").
        if eta_cand.mention.duration and ship_day and ship_day > today:
            count, unit = eta_cand.mention.duration
            eta_day = add_duration(ship_day, count, unit)
        if eta_day < today:
            eta_day = None
    return ExtractedDates(eta=eta_day, ship_date=ship_day)


@lru_cache(maxsize=32)
def _scan(
    lowered: str, today: date, country: str | None, lang: str | None
) -> tuple[tuple[Mention, ...], tuple[Keyword, ...], tuple[tuple[int, int], ...]]:
    """Date mentions, context keywords and header lines of a text. Cached: the reader asks twice per
    message (before and after the intent is known) and only the intent differs."""
    mentions = tuple(find_mentions(lowered, today, country=country, language=lang))
    if not mentions:
        return (), (), ()
    keywords = tuple(find_keywords(lowered))
    header_lines = tuple((m.start(), lowered.find("\n", m.start())) for m in HEADER_LINE_RE.finditer(lowered))
    return mentions, keywords, header_lines


def _best(candidates: list[_Candidate], role: Role) -> _Candidate | None:
    best: _Candidate | None = None
    for cand in candidates:
        if cand.role == role and (best is None or cand.strength > best.strength):
            best = cand
    return best


def _bounds(regex_text: str, pos: int, end: int, splitter: re.Pattern[str]) -> tuple[int, int]:
    """Start and end of the clause/sentence around [pos, end)."""
    start = max(0, pos - 400)
    for m in splitter.finditer(regex_text, max(0, pos - 400), pos):
        start = m.end()
    nxt = splitter.search(regex_text, end - 1)  # a mention may end on the sentence's full stop
    return start, (nxt.start() if nxt else len(regex_text))


def _classify(
    text: str, mention: Mention, keywords: tuple[Keyword, ...], lang: str | None, intent: str | None, today: date
) -> _Candidate | None:
    before = text[max(0, mention.start - 60) : mention.start]
    if NEGATED_BEFORE_RE.search(before) or ORDER_OF_RE.search(before):
        return None
    end = mention.end
    if text[end - 1] == "." and len(text[mention.start : end].split()[-1]) <= 5:
        end += 1  # the dot of an abbreviation ("23. Nov. an UPS übergeben") does not end the sentence
    c_start, c_end = _bounds(text, mention.start, end, CLAUSE_RE)
    s_start, s_end = _bounds(text, mention.start, end, SENTENCE_RE)
    c_start, c_end = max(c_start, s_start), min(c_end, s_end)
    if conditional_before(text[c_start : mention.start], lang):
        return None
    in_sentence = [k for k in keywords if s_start <= k.start and k.end <= s_end]
    for k in in_sentence:
        if k.role == "skip" and k.end <= mention.start and mention.start - k.end <= _SKIP_WINDOW and k.start >= c_start:
            return None
        if k.role == "skip" and k.start >= mention.end and k.start - mention.end <= 3:
            return None
    role_kw = _nearest(in_sentence, mention, c_start, c_end)
    if role_kw is None:
        role_kw = _nearest(in_sentence, mention, s_start, s_end)
    if mention.kind == "shipped":
        return _Candidate(mention, "ship", 2)
    if role_kw is not None:
        if role_kw.role == "skip":
            return None
        if role_kw.role == "eta" and mention.day <= today:
            # Goods are not expected in the past: "die Lieferung ging gestern raus" is a dispatch,
            # and so is "today" when the clause also has a dispatch word.
            scope = in_sentence if mention.day < today else [k for k in in_sentence if c_start <= k.start < c_end]
            if any(k.role == "ship" for k in scope):
                return _Candidate(mention, "ship", 1)
            if mention.day < today:
                return None
        return _Candidate(mention, role_kw.role, role_kw.strength)
    return _default(mention, intent, today)


def _nearest(keywords: Sequence[Keyword], mention: Mention, lo: int, hi: int) -> Keyword | None:
    """The keyword closest to the mention within [lo, hi). One after the date counts a bit farther:
    English and Romance put the verb first, but German and Dutch put it last ("heute versendet")."""
    best: Keyword | None = None
    best_distance = 0.0
    for k in keywords:
        if k.start < lo or k.end > hi:
            continue
        if k.end <= mention.start:
            distance = float(mention.start - k.end)
        elif k.start >= mention.end:
            distance = (k.start - mention.end) * 1.5
        else:
            continue
        if best is None or distance < best_distance:
            best, best_distance = k, distance
    return best


def _default(mention: Mention, intent: str | None, today: date) -> _Candidate | None:
    """A date with no context word: its role follows from what the message is about."""
    if intent not in _DEFAULT_ROLE_INTENTS:
        return None
    if intent == "shipped" and mention.day <= today:
        return _Candidate(mention, "ship", 0)
    if mention.day >= today:
        return _Candidate(mention, "eta", 0)
    return None
