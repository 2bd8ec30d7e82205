"""ERP import: upsert vendors, buyers, purchase orders and what was already sent, all or nothing.

Three steps. Read and check the file (import_readers, no database). Plan against the database, read-only:
every cross-record problem (unknown vendor, a status the lifecycle refuses, a contact owned by another
vendor) is found here, so a bad file is refused whole before anything is written. Write: new POs go in
through Core `executemany` in batches (the fast path, ~100k POs a minute on SQLite); the few changed POs
go through the PO service on ORM objects, so each changed field writes its event like any other change.
The caller owns the transaction (the CLI commits, or rolls back for --dry-run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.clock import Clock, SystemClock
from core.errors import LiaisonError
from core.purchase_orders import repository
from core.purchase_orders.events import record_event
from core.purchase_orders.import_plan import Plan, POChange, build_plan
from core.purchase_orders.import_readers import FileFormat, Progress, read_file
from core.purchase_orders.lifecycle import OPEN, POStatus
from core.purchase_orders.schemas import ImportBatch, ImportProblem, PORecord, SentMessageRecord
from core.purchase_orders.service import Actor, change_status, set_field
from models import Message, MessagePO, POEvent, POLine, PurchaseOrder, User, Vendor, VendorContact, VendorDomain

ERP = Actor("erp")
WRITE_BATCH = 2_000
_SHOWN_PROBLEMS = 500
_NOT_YET_SENT = frozenset({POStatus.DRAFT, POStatus.APPROVED})

T = TypeVar("T")


class ImportRefused(LiaisonError):
    """The file was refused whole: nothing was written. `problems` says everything that is wrong."""

    def __init__(self, file: str, problems: list[ImportProblem], not_kept: int = 0) -> None:
        self.file = file
        self.problems = problems
        self.total = len(problems) + not_kept
        lines = [f"{file}: import refused, nothing written ({self.total} problem{'s' if self.total != 1 else ''})"]
        lines += [f"  {p}" for p in problems[:_SHOWN_PROBLEMS]]
        if self.total > _SHOWN_PROBLEMS:
            lines.append(f"  ... and {self.total - _SHOWN_PROBLEMS} more")
        super().__init__("\n".join(lines))


@dataclass(slots=True)
class ImportReport:
    file: str
    vendors_created: int = 0
    vendors_updated: int = 0
    contacts_added: int = 0
    domains_added: int = 0
    buyers_created: int = 0
    pos_created: int = 0
    pos_updated: int = 0
    pos_unchanged: int = 0
    lines_written: int = 0
    messages_created: int = 0
    message_links_created: int = 0
    events_written: int = 0
    # POs whose ERP status is behind what vendors already told Liaison: Liaison's status is kept
    status_kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"purchase orders: {self.pos_created} new, {self.pos_updated} updated, {self.pos_unchanged} unchanged",
            f"lines written: {self.lines_written}",
            f"vendors: {self.vendors_created} new, {self.vendors_updated} updated"
            f" ({self.contacts_added} contacts, {self.domains_added} domains added)",
            f"buyers: {self.buyers_created} new",
            f"sent messages: {self.messages_created} new, {self.message_links_created} linked",
            f"events written: {self.events_written}",
        ]
        if self.status_kept:
            shown = ", ".join(self.status_kept[:10]) + (" ..." if len(self.status_kept) > 10 else "")
            parts.append(f"ERP status behind Liaison's, kept Liaison's for {len(self.status_kept)} PO(s): {shown}")
        parts += [f"warning: {w}" for w in self.warnings]
        return "\n".join(parts)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def import_file(
    session: AsyncSession,
    path: Path,
    *,
    clock: Clock,
    fmt: FileFormat | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Read, check and write one ERP file; raises ImportRefused (having written nothing) for a bad file."""
    batch = await asyncio.to_thread(read_file, path, fmt=fmt, progress=progress)
    return await import_batch(session, batch, clock=clock, progress=progress)


async def import_path(
    session: AsyncSession, path: Path, *, clock: Clock | None = None, quiet: bool = True
) -> ImportReport:
    """`import_file` for callers with no clock or progress of their own (dataset runs, tools)."""
    del quiet  # no progress output from core: the CLI draws the bar
    return await import_file(session, path, clock=clock or SystemClock())


async def import_batch(
    session: AsyncSession, batch: ImportBatch, *, clock: Clock, progress: Progress | None = None
) -> ImportReport:
    # planning only reads, so it runs even on a file with problems: its own findings (unknown vendor,
    # refused status change) join the list, and the user fixes everything in one round
    plan = await build_plan(session, batch, progress=progress)
    if batch.problem_count or plan.problems:
        problems = sorted(batch.problems + plan.problems, key=lambda p: p.sort_key)
        raise ImportRefused(batch.name, problems, batch.problems_not_kept)
    report = ImportReport(file=batch.name, status_kept=plan.status_kept, warnings=plan.warnings)
    await _write(session, batch, plan, report, at=clock.now(), progress=progress)
    return report


# ----------------------------------------------------------------------------------------------
# writing


