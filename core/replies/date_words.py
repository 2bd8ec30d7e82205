"""Word tables for date extraction: month and weekday names (from Babel's CLDR data), relative day
words, and the context words that tell an arrival date from a dispatch date. Built once at import."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from babel.dates import get_day_names, get_month_names

from core.replies.case_folding import fold_case, trie_alternation

# Languages whose CLDR month/weekday names are loaded. Vendors write in their own language or in
# English, so English is always active; the others are added per vendor language (or all when the
# language is unknown).
LANGUAGES: tuple[str, ...] = (
    "en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi", "cs", "sk", "ro", "hu", "tr", "ca",
)  # fmt: skip

# Countries that write numeric dates month first (FORMAT.md: US month first, elsewhere day first).
MONTH_FIRST_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"})


def _strip(word: str) -> str:
    return word.lower().rstrip(".")


def _month_table(lang: str, widths: tuple[Literal["abbreviated", "wide"], ...]) -> dict[str, int]:
    table: dict[str, int] = {}
    for width in widths:
        for context in ("format", "stand-alone"):
            for month, name in get_month_names(width, context, lang).items():
                word = _strip(name)
                # CJK "12月" forms are handled by their own pattern; one-letter names are noise.
                if len(word) >= 3 and not word[0].isdigit():
                    table.setdefault(word, month)
    return table


_EXTRA_MONTHS: dict[str, int] = {
    "sept": 9, "sep": 9, "janv": 1, "févr": 2, "fevr": 2, "juil": 7, "dec": 12, "déc": 12, "dez": 12,
    "mrt": 3, "maerz": 3, "marz": 3, "setiembre": 9, "agos": 8,
}  # fmt: skip

# Full month names of every loaded language are safe to match everywhere; abbreviations ("mar",
# "ago", "set") are ordinary words in some languages, so they are only used for English + the
# vendor's language.
_WIDE_MONTHS: dict[str, int] = {}
_ABBR_MONTHS: dict[str, dict[str, int]] = {}
for _lang in LANGUAGES:
    for _w, _m in _month_table(_lang, ("wide",)).items():
        _WIDE_MONTHS.setdefault(_w, _m)
    _ABBR_MONTHS[_lang] = _month_table(_lang, ("abbreviated",))


@lru_cache(maxsize=64)
def month_table(lang: str | None) -> dict[str, int]:
    """Month name (lower case, no trailing dot) -> month number for English + lang."""
    table = dict(_WIDE_MONTHS)
    langs = ("en",) + ((lang,) if lang else tuple(LANGUAGES))
    for code in langs:
        for word, month in _ABBR_MONTHS.get(code, {}).items():
            table.setdefault(word, month)
    for word, month in _EXTRA_MONTHS.items():
        table.setdefault(word, month)
    return table


def _weekday_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for lang in (*LANGUAGES, "ja", "zh", "ko"):
        for context in ("format", "stand-alone"):
            for weekday, name in get_day_names("wide", context, lang).items():
                table.setdefault(name.lower(), weekday)
    extra = {
        # Common short or inflected forms CLDR lists under other widths or not at all.
        "sexta": 4, "segunda": 0, "terça": 1, "quarta": 2, "quinta": 3, "lunedi": 0, "martedi": 1,
        "mercoledi": 2, "giovedi": 3, "venerdi": 4, "miercoles": 2, "sabado": 5, "周一": 0, "周二": 1,
        "周三": 2, "周四": 3, "周五": 4, "周六": 5, "周日": 6, "礼拜五": 4, "maanantai": 0,
        "tiistai": 1, "keskiviikko": 2, "torstai": 3, "perjantai": 4, "lauantai": 5,
    }  # fmt: skip
    for word, weekday in extra.items():
        table.setdefault(word, weekday)
    return table


WEEKDAYS: dict[str, int] = _weekday_table()

# Relative day words -> offset in days from the vendor's local receive day.
RELATIVE_DAYS: dict[str, int] = {
    "today": 0, "this morning": 0, "this afternoon": 0, "tonight": 0, "this evening": 0,
    "tomorrow": 1, "day after tomorrow": 2, "yesterday": -1,
    "heute": 0, "heute morgen": 0, "heute früh": 0, "heute vormittag": 0, "heute nachmittag": 0,
    "morgen": 1, "übermorgen": 2, "gestern": -1, "morgen früh": 1,
    "aujourd'hui": 0, "aujourd’hui": 0, "ce jour": 0, "ce matin": 0, "cet après-midi": 0,
    "demain": 1, "après-demain": 2, "hier": -1,
    "hoy": 0, "el día de hoy": 0, "esta mañana": 0, "esta tarde": 0, "mañana": 1, "pasado mañana": 2,
    "ayer": -1,
    "oggi": 0, "stamattina": 0, "questa mattina": 0, "domani": 1, "dopodomani": 2, "ieri": -1,
    "vandaag": 0, "vanmorgen": 0, "vanochtend": 0, "vanmiddag": 0, "overmorgen": 2, "gisteren": -1,
    "hoje": 0, "esta manhã": 0, "amanhã": 1, "ontem": -1,
    "dzisiaj": 0, "dziś": 0, "jutro": 1, "wczoraj": -1, "pojutrze": 2,
    "idag": 0, "i dag": 0, "imorgon": 1, "i morgon": 1, "igår": -1, "i går": -1, "i morgen": 1,
    "tänään": 0, "huomenna": 1, "eilen": -1,
    "dnes": 0, "zítra": 1, "včera": -1,
    "bugün": 0, "yarın": 1, "dün": -1,
    "今天": 0, "今日": 0, "本日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1, "昨日": -1,
    "오늘": 0, "내일": 1, "모레": 2, "어제": -1,
}  # fmt: skip
# "morgen" is "tomorrow" in de/nl but "morning" in "heute Morgen": the longer phrase is matched first.

# Calendar-week words ("KW 49", "week 49", "semaine 49", "第49周" has its own pattern).
WEEK_WORDS: tuple[str, ...] = (
    "kw", "kw.", "cw", "calendar week", "kalenderwoche", "week", "wk", "wk.", "semaine", "sem.", "semana",
    "settimana", "sett.", "vecka", "v.", "uge", "uke", "tydzień", "tydz.", "týden", "hafta", "viikko", "wk#",
)  # fmt: skip

DAY_UNITS: dict[str, str] = {
    # unit word -> "d" calendar days, "b" business days, "w" weeks
    "days": "d", "day": "d", "tage": "d", "tagen": "d", "tag": "d", "jours": "d", "jour": "d", "días": "d",
    "dias": "d", "día": "d", "dia": "d", "giorni": "d", "giorno": "d", "dagen": "d", "dag": "d", "dagar": "d",
    "dni": "d", "dzień": "d", "päivää": "d", "dní": "d", "gün": "d", "天": "d", "日": "d", "일": "d",
    "business days": "b", "working days": "b", "workdays": "b", "business day": "b", "working day": "b",
    "arbeitstagen": "b", "arbeitstage": "b", "werktagen": "b", "werktage": "b", "arbeitstag": "b",
    "werktag": "b", "jours ouvrés": "b", "jours ouvrables": "b", "jour ouvré": "b", "días hábiles": "b",
    "dias úteis": "b", "días laborables": "b", "dias uteis": "b", "día hábil": "b", "giorni lavorativi": "b",
    "werkdagen": "b", "werkdag": "b", "arbetsdagar": "b", "dni robocze": "b", "dni roboczych": "b",
    "工作日": "b", "営業日": "b", "영업일": "b",
    "weeks": "w", "week": "w", "wochen": "w", "woche": "w", "semaines": "w", "semaine": "w", "semanas": "w",
    "semana": "w", "settimane": "w", "settimana": "w", "weken": "w", "veckor": "w", "vecka": "w",
    "tygodnie": "w", "tygodni": "w", "tydzień": "w", "周": "w", "週間": "w", "주": "w",
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "einer": 1, "einem": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4,
    "une": 1, "un": 1, "deux": 2, "trois": 3, "quatre": 4, "una": 1, "uno": 1, "dos": 2, "tres": 3,
    "cuatro": 4, "due": 2, "tre": 3, "quattro": 4, "een": 1, "twee": 2, "drie": 3, "uma": 1, "um": 1,
    "duas": 2, "três": 3,
}  # fmt: skip


def alternation(words: object) -> str:
    """A regex for any of `words`, longer words first, case-folded for patterns built with compile_folded."""
    return trie_alternation(fold_case(str(w)) for w in words)  # type: ignore[attr-defined]
