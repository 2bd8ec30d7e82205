"""Plan an ERP import against the database, read-only: what is new, what changed, and what cannot be.

Existing keys are loaded in a few set-based queries (chunks of 1,000 keys), never one query per row, so
planning 100k POs costs seconds. Every problem found here refuses the whole file before any write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.purchase_orders.import_readers import Progress
from core.purchase_orders.lifecycle import POStatus, refusal_reason
from core.purchase_orders.schemas import (
    ImportBatch,
    ImportProblem,
    PORecord,
    VendorRecord,
    csv_where,
    json_where,
)
from models import Message, MessagePO, POLine, PurchaseOrder, User, Vendor, VendorContact, VendorDomain

T = TypeVar("T")
_KEYS_PER_QUERY = 1_000

# Shared mailbox providers: an address there proves nothing about the rest of the domain, so such a
# domain never becomes a vendor domain (trusting it would let any webmail user speak for the vendor).
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "proton.me",
        "protonmail.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
    }
)

# The order a PO normally moves in. An ERP status *behind* Liaison's on this path (ERP says `sent`,
# the vendor already confirmed) is the ERP lagging, not a request to go back: Liaison's status is kept.
_PROGRESSION = (
    POStatus.DRAFT,
    POStatus.APPROVED,
    POStatus.SENT,
    POStatus.CONFIRMED,
    POStatus.SHIPPED,
    POStatus.PARTIALLY_RECEIVED,
    POStatus.RECEIVED,
    POStatus.CLOSED,
)
_RANK = {status: rank for rank, status in enumerate(_PROGRESSION)}

_PO_FIELDS = ("buyer_email", "order_date", "promised_date", "currency", "vendor_reference")
_LINE_FIELDS = ("sku", "vendor_sku", "description", "unit", "unit_price", "quantity_ordered")


@dataclass(slots=True)
class ContactPlan:
    vendor_code: str
    channel: str
    address: str
    telegram_chat_id: int | None
    is_primary: bool


@dataclass(slots=True)
class POChange:
    po_id: int
    record: PORecord
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)  # (field, old, new)
    status: POStatus | None = None
    removed_lines: list[int] = field(default_factory=list)
    lines_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.fields or self.status or self.removed_lines or self.lines_changed)


@dataclass(slots=True)
class Plan:
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status_kept: list[str] = field(default_factory=list)
    vendor_ids: dict[str, int] = field(default_factory=dict)
    new_vendors: list[VendorRecord] = field(default_factory=list)
    vendor_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    new_contacts: list[ContactPlan] = field(default_factory=list)
    new_domains: list[tuple[str, str]] = field(default_factory=list)  # (domain, vendor code)
    buyer_ids: dict[str, int] = field(default_factory=dict)
    new_buyers: list[str] = field(default_factory=list)
    existing: dict[str, int] = field(default_factory=dict)  # PO number -> id, for POs already stored
    po_ids: dict[str, int] = field(default_factory=dict)
    changes: list[POChange] = field(default_factory=list)
    message_ids: dict[str, int] = field(default_factory=dict)  # dedupe key -> id, already stored
    message_links: set[tuple[int, int]] = field(default_factory=set)


def _chunks(items: Sequence[T], size: int = _KEYS_PER_QUERY) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _rows_in(session: AsyncSession, columns: Sequence[Any], key: Any, values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for group in _chunks(sorted(set(values))):
        out.extend((await session.execute(select(*columns).where(key.in_(group)))).all())
    return out


class _Where:
    """Where a PO-level problem points in this file's own terms (CSV column names or JSON keys)."""

    _CSV: ClassVar[dict[str, str]] = {"vendor": "vendor_code", "number": "po_number", "lines": "line"}
    _JSON: ClassVar[dict[str, str]] = {"vendor": "vendor_id"}

    def __init__(self, batch: ImportBatch) -> None:
        self.style = batch.style

    def po(self, po: PORecord, column: str, message: str) -> ImportProblem:
        if self.style == "csv":
            return ImportProblem("csv", csv_where(po.source), self._CSV.get(column, column), message)
        return ImportProblem("json", json_where("purchase_orders", po.source), self._JSON.get(column, column), message)


async def build_plan(session: AsyncSession, batch: ImportBatch, *, progress: Progress | None = None) -> Plan:
    plan = Plan()
    await _plan_vendors(session, batch, plan)
    await _plan_buyers(session, batch, plan)
    await _plan_purchase_orders(session, batch, plan, progress)
    await _plan_messages(session, batch, plan)
    return plan


# ----------------------------------------------------------------------------------------------
# vendors, contacts, domains, buyers


