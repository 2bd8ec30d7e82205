"""Every corpus file parses and converts without an exception; parse time is measured."""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reply_sets import CORPUS

from core.inbound import Channel, MessageKind
from mail.parse import parse_email, to_inbound
from tests.shared_data import REPLIES_DEV

DEV = REPLIES_DEV / "eml"
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")


def _files() -> list[Path]:
    files = [p for p in CORPUS.rglob("*") if p.is_file() and "_labels" not in p.parts]
    return sorted(files) + sorted(DEV.glob("*.eml"))


def test_every_file_parses_and_converts() -> None:
    received = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    timings: list[tuple[float, str]] = []
    for path in _files():
        raw = path.read_bytes()
        start = time.perf_counter()
        parsed = parse_email(raw)
        timings.append((time.perf_counter() - start, str(path)))
        inbound = to_inbound(parsed, received_at=received, raw=raw)
        assert inbound.channel is Channel.EMAIL
        assert inbound.dedupe_key.startswith(("email:", "email-sha256:"))
        assert not any(d.startswith("unparseable") for d in parsed.defects), (path, parsed.defects)
    ms = sorted(t * 1000 for t, _ in timings)
    worst = max(timings)
    print(
        f"{len(ms)} files: median {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95)]:.2f} ms,"
        f" worst {worst[0] * 1000:.1f} ms ({worst[1]})"
    )


_OUR_PO = re.compile(r"PO-?\d{4,5}")


def test_dev_replies_keep_quoted_history_out_of_new_text() -> None:
    """In the dev set the quoted part is the buyer's old mail: none of its lines may be new text."""
    checked = 0
    for path in sorted(DEV.glob("*.eml")):
        parsed = parse_email(path.read_bytes())
        if parsed.kind is not MessageKind.MESSAGE or not parsed.quoted_text:
            continue
        checked += 1
        new_lines = {line.strip() for line in parsed.new_text.splitlines()}
        for line in parsed.quoted_text.splitlines():
            line = line.strip().lstrip("> ").strip()
            if len(line) > 25 and "northwind.example" in parsed.quoted_text:
                assert line not in new_lines, (path.name, line)
        for marker in ("Please find attached our purchase order", "We have not yet received your order"):
            assert marker not in parsed.new_text, path.name
        assert parsed.new_text.strip(), path.name
    assert checked >= 15
