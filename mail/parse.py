"""Pure email reader: raw RFC 5322 bytes -> ParsedEmail, never raising, with caps on hostile input.

The stdlib parser (`policy.default`) does the MIME work; this module adds the safety layer it
lacks: header length caps before any structured parsing (a 130 KB Subject takes 0.7 s), guarded
content access (multipart without boundary -> KeyError, unknown charset -> LookupError), a
charset fallback chain (UTF-8 bodies labelled Big5 decode to silent mojibake otherwise), caps on
parts and nesting, TNEF unpacking, and DSN reading for bounces.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from typing import Any

from core.inbound import Channel, InboundAttachment, InboundMessage, MessageKind
from mail.classify import Structure, classify, out_of_office_until
from mail.html_text import HtmlBody
from mail.reply_text import forwarded_body, split_reply

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_HEADER_CHARS = 4_000  # per header value, before decoding
MAX_ADDRESS_HEADER_CHARS = 16_000
MAX_ADDRESSES = 200
MAX_REFERENCES = 50
MAX_PARTS = 300
MAX_DEPTH = 12
MAX_ATTACHMENTS = 50
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024
MAX_BODY_BYTES = 2 * 1024 * 1024  # decoded text/html body read per part

_MSGID = re.compile(r"<[^<>\s]{1,250}>")
_LOOSE_MSGID = re.compile(r"[^<>\s,;]{1,250}@[^<>\s,;]{1,250}")
_BODY_MSGID = re.compile(r"^[ \t>]*Message-I[dD][ \t]*:[ \t]*\n?[ \t]*(<[^<>\s]{1,250}>)", re.M | re.I)
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_FINAL_RECIPIENT = re.compile(r"^(?:Final|Original)-Recipient:\s*(?:[\w-]+;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.M | re.I)
_PART_HEADER = re.compile(rb"^content-type[ \t]*:", re.M | re.I)
_FOLDING = re.compile(r"\r?\n[ \t]+")
_SURROGATE = re.compile("[\udc80-\udcff]")
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",  # superset: real-world "gb2312" mail uses GBK characters
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",  # Windows' Shift_JIS superset (NEC/IBM extensions are common)
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_2",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
}


MAX_CACHED_HEADER_CHARS = 1_000


@lru_cache(maxsize=4096)
def _header_object(name: str, value: str) -> Any:
    return policy.default.header_fetch_parse(name, value)


class _CachingPolicy(EmailPolicy):
    """`policy.default` whose parsed header objects are memoised by (name, raw value).

    The stdlib re-parses a structured header on every access, and the parser and the part walk
    read Content-Type and friends ~20 times per message: that was half of the parse time. Header
    objects are immutable and the factory deterministic, so sharing them changes no result."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or len(value) > MAX_CACHED_HEADER_CHARS:
            return super().header_fetch_parse(name, value)
        return _header_object(name, value)


_POLICY = _CachingPolicy()


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """Everything the pipeline reads from one email; all fields safe to use as given."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()  # oldest first, newest last
    subject: str = ""
    from_address: str = ""
    from_name: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    delivered_to: tuple[str, ...] = ()
    date: datetime | None = None
    text: str = ""
    new_text: str = ""
    quoted_text: str = ""
    signature: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    kind: MessageKind = MessageKind.MESSAGE
    bounced_message_ids: tuple[str, ...] = ()
    bounced_recipients: tuple[str, ...] = ()
    bounce_permanent: bool = False
    auto_reply_until: dt.date | None = None
    defects: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    """Header values as written (unparsed), capped; lower-cased names."""
    out: dict[str, list[str]] = {}
    try:
        items = msg.raw_items()
    except Exception:
        return out
    for count, (name, value) in enumerate(items):
        if count > 500:
            break
        text = value if isinstance(value, str) else str(value)
        out.setdefault(str(name).lower(), []).append(text[:MAX_ADDRESS_HEADER_CHARS])
    return out


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words leniently; undecodable bytes become U+FFFD."""
    value = _FOLDING.sub(" ", value[:MAX_HEADER_CHARS]).strip()
    if "=?" not in value:
        return _undo_surrogates(value)
    try:
        parts = decode_header(value)
        out: list[str] = []
        for chunk, charset in parts:
            if isinstance(chunk, bytes):
                out.append(_decode_bytes(chunk, charset)[0])
            else:
                out.append(chunk)
        return "".join(out)
    except Exception:
        try:
            return str(make_header(decode_header(value)))
        except Exception:
            return _undo_surrogates(value)


