"""Signed reply addresses (`purchasing+po-4512-k3j9x2@buyer.example`): they keep a reply tied to its PO
even when the vendor's mail system drops the thread headers, and cannot be guessed for another PO."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_TOKEN = re.compile(r"\+po-(?P<po>[a-z0-9._-]{1,64}?)-(?P<sig>[a-z2-7]{10})@", re.IGNORECASE)


def po_token(po_number: str) -> str:
    """The form a PO number takes inside a reply address."""
    return _encode_po(po_number)


def _encode_po(po_number: str) -> str:
    return re.sub(r"[^a-z0-9._-]", "_", po_number.lower())


def _signature(po_token: str, secret: bytes) -> str:
    digest = hmac.new(secret, po_token.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:10].lower()


def reply_address(base_address: str, po_number: str, secret: bytes) -> str:
    """`purchasing@x` -> `purchasing+po-<number>-<sig>@x`."""
    local, _, domain = base_address.partition("@")
    local = local.split("+", 1)[0]
    token = _encode_po(po_number)
    return f"{local}+po-{token}-{_signature(token, secret)}@{domain}"


def po_token_from_addresses(addresses: tuple[str, ...] | list[str], secret: bytes) -> str | None:
    """The PO token carried by a correctly signed reply address among `addresses`, else None.

    The token is the PO number lower-cased with unsafe characters replaced; resolve it with
    `token_matches(po_number, token)`.
    """
    for address in addresses:
        found = _TOKEN.search(address + "@" if "@" not in address else address)
        if not found:
            continue
        token, sig = found.group("po").lower(), found.group("sig").lower()
        if hmac.compare_digest(sig, _signature(token, secret)):
            return token
    return None


def token_matches(po_number: str, token: str) -> bool:
    return _encode_po(po_number) == token
