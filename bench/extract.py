"""Per-step cost of the pure reading steps of the reply pipeline, in µs of thread CPU time per message.

The steps and their arguments are the ones core/replies/interpret.read_message runs (no database):
parse (emails: raw bytes -> ParsedEmail -> InboundMessage), PO references in text and subject,
tracking, dates (before and after the intent, as the reader does), intent, and quantities for the
POs the references name (or the labelled POs) when the intent states quantities.

usage: .venv/bin/python bench/extract.py [DATASET ...] [--repeat 3]
Default datasets: ../shared/eval/replies-dev and a make_large sample (2k POs, 60 vendors, 2000
messages, seed 7) generated into /tmp/liaison-bench-extract-s7 on first use.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.inbound import Channel, InboundMessage
from core.replies import dates as replies_dates
from core.replies import quantities as replies_quantities
from core.replies.dates import extract_dates
from core.replies.dates import warm_up as warm_dates
from core.replies.intent import classify_intent
from core.replies.interpret import UNDATED_INTENTS, clean_subject
from core.replies.quantities import LineRef, extract_quantities
from core.replies.references import PONumberIndex, find_po_references
from core.replies.schemas import Intent
from core.replies.tracking import extract_tracking
from core.replies.tracking import warm_up as warm_tracking
from mail import parse as mail_parse
from mail.parse import parse_email, to_inbound

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
if not SHARED.exists():
    SHARED = Path("/work/shared/eval")
SAMPLE = Path("/tmp/liaison-bench-extract-s7")
STEPS = ("parse", "references", "tracking", "dates", "intent", "quantities")
QUANTITY_INTENTS = (Intent.SHIPPED, Intent.CONFIRMED, Intent.DELAYED, Intent.CHANGE_REQUEST)


@dataclass(slots=True)
class Vendor:
    language: str | None
    country: str | None
    timezone: str


@dataclass(slots=True)
class Item:
    raw: bytes | None  # the .eml bytes; None for chat
    received_at: datetime
    record: dict[str, Any]
    vendor: Vendor | None
    expected_pos: list[str]


class Dataset:
    def __init__(self, root: Path) -> None:
        data = json.loads((root / "purchase_orders.json").read_text(encoding="utf-8"))
        self.index = PONumberIndex.from_numbers(
            (po["number"] for po in data["purchase_orders"]),
            [(po["number"], po["vendor_reference"]) for po in data["purchase_orders"] if po.get("vendor_reference")],
        )
        self.lines: dict[str, list[LineRef]] = {
            po["number"]: [
                LineRef(
                    li["line"], li.get("sku"), li.get("vendor_sku"), li["description"], li["quantity"], li.get("unit")
                )
                for li in po["lines"]
            ]
            for po in data["purchase_orders"]
        }
        by_address: dict[str, Vendor] = {}
        by_domain: dict[str, Vendor] = {}
        by_telegram: dict[str, Vendor] = {}
        for v in data["vendors"]:
            vendor = Vendor(v.get("language"), v.get("country"), v.get("timezone") or "UTC")
            for address in v.get("emails", []):
                by_address[address.lower()] = vendor
                by_domain[address.lower().rpartition("@")[2]] = vendor
            for user_id in v.get("telegram_user_ids", []):
                by_telegram[str(user_id)] = vendor
        self._address, self._domain, self._telegram = by_address, by_domain, by_telegram
        expected: dict[str, list[str]] = {}
        if (root / "expected.jsonl").exists():
            for line in (root / "expected.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    expected[row["id"]] = row.get("po_numbers") or []
        self.items: list[Item] = []
        for line in (root / "messages.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            received = datetime.fromisoformat(record["received_at"].replace("Z", "+00:00"))
            raw = (root / record["eml"]).read_bytes() if record.get("channel") == "email" else None
            self.items.append(Item(raw, received, record, None, expected.get(record["id"], [])))

    def vendor_for(self, sender: str) -> Vendor | None:
        if "@" not in sender:
            return self._telegram.get(sender)
        return self._address.get(sender) or self._domain.get(sender.rpartition("@")[2])


def _inbound(item: Item) -> InboundMessage:
    if item.raw is not None:
        return to_inbound(parse_email(item.raw), received_at=item.received_at, raw=item.raw)
    user = str(item.record["telegram_user_id"])
    return InboundMessage(
        channel=Channel.TELEGRAM,
        received_at=item.received_at,
        sender=user,
        dedupe_key=f"telegram:{user}:{item.record['id']}",
        new_text=str(item.record.get("text") or ""),
    )


def _read(ds: Dataset, item: Item, message: InboundMessage, clock: Callable[[str], Callable[[], None]]) -> None:
    """The pure part of interpret.read_message, each step timed through `clock(step)()`."""
    vendor = ds.vendor_for(message.sender)
    language = vendor.language if vendor else None
    country = vendor.country if vendor else None
    tz = vendor.timezone if vendor else "UTC"
    text = message.new_text or ""
    if message.forwarded_text:
        text = f"{text}\n\n{message.forwarded_text}"
    subject = clean_subject(message.subject)
    stop = clock("references")
    text_refs = find_po_references(text, ds.index)
    subject_refs = find_po_references(subject, ds.index)
    stop()
    exclude = {r.matched_text for r in [*text_refs, *subject_refs]}
    stop = clock("tracking")
    tracking, _carrier = extract_tracking(text, exclude=exclude)
    stop()
    stop = clock("dates")
    dates = extract_dates(text, received_at=message.received_at, timezone=tz, country=country, language=language)
    stop()
    stop = clock("intent")
    intent = classify_intent(
        text,
        subject=subject,
        language=language,
        kind=message.kind,
        has_tracking=bool(tracking),
        has_date=dates.eta is not None or dates.ship_date is not None,
    )
    stop()
    if intent.intent not in UNDATED_INTENTS:
        stop = clock("dates")
        extract_dates(
            text,
            received_at=message.received_at,
            timezone=tz,
            country=country,
            language=language,
            intent_hint=intent.intent.value,
        )
        stop()
    if intent.intent in QUANTITY_INTENTS:
        numbers = list(dict.fromkeys(r.po_number for r in [*text_refs, *subject_refs])) or item.expected_pos
        stop = clock("quantities")
        for number in numbers:
            if number in ds.lines:
                extract_quantities(text, ds.lines[number], language=language, intent_hint=intent.intent.value)
        stop()


class _Clock:
    """Sums thread CPU time per step: the box is shared, so wall time would count other work."""

    def __init__(self) -> None:
        self.totals = dict.fromkeys(STEPS, 0.0)

    def __call__(self, step: str) -> Callable[[], None]:
        start = time.thread_time()

        def stop() -> None:
            self.totals[step] += time.thread_time() - start

        return stop


def _forget_messages() -> None:
    """Empty the caches keyed by message content, so that a repeated run costs what a first one does
    (the per-language pattern tables and other start-up state stay warm, as in a running worker)."""
    mail_parse._header_object.cache_clear()
    mail_parse._address_list.cache_clear()
    mail_parse._PARAM_CACHE.clear()
    replies_dates._scan.cache_clear()
    replies_quantities._line_matcher.cache_clear()


def measure(ds: Dataset, repeat: int) -> dict[str, list[float]]:
    """Seconds per step summed over the dataset, one entry per repeat."""
    runs: dict[str, list[float]] = {step: [] for step in STEPS}
    for _ in range(repeat):
        _forget_messages()
        clock = _Clock()
        for item in ds.items:
            stop = clock("parse")
            message = _inbound(item)
            stop()
            _read(ds, item, message, clock)
        for step in STEPS:
            runs[step].append(clock.totals[step])
    return runs


def _sample() -> Path:
    if not (SAMPLE / "messages.jsonl").exists():
        args = ["--pos", "2000", "--vendors", "60", "--messages", "2000", "--seed", "7", "--out", str(SAMPLE)]
        subprocess.run([sys.executable, str(SHARED / "make_large.py"), *args], check=True, capture_output=True)
    return SAMPLE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="*", type=Path)
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per dataset; the fastest run is shown (the box is shared)"
    )
    args = ap.parse_args()
    warm_dates()
    warm_tracking()
    for root in args.datasets or [SHARED / "replies-dev", _sample()]:
        ds = Dataset(root)
        measure(ds, 1)  # warm caches (dateparser locales, compiled tables) outside the timing
        runs = measure(ds, args.repeat)
        n = len(ds.items)
        emails = sum(1 for item in ds.items if item.raw is not None)
        print(f"{root}: {n} messages ({emails} email), best of {args.repeat} runs, thread CPU µs per message")
        pure = 0.0
        for step in STEPS:
            per = min(runs[step]) / n * 1e6
            pure += per
            extra = f"  ({min(runs[step]) / max(emails, 1) * 1e6:8.1f} per email)" if step == "parse" else ""
            print(f"  {step:<11}{per:9.1f}{extra}")
        print(f"  {'total':<11}{pure:9.1f}  -> {1e6 / pure:,.0f} messages/s on one core for these steps")


if __name__ == "__main__":
    main()