def _undo_surrogates(value: str) -> str:
    # The parser keeps raw 8-bit header bytes as surrogate escapes; most are UTF-8 in practice.
    if _SURROGATE.search(value) is None:
        return value
    raw = value.encode("utf-8", errors="surrogateescape")
    return _decode_bytes(raw, None)[0]


class _DecodedHeaders(Mapping[str, str]):
    """First value of each header, decoded when first read: classification reads a dozen of the
    message's headers, decoding all of them cost more than the classification itself."""

    def __init__(self, raw: dict[str, list[str]]) -> None:
        self._raw = {name: values for name, values in raw.items() if values}
        self._decoded: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        value = self._decoded.get(name)
        if value is None:
            value = self._decoded[name] = _decode_words(self._raw[name][0])
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return _decode_words(values[0]) if values else ""


def _addresses(headers: dict[str, list[str]], name: str) -> list[tuple[str, str]]:
    values = headers.get(name, [])
    if not values:
        return []
    joined = ", ".join(v[:MAX_ADDRESS_HEADER_CHARS] for v in values[:10])
    if len(joined) > MAX_CACHED_HEADER_CHARS:
        return list(_address_list.__wrapped__(joined))
    return list(_address_list(joined))


@lru_cache(maxsize=2048)
def _address_list(joined: str) -> tuple[tuple[str, str], ...]:
    """(display name, address) pairs of an address header. Cached: a vendor's From and the
    buyer's To recur on every message, and the stdlib address parser is slow."""
    joined = _FOLDING.sub(" ", joined)
    try:
        pairs = getaddresses([joined])[:MAX_ADDRESSES]
    except Exception:
        return ()
    out: list[tuple[str, str]] = []
    for display, address in pairs:
        address = _undo_surrogates(address).strip().strip("<>").lower()
        if "@" not in address or len(address) > 320:
            continue
        out.append((_decode_words(display).strip().strip('"').strip(), address))
    return tuple(out)


def _message_ids(value: str, limit: int) -> tuple[str, ...]:
    ids = _MSGID.findall(value)
    if not ids:
        # Some clients drop the angle brackets; keep the id in canonical form.
        ids = [f"<{m}>" for m in _LOOSE_MSGID.findall(value)]
    seen: list[str] = []
    for msg_id in ids:
        if msg_id not in seen:
            seen.append(msg_id)
    return tuple(seen[-limit:])


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None  # a date without a zone is not a point in time
    return parsed


# ---------------------------------------------------------------------------------------------
# Bodies
# ---------------------------------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode body bytes: valid UTF-8 first when non-ASCII, then the declared charset strictly,
    then charset-normalizer's guess, then cp1252 with replacement. Returns (text, defect)."""
    if not data:
        return "", None
    declared = _codec(charset)
    if declared in {"utf-7"}:
        try:
            return data.decode("utf-7"), None
        except UnicodeDecodeError:
            pass
    if data.isascii() and declared not in {"utf-16", "utf-32", "utf-16-le", "utf-16-be"}:
        if declared and declared.startswith("iso2022"):
            try:
                return data.decode(declared), None
            except UnicodeDecodeError:
                pass
        return data.decode("ascii"), None
    # Non-ASCII bytes that are valid UTF-8 are UTF-8 whatever the label says (UTF-8 labelled
    # Big5 or ISO-8859-1 is common; the converse practically never validates as UTF-8).
    try:
        text = data.decode("utf-8")
        return text, (f"charset {charset} mislabelled, read as utf-8" if declared not in {None, "utf-8"} else None)
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), None
        except (UnicodeDecodeError, LookupError):
            pass
    defect = f"body not valid in declared charset {charset!r}"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace"), defect
    except Exception:
        pass
    return data.decode(declared or "cp1252", errors="replace"), defect


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    try:
        raw = part.get_payload()
    except Exception:
        return b""
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