async def _plan_vendors(session: AsyncSession, batch: ImportBatch, plan: Plan) -> None:
    codes = {v.code for v in batch.vendors} | {po.vendor_code for po in batch.purchase_orders}
    columns = (Vendor.id, Vendor.code, Vendor.name, Vendor.language, Vendor.timezone, Vendor.country)
    stored = {row.code: row for row in await _rows_in(session, columns, Vendor.code, codes)}
    plan.vendor_ids = {code: row.id for code, row in stored.items()}
    for vendor in batch.vendors:
        row = stored.get(vendor.code)
        if row is None:
            plan.new_vendors.append(vendor)
            continue
        wanted = {
            "name": vendor.name,
            "language": vendor.language,
            "timezone": vendor.timezone,
            "country": vendor.country,
        }
        changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
        if changed:
            plan.vendor_updates.append((row.id, changed))
    known = set(stored) | {v.code for v in batch.vendors} | batch.refused_vendor_codes
    where = _Where(batch)
    for po in batch.purchase_orders:
        if po.vendor_code not in known:
            plan.problems.append(where.po(po, "vendor", f"unknown vendor {po.vendor_code!r}"))
    await _plan_contacts(session, batch, plan)
    await _plan_domains(session, batch, plan)


async def _plan_contacts(session: AsyncSession, batch: ImportBatch, plan: Plan) -> None:
    """Contacts are added, never removed: a contact may carry bounce history, and removal is an admin's call."""
    wanted: dict[tuple[str, str], tuple[VendorRecord, int | None, bool]] = {}
    for vendor in batch.vendors:
        new_vendor = vendor.code not in plan.vendor_ids
        keys: list[tuple[str, str, int | None, bool]] = [
            ("email", e, None, new_vendor and i == 0) for i, e in enumerate(vendor.emails)
        ]
        keys += [
            ("telegram", str(t), t, new_vendor and not vendor.emails and i == 0)
            for i, t in enumerate(vendor.telegram_ids)
        ]
        for channel, address, chat_id, primary in keys:
            other = wanted.get((channel, address))
            if other is not None and other[0].code != vendor.code:
                column = "emails" if channel == "email" else "telegram_user_ids"
                message = f"{address} is also listed for vendor {other[0].code}"
                plan.problems.append(ImportProblem("json", json_where("vendors", vendor.source), column, message))
                continue
            wanted[(channel, address)] = (vendor, chat_id, primary)
    if not wanted:
        return
    owners: dict[tuple[str, str], str] = {}
    for channel in ("email", "telegram"):
        addresses = [address for ch, address in wanted if ch == channel]
        columns = (VendorContact.address, Vendor.code)
        stmt_key = VendorContact.address
        for group in _chunks(sorted(addresses)):
            stmt = (
                select(*columns)
                .join(Vendor, Vendor.id == VendorContact.vendor_id)
                .where(VendorContact.channel == channel, stmt_key.in_(group))
            )
            owners.update({(channel, address): code for address, code in (await session.execute(stmt))})
    for (channel, address), (vendor, chat_id, primary) in wanted.items():
        owner = owners.get((channel, address))
        if owner is None:
            plan.new_contacts.append(ContactPlan(vendor.code, channel, address, chat_id, primary))
        elif owner != vendor.code:
            column = "emails" if channel == "email" else "telegram_user_ids"
            message = f"{address} already belongs to vendor {owner}"
            plan.problems.append(ImportProblem("json", json_where("vendors", vendor.source), column, message))


async def _plan_domains(session: AsyncSession, batch: ImportBatch, plan: Plan) -> None:
    claims: dict[str, set[str]] = {}
    for vendor in batch.vendors:
        for email in vendor.emails:
            domain = email.rsplit("@", 1)[1]
            if domain not in PUBLIC_MAIL_DOMAINS:
                claims.setdefault(domain, set()).add(vendor.code)
    if not claims:
        return
    stmt_columns = (VendorDomain.domain, Vendor.code)
    owners: dict[str, str] = {}
    for group in _chunks(sorted(claims)):
        stmt = (
            select(*stmt_columns)
            .join(Vendor, Vendor.id == VendorDomain.vendor_id)
            .where(VendorDomain.domain.in_(group))
        )
        owners.update(dict((await session.execute(stmt)).all()))
    for domain in sorted(claims):
        codes = claims[domain]
        owner = owners.get(domain)
        if owner is not None:
            if codes - {owner}:
                plan.warnings.append(
                    f"domain {domain} stays with vendor {owner}, not added for {', '.join(sorted(codes - {owner}))}"
                )
        elif len(codes) > 1:
            # two vendors on one domain: the domain proves neither, only their listed addresses do
            plan.warnings.append(
                f"domain {domain} is shared by vendors {', '.join(sorted(codes))}: not trusted as a domain"
            )
        else:
            plan.new_domains.append((domain, next(iter(codes))))


