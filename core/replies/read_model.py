"""What the reply pipeline reads, held in memory per process and kept current by incremental queries.

Reading a message needs the sender's vendor, the vendor's open POs with their lines, the POs its
thread, PO numbers and chat conversation point at. Asking the database for each, per message, was
most of the pipeline's cost. Here they live in memory:

* `refresh` reads the highest PO, PO-event and message-link ids and the vendor directory's
  fingerprint in ONE statement, then fetches only what is new: new POs (index; their vendor's open
  list is dropped), events (the POs they touch are re-read, so a status changed by another process
  or the ERP import is seen), new match links (threads, Telegram replies, conversations) and links
  moved by a human (`message_linked` / `message_unlinked` events). With `refresh_interval` 0 it runs
  for every message (the live channels: as fresh as a query per message); `liaison interpret`,
  the only writer of its throwaway database, refreshes at most once a second.
* The pipeline's own writes of the current transaction (links of the message it stored, PO status
  changes it applied) are noted as pending for that session: visible to its next messages at once
  (as the database would show them), promoted to everyone on commit, dropped on rollback.
* On PostgreSQL an id can commit after a higher one was seen; the scans there look back a window
  of ids (and at least every `PG_RESCAN_SECONDS`), skipping rows already taken.

A stale list never decides "the vendor's only open PO" on its own: a vendor whose POs changed has
its list re-read, and new POs drop their vendor's list.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.purchase_orders.lifecycle import VENDOR_ACTIVE
from core.replies import repository
from core.replies.matching import POInfo
from core.replies.references import PONumberIndex
from core.replies.tokens import po_token
from core.vendors.repository import directory_fingerprint_columns
from core.vendors.trust import VendorDirectory
from models import POEvent

PG_LOOKBACK_IDS = 2000
PG_RESCAN_SECONDS = 2.0
_ACTIVE = frozenset(s.value for s in VENDOR_ACTIVE)
_LINK_EVENTS = frozenset({"message_linked", "message_unlinked"})


@dataclass(frozen=True, slots=True)
class Link:
    """A message's match link to a PO, with what threading and conversations need of the message."""

    message_id: int
    po_id: int
    email_message_id: str | None
    chat_id: int | None
    telegram_message_id: int | None
    direction: str
    received_at: datetime


@dataclass(slots=True)
class _Pending:
    links: list[Link] = field(default_factory=list)
    pos: dict[int, POInfo] = field(default_factory=dict)
    # POs whose state after this transaction the pipeline noted (changed or not), and the ids of the
    # events the transaction wrote on them: a scan need not read those POs back for these events
    vouched: set[int] = field(default_factory=set)
    events: list[tuple[int, int]] = field(default_factory=list)


class _Scan:
    """One id-ordered table scan: the highest id taken, and on PostgreSQL the ids taken in the look-back window."""

    def __init__(self) -> None:
        self.mark = 0
        self.taken: set[int] = set()

    def after(self, lookback: bool) -> int:
        return max(0, self.mark - PG_LOOKBACK_IDS) if lookback else self.mark

    def take(self, row_id: int, lookback: bool) -> bool:
        if lookback:
            if row_id in self.taken:
                return False
            self.taken.add(row_id)
        elif row_id <= self.mark:
            return False
        self.mark = max(self.mark, row_id)
        return True

    def trim(self) -> None:
        floor = self.mark - PG_LOOKBACK_IDS
        self.taken = {i for i in self.taken if i > floor}


