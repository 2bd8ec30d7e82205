"""Find date mentions in a vendor's text and resolve each to a calendar day.

Hand-written regexes over Babel's month/weekday tables instead of dateparser: dateparser's
search_dates costs milliseconds per message, reads "05.12.2026" month-first unless told otherwise
and turns words like "We" into Wednesday. Resolution rules follow FORMAT.md: relative to the
vendor's local receive day, ranges give their latest day, weeks their Friday, year-less dates the
occurrence nearest the receive day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from core.replies.case_folding import compile_folded, fold_case
from core.replies.date_words import (
    DAY_UNITS,
    MONTH_FIRST_COUNTRIES,
    NUMBER_WORDS,
    RELATIVE_DAYS,
    WEEK_WORDS,
    WEEKDAYS,
    alternation,
    month_table,
)

# Words whose meaning depends on the language: German "hier" is "here", German "Morgen" also "morning".
_LANG_ONLY_RELATIVE: dict[str, frozenset[str]] = {
    "hier": frozenset({"fr"}),
    "morgen": frozenset({"de", "nl"}),
    "morgen früh": frozenset({"de"}),
    "mañana": frozenset({"es"}),
    "i morgen": frozenset({"nb", "da"}),
}
_NEXT_WORDS = r"next|this|coming|nächsten|nächster|nächste|kommenden|kommender|diesen|prochain|ce|próximo|este|prossimo|questo|volgende|aanstaande|deze|komende|przyszły|nästa|på|em|neste|kommende"  # noqa: E501
_LAST_WORDS = r"last|letzten|letzter|vergangenen|dernier|pasado|scorso|vorige|afgelopen|passado|ostatni|förra"
_LAST_WORDS_RE = re.compile(_LAST_WORDS, re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ORD = r"(?:st|nd|rd|th|er|e|ème|º|ª|\.)?"
_RANGE_SEP = r"(?:-|–|—|to|and|through|thru|until|till|bis|und|à|au|a|al|y|et|e|en|tot|t/m|och|og|i|oder|or|ou|o)"
# Word boundaries that let CJK words touch their neighbours ("明天发货", "金曜日に到着").
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_WB_BEFORE = rf"(?<![^\W{_CJK}])"
_WB_AFTER = rf"(?![^\W{_CJK}])"
_UNIT_WORDS = r"(?:\"|”|''|in\b|inch|zoll|mm\b|cm\b|m\b|kg\b|g\b|l\b|%|€|eur\b|usd\b|\$|pcs|pc\b|x\b)"


@dataclass(frozen=True, slots=True)
class Mention:
    """One date phrase: its span, its resolved day, and for durations what to re-base."""

    start: int
    end: int
    day: date
    kind: str  # abs | rel | weekday | week | eom | dur | shipped
    absolute: bool
    duration: tuple[int, str] | None = None  # (count, unit d|b|w) for "in 3 business days"


def add_business_days(day: date, count: int) -> date:
    """Count forward skipping Saturdays and Sundays only (FORMAT.md)."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def add_duration(base: date, count: int, unit: str) -> date:
    if unit == "b":
        return add_business_days(base, count)
    if unit == "w":
        return base + timedelta(days=7 * count)
    return base + timedelta(days=count)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def nearest_year(today: date, month: int, day: int) -> date | None:
    """The occurrence of month/day nearest today (year rollover: "03.01" in late December)."""
    best: date | None = None
    for year in (today.year - 1, today.year, today.year + 1):
        cand = _safe_date(year, month, day)
        if cand and (best is None or abs((cand - today).days) < abs((best - today).days)):
            best = cand
    return best


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _last_day(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def week_friday(today: date, week: int, year: int | None) -> date | None:
    """Friday of ISO week `week`; without a year, the one nearest today."""
    years = (year,) if year else (today.year - 1, today.year, today.year + 1)
    best: date | None = None
    for y in years:
        try:
            cand = date.fromisocalendar(y, week, 5)
        except ValueError:
            continue
        if best is None or abs((cand - today).days) < abs((best - today).days):
            best = cand
    return best


@dataclass(frozen=True, slots=True)
class _Patterns:
    months: dict[str, int]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    end_of: re.Pattern[str]
    relative: re.Pattern[str]
    weekday: re.Pattern[str]
    weekday_day: re.Pattern[str]
    # Each word pattern needs one of its words somewhere in the text: a search for the bare words
    # (a trie of literals, which re scans for quickly) rules most texts out before the full pattern.
    has_month: re.Pattern[str]
    has_relative: re.Pattern[str]


_ISO_RE = re.compile(r"(?<![\d.,/-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d]|[.,/-]\d)")
_NUM_Y_RE = re.compile(r"(?<![\w.,/+-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\w]|[.,/-]\d)")
# Year-less "16.12." / "16.12" / "3/12"; "3.1" (a decimal, a certificate type) needs its trailing dot.
_NUM_RE = compile_folded(
    rf"(?<![\w.,/+$€£-])(\d{{1,2}})(?:(/)(\d{{1,2}})|(\.)(\d{{2}}|\d(?=\.)))(?:\.)?"
    rf"(?![\w/]|[.,-]?\d|\s*{_UNIT_WORDS})"
)
_CJK_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]")
_KO_RE = re.compile(r"(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_WEEK_RE = compile_folded(
    rf"(?<![\w])(?:{alternation(WEEK_WORDS)})\s*(?:nr\.?|no\.?|n°|#|nummer)?\s*(\d{{1,2}})"
    r"(?:\s*[/.-]\s*(\d{4}|\d{2}(?!\d)))?(?![\d.,:]\d|\d)"
    r"|第\s*(\d{1,2})\s*[周週]|(\d{1,2})\s*주차"
)
_UNIT_ALT = alternation(DAY_UNITS)
_HAS_WEEKDAY = compile_folded(alternation(WEEKDAYS))
# _DURATION_RE needs a unit word, _WEEK_RE a week word or 第/주차 (see _Patterns.has_month)
_HAS_UNIT = compile_folded(rf"{_UNIT_ALT}|工作日|営業日|영업일")
_HAS_WEEK = compile_folded(rf"{alternation(WEEK_WORDS)}|第|주차")
_NUM_ALT = r"\d{1,3}|" + alternation(NUMBER_WORDS)
_DURATION_RE = compile_folded(
    r"(?<![\w])(?:in|within|en|dans|sous|innerhalb\s+von|innerhalb|binnen|entro|tra|fra|em|dentro\s+de"
    r"|w\s+ciągu|inom|om|d'ici|under|after|nach|après|después\s+de|dopo|na|within\s+the\s+next|in\s+the\s+next"
    r"|es\s+de|is|est\s+de|ist|takes|dauert|prend|tarda|de)"
    rf"\s+(?:(\d{{1,3}})\s*{_RANGE_SEP}\s*)?({_NUM_ALT})\s+({_UNIT_ALT})(?![\w])"
    rf"|(?<![\w.,/-])(\d{{1,3}})\s*(?:-|–|to|à|a|bis)\s*(\d{{1,3}})\s+({_UNIT_ALT})(?![\w])"
    r"|(\d{1,3})\s*(?:個)?\s*(工作日|営業日|영업일)"
)
_NEXT_DAY_RE = compile_folded(
    r"(?<![\w])(?:(next|following|nächsten|folgenden|prochain|siguiente|próximo|prossimo|volgende)\s+"
    r"(working|business|werk|arbeits|ouvré|hábil|lavorativo)?\s*(?:day|tag|werktag|arbeitstag|jour|día|dia|giorno|dag)"
    r"|(?:jour\s+ouvré|día\s+hábil|giorno\s+lavorativo|werkdag)\s+(?:suivant|siguiente|successivo|volgende))(?![\w])"
)
_EOM_RE = compile_folded(
    r"(?<![\w])(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(next\s+)?month|ende\s+(?:des\s+|dieses\s+)?(nächsten\s+)?monats"
    r"|(?:zum\s+)?monatsende|fin\s+(?:du\s+|de\s+)?(prochain\s+)?mois|fin\s+de\s+(?:este\s+)?mes|finales?\s+de(?:l)?\s+(?:este\s+)?mes"
    r"|fine\s+(?:del\s+|di\s+questo\s+)?mese|eind\s+(?:van\s+)?(?:de|deze)\s+maand|einde\s+(?:van\s+)?(?:de\s+)?maand"
    r"|fim\s+do\s+mês|final\s+do\s+mês|koniec\s+miesiąca|końca\s+miesiąca|slutet\s+av\s+månaden|kuun\s+lopussa)(?![\w])"
    r"|月末|월말"
)
_JUST_SHIPPED_RE = compile_folded(
    r"(?<![\w])(?:just|net|gerade|soeben|eben|zojuist|acab[ao]\s+de|vient\s+d['’]être|vienen\s+de|appena)\s+"
    r"(?:been\s+|been\s+|ist\s+|sind\s+)?(?:ship|dispatch|left|went\s+out|sent|vertrokken|verzonden|verstuurd|"
    r"versendet|versandt|verschickt|raus|rausgegangen|salir|enviar|despachar|expédi|parti|spedit|partit)"
)
_ORDINAL_DAY_RE = compile_folded(
    r"(?<![\w])(?:the|on|by|before|until)\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)(?![\w])"
    r"(?:\s*(?:-|–|to|and|or)\s*(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)(?![\w]))?"
)