# get_param() re-splits the parameters on every call; its result depends on the header's text
# only, and the same few Content-Type/-Disposition values recur on every message.
_PARAM_CACHE: dict[tuple[str, ...], str] = {}
_PARAM_CACHE_SIZE = 4096


def _header_text(part: Message, name: str) -> str | None:
    try:
        value = part.get(name)
    except Exception:
        return None
    return None if value is None else str(value)


def _cached(key: tuple[str, ...] | None, compute: Callable[[], str]) -> str:
    if key is None or sum(len(k) for k in key) > MAX_CACHED_HEADER_CHARS:
        return compute()
    found = _PARAM_CACHE.get(key)
    if found is None:
        if len(_PARAM_CACHE) >= _PARAM_CACHE_SIZE:
            _PARAM_CACHE.clear()
        found = _PARAM_CACHE[key] = compute()
    return found


def _param(part: Message, name: str) -> str:
    ctype = _header_text(part, "content-type")
    return _cached(None if ctype is None else ("param", name, ctype), lambda: _read_param(part, name))


def _read_param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):
        try:
            return email.utils.collapse_rfc2231_value(value)
        except Exception:
            return ""
    return str(value or "")


def _filename(part: Message) -> str:
    ctype = _header_text(part, "content-type")
    disposition = _header_text(part, "content-disposition")
    key = ("filename", ctype or "", disposition or "") if ctype is not None or disposition is not None else None
    return _cached(key, lambda: _read_filename(part))


def _read_filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        name = _param(part, "name")
    return _decode_words(str(name or ""))[:255]


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


@dataclass
class _Walk:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    originals: list[Message] = field(default_factory=list)
    original_headers: list[str] = field(default_factory=list)
    delivery_status: list[str] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    parts: int = 0


def _leaves(msg: Message, walk: _Walk) -> Iterator[tuple[Message, int]]:
    """Depth-first parts with their depth, capped; does not descend into attached messages."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        walk.parts += 1
        if walk.parts > MAX_PARTS:
            walk.defects.append(f"more than {MAX_PARTS} MIME parts; rest ignored")
            return
        ctype = _content_type(part)
        walk.content_types.append(ctype)
        if part.is_multipart() and ctype.startswith("multipart/"):
            if depth >= MAX_DEPTH:
                walk.defects.append(f"MIME nesting deeper than {MAX_DEPTH}; rest ignored")
                continue
            try:
                children = part.get_payload()
            except Exception:
                children = []
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
            continue
        yield part, depth


def _add_attachment(walk: _Walk, filename: str, ctype: str, data: bytes) -> None:
    if len(walk.attachments) >= MAX_ATTACHMENTS:
        walk.defects.append(f"more than {MAX_ATTACHMENTS} attachments; rest dropped")
        return
    if len(data) > MAX_ATTACHMENT_BYTES:
        walk.defects.append(f"attachment {filename!r} over {MAX_ATTACHMENT_BYTES} bytes dropped")
        return
    walk.attachments.append(InboundAttachment(filename=filename, content_type=ctype, data=data))


def _read_tnef(walk: _Walk, data: bytes) -> None:
    """Unpack Outlook's winmail.dat: its body becomes a body, its files attachments."""
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
    except Exception as exc:
        walk.defects.append(f"unreadable TNEF: {type(exc).__name__}")
        return
    try:
        body = getattr(tnef, "body", None)
        if isinstance(body, bytes | str) and body:
            walk.plain.append(body if isinstance(body, str) else _decode_bytes(body, None)[0])
        html = getattr(tnef, "htmlbody", None)
        if isinstance(html, bytes | str) and html:
            walk.html.append(html if isinstance(html, str) else _decode_bytes(html, None)[0])
        for attachment in getattr(tnef, "attachments", [])[:MAX_ATTACHMENTS]:
            try:
                name = attachment.long_filename() or attachment.name
            except Exception:
                name = getattr(attachment, "name", "") or "attachment"
            if isinstance(name, bytes):
                name = _decode_bytes(name, None)[0]
            payload = getattr(attachment, "data", b"") or b""
            _add_attachment(walk, str(name).strip("\x00"), "application/octet-stream", bytes(payload))
    except Exception as exc:
        walk.defects.append(f"TNEF content unreadable: {type(exc).__name__}")


