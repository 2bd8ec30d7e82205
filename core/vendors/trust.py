"""Who may speak for whom: a message changes a PO only when its sender is that PO's vendor.

Trusted: a known contact address, another address at one of the vendor's own domains (never a
free-mail domain), or a known Telegram user id. Lookalike domains, strangers on free mail and
forwarders are not trusted; they go to review, whatever the message says.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession

from core.inbound import Channel, InboundMessage
from core.vendors import repository

# a domain anyone can get an address at says nothing about who the sender works for
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "yahoo.co.jp",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "rediffmail.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "onet.pl",
        "terra.com.br",
        "uol.com.br",
        "bol.com.br",
        "mail.com",
        "fastmail.com",
    }
)


class TrustBasis(StrEnum):
    CONTACT = "known_contact"
    DOMAIN = "vendor_domain"
    TELEGRAM = "telegram_user"


@dataclass(frozen=True, slots=True)
class VendorInfo:
    """What reading a message needs of a vendor (a snapshot, not an ORM row)."""

    id: int
    code: str
    name: str
    language: str
    timezone: str
    country: str | None


@dataclass(frozen=True, slots=True)
class ContactInfo:
    id: int
    vendor_id: int
    channel: str
    address: str


@dataclass(slots=True)
class SenderIdentity:
    vendor: VendorInfo | None = None
    contact: ContactInfo | None = None
    basis: TrustBasis | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.vendor is not None and self.basis is not None


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


class VendorDirectory:
    """Vendors, contacts and domains held in memory: who a sender is costs no query.

    `sync` is handed a fingerprint (counts and highest ids, read by the caller in one statement with
    its other watermarks): a changed fingerprint reloads everything at once, so a new or removed
    contact counts from the next message on. Edits in place that keep the fingerprint (an address
    rewritten) are picked up by a full reload at least every `max_age` seconds.
    """

    def __init__(self, max_age: float = 10.0) -> None:
        self._max_age = max_age
        self._loaded_at = -1e18
        self._fingerprint: tuple[Any, ...] | None = None
        self._vendors: dict[int, VendorInfo] = {}
        self._contacts: dict[tuple[str, str], ContactInfo] = {}
        self._domains: dict[str, int] = {}
        self._lookalikes = LookalikeIndex(())

    async def sync(self, session: AsyncSession, fingerprint: tuple[Any, ...]) -> None:
        if fingerprint == self._fingerprint and time.monotonic() - self._loaded_at < self._max_age:
            return
        self._vendors = {row[0]: VendorInfo(*row) for row in await repository.all_vendors(session)}
        self._contacts = {
            (channel, address): ContactInfo(cid, vendor_id, channel, address)
            for cid, vendor_id, channel, address in await repository.all_contacts(session)
        }
        self._domains = dict(await repository.all_domains(session))
        self._lookalikes = LookalikeIndex(list(self._domains))
        self._fingerprint = fingerprint
        self._loaded_at = time.monotonic()

    async def load(self, session: AsyncSession) -> VendorDirectory:
        """Load now, whatever the fingerprint (for callers without a watermark query)."""
        self._fingerprint = None
        self._loaded_at = -1e18
        await self.sync(session, ())
        return self

    def invalidate(self) -> None:
        self._fingerprint = None

    def vendor(self, vendor_id: int) -> VendorInfo | None:
        return self._vendors.get(vendor_id)

    def contact(self, channel: str, address: str) -> ContactInfo | None:
        return self._contacts.get((channel, address))

    def vendor_of_domain(self, domain: str) -> VendorInfo | None:
        vendor_id = self._domains.get(domain)
        return self._vendors.get(vendor_id) if vendor_id is not None else None

    def lookalike_of(self, domain: str) -> str | None:
        """The vendor domain that `domain` imitates, if any."""
        return self._lookalikes.imitated(domain)


class LookalikeIndex:
    """Finds the vendor domain a sender's domain imitates without walking every vendor domain.

    Imitations: a subdomain of a vendor domain or the parent of one (acme.example.evil.test,
    example for mail.example), the vendor's name under another suffix (acme-fasteners.co for
    acme-fasteners.com), or a near spelling (acme-fastener.example). The first three are dictionary
    lookups on the sender domain's dot-separated parts; the last one rapidfuzz scores in C over all
    domains at once, which keeps the check flat as the vendor list grows.
    """

    def __init__(self, domains: Sequence[str]) -> None:
        self._domains = list(dict.fromkeys(domains))
        self._known = frozenset(self._domains)
        self._parents: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for domain in self._domains:
            for i, char in enumerate(domain):
                if char == ".":
                    self._parents.setdefault(domain[i + 1 :], domain)
            self._names.setdefault(domain.rsplit(".", 1)[0], domain)

    def imitated(self, domain: str) -> str | None:
        if not domain or domain in self._known:
            return None
        if domain in self._parents:
            return self._parents[domain]
        for i, char in enumerate(domain):
            if char != ".":
                continue
            if domain[i + 1 :] in self._known:
                return domain[i + 1 :]
            if domain[:i] in self._names:
                return self._names[domain[:i]]
        best = process.extractOne(domain, self._domains, scorer=fuzz.ratio, score_cutoff=88)
        return best[0] if best is not None else None


async def identify_sender(
    session: AsyncSession, message: InboundMessage, *, directory: VendorDirectory | None = None
) -> SenderIdentity:
    """Who sent `message`; `directory` must be current (the pipeline syncs it), else one is loaded."""
    known = directory if directory is not None else await VendorDirectory().load(session)
    if message.channel == Channel.TELEGRAM:
        contact = known.contact("telegram", message.sender)
        if contact is None:
            return SenderIdentity(warnings=["unknown Telegram user"])
        return SenderIdentity(vendor=known.vendor(contact.vendor_id), contact=contact, basis=TrustBasis.TELEGRAM)

    address = message.sender.strip().lower()
    if "@" not in address:
        return SenderIdentity(warnings=["sender has no usable address"])
    contact = known.contact("email", address)
    if contact is not None:
        return SenderIdentity(vendor=known.vendor(contact.vendor_id), contact=contact, basis=TrustBasis.CONTACT)
    domain = _domain(address)
    if domain not in FREE_MAIL_DOMAINS:
        vendor = known.vendor_of_domain(domain)
        if vendor is not None:
            return SenderIdentity(vendor=vendor, basis=TrustBasis.DOMAIN)
    warnings = ["sender is not a known vendor contact"]
    imitated = known.lookalike_of(domain)
    if imitated is not None:
        warnings.append(f"sender domain {domain} looks like vendor domain {imitated}")
    return SenderIdentity(warnings=warnings)
