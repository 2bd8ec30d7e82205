"""Who is on the other end of a chat: a vendor's contact, a buyer, an agent, or nobody we know."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.chat import repository
from core.vendors import repository as vendor_repository
from models import User, Vendor

# users who work escalations; they may also ask about POs like buyers
AGENT_ROLES = frozenset({"agent", "lead", "admin"})


class ChatRole(StrEnum):
    VENDOR = "vendor"
    BUYER = "buyer"
    AGENT = "agent"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ChatIdentity:
    role: ChatRole
    telegram_user_id: int
    vendor: Vendor | None = None
    user: User | None = None

    @property
    def language(self) -> str:
        if self.vendor is not None:
            return self.vendor.language
        if self.user is not None:
            return self.user.language
        return "en"

    @property
    def staff(self) -> bool:
        return self.role in (ChatRole.BUYER, ChatRole.AGENT)


async def identify(session: AsyncSession, telegram_user_id: int) -> ChatIdentity:
    contact = await repository.telegram_contact(session, telegram_user_id)
    if contact is not None:
        vendor = await vendor_repository.get_vendor(session, contact.vendor_id)
        if vendor is not None and vendor.active:
            return ChatIdentity(ChatRole.VENDOR, telegram_user_id, vendor=vendor)
        return ChatIdentity(ChatRole.UNKNOWN, telegram_user_id)
    user = await repository.user_by_telegram(session, telegram_user_id)
    if user is not None:
        role = ChatRole.AGENT if user.role in AGENT_ROLES else ChatRole.BUYER
        return ChatIdentity(role, telegram_user_id, user=user)
    return ChatIdentity(ChatRole.UNKNOWN, telegram_user_id)
