"""Who is calling: ERP bearer tokens (SHA-256 in the DB), dashboard passwords (scrypt) and signed sessions.

Tokens are long random strings, so one fast hash is enough to keep them useless if the table leaks;
passwords are chosen by people, so they get a slow, salted scrypt. The dashboard session is a cookie
signed with LIAISON_SECRET_KEY (itsdangerous) holding the user id and a per-session CSRF secret.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationProblem
from models import ApiToken, User, UserPassword

TOKEN_PREFIX = "lia_"
SESSION_COOKIE = "liaison_session"
SESSION_MAX_AGE = 12 * 3600
ROLES = ("buyer", "agent", "lead", "admin")
MIN_PASSWORD_CHARS = 10
_MAX_PASSWORD_CHARS = 1024  # scrypt on a megabyte "password" is a denial of service
# scrypt at n=2**14, r=8 costs about 16 MiB and some tens of milliseconds: fine for a login form
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN = 2**14, 8, 1, 32


# --- API tokens -------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(session: AsyncSession, *, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token: the row, and the secret itself (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationProblem("a token needs a name of 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(secret), prefix=secret[:12], created_at=now)
    session.add(row)
    await session.flush()
    return row, secret


async def token_for(session: AsyncSession, secret: str) -> ApiToken | None:
    """The live token this secret belongs to, or None (unknown or revoked)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return row


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    return list((await session.execute(select(ApiToken).order_by(ApiToken.id))).scalars())


async def revoke_token(session: AsyncSession, token_id: int, *, now: datetime) -> bool:
    row = await session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


# --- passwords --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValidationProblem(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > _MAX_PASSWORD_CHARS:
        raise ValidationProblem("the password is too long")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_SCRYPT_LEN)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    if len(password) > _MAX_PASSWORD_CHARS:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def set_password(session: AsyncSession, user: User, password_hash: str, *, now: datetime) -> None:
    row = await session.get(UserPassword, user.id)
    if row is None:
        session.add(UserPassword(user_id=user.id, password_hash=password_hash, updated_at=now))
    else:
        row.password_hash = password_hash
        row.updated_at = now


async def upsert_user(session: AsyncSession, *, email: str, name: str, role: str, now: datetime) -> tuple[User, bool]:
    """The user with this email, created or updated; and whether it was created."""
    if role not in ROLES:
        raise ValidationProblem(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ValidationProblem(f"not an email address: {email!r}")
    user = await user_by_email(session, email)
    created = user is None
    if user is None:
        user = User(email=email, name=name.strip(), role=role, created_at=now)
        session.add(user)
    else:
        user.role = role
        if name.strip():
            user.name = name.strip()
    await session.flush()
    return user, created


async def password_hash_of(session: AsyncSession, user_id: int) -> str | None:
    row = await session.get(UserPassword, user_id)
    return row.password_hash if row else None


# a real hash to compare against when the email is unknown, so a wrong email costs the same time
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + _b64(bytes(32))


async def check_login(session: AsyncSession, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None; the hash runs in a thread (it is slow on purpose)."""
    user = await user_by_email(session, email) if len(email) <= 320 else None
    stored = await password_hash_of(session, user.id) if user is not None else None
    ok = await asyncio.to_thread(verify_password, password, stored or _DUMMY_HASH)
    return user if ok and user is not None and stored is not None else None


# --- dashboard session cookie and CSRF ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebSession:
    user_id: int | None
    csrf: str


class SessionSigner:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="liaison-session")

    def dumps(self, web_session: WebSession) -> str:
        return self._serializer.dumps({"uid": web_session.user_id, "csrf": web_session.csrf})

    def loads(self, cookie: str | None) -> WebSession | None:
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:  # also covers SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        uid, csrf = data.get("uid"), data.get("csrf")
        if (uid is not None and not isinstance(uid, int)) or not isinstance(csrf, str):
            return None
        return WebSession(user_id=uid, csrf=csrf)


def new_session(user_id: int | None) -> WebSession:
    # a new CSRF secret with every login, so a token seen before login is worthless after it
    return WebSession(user_id=user_id, csrf=secrets.token_urlsafe(24))


def csrf_ok(web_session: WebSession | None, submitted: str | None) -> bool:
    return web_session is not None and bool(submitted) and hmac.compare_digest(web_session.csrf, submitted or "")
