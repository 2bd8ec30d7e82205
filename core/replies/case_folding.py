"""Case-insensitive matching without `re.IGNORECASE`, for the long word alternations of the extractors.

Python's `re` tries every alternative of an alternation at every position of the text. Without
IGNORECASE it skips an alternative whose first character (a literal or a class) does not match the
current one; with IGNORECASE it cannot, and a keyword list of a few hundred stems costs ~1 µs per
character of text instead of ~0.1 µs. So the text is folded once instead: `fold_case` maps every
character to the representative of its case-insensitive class as `re` sees it, keeping the length
(positions stay valid), and `compile_folded` compiles a lower-case pattern (folded the same way)
without IGNORECASE. The match positions are those of the same pattern with IGNORECASE on the
original text; only group *text* comes from the folded string, so callers that look words up read
them from the original by span.

`re` folds case with the simple lower-case mapping plus a few extra equivalences
(CPython's re/_casefix.py: dotless ı ~ i, long ſ ~ s, final ς ~ σ, ...). str.lower() is the simple
mapping except for "İ" (-> "i̇", two characters): that one is folded by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Each non-representative member of an IGNORECASE class that survives str.lower() -> representative.
# (U+0345 COMBINING YPOGEGRAMMENI is left alone: it is not a word character, its class mates are,
# and no pattern here holds a Greek iota.)
_TWINS: dict[str, str] = {
    "\u0130": "i",  # İ (simple lower case is i; str.lower() gives i + combining dot)
    "\u0131": "i",  # ı
    "\u017f": "s",  # ſ
    "\u00b5": "\u03bc",  # µ -> μ
    "\u1fbe": "\u03b9",  # ι -> ι
    "\u1fd3": "\u0390",
    "\u1fe3": "\u03b0",
    "\u03d0": "\u03b2",  # ϐ -> β
    "\u03f5": "\u03b5",  # ϵ -> ε
    "\u03d1": "\u03b8",  # ϑ -> θ
    "\u03f0": "\u03ba",  # ϰ -> κ
    "\u03d6": "\u03c0",  # ϖ -> π
    "\u03f1": "\u03c1",  # ϱ -> ρ
    "\u03c2": "\u03c3",  # ς -> σ
    "\u03d5": "\u03c6",  # ϕ -> φ
    "\u1c80": "\u0432",  # Cyrillic historic letter forms -> в д о с т т ъ ѣ ꙋ
    "\u1c81": "\u0434",
    "\u1c82": "\u043e",
    "\u1c83": "\u0441",
    "\u1c84": "\u0442",
    "\u1c85": "\u0442",
    "\u1c86": "\u044a",
    "\u1c87": "\u0463",
    "\u1c88": "\ua64b",
    "\u1e9b": "\u1e61",  # ẛ -> ṡ
    "\ufb05": "\ufb06",  # ﬅ -> ﬆ
}
_TABLE = str.maketrans(_TWINS)
_TWIN_RE = re.compile("[" + "".join(_TWINS) + "]")
# syntax that is upper case without being letters of the pattern: \S \W \D \B, (?P<name>...)
_SYNTAX = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)", re.DOTALL)


def fold_case(text: str) -> str:
    """`text` in lower case with re's case-insensitive twins unified; same length as `text`."""
    folded = text.lower()
    if len(folded) != len(text):
        folded = "".join(c if c == "\u0130" or len(c.lower()) != 1 else c.lower() for c in text)
    if _TWIN_RE.search(folded) is None:
        return folded
    return folded.translate(_TABLE)


def compile_folded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a lower-case pattern for text from `fold_case` (IGNORECASE in `flags` is dropped)."""
    letters = _SYNTAX.sub("", pattern)
    upper = sorted({c for c in letters if c.lower() != c})
    if upper or "(?-i" in pattern:
        raise ValueError(f"pattern must be lower case to run on folded text: {upper or '(?-i'}")
    return re.compile(pattern.translate(_TABLE), flags & ~re.IGNORECASE)


def trie_alternation(words: Iterable[str]) -> str:
    """A regex for any of `words`, longer words first, as one group.

    It matches as the plain alternation of the words sorted longest first would, but factored as a
    trie: Python's re tries every alternative of a flat alternation at every position, a trie only
    the branches whose next character fits. Words matching at one position are prefixes of one
    another, and a trie tries their endings from the longest back, so the preference is the same."""
    trie: dict[str, dict[str, Any]] = {}
    for word in set(words):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return "(?:" + _branches(trie) + ")"


_END = ""  # trie key of a word's end (no character is empty)


def _branches(node: dict[str, dict[str, Any]]) -> str:
    branches = [re.escape(ch) + _branches(child) for ch, child in sorted(node.items()) if ch != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if _END in node else body