@lru_cache(maxsize=64)
def _patterns(language: str | None) -> _Patterns:
    months = month_table(language)
    month_alt = alternation(months)
    relative = {
        w: o for w, o in RELATIVE_DAYS.items() if language is None or language in _LANG_ONLY_RELATIVE.get(w, {language})
    }
    weekday_alt = alternation(WEEKDAYS)
    range_head = rf"(?:(\d{{1,2}}){_ORD}\s*{_RANGE_SEP}\s*(?:the\s+|le\s+|el\s+|dem\s+|den\s+|il\s+)?)?"
    day_month = compile_folded(
        rf"(?<![\w.,/])(?:(?:between|zwischen|entre|tra|fra|tussen|mellan|pomiędzy)\s+(?:the\s+|dem\s+|le\s+|el\s+|il\s+)?)?"
        rf"{range_head}(\d{{1,2}}){_ORD}\s*(?:de\s+|of\s+|di\s+|-)?(?:the\s+)?({month_alt})\.?"
        rf"(?:,?\s*(?:de\s+|del\s+|of\s+)?(\d{{4}}))?(?![\w])"
    )
    month_day = compile_folded(
        rf"(?<![\w])({month_alt})\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?![\d\w:.,]\d|\d|\w)"
        rf"(?:\s*{_RANGE_SEP}\s*(\d{{1,2}})(?:st|nd|rd|th)?(?![\d:]|\s*(?:{month_alt})))?"
        rf"(?:,?\s*(\d{{4}}))?"
    )
    end_of = compile_folded(
        rf"(?<![\w])(?:end\s+of|ende|fin(?:\s+de)?|finales\s+de|fine|eind|einde|fim\s+de|koniec)\s+({month_alt})"
        rf"(?:\s+(\d{{4}}))?(?![\w])"
    )
    rel_alt = alternation(relative).replace("\\ ", r"\s+")
    rel = compile_folded(rf"{_WB_BEFORE}(?<!guten )(?<!gute )(?<!la )(?<!por )({rel_alt}){_WB_AFTER}")
    weekday = compile_folded(rf"{_WB_BEFORE}(?:({_NEXT_WORDS}|{_LAST_WORDS})\s+)?({weekday_alt}){_WB_AFTER}")
    weekday_day = compile_folded(
        rf"(?<![\w])({weekday_alt}),?\s+(?:the\s+|den\s+|le\s+|el\s+|il\s+|dia\s+)?(\d{{1,2}}){_ORD}"
        rf"(?![\d./:\-]|\s*(?:de\s+|of\s+)?(?:{month_alt})|\s*(?:uur|h\b|hours|horas|heures|ore|uhr|am\b|pm\b|:))"
    )
    has_month = compile_folded(month_alt)
    has_relative = compile_folded(rel_alt)
    return _Patterns(months, day_month, month_day, end_of, rel, weekday, weekday_day, has_month, has_relative)