class ReadModel:
    def __init__(self, *, refresh_interval: float = 0.0) -> None:
        self.refresh_interval = refresh_interval
        self.index = PONumberIndex()
        self.tokens: dict[str, str] = {}
        self.directory = VendorDirectory()
        self._number_ids: dict[str, int] = {}
        self._pos: dict[int, POInfo] = {}
        # vendor id -> ids of ALL its POs a vendor message may change (only for vendors asked about)
        self._open: dict[int, set[int]] = {}
        self._by_email: dict[str, dict[int, list[int]]] = {}
        self._telegram_out: dict[tuple[int, int], dict[int, list[int]]] = {}
        # chat -> (received_at, message id, link order, po id), sorted
        self._chat: dict[int, list[tuple[datetime, int, int, int]]] = {}
        self._links_of: dict[int, list[Link]] = {}
        self._link_order = 0
        self._po_scan, self._event_scan, self._link_scan = _Scan(), _Scan(), _Scan()
        self._own_events: set[int] = set()
        # vendor id -> (limit, its open POs as last listed): most messages of a vendor find it unchanged;
        # dropped whenever one of its POs or its list of open ids changes
        self._open_lists: dict[int, tuple[int, tuple[POInfo, ...]]] = {}
        self._refreshed_at = -1e18
        self._rescanned_at = -1e18
        self._marks: tuple[Any, ...] | None = None
        self._lock = asyncio.Lock()
        self._key = f"liaison.read_model.{id(self)}"

    # --- keeping current ---------------------------------------------------------------------------

    async def refresh(self, session: AsyncSession, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._refreshed_at < self.refresh_interval:
            return
        async with self._lock:
            pg = session.get_bind().dialect.name == "postgresql"
            marks = await repository.watermarks(session, directory_fingerprint_columns())
            rescan = pg and now - self._rescanned_at >= PG_RESCAN_SECONDS
            if marks[:3] != (self._marks or (None,) * 3)[:3] or rescan:
                await self._scan(session, marks, pg)
                if pg:
                    self._rescanned_at = now
            await self.directory.sync(session, marks[3:])
            self._marks = marks
            self._refreshed_at = time.monotonic()

    async def _scan(self, session: AsyncSession, marks: tuple[Any, ...], pg: bool) -> None:
        max_po, max_event, max_link = (m or 0 for m in marks[:3])
        if max_po > self._po_scan.mark or pg:
            for po_id, number, vendor_ref, vendor_id, _status in await repository.pos_after(
                session, self._po_scan.after(pg)
            ):
                if not self._po_scan.take(po_id, pg):
                    continue
                self.index.add(number)
                self.tokens[po_token(number)] = number
                self._number_ids[number] = po_id
                if vendor_ref:
                    self.index.add_vendor_reference(number, vendor_ref)
                # a new PO changes what "the vendor's open POs" are: read them again when asked
                self._open.pop(vendor_id, None)
                self._open_lists.pop(vendor_id, None)
        changed: set[int] = set()
        relinked: set[int] = set()
        if max_event > self._event_scan.mark or pg:
            for event_id, po_id, kind, message_id in await repository.events_after(session, self._event_scan.after(pg)):
                if not self._event_scan.take(event_id, pg):
                    continue
                if event_id in self._own_events and kind not in _LINK_EVENTS:
                    # written by this process's pipeline, which noted the PO's new state at commit
                    self._own_events.discard(event_id)
                    continue
                changed.add(po_id)
                if kind in _LINK_EVENTS and message_id is not None:
                    relinked.add(message_id)
        if changed:
            await self._reload_pos(session, changed)
        if max_link > self._link_scan.mark or pg:
            for row in await repository.links_after(session, self._link_scan.after(pg)):
                if self._link_scan.take(row[0], pg):
                    self._add_link(Link(*row[1:]), order=row[0])
        if relinked:
            for message_id in relinked:
                self._drop_links(message_id)
            for row in await repository.links_of_messages(session, relinked):
                self._add_link(Link(*row[1:]), order=row[0])
        if pg:
            for scan in (self._po_scan, self._event_scan, self._link_scan):
                scan.trim()

    async def _reload_pos(self, session: AsyncSession, ids: set[int]) -> None:
        """Re-read changed POs that matter here: cached ones, and ones now open at a vendor whose list is held."""
        fresh = await repository.pos_by_ids(session, ids)
        for po_id in ids:
            old = self._pos.pop(po_id, None)
            new = fresh.get(po_id)
            for po in (old, new):
                if po is not None:
                    self._open_lists.pop(po.vendor_id, None)
            if old is not None and old.vendor_id in self._open:
                self._open[old.vendor_id].discard(po_id)
            if new is None:
                continue
            if old is not None or new.vendor_id in self._open:
                self._pos[po_id] = new
            if new.status in _ACTIVE and new.vendor_id in self._open:
                self._open[new.vendor_id].add(po_id)

    def _add_link(self, link: Link, *, order: int | None = None) -> None:
        known = self._links_of.setdefault(link.message_id, [])
        if any(k.po_id == link.po_id for k in known):
            return
        known.append(link)
        if order is None:
            self._link_order += 1
            order = 10**15 + self._link_order  # after every committed link: it was written last
        if link.email_message_id:
            self._by_email.setdefault(link.email_message_id, {}).setdefault(link.message_id, []).append(link.po_id)
        if link.chat_id is not None:
            if link.direction == "out" and link.telegram_message_id is not None:
                key = (link.chat_id, link.telegram_message_id)
                self._telegram_out.setdefault(key, {}).setdefault(link.message_id, []).append(link.po_id)
            bisect.insort(
                self._chat.setdefault(link.chat_id, []), (link.received_at, link.message_id, order, link.po_id)
            )

    def _drop_links(self, message_id: int) -> None:
        for link in self._links_of.pop(message_id, []):
            if link.email_message_id and link.email_message_id in self._by_email:
                self._by_email[link.email_message_id].pop(message_id, None)
            if link.chat_id is not None:
                if link.telegram_message_id is not None:
                    self._telegram_out.get((link.chat_id, link.telegram_message_id), {}).pop(message_id, None)
                entries = self._chat.get(link.chat_id, [])
                entries[:] = [e for e in entries if e[1] != message_id]

    # --- this session's own writes ----------------------------------------------------------------

    def _pending(self, session: AsyncSession, *, create: bool = False) -> _Pending | None:
        info = session.sync_session.info
        pending = info.get(self._key)
        if pending is None and create:
            pending = info[self._key] = _Pending()
            info.setdefault(_SESSION_MODELS, []).append(self)
        return pending

    def note_links(self, session: AsyncSession, links: Sequence[Link]) -> None:
        """Links the pipeline just added in `session`'s transaction (not flushed yet)."""
        pending = self._pending(session, create=True)
        assert pending is not None
        pending.links.extend(links)

    def note_po(self, session: AsyncSession, po: POInfo, status: str) -> None:
        """A PO whose status the pipeline changed in `session`'s transaction (`po` as it was read)."""
        pending = self._pending(session, create=True)
        assert pending is not None
        base = pending.pos.get(po.id) or self._pos.get(po.id) or po
        if base.status != status:
            pending.pos[po.id] = replace(base, status=status)
        pending.vouched.add(po.id)

    def _flushed(self, session: Session) -> None:
        pending = session.info.get(self._key)
        if pending is not None:
            pending.events += [(obj.id, obj.po_id) for obj in session.new if isinstance(obj, POEvent)]

    def _committed(self, session: Session) -> None:
        pending = session.info.pop(self._key, None)
        if pending is None:
            return
        self._own_events.update(event_id for event_id, po_id in pending.events if po_id in pending.vouched)
        for link in pending.links:
            self._add_link(link)
        for po_id, po in pending.pos.items():
            self._pos[po_id] = po
            self._open_lists.pop(po.vendor_id, None)
            held = self._open.get(po.vendor_id)
            if held is not None:
                if po.status in _ACTIVE:
                    held.add(po_id)
                else:
                    held.discard(po_id)

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(self._key, None)

    # --- reads ------------------------------------------------------------------------------------

    async def pos_by_ids(self, session: AsyncSession, ids: Iterable[int]) -> dict[int, POInfo]:
        pending = self._pending(session)
        found: dict[int, POInfo] = {}
        missing: list[int] = []
        for po_id in sorted(set(ids)):
            po = (pending.pos.get(po_id) if pending else None) or self._pos.get(po_id)
            if po is None:
                missing.append(po_id)
            else:
                found[po_id] = po
        if missing:
            loaded = await repository.pos_by_ids(session, missing)
            self._pos.update(loaded)
            found.update(loaded)
            for po in loaded.values():
                self._open_lists.pop(po.vendor_id, None)
        return found

    async def pos_by_numbers(self, session: AsyncSession, numbers: Iterable[str]) -> dict[str, POInfo]:
        wanted = set(numbers)
        ids = {self._number_ids[n] for n in wanted if n in self._number_ids}
        found = {po.number: po for po in (await self.pos_by_ids(session, ids)).values()}
        unknown = [n for n in wanted if n not in self._number_ids]
        if unknown:  # not seen by a refresh yet: ask the database
            found.update(await repository.pos_by_numbers(session, unknown))
        return found

    async def preload_open_pos(self, session: AsyncSession) -> None:
        """Read every vendor's open POs now, in two statements, instead of one vendor at a time as
        messages ask, with their lines prepared for item matching (for a bulk run over many vendors:
        `liaison interpret`)."""
        by_vendor: dict[int, set[int]] = {}
        for po in await repository.all_open_pos(session):
            self._pos[po.id] = po
            by_vendor.setdefault(po.vendor_id, set()).add(po.id)
            for line in po.lines:  # what item matching compares, ready before the first message
                line.item_codes, line.words  # noqa: B018
        for vendor_id, ids in by_vendor.items():
            self._open.setdefault(vendor_id, ids)
            self._open_lists.pop(vendor_id, None)

    async def vendor_open_pos(self, session: AsyncSession, vendor_id: int, *, limit: int = 200) -> list[POInfo]:
        """As `repository.vendor_open_pos`: the vendor's open POs by id, at most `limit`."""
        pending = self._pending(session)
        own_changes = pending is not None and any(po.vendor_id == vendor_id for po in pending.pos.values())
        cached = self._open_lists.get(vendor_id)
        if cached is not None and not own_changes and cached[0] == limit:
            return list(cached[1])
        held = self._open.get(vendor_id)
        if held is None:
            loaded = await repository.open_pos_of_vendor(session, vendor_id)
            for po in loaded:
                self._pos[po.id] = po
            held = self._open[vendor_id] = {po.id for po in loaded}
        ids = set(held)
        if pending:
            for po_id, po in pending.pos.items():
                if po.vendor_id != vendor_id:
                    continue
                if po.status in _ACTIVE:
                    ids.add(po_id)
                else:
                    ids.discard(po_id)
        chosen = sorted(ids)[:limit]
        found = await self.pos_by_ids(session, chosen)
        result = [found[i] for i in chosen if i in found]
        if not own_changes:
            self._open_lists[vendor_id] = (limit, tuple(result))
        return result

    def po_ids_for_email_ids(self, session: AsyncSession, message_ids: Sequence[str]) -> list[int]:
        """As `repository.po_ids_for_email_ids`: POs linked to messages with these Message-IDs, in order."""
        pending = self._pending(session)
        ordered: list[int] = []
        for mid in list(message_ids)[:50]:
            per_message: dict[int, list[int]] = dict(self._by_email.get(mid, {}))
            for link in pending.links if pending else ():
                if link.email_message_id == mid:
                    per_message.setdefault(link.message_id, []).append(link.po_id)
            for message_id in sorted(per_message):
                for po_id in per_message[message_id]:
                    if po_id not in ordered:
                        ordered.append(po_id)
        return ordered

    def po_ids_for_telegram_message(self, session: AsyncSession, chat_id: int, message_id: int) -> list[int]:
        per_message: dict[int, list[int]] = dict(self._telegram_out.get((chat_id, message_id), {}))
        pending = self._pending(session)
        for link in pending.links if pending else ():
            if (link.chat_id, link.telegram_message_id, link.direction) == (chat_id, message_id, "out"):
                per_message.setdefault(link.message_id, []).append(link.po_id)
        return list(dict.fromkeys(po_id for m in sorted(per_message) for po_id in per_message[m]))

    def recent_conversation_po_ids(
        self, session: AsyncSession, chat_id: int, *, since: datetime, before: datetime, limit: int = 10
    ) -> list[int]:
        """As `repository.recent_conversation_po_ids`: POs of the chat's latest linked messages, newest first."""
        entries = self._chat.get(chat_id, [])
        lo = bisect.bisect_left(entries, (since,))
        window = [e for e in entries[lo:] if e[0] <= before]
        pending = self._pending(session)
        for link in pending.links if pending else ():
            if link.chat_id == chat_id and since <= link.received_at <= before:
                window.append((link.received_at, link.message_id, 10**16, link.po_id))
        window.sort(key=lambda e: (-e[0].timestamp(), -e[1], e[2]))
        return list(dict.fromkeys(e[3] for e in window[:limit]))


_SESSION_MODELS = "liaison.read_models"


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for model in session.info.pop(_SESSION_MODELS, []):
        model._committed(session)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for model in session.info.get(_SESSION_MODELS, ()):
        model._flushed(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    for model in session.info.pop(_SESSION_MODELS, []):
        model._rolled_back(session)