async def _write(
    session: AsyncSession,
    batch: ImportBatch,
    plan: Plan,
    report: ImportReport,
    *,
    at: datetime,
    progress: Progress | None,
) -> None:
    conn = await session.connection()
    await _write_vendors(conn, plan, report, at=at)
    await _write_buyers(conn, plan, report, at=at)
    total = len(batch.purchase_orders)
    done = 0
    new_pos = [po for po in batch.purchase_orders if po.number not in plan.existing]
    for group in chunks(new_pos, WRITE_BATCH):
        await _insert_pos(conn, group, plan, report, at=at, note=f"imported from {batch.name}")
        done += len(group)
        if progress:
            progress("writing", done, total)
    for change in plan.changes:
        await _apply_change(session, change, plan, report, at=at)
    await session.flush()
    report.pos_updated = len(plan.changes)
    report.pos_unchanged = len(plan.existing) - len(plan.changes)
    # sent messages last: every PO has its id by now, and a message may belong to several POs
    await _write_messages(conn, batch, plan, report, at=at)
    if progress:
        progress("writing", total, total)


async def _ids_by(conn: AsyncConnection, column: Any, id_column: Any, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for group in chunks(keys, 1_000):
        rows = await conn.execute(select(column, id_column).where(column.in_(group)))
        found.update(dict(rows.all()))
    return found


async def _write_vendors(conn: AsyncConnection, plan: Plan, report: ImportReport, *, at: datetime) -> None:
    if plan.new_vendors:
        rows = [
            {
                "code": v.code,
                "name": v.name,
                "language": v.language,
                "timezone": v.timezone,
                "country": v.country,
                "preferred_channel": "email" if v.emails or not v.telegram_ids else "telegram",
                "created_at": at,
                "updated_at": at,
            }
            for v in plan.new_vendors
        ]
        await conn.execute(insert(Vendor), rows)
        plan.vendor_ids.update(await _ids_by(conn, Vendor.code, Vendor.id, [v.code for v in plan.new_vendors]))
        report.vendors_created = len(plan.new_vendors)
    for vendor_id, values in plan.vendor_updates:
        await conn.execute(update(Vendor).where(Vendor.id == vendor_id).values(**values, updated_at=at))
    report.vendors_updated = len(plan.vendor_updates)
    contacts = [
        {
            "vendor_id": plan.vendor_ids[c.vendor_code],
            "channel": c.channel,
            "address": c.address,
            "telegram_chat_id": c.telegram_chat_id,
            "is_primary": c.is_primary,
            "created_at": at,
        }
        for c in plan.new_contacts
    ]
    if contacts:
        await conn.execute(insert(VendorContact), contacts)
    domains = [{"vendor_id": plan.vendor_ids[code], "domain": domain} for domain, code in plan.new_domains]
    if domains:
        await conn.execute(insert(VendorDomain), domains)
    report.contacts_added = len(contacts)
    report.domains_added = len(domains)


async def _write_buyers(conn: AsyncConnection, plan: Plan, report: ImportReport, *, at: datetime) -> None:
    if not plan.new_buyers:
        return
    rows = [{"email": email, "name": "", "role": "buyer", "created_at": at} for email in plan.new_buyers]
    await conn.execute(insert(User), rows)
    plan.buyer_ids.update(await _ids_by(conn, User.email, User.id, plan.new_buyers))
    report.buyers_created = len(rows)


def _first_sent(po: PORecord) -> datetime | None:
    if po.status in _NOT_YET_SENT or not po.sent_messages:
        return None
    return min(message.sent_at for message in po.sent_messages)


async def _insert_pos(
    conn: AsyncConnection, group: Sequence[PORecord], plan: Plan, report: ImportReport, *, at: datetime, note: str
) -> None:
    rows = [
        {
            "number": po.number,
            "vendor_id": plan.vendor_ids[po.vendor_code],
            "buyer_id": plan.buyer_ids.get(po.buyer_email) if po.buyer_email else None,
            "buyer_email": po.buyer_email,
            "status": po.status.value,
            "order_date": po.order_date,
            # the date first asked for: set once here, never overwritten by later imports
            "original_promised_date": po.promised_date,
            "promised_date": po.promised_date,
            "currency": po.currency,
            "vendor_reference": po.vendor_reference,
            "sent_at": _first_sent(po),
            # due at once: the follow-up sweep plans each open PO (and re-checks) on its next round
            "next_followup_at": at if po.status in OPEN else None,
            "created_at": at,
            "updated_at": at,
        }
        for po in group
    ]
    await conn.execute(insert(PurchaseOrder), rows)
    ids = await _ids_by(conn, PurchaseOrder.number, PurchaseOrder.id, [po.number for po in group])
    plan.po_ids.update(ids)
    lines = [
        {
            "po_id": ids[po.number],
            "line_no": line.line_no,
            "sku": line.sku,
            "vendor_sku": line.vendor_sku,
            "description": line.description,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "quantity_ordered": line.quantity,
        }
        for po in group
        for line in po.lines
    ]
    await conn.execute(insert(POLine), lines)
    events = [
        {
            "po_id": ids[po.number],
            "at": at,
            "kind": "imported",
            "field": None,
            "old_value": None,
            "new_value": {"status": po.status.value, "lines": len(po.lines)},
            "actor": ERP.name,
            "message_id": None,
            "note": note,
        }
        for po in group
    ]
    await conn.execute(insert(POEvent), events)
    report.pos_created += len(group)
    report.lines_written += len(lines)
    report.events_written += len(events)


async def _apply_change(
    session: AsyncSession, change: POChange, plan: Plan, report: ImportReport, *, at: datetime
) -> None:
    """The slow path, for the few POs the file changes: through the service, one event per changed field."""
    po = await repository.get_by_id(session, change.po_id)
    assert po is not None  # planned in this transaction
    before = _event_count(session)
    record = change.record
    for name, old, new in change.fields:
        if name in ("promised_date", "vendor_reference", "buyer_email"):
            set_field(session, po, name, new, at=at, actor=ERP)
            if name == "buyer_email":
                po.buyer_id = plan.buyer_ids.get(new) if new else None
        elif name == "vendor":
            po.vendor_id = plan.vendor_ids[new]
            record_event(session, po, kind="field_changed", field="vendor", old=old, new=new, at=at, actor=ERP.name)
        else:
            setattr(po, name, new)
            record_event(session, po, kind="field_changed", field=name, old=old, new=new, at=at, actor=ERP.name)
    if change.status is not None:
        change_status(session, po, change.status, at=at, actor=ERP, note="status from the ERP")
    by_no = {line.line_no: line for line in po.lines}
    for line in record.lines:
        existing = by_no.get(line.line_no)
        if existing is None:
            po.lines.append(_new_line(line))
            record_event(
                session,
                po,
                kind="line_added",
                field=f"line {line.line_no}",
                new=_line_values(line),
                at=at,
                actor=ERP.name,
            )
            report.lines_written += 1
            continue
        changed = False
        for attr, new in _line_values(line).items():
            old = getattr(existing, attr)
            if old != new:
                setattr(existing, attr, new)
                record_event(
                    session,
                    po,
                    kind="line_changed",
                    field=f"line {line.line_no} {attr}",
                    old=old,
                    new=new,
                    at=at,
                    actor=ERP.name,
                )
                changed = True
        report.lines_written += changed
    for line_no in change.removed_lines:
        removed = by_no[line_no]
        po.lines.remove(removed)
        await session.delete(removed)
        record_event(session, po, kind="line_removed", field=f"line {line_no}", old=line_no, at=at, actor=ERP.name)
    po.updated_at = at
    report.events_written += _event_count(session) - before


def _event_count(session: AsyncSession) -> int:
    return sum(1 for obj in session.new if isinstance(obj, POEvent))


def _line_values(line: Any) -> dict[str, Any]:
    return {
        "sku": line.sku,
        "vendor_sku": line.vendor_sku,
        "description": line.description,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "quantity_ordered": line.quantity,
    }


def _new_line(line: Any) -> POLine:
    return POLine(line_no=line.line_no, **_line_values(line))


def _message_row(message: SentMessageRecord, vendor_id: int, at: datetime) -> dict[str, Any]:
    return {
        "direction": "out",
        "channel": message.channel,
        "kind": "message",
        "dedupe_key": message.dedupe_key,
        "vendor_id": vendor_id,
        "recipient": str(message.telegram_chat_id) if message.channel == "telegram" else None,
        "subject": message.subject,
        "body_text": message.text,
        "email_message_id": message.email_message_id,
        "telegram_chat_id": message.telegram_chat_id,
        "telegram_message_id": message.telegram_message_id,
        "received_at": message.sent_at,
        # sent by us and already handled: never picked up by inbound processing
        "state": "applied",
        "created_at": at,
    }


async def _write_messages(
    conn: AsyncConnection, batch: ImportBatch, plan: Plan, report: ImportReport, *, at: datetime
) -> None:
    message_ids = plan.message_ids  # dedupe key -> id, those already in the database
    links = plan.message_links  # (message id, po id) already in the database
    for group in chunks(batch.purchase_orders, WRITE_BATCH):
        new_rows: dict[str, dict[str, Any]] = {}
        for po in group:
            for message in po.sent_messages:
                key = message.dedupe_key
                if key not in message_ids and key not in new_rows:
                    new_rows[key] = _message_row(message, plan.vendor_ids[po.vendor_code], at)
        if new_rows:
            await conn.execute(insert(Message), list(new_rows.values()))
            message_ids.update(await _ids_by(conn, Message.dedupe_key, Message.id, list(new_rows)))
            report.messages_created += len(new_rows)
        link_rows = []
        for po in group:
            po_id = plan.po_ids[po.number]
            for message in po.sent_messages:
                pair = (message_ids[message.dedupe_key], po_id)
                if pair not in links:
                    links.add(pair)
                    link_rows.append(
                        {
                            "message_id": pair[0],
                            "po_id": po_id,
                            "role": "match",
                            "confidence": 1.0,
                            "evidence": ["erp import"],
                        }
                    )
        if link_rows:
            await conn.execute(insert(MessagePO), link_rows)
            report.message_links_created += len(link_rows)