def warm_up(languages: tuple[str | None, ...] = (None, "en", "de", "fr", "es", "it", "nl", "pt")) -> None:
    """Build the per-language patterns ahead of the first message."""
    for lang in languages:
        _patterns(lang)


def _abs(today: date, day: int, month: int, year: str | None) -> date | None:
    if year:
        return _safe_date(_full_year(year), month, day)
    return nearest_year(today, month, day)


def find_mentions(text: str, today: date, *, country: str | None, language: str | None) -> list[Mention]:
    """All date mentions in text (lower-cased by the caller), overlaps resolved (longest wins)."""
    pats = _patterns(language)
    month_first = (country or "").upper() in MONTH_FIRST_COUNTRIES
    out: list[Mention] = []
    # The word patterns run on folded text (case_folding); words are read back from `text` by span.
    folded = fold_case(text)
    has_digit = _DIGIT.search(text) is not None
    has_month = pats.has_month.search(folded) is not None
    has_weekday = _HAS_WEEKDAY.search(folded) is not None

    def word(m: re.Match[str], group: int) -> str:
        return text[m.start(group) : m.end(group)]

    def add(m: re.Match[str], day: date | None, kind: str, absolute: bool, dur: tuple[int, str] | None = None) -> None:
        if day is not None:
            out.append(Mention(m.start(), m.end(), day, kind, absolute, dur))

    # Every numeric pattern needs a digit: most chat lines and many short replies have none.
    if has_digit:
        for m in _ISO_RE.finditer(text):
            add(m, _safe_date(int(m[1]), int(m[3]), int(m[4])), "abs", True)
        for m in _NUM_Y_RE.finditer(text):
            a, b = int(m[1]), int(m[3])
            first, second = (b, a) if month_first else (a, b)
            day = _safe_date(_full_year(m[4]), second, first) or _safe_date(_full_year(m[4]), first, second)
            add(m, day, "abs", True)
        for m in _NUM_RE.finditer(folded):
            a, b = int(m[1]), int(m[3] or m[5])
            day_no, month = (b, a) if month_first else (a, b)
            # Year-less numeric dates only count near the receive day ("1/2" inch, "3/8" are not dates);
            # the country's order first, the other order only when that one is not near.
            for d_no, mon in ((day_no, month), (month, day_no)):
                cand = nearest_year(today, mon, d_no) if mon <= 12 else None
                if cand is not None and abs((cand - today).days) <= 60:
                    add(m, cand, "abs", True)
                    break
        if "月" in text:
            for m in _CJK_RE.finditer(text):
                add(m, _abs(today, int(m[3]), int(m[2]), m[1]), "abs", True)
        if "월" in text:
            for m in _KO_RE.finditer(text):
                add(m, _abs(today, int(m[3]), int(m[2]), m[1]), "abs", True)
        for m in pats.day_month.finditer(folded) if has_month else ():
            named = pats.months.get(word(m, 3).lower().rstrip("."))
            if named:
                add(m, _abs(today, int(m[2]), named, m[4]), "abs", True)
        for m in pats.month_day.finditer(folded) if has_month else ():
            named = pats.months.get(word(m, 1).lower().rstrip("."))
            if named:
                day_no = int(m[3]) if m[3] and int(m[3]) > int(m[2]) else int(m[2])
                add(m, _abs(today, day_no, named, m[4]), "abs", True)
    for m in pats.end_of.finditer(folded) if has_month else ():
        named = pats.months.get(word(m, 1).lower().rstrip("."))
        if named:
            year = int(m[2]) if m[2] else (nearest_year(today, named, 1) or today).year
            add(m, _last_day(year, named), "eom", True)
    for m in _EOM_RE.finditer(folded):
        base = today
        if m[1] or m[2] or m[3]:
            base = _last_day(today.year, today.month) + timedelta(days=1)
        add(m, _last_day(base.year, base.month), "eom", False)
    if has_digit:
        for m in _WEEK_RE.finditer(folded) if _HAS_WEEK.search(folded) else ():
            week = int(m[1] or m[3] or m[4])
            if 1 <= week <= 53:
                week_year = _full_year(m[2]) if m[2] else None
                add(m, week_friday(today, week, week_year), "week", False)
        for m in _ORDINAL_DAY_RE.finditer(folded):
            day_no = int(m[2] or m[1])
            cand = _nearest_day_of_month(today, day_no)
            add(m, cand, "abs", True)
    for m in pats.relative.finditer(folded) if pats.has_relative.search(folded) else ():
        offset = RELATIVE_DAYS.get(" ".join(word(m, 1).lower().split()))
        if offset is not None:
            add(m, today + timedelta(days=offset), "rel", False)
    for m in _JUST_SHIPPED_RE.finditer(folded):
        add(m, today, "shipped", False)
    for m in _NEXT_DAY_RE.finditer(folded):
        phrase = word(m, 0).lower()
        business = bool(m[2]) or "werktag" in phrase or "arbeitstag" in phrase or not m[1]
        add(m, add_duration(today, 1, "b" if business else "d"), "dur", False, (1, "b" if business else "d"))
    for m in _DURATION_RE.finditer(folded) if _HAS_UNIT.search(folded) else ():
        if m[3]:
            count_text, unit_word = word(m, 2), word(m, 3)
        elif m[6]:
            count_text, unit_word = word(m, 5), word(m, 6)
        else:
            count_text, unit_word = word(m, 7), word(m, 8)
        count = int(count_text) if count_text.isdigit() else NUMBER_WORDS.get(count_text.lower(), 0)
        unit = DAY_UNITS.get(unit_word.lower(), "d")
        if 0 < count <= 400:
            add(m, add_duration(today, count, unit), "dur", False, (count, unit))
    if has_digit:
        for m in pats.weekday_day.finditer(folded) if has_weekday else ():
            weekday = WEEKDAYS.get(word(m, 1).lower())
            cand = _nearest_day_of_month(today, int(m[2]), weekday)
            add(m, cand, "abs", True)
    for m in pats.weekday.finditer(folded) if has_weekday else ():
        weekday = WEEKDAYS.get(word(m, 2).lower())
        if weekday is None:
            continue
        ahead = (weekday - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
        if m[1] and _LAST_WORDS_RE.fullmatch(word(m, 1)):
            day -= timedelta(days=7)
        add(m, day, "weekday", False)
    return _resolve_overlaps(out)


def _nearest_day_of_month(today: date, day_no: int, weekday: int | None = None) -> date | None:
    """The day `day_no` of this, the previous or the next month nearest today (matching weekday if given)."""
    best: date | None = None
    for shift in (-1, 0, 1):
        month = today.month + shift
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        cand = _safe_date(year, month, day_no)
        if cand is None or abs((cand - today).days) > 45:
            continue
        if weekday is not None and cand.weekday() == weekday:
            return cand
        if best is None or abs((cand - today).days) < abs((best - today).days):
            best = cand
    return best


def _resolve_overlaps(mentions: list[Mention]) -> list[Mention]:
    # Longest first; a weekday right before another date ("Thursday 11/26", "mardi 1er") defers to it.
    mentions.sort(key=lambda m: (-(m.end - m.start), m.start))
    kept: list[Mention] = []
    for m in mentions:
        if any(m.start < k.end and k.start < m.end for k in kept):
            continue
        kept.append(m)
    kept.sort(key=lambda m: m.start)
    result: list[Mention] = []
    for i, m in enumerate(kept):
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        if m.kind == "weekday" and nxt is not None and nxt.absolute and 0 <= nxt.start - m.end <= 6:
            continue
        result.append(m)
    return result
