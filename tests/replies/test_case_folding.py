"""fold_case + compile_folded find exactly what the same pattern finds with IGNORECASE."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.replies import date_context, date_mentions
from core.replies.case_folding import compile_folded, fold_case

ALL_CHARS = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
TWINS = "İıſµμςσϐβϵεϑθϰκϖπϱρϕφᲀвᲁдᲂоᲃсᲄᲅтᲆъᲇѣᲈꙋẛṡﬅﬆΣKÅ"


def _pattern_letters() -> set[str]:
    letters = set(string.ascii_lowercase) | {c for c in TWINS if c.lower() == c}
    for module in (date_context, date_mentions):
        for value in vars(module).values():
            if isinstance(value, re.Pattern):
                letters |= {c for c in value.pattern if c.isalpha()}
    letters |= {c for c in date_mentions._patterns(None).weekday.pattern if c.isalpha()}
    return {c for c in letters if c.lower() == c}


@pytest.fixture(scope="module")
def folded_all() -> str:
    return fold_case(ALL_CHARS)


def test_fold_keeps_length_and_positions() -> None:
    for text in ("İstanbul", "ΟΔΟΣ", "ſhip", "Straße", "K", "ǅ", "ıi"):
        assert len(fold_case(text)) == len(text)
    assert fold_case("SHIPPED İN ΟΔΟΣ") == "shipped in οδοσ"


def test_every_pattern_letter_matches_the_same_characters_as_ignorecase(folded_all: str) -> None:
    assert len(folded_all) == len(ALL_CHARS)
    for letter in sorted(_pattern_letters()):
        exact = [m.start() for m in re.finditer(re.escape(letter), ALL_CHARS, re.IGNORECASE)]
        fast = [m.start() for m in compile_folded(re.escape(letter)).finditer(folded_all)]
        assert fast == exact, letter


def test_upper_case_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="lower case"):
        compile_folded(r"(?P<name>Via)\s")
    with pytest.raises(ValueError, match="lower case"):
        compile_folded(r"(?-i:via)")
    assert compile_folded(r"(?P<word>\S+)\W\B").pattern == r"(?P<word>\S+)\W\B"


_WORDS = ["ship", "shipped", "yarın", "salı", "kasım", "liefer", "ſend", "σας", "arriv", "ıi", "é"]
_ALPHABET = st.sampled_from(list("abdeghiklnoprstuvyz ıİſSIKΣσςéÉ.,\n1") + _WORDS)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_word_alternations_match_like_ignorecase(text: str) -> None:
    for pattern in (
        r"(?<![\w])(?:" + "|".join(_WORDS) + r")(?![\w])",
        r"(?:(s)h|(i)|(yar)ın)\s*(\d)?",
        date_context._KEYWORD_RE.pattern,
    ):
        exact = [(m.span(), m.lastgroup, m.lastindex) for m in re.finditer(pattern, text, re.IGNORECASE)]
        fast = [(m.span(), m.lastgroup, m.lastindex) for m in compile_folded(pattern).finditer(fold_case(text))]
        assert fast == exact
