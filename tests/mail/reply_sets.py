"""Scorers for the labelled reply-extraction sets in the shared corpus (used by the tests)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from mail.reply_text import split_reply
from tests.shared_data import REAL_EMAILS

CORPUS = REAL_EMAILS
LABELS = CORPUS / "_labels"


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _lines_without_quotes(text: str) -> str:
    # Our new_text moves every `>` line to quoted_text by design (a quoted PO must never read as
    # the vendor's statement); the trimmer's gold keeps interleaved `>` lines, so both sides are
    # compared without them.
    kept = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n") if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def score_phrases() -> Iterator[tuple[str, bool]]:
    for line in (LABELS / "reply_phrases.jsonl").read_text().splitlines():
        case = json.loads(line)
        new = _squash(split_reply(_read(CORPUS / case["file"])).new_text)
        ok = all(_squash(p) in new for p in case["must_keep"]) and not any(_squash(p) in new for p in case["must_drop"])
        yield case["file"], ok


def score_crisp() -> Iterator[tuple[str, bool]]:
    for line in (LABELS / "reply_crisp_first_fragment.jsonl").read_text().splitlines():
        case = json.loads(line)
        new = split_reply(_read(CORPUS / case["file"])).new_text
        yield case["file"], _squash(new) == _squash(case["expected_new_text"])


def score_synthetic() -> Iterator[tuple[str, bool]]:
    for line in (LABELS / "reply_synthetic_multilingual.jsonl").read_text().splitlines():
        case = json.loads(line)
        new_lines = [x.strip() for x in split_reply(case["text"]).new_text.split("\n")]
        own = {x.strip() for x in case["must_keep"] + case["signature"]}
        # A quoted line leaks when it shows up in new_text and is not also one of the vendor's own
        # lines (greetings like "Dobrý den," occur in both parts).
        dropped = {x.strip() for x in case["must_drop_header"] + case["must_drop_quoted"]} - own - {""}
        ok = all(k.strip() in new_lines for k in case["must_keep"]) and not dropped & set(new_lines)
        yield case["id"], ok


def score_trimmer() -> Iterator[tuple[str, bool]]:
    root = CORPUS / "discourse-email_reply_trimmer"
    for path in sorted((root / "emails").glob("*.txt")):
        gold = _lines_without_quotes(_read(root / "trimmed" / path.name))
        got = _lines_without_quotes(split_reply(_read(path)).new_text)
        yield path.name, got == gold


SETS: dict[str, Callable[[], Iterator[tuple[str, bool]]]] = {
    "phrases": score_phrases,
    "crisp": score_crisp,
    "synthetic": score_synthetic,
    "trimmer": score_trimmer,
}


def share(name: str) -> tuple[float, list[str]]:
    results = list(SETS[name]())
    failed = [key for key, ok in results if not ok]
    return (len(results) - len(failed)) / len(results), failed
