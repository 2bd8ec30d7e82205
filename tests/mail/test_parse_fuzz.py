"""parse_email never raises and stays fast on arbitrary bytes and on mutated real mail."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.parse import ParsedEmail, parse_email
from tests.shared_data import REAL_EMAILS

GOLDEN = Path(__file__).parent / "golden"
SEEDS = [p.read_bytes() for p in sorted(GOLDEN.glob("*.eml"))]
CORPUS = REAL_EMAILS
for name in ("discourse/gmail_html_reply.eml", "flanker/bounce.eml", "discourse/chinese_reply.eml"):
    if (CORPUS / name).exists():
        SEEDS.append((CORPUS / name).read_bytes())

# Generous per-message bound for a loaded 2-core box; typical messages take a few ms.
BOUND_SECONDS = 1.0


def _check(raw: bytes) -> None:
    start = time.perf_counter()
    parsed = parse_email(raw)
    assert isinstance(parsed, ParsedEmail)
    assert time.perf_counter() - start < BOUND_SECONDS
    assert len(parsed.attachments) <= 50


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=5000))
def test_arbitrary_bytes(raw: bytes) -> None:
    _check(raw)


@st.composite
def mutated_mail(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 4))
        pos = draw(st.integers(0, max(0, len(raw) - 1)))
        if choice == 0 and raw:
            raw[pos] = draw(st.integers(0, 255))
        elif choice == 1:
            del raw[pos : pos + draw(st.integers(1, 200))]
        elif choice == 2:
            raw[pos:pos] = draw(st.binary(max_size=50))
        elif choice == 3:
            header = draw(
                st.sampled_from(
                    [
                        b"Content-Type: multipart/mixed\n",
                        b"Content-Type: text/plain; charset=x-nonsense\n",
                        b"Content-Transfer-Encoding: base64\n",
                        b"Subject: =?utf-8?b?" + b"A" * 3000 + b"?=\n",
                        b"From: " + b"<a@b>," * 500 + b"\n",
                        b"Content-Type: message/rfc822\n",
                    ]
                )
            )
            raw[0:0] = header
        else:
            raw = raw.replace(b"\n", b"\r") if draw(st.booleans()) else raw + b"\n>" * 2000
    return bytes(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_mail())
def test_mutated_real_mail(raw: bytes) -> None:
    _check(raw)


def test_pathological_inputs_stay_fast() -> None:
    cases = [
        b"Subject: " + b"x" * 130_000 + b"\n\nbody\n",
        b"Subject: hi\n\n" + b">" * 767_000,
        b"Subject: hi\n\n" + b"> > > quoted line\n" * 40_000,
        b"Content-Type: multipart/mixed; boundary=b\n\n" + b"--b\nContent-Type: text/plain\n\nx\n" * 5000,
        b"Content-Type: multipart/mixed; boundary=a\n\n--a\n" + b"Content-Type: message/rfc822\n\n" * 3000,
    ]
    for raw in cases:
        _check(raw)