def _walk_message(msg: Message) -> _Walk:
    walk = _Walk()
    for part, _depth in _leaves(msg, walk):
        ctype = _content_type(part)
        disposition = _disposition(part)
        filename = _filename(part)
        if ctype == "message/delivery-status":
            walk.delivery_status.append(_message_text(part))
            continue
        if ctype in {"message/rfc822", "message/global"}:
            inner = _attached_message(part)
            if inner is not None:
                walk.originals.append(inner)
            data = _message_bytes(part)
            _add_attachment(walk, filename or "message.eml", ctype, data)
            continue
        if ctype in {"text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"}:
            walk.original_headers.append(
                _decode_bytes(_payload_bytes(part)[:MAX_BODY_BYTES], _param(part, "charset"))[0]
            )
            continue
        is_tnef = ctype == "application/ms-tnef" or filename.lower() == "winmail.dat"
        if is_tnef:
            _read_tnef(walk, _payload_bytes(part))
            continue
        if (
            ctype in {"text/plain", "text/html"}
            and disposition != "attachment"
            and not (filename and disposition == "inline" and ctype == "text/plain" and walk.plain)
        ):
            raw = _payload_bytes(part)
            if len(raw) > MAX_BODY_BYTES:
                walk.defects.append(f"{ctype} body over {MAX_BODY_BYTES} bytes truncated")
                raw = raw[:MAX_BODY_BYTES]
            text, defect = _decode_bytes(raw, _param(part, "charset"))
            if defect:
                walk.defects.append(defect)
            (walk.plain if ctype == "text/plain" else walk.html).append(text)
            continue
        if ctype.startswith("multipart/"):
            walk.defects.append(f"{ctype} part without readable children")
            text, _ = _decode_bytes(_payload_bytes(part)[:MAX_BODY_BYTES], None)
            if text.strip() and not walk.plain:
                walk.plain.append(text)
            continue
        _add_attachment(walk, filename or "attachment", ctype, _payload_bytes(part))
    return walk


def _attached_message(part: Message) -> Message | None:
    try:
        payload = part.get_payload()
    except Exception:
        return None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    if isinstance(payload, str) and payload.strip():
        try:
            return HeaderParser(policy=policy.compat32).parsestr(payload[:200_000])
        except Exception:
            return None
    return None


def _message_bytes(part: Message) -> bytes:
    inner = _attached_message(part)
    if inner is None:
        return _payload_bytes(part)
    try:
        return inner.as_bytes(policy=policy.compat32)[:MAX_ATTACHMENT_BYTES]
    except Exception:
        return b""


def _message_text(part: Message) -> str:
    """Text of a message/delivery-status part (a list of header blocks once parsed)."""
    try:
        payload = part.get_payload()
    except Exception:
        return ""
    if isinstance(payload, str):
        return payload[:200_000]
    blocks: list[str] = []
    if isinstance(payload, list):
        for block in payload[:200]:
            if isinstance(block, Message):
                try:
                    blocks.append("\n".join(f"{k}: {v}" for k, v in block.raw_items()))
                except Exception:
                    continue
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------------------------------
# Body choice and reply split
# ---------------------------------------------------------------------------------------------


