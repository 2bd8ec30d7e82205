"""Who may speak for whom: a message changes a PO only when its sender is that PO's vendor.

Trusted: a known contact address, another address at one of the vendor's own domains (never a
free-mail domain), or a known Telegram user id. Lookalike domains, strangers on free mail and
forwarders are not trusted; they go to review, whatever the message says.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession

from core.inbound import Channel, InboundMessage
from core.vendors import repository
from models import Vendor, VendorContact

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


@dataclass(slots=True)
class SenderIdentity:
    vendor: Vendor | None = None
    contact: VendorContact | None = None
    basis: TrustBasis | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.vendor is not None and self.basis is not None


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


class DomainDirectory:
    """The vendor domains, cached for lookalike checks (refreshed every few minutes)."""

    def __init__(self, ttl_seconds: float = 300.0) -> None:
        self._ttl = ttl_seconds
        self._loaded_at = -1e9
        self._domains: list[tuple[str, int]] = []

    async def domains(self, session: AsyncSession) -> list[tuple[str, int]]:
        if time.monotonic() - self._loaded_at > self._ttl:
            self._domains = await repository.all_domains(session)
            self._loaded_at = time.monotonic()
        return self._domains

    def invalidate(self) -> None:
        self._loaded_at = -1e9


def lookalike_of(domain: str, known: list[tuple[str, int]]) -> str | None:
    """A vendor domain that `domain` imitates (acme-fastener.example, acme-fasteners.example.co), if any."""
    for candidate, _vendor_id in known:
        if candidate == domain:
            return None
        if domain.endswith("." + candidate) or candidate.endswith("." + domain):
            return candidate
        if domain.startswith(candidate.rsplit(".", 1)[0] + "."):
            return candidate
        if fuzz.ratio(domain, candidate) >= 88:
            return candidate
    return None


async def identify_sender(
    session: AsyncSession, message: InboundMessage, *, directory: DomainDirectory | None = None
) -> SenderIdentity:
    if message.channel == Channel.TELEGRAM:
        contact = await repository.contact_by_address(session, "telegram", message.sender)
        if contact is None:
            return SenderIdentity(warnings=["unknown Telegram user"])
        vendor = await repository.get_vendor(session, contact.vendor_id)
        return SenderIdentity(vendor=vendor, contact=contact, basis=TrustBasis.TELEGRAM)

    address = message.sender.strip().lower()
    if "@" not in address:
        return SenderIdentity(warnings=["sender has no usable address"])
    contact = await repository.contact_by_address(session, "email", address)
    if contact is not None:
        vendor = await repository.get_vendor(session, contact.vendor_id)
        return SenderIdentity(vendor=vendor, contact=contact, basis=TrustBasis.CONTACT)
    domain = _domain(address)
    if domain not in FREE_MAIL_DOMAINS:
        vendor = await repository.vendor_by_domain(session, domain)
        if vendor is not None:
            return SenderIdentity(vendor=vendor, basis=TrustBasis.DOMAIN)
    warnings = ["sender is not a known vendor contact"]
    known = await (directory or DomainDirectory()).domains(session)
    imitated = lookalike_of(domain, known)
    if imitated is not None:
        warnings.append(f"sender domain {domain} looks like vendor domain {imitated}")
    return SenderIdentity(warnings=warnings)
