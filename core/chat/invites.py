"""One-time invites that link a Telegram account to a vendor (as a contact) or to a buyer/agent user.

Only the SHA-256 of the code is stored, so a database leak yields no usable invite. A code is
single use (a conditional UPDATE marks it; two simultaneous /start with one code link once) and
expires. One Telegram account speaks for one party only: an account already linked elsewhere is
refused rather than silently moved, so nobody can switch a vendor's chat to another vendor.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.chat import repository
from core.errors import NotFoundError, ValidationProblem
from core.vendors import repository as vendor_repository
from models import Invite, User, VendorContact

DEFAULT_TTL = timedelta(days=7)


class InviteRole(StrEnum):
    VENDOR = "vendor"
    BUYER = "buyer"
    AGENT = "agent"


class LinkRefusal(StrEnum):
    UNKNOWN = "unknown"  # no such code, used, or expired: one answer for all, so codes cannot be probed
    LINKED_ELSEWHERE = "linked_elsewhere"


@dataclass(frozen=True, slots=True)
class Linked:
    role: InviteRole
    vendor_id: int | None
    user_id: int | None
    display_name: str


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def create_invite(
    session: AsyncSession,
    *,
    role: InviteRole,
    now: datetime,
    vendor_id: int | None = None,
    user_id: int | None = None,
    contact_name: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> tuple[Invite, str]:
    """A new invite and its code (the only time the code exists in clear)."""
    if role == InviteRole.VENDOR and (vendor_id is None or user_id is not None):
        raise ValidationProblem("a vendor invite names a vendor and no user")
    if role != InviteRole.VENDOR and (user_id is None or vendor_id is not None):
        raise ValidationProblem(f"a {role.value} invite names a user and no vendor")
    # token_urlsafe fits Telegram's deep-link alphabet ([A-Za-z0-9_-], at most 64 chars)
    code = secrets.token_urlsafe(18)
    invite = Invite(
        code_hash=hash_code(code),
        role=role.value,
        vendor_id=vendor_id,
        user_id=user_id,
        contact_name=contact_name,
        expires_at=now + ttl,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    return invite, code


async def consume_invite(
    session: AsyncSession,
    code: str,
    *,
    telegram_user_id: int,
    telegram_chat_id: int,
    telegram_name: str | None,
    now: datetime,
) -> Linked | LinkRefusal:
    if not code or len(code) > 64:
        return LinkRefusal.UNKNOWN
    invite = await repository.invite_by_hash(session, hash_code(code))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return LinkRefusal.UNKNOWN
    contact = await repository.telegram_contact(session, telegram_user_id)
    user = await repository.user_by_telegram(session, telegram_user_id)
    role = InviteRole(invite.role)
    if role == InviteRole.VENDOR:
        if user is not None or (contact is not None and contact.vendor_id != invite.vendor_id):
            return LinkRefusal.LINKED_ELSEWHERE
    elif contact is not None or (user is not None and user.id != invite.user_id):
        return LinkRefusal.LINKED_ELSEWHERE
    if not await repository.use_invite(session, invite.id, telegram_user_id=telegram_user_id, now=now):
        return LinkRefusal.UNKNOWN

    if role == InviteRole.VENDOR:
        assert invite.vendor_id is not None
        vendor = await vendor_repository.get_vendor(session, invite.vendor_id)
        if vendor is None:
            raise NotFoundError(f"vendor {invite.vendor_id} of invite {invite.id} is gone")
        if contact is None:
            contact = VendorContact(
                vendor_id=vendor.id,
                channel="telegram",
                address=str(telegram_user_id),
                name=invite.contact_name or telegram_name,
                created_at=now,
            )
            session.add(contact)
        contact.telegram_chat_id = telegram_chat_id
        await session.flush()
        return Linked(role, vendor.id, None, vendor.name)

    assert invite.user_id is not None
    target = await session.get(User, invite.user_id)
    if target is None:
        raise NotFoundError(f"user {invite.user_id} of invite {invite.id} is gone")
    target.telegram_user_id = telegram_user_id
    target.telegram_chat_id = telegram_chat_id
    await session.flush()
    return Linked(role, None, target.id, target.name)