def _choose_body(walk: _Walk) -> tuple[str, str, str, str]:
    """(full text, new text, quoted text, signature) from the text/plain or HTML bodies."""
    plain = "\n\n".join(t for t in walk.plain if t.strip())
    html_raw = "\n".join(walk.html)
    # Prefer text/plain unless it is only a stub of the HTML ("view this mail in a browser"); a
    # plain part of 200+ characters is never a stub, and then the HTML need not be read at all.
    if plain.strip() and len(plain) >= 200:
        parts = split_reply(plain)
        return plain.strip(), parts.new_text, parts.quoted_text, parts.signature
    html = HtmlBody(html_raw) if html_raw.strip() else None
    html_full = html.text if html else ""
    use_plain = bool(plain.strip()) and not (
        html_full and len(plain.strip()) < 0.2 * len(html_full) and len(plain) < 200
    )
    if use_plain:
        parts = split_reply(plain)
        return plain.strip(), parts.new_text, parts.quoted_text, parts.signature
    if html is None:
        return "", "", "", ""
    cut = html.split()
    parts = split_reply(cut.text)
    quoted = "\n\n".join(t for t in (parts.quoted_text, cut.quoted_text) if t)
    signature = "\n\n".join(t for t in (parts.signature, cut.signature) if t)
    return html_full, parts.new_text, quoted, signature


# ---------------------------------------------------------------------------------------------
# Bounces
# ---------------------------------------------------------------------------------------------


