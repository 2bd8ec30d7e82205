"""Bounce / auto-reply detection on message_classes.jsonl."""

from __future__ import annotations

import json

import pytest
from reply_sets import CORPUS, LABELS

from core.inbound import MessageKind
from mail.parse import parse_email

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")


def test_bounces_and_auto_replies_found_and_normal_mail_left_alone() -> None:
    found = automatic = flagged = normal = 0
    missed: list[str] = []
    wrongly: list[str] = []
    for line in (LABELS / "message_classes.jsonl").read_text().splitlines():
        case = json.loads(line)
        label = case["class"].split(" ")[0]
        kind = parse_email((CORPUS / case["file"]).read_bytes()).kind
        if label in {"bounce", "auto_reply"}:
            automatic += 1
            if kind.value == label:
                found += 1
            else:
                missed.append(case["file"])
        elif label == "normal":
            normal += 1
            if kind is not MessageKind.MESSAGE:
                flagged += 1
                wrongly.append(case["file"])
    print(f"bounce+auto-reply found {found}/{automatic} = {found / automatic:.3f}; missed {missed}")
    print(f"normal mail misflagged {flagged}/{normal} = {flagged / normal:.3f}: {wrongly}")
    assert found / automatic >= 0.95
    assert flagged / normal <= 0.01