async def _plan_buyers(session: AsyncSession, batch: ImportBatch, plan: Plan) -> None:
    emails = {po.buyer_email for po in batch.purchase_orders if po.buyer_email}
    rows = await _rows_in(session, (User.email, User.id), User.email, emails)
    plan.buyer_ids = dict(rows)
    plan.new_buyers = sorted(emails - set(plan.buyer_ids))


# ----------------------------------------------------------------------------------------------
# purchase orders


async def _plan_purchase_orders(
    session: AsyncSession, batch: ImportBatch, plan: Plan, progress: Progress | None
) -> None:
    where = _Where(batch)
    columns = (
        PurchaseOrder.id,
        PurchaseOrder.number,
        PurchaseOrder.vendor_id,
        PurchaseOrder.status,
        PurchaseOrder.status_before_hold,
        *(getattr(PurchaseOrder, name) for name in _PO_FIELDS),
    )
    line_columns = (
        POLine.po_id,
        POLine.line_no,
        POLine.quantity_shipped,
        POLine.quantity_received,
        *(getattr(POLine, name) for name in _LINE_FIELDS),
    )
    vendor_codes = {ident: code for code, ident in plan.vendor_ids.items()}
    pos = batch.purchase_orders
    for done, group in enumerate(_chunks(pos), start=1):
        numbers = [po.number for po in group]
        stored = {
            row.number: row
            for row in (await session.execute(select(*columns).where(PurchaseOrder.number.in_(numbers))))
        }
        if stored:
            ids = [row.id for row in stored.values()]
            lines: dict[int, dict[int, Any]] = {}
            for line in (await session.execute(select(*line_columns).where(POLine.po_id.in_(ids)))).all():
                lines.setdefault(line.po_id, {})[line.line_no] = line
            missing_vendors = {row.vendor_id for row in stored.values()} - set(vendor_codes)
            if missing_vendors:
                rows = await _rows_in(session, (Vendor.id, Vendor.code), Vendor.id, missing_vendors)
                vendor_codes.update(dict(rows))
            for po in group:
                row = stored.get(po.number)
                if row is not None:
                    plan.existing[po.number] = row.id
                    _diff(plan, where, po, row, lines.get(row.id, {}), vendor_codes)
        if progress:
            progress("checking", min(done * _KEYS_PER_QUERY, len(pos)), len(pos))
    plan.po_ids = dict(plan.existing)


def _diff(
    plan: Plan, where: _Where, po: PORecord, row: Any, lines: dict[int, Any], vendor_codes: dict[int, str]
) -> None:
    change = POChange(po_id=row.id, record=po)
    old_vendor = vendor_codes.get(row.vendor_id)
    if old_vendor != po.vendor_code:
        change.fields.append(("vendor", old_vendor, po.vendor_code))
    for name in _PO_FIELDS:
        old, new = getattr(row, name), getattr(po, name)
        if old != new:
            change.fields.append((name, old, new))
    current, target = POStatus(row.status), po.status
    if current != target:
        if current in _RANK and target in _RANK and _RANK[POStatus.SENT] <= _RANK[target] < _RANK[current]:
            plan.status_kept.append(po.number)
        else:
            held_from = POStatus(row.status_before_hold) if row.status_before_hold else None
            reason = refusal_reason(current, target, held_from=held_from)
            if reason is None:
                change.status = target
            else:
                message = f"cannot go from {current.value} to {target.value}: {reason}"
                plan.problems.append(where.po(po, "status", message))
    in_file = {line.line_no for line in po.lines}
    for line in po.lines:
        stored = lines.get(line.line_no)
        if stored is None or any(
            getattr(stored, name) != getattr(line, "quantity" if name == "quantity_ordered" else name)
            for name in _LINE_FIELDS
        ):
            change.lines_changed = True
    for line_no, stored in sorted(lines.items()):
        if line_no in in_file:
            continue
        if stored.quantity_shipped or stored.quantity_received:
            message = f"line {line_no} is missing from the file but has goods shipped or received: it cannot be removed"
            plan.problems.append(where.po(po, "lines", message))
        else:
            change.removed_lines.append(line_no)
    if not change.empty:
        plan.changes.append(change)


async def _plan_messages(session: AsyncSession, batch: ImportBatch, plan: Plan) -> None:
    keys = {message.dedupe_key for po in batch.purchase_orders for message in po.sent_messages}
    rows = await _rows_in(session, (Message.dedupe_key, Message.id), Message.dedupe_key, keys)
    plan.message_ids = dict(rows)
    if plan.message_ids:
        links = await _rows_in(
            session, (MessagePO.message_id, MessagePO.po_id), MessagePO.message_id, plan.message_ids.values()
        )
        plan.message_links = {(message_id, po_id) for message_id, po_id in links}