def _bounce_details(walk: _Walk, body: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(Message-IDs of the returned original, failed recipients, permanent?)."""
    ids: list[str] = []
    for original in walk.originals:
        try:
            values = [v for k, v in original.raw_items() if k.lower() == "message-id"]
        except Exception:
            values = []
        for value in values[:1]:
            ids.extend(_message_ids(str(value), 1))
    for block in walk.original_headers:
        ids.extend(m.group(1) for m in _BODY_MSGID.finditer(block[:200_000]))
    if not ids:
        # Non-standard bounces quote the original's headers in the body text.
        ids.extend(m.group(1) for m in _BODY_MSGID.finditer(body[:500_000]))
    status_text = "\n".join(walk.delivery_status)
    recipients = [m.group(1).lower() for m in _FINAL_RECIPIENT.finditer(status_text)]
    codes = [m.group(1) for m in _STATUS.finditer(status_text)]
    if not codes:
        codes = [m.group(1) for m in _STATUS.finditer(body[:50_000])]
    actions = re.findall(r"^Action:\s*(\w+)", status_text, re.M | re.I)
    delayed_only = bool(actions) and all(a.lower() in {"delayed", "relayed", "delivered", "expanded"} for a in actions)
    permanent = not delayed_only and ("5" in codes or not codes)
    return _unique(ids), _unique(recipients), permanent


def _unique(items: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return tuple(out[:MAX_ADDRESSES])


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def parse_email(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedEmail:
    """Read one raw email. Never raises: unreadable input yields a mostly empty ParsedEmail whose
    `defects` say what went wrong."""
    try:
        return _parse(raw, max_bytes)
    except Exception as exc:  # the last line of defence; every known failure is handled inside
        return ParsedEmail(defects=(f"unparseable message: {type(exc).__name__}",))


def _parse(raw: bytes, max_bytes: int) -> ParsedEmail:
    defects: list[str] = []
    if not isinstance(raw, bytes | bytearray | memoryview):
        return ParsedEmail(defects=("input is not bytes",))
    data = bytes(raw)
    if len(data) > max_bytes:
        defects.append(f"message over {max_bytes} bytes truncated")
        data = data[:max_bytes]
    # CR-only line ends (old Mac exports) would make the whole message one header line.
    if b"\r" in data[:4096] and b"\n" not in data[:4096]:
        data = data.replace(b"\r", b"\n")
    # The stdlib parser's cost grows with the number of parts (3,000 nested messages take 3 s):
    # cut the input before the part that would exceed the cap, ahead of parsing.
    for count, match in enumerate(_PART_HEADER.finditer(data)):
        if count >= MAX_PARTS:
            defects.append(f"more than {MAX_PARTS} MIME parts; rest ignored")
            data = data[: match.start()]
            break
    msg = email.message_from_bytes(data, policy=_POLICY)
    for defect in getattr(msg, "defects", [])[:20]:
        defects.append(type(defect).__name__)

    headers = _raw_headers(msg)
    for name, values in headers.items():
        if any(len(v) >= MAX_ADDRESS_HEADER_CHARS for v in values):
            defects.append(f"header {name} over {MAX_ADDRESS_HEADER_CHARS} chars truncated")

    senders = _addresses(headers, "from") or _addresses(headers, "sender") or _addresses(headers, "return-path")
    from_name, from_address = senders[0] if senders else ("", "")
    subject = _first(headers, "subject")
    message_ids = _message_ids(_first(headers, "message-id"), 1)
    in_reply_to = _message_ids(_first(headers, "in-reply-to"), 1)
    references = _message_ids(" ".join(headers.get("references", [])[:3]), MAX_REFERENCES)

    walk = _walk_message(msg)
    defects.extend(walk.defects)
    text, new_text, quoted_text, signature = _choose_body(walk)

    top_type = _content_type(msg)
    structure = Structure(
        content_type=top_type,
        report_type=_param(msg, "report-type").lower(),
        has_delivery_status=bool(walk.delivery_status),
        has_attached_original=bool(walk.originals or walk.original_headers),
        body_text=text,
    )
    kind = classify(_DecodedHeaders(headers), structure, from_address, from_name)

    bounced_ids: tuple[str, ...] = ()
    bounced_recipients: tuple[str, ...] = ()
    permanent = False
    until: dt.date | None = None
    sent_at = _date(_first(headers, "date"))
    if kind is MessageKind.BOUNCE:
        bounced_ids, bounced_recipients, permanent = _bounce_details(walk, text)
        failed = [a for _, a in _addresses(headers, "x-failed-recipients")]
        bounced_recipients = _unique(list(bounced_recipients) + failed)
    elif kind is MessageKind.AUTO_REPLY:
        until = out_of_office_until(new_text or text, subject=subject, sent_at=sent_at)

    return ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        subject=subject,
        from_address=from_address,
        from_name=from_name or None,
        to=tuple(a for _, a in _addresses(headers, "to")),
        cc=tuple(a for _, a in _addresses(headers, "cc")),
        delivered_to=tuple(a for _, a in _addresses(headers, "delivered-to")),
        date=sent_at,
        text=text,
        new_text=new_text,
        quoted_text=quoted_text,
        signature=signature,
        attachments=tuple(walk.attachments),
        kind=kind,
        bounced_message_ids=bounced_ids,
        bounced_recipients=bounced_recipients,
        bounce_permanent=permanent,
        auto_reply_until=until,
        defects=tuple(dict.fromkeys(defects)),
    )


_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|sv|r|rv)\s*:\s*)*(?:fw|fwd|wg|tr|rv|i|enc|doorst|vs|vb|pd|転送|转发)\s*:", re.I
)
FORWARD_NOTE_MAX_CHARS = 400


def to_inbound(parsed: ParsedEmail, *, received_at: datetime, raw: bytes) -> InboundMessage:
    """The channel-neutral message the reply pipeline reads."""
    forwarded = ""
    if _FORWARD_SUBJECT.match(parsed.subject) and len(parsed.new_text) <= FORWARD_NOTE_MAX_CHARS:
        forwarded = forwarded_body(parsed.quoted_text)
    if parsed.message_id:
        dedupe_key = "email:" + parsed.message_id
    else:
        dedupe_key = "email-sha256:" + hashlib.sha256(raw).hexdigest()
    return InboundMessage(
        channel=Channel.EMAIL,
        received_at=received_at,
        sender=parsed.from_address,
        dedupe_key=dedupe_key,
        new_text=parsed.new_text,
        subject=parsed.subject,
        sender_name=parsed.from_name,
        quoted_text=parsed.quoted_text,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        recipients=parsed.to + parsed.cc + parsed.delivered_to,
        forwarded_text=forwarded,
        kind=parsed.kind,
        bounced_message_ids=parsed.bounced_message_ids,
        bounced_recipients=parsed.bounced_recipients,
        auto_reply_until=parsed.auto_reply_until,
        attachments=parsed.attachments,
        raw=raw,
        defects=parsed.defects,
    )
