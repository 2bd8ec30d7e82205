"""Tracking numbers and the carrier from a vendor's new text.

A number is taken when its own shape proves it (UPS 1Z, S10, container with ISO 6346 check digit,
carrier check digits) or when a tracking word or carrier name stands next to it; it is refused when
a phone/VAT/IBAN/invoice/order word is closer, or it is one of the PO numbers or vendor references
the caller excludes."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from stdnum import ean, iban

from core.replies.carriers import (
    CONTAINER_PREFIXES,
    GENERIC_RE,
    awb_valid,
    carrier_by_number,
    named_carriers,
)
from core.replies.case_folding import compile_folded, fold_case, trie_alternation
from core.replies.date_context import find_keywords
from core.replies.schemas import Carrier, TrackingNumber

MAX_TEXT = 20_000
MAX_NUMBERS = 20

# Every alternative starts with a plain letter so that re can skip to the positions where one of
# those letters stands (a leading \b would stop that): "t(?<!\wt)rack" is "\btrack".
_POSITIVE = (
    r"tracking|track\s*(?:&|and|\+|n)\s*trace|track(?:ing)?\s*(?:no|nr|#|number|id|code)|t(?<!\wt)rack\b|waybill|a(?<!\wa)wb\b"
    r"|air\s*waybill|consignment|parcel\s*(?:no|nr|number|id)|shipment\s*(?:no|nr|number|id)|b(?<!\wb)/l\b|bill\s+of\s+lading"
    r"|container|sendungs?(?:nummer|nr|-nr)|paketnummer|paket-?nr|trackingnummer|sendungsverfolgung|frachtbrief"
    r"|suivi|n°\s*de\s*colis|num[ée]ro\s+de\s+colis|lettre\s+de\s+voiture|seguimiento|gu[ií]a|n[uú]mero\s+de\s+env[ií]o"
    r"|localizador|tracciamento|spedizione|lettera\s+di\s+vettura|l(?<!\wl)dv\b|track\s*&\s*trace|zendingnummer|volgnummer"
    r"|barcode\s+pakket|rastreio|rastreamento|código\s+de\s+envio|numer\s+przesyłki|list\s+przewozowy|kolli-?id"
    r"|sändningsnummer|追跡番号|お問い合わせ番号|运单号|快递单号|单号|运单|운송장|송장번호|p(?<!\wp)ro\s*(?:no|#|number)"
    r"|colli|collo|c(?<!\wc)mr\b"
)
# Words that make a nearby number something else. Stems match word starts; short words need a boundary.
_NEGATIVE_STEMS = (
    "telephone", "phone", "telefon", "téléphone", "teléfono", "telefono", "mobile", "whatsapp", "wechat",
    "ust-id", "ust.-id", "ustid", "ust.", "gstin", "company no", "registered", "steuer", "siret", "account",
    "sort code", "routing", "invoice", "rechnung", "factur", "fattura", "batch", "serial", "purchase order",
    "order", "bestell", "auftrag", "commande", "pedido", "ordine", "encomenda", "bestelling", "orden",
    "référence", "referencia", "riferimento", "case no", "case number", "ticket", "customer", "kunden",
    "client", "artikel", "article", "art.-nr", "art.nr", "artnr", "item", "part no", "part number", "quote",
    "angebot", "offerta", "devis", "proforma", "sales order", "postcode", "p.iva", "p. iva", "iban",
)  # fmt: skip
_NEGATIVE_WORDS = (
    "tel", "tel.", "fon", "fax", "mob", "cell", "t:", "m:", "p:", "f:", "vat", "btw", "tva", "iva", "cif", "nif",
    "cin", "kvk", "hrb", "hra", "rcs", "bic", "swift", "acc", "ean", "gtin", "gln", "upc", "inv", "lot",
    "charge", "s/n", "po", "p.o.", "ref", "ref.", "sku", "pi", "ab", "so", "zip", "plz",
)  # fmt: skip
# Word lists as tries, matched case-insensitively on fold_case(text) (see case_folding: ~5x faster).
_NEGATIVE = r"(?<![\w])(?:" + trie_alternation(_NEGATIVE_STEMS) + "|" + trie_alternation(_NEGATIVE_WORDS) + r"(?![\w]))"
_POSITIVE_RE = compile_folded(_POSITIVE)
_NEGATIVE_RE = compile_folded(_NEGATIVE)
_DIGIT_RE = re.compile(r"\d")

_UPS_RE = re.compile(r"\b1Z(?:[ -]?[0-9A-Z]){16}\b", re.IGNORECASE)
_S10_RE = re.compile(r"\b[A-Z]{2}(?: ?\d){9} ?[A-Z]{2}\b", re.IGNORECASE)
_CONTAINER_RE = re.compile(r"\b[A-Z]{3}[UJZ] ?\d{6} ?-? ?\d\b", re.IGNORECASE)
_SPECIAL_RE = re.compile(r"\bGE\d{9}WW\b|\bJ[A-Z]{2,3}\d{9,20}\b", re.IGNORECASE)
_AWB_RE = re.compile(r"(?<![\w.,/+-])\d{3}[ -]\d{4} ?\d{4}(?![\w/]|[.,-]\d)")
_RUN_RE = re.compile(r"(?<![\w.,/])\+?\d(?:[ -]?\d){7,33}(?![\w/]|[.,]\d)")
# the number's text is read from the original by span (the pattern runs on folded text)
_ALNUM_AFTER_KEYWORD_RE = compile_folded(
    rf"(?:{_POSITIVE})\s*(?:no\.?|nr\.?|number|#|n°|nº|id|code)?\s*[:.#]?\s*([a-z0-9]*\d[a-z0-9]*[a-z][a-z0-9]*|[a-z][a-z0-9]*\d[a-z0-9]*)\b"
)
_DATE_SHAPE_RE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4}|\d{2}-\d{2}-\d{2}")
_WINDOW_BEFORE = 60
_WINDOW_AFTER = 25


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    number: str
    carrier: Carrier | None
    check: bool | None
    proven: bool  # the number's own shape proves it is a tracking number


def _normalise(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw).upper()


@dataclass(frozen=True, slots=True)
class _Words:
    """Positions of tracking words, refusal words and carrier names, found once per text."""

    positive: list[tuple[int, int]]
    negative: list[tuple[int, int]]
    names: list[tuple[int, int, Carrier]]

    @classmethod
    def scan(cls, folded: str, names: list[tuple[int, int, Carrier]]) -> _Words:
        positive = [(m.start(), m.end()) for m in _POSITIVE_RE.finditer(folded)] + [(s, e) for s, e, _ in names]
        negative = [(m.start(), m.end()) for m in _NEGATIVE_RE.finditer(folded)]
        return cls(sorted(positive), negative, names)


def _context(text: str, words: _Words, start: int, end: int) -> tuple[bool, bool]:
    """(positive, negative): is a tracking word or carrier nearer before it than any refusal word?"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    lo = start - _WINDOW_BEFORE
    pos_before = max((e for s, e in words.positive if s >= lo and e <= start), default=-1)
    neg_before = max((e for s, e in words.negative if s >= max(lo, line_start) and e <= start), default=-1)
    pos_after = any(end <= s and e <= min(end + _WINDOW_AFTER, line_end) for s, e in words.positive)
    negative = neg_before > pos_before
    return (pos_before >= 0 or pos_after) and not negative, negative


def _excluded(number: str, exclude: Collection[str]) -> bool:
    bare = number.lstrip("0")
    for item in exclude:
        norm = _normalise(item)
        digits = re.sub(r"\D", "", norm).lstrip("0")
        if number == norm or (digits and bare == digits):
            return True
    return False


def _is_other_identifier(number: str) -> bool:
    """IBANs and EAN/GTIN barcodes validate themselves; they are never tracking numbers."""
    if len(number) in (8, 12, 13, 14) and number.isdigit() and ean.is_valid(number):
        return len(number) == 13  # 12/14-digit GS1 numbers overlap FedEx/DPD, leave those to context
    return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", number)) and bool(iban.is_valid(number))


def extract_tracking(text: str, *, exclude: Collection[str] = ()) -> tuple[list[TrackingNumber], Carrier | None]:
    """Tracking numbers (upper case, no spaces/dashes) and the shipment's carrier, or None."""
    if not text:
        return [], None
    text = text[:MAX_TEXT]
    names = named_carriers(text)
    if _DIGIT_RE.search(text) is None:
        return [], _message_carrier(text, [], names)  # every number pattern needs a digit
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []
    folded = fold_case(text)
    words = _Words.scan(folded, names)

    def overlaps(s: int, e: int) -> bool:
        return any(s < te and ts < e for ts, te in taken)

    def add(m: re.Match[str], number: str, carrier: Carrier | None, check: bool | None, proven: bool) -> None:
        if overlaps(m.start(), m.end()) or _excluded(number, exclude) or _is_other_identifier(number):
            return
        taken.append((m.start(), m.end()))
        found.append(_Found(m.start(), m.end(), number, carrier, check, proven))

    for m in _UPS_RE.finditer(text):
        number = _normalise(m[0])
        carrier, check = carrier_by_number(number)
        add(m, number, carrier, check, True)
    for m in _CONTAINER_RE.finditer(text):
        number = _normalise(m[0])
        carrier, check = carrier_by_number(number)
        positive, negative = _context(text, words, m.start(), m.end())
        if (check or number[:4] in CONTAINER_PREFIXES or positive) and not negative:
            add(m, number, carrier, check, bool(check) or number[:4] in CONTAINER_PREFIXES)
    for m in _S10_RE.finditer(text):
        number = _normalise(m[0])
        carrier, check = carrier_by_number(number)
        positive, negative = _context(text, words, m.start(), m.end())
        if (check or positive) and not negative:
            add(m, number, carrier, check, bool(check))
    for m in _SPECIAL_RE.finditer(text):
        number = _normalise(m[0])
        carrier, check = carrier_by_number(number)
        add(m, number, carrier, check, True)
    for m in _AWB_RE.finditer(text):
        number = _normalise(m[0])
        positive, negative = _context(text, words, m.start(), m.end())
        if awb_valid(number) and positive and not negative and re.search(r"\d{3}-\d", m[0]):
            add(m, number, None, True, False)
    for m in _RUN_RE.finditer(text):
        raw = m[0]
        if raw.startswith("+") or _DATE_SHAPE_RE.fullmatch(raw):
            continue
        number = _normalise(raw)
        if not 8 <= len(number) <= 30:
            continue
        positive, negative = _context(text, words, m.start(), m.end())
        if negative:
            continue
        carrier, check = carrier_by_number(number)
        if positive or (check and (words.names or words.positive)):
            add(m, number, carrier, check, False)
    # the pattern starts with a tracking word: no tracking word, no match
    alnum = _ALNUM_AFTER_KEYWORD_RE.finditer(folded) if len(words.positive) > len(names) else iter(())
    for m in alnum:
        number = text[m.start(1) : m.end(1)].upper()
        if 8 <= len(number) <= 30 and sum(c.isdigit() for c in number) >= 6:
            carrier, check = carrier_by_number(number)
            if not overlaps(m.start(1), m.end(1)) and not _excluded(number, exclude):
                taken.append((m.start(1), m.end(1)))
                found.append(_Found(m.start(1), m.end(1), number, carrier, check, False))
        if len(found) >= MAX_NUMBERS:
            break
    found.sort(key=lambda f: f.start)
    found = found[:MAX_NUMBERS]
    names = words.names
    result: list[TrackingNumber] = []
    seen: set[str] = set()
    for f in found:
        if f.number in seen:
            continue
        seen.add(f.number)
        carrier = f.carrier if f.proven or f.carrier is not None else None
        near = _nearest_named(names, f.start, f.end)
        if near is not None and not (f.proven and f.carrier not in (None, Carrier.OTHER)):
            carrier = near
        if carrier is None:
            distinct = {c for _, _, c in names}
            carrier = distinct.pop() if len(distinct) == 1 else Carrier.OTHER
        result.append(TrackingNumber(f.number, carrier, f.check))
    return result, _message_carrier(text, result, names)


def _nearest_named(names: list[tuple[int, int, Carrier]], start: int, end: int) -> Carrier | None:
    best: Carrier | None = None
    best_distance = 10**9
    for s, e, carrier in names:
        distance = start - e if e <= start else (s - end) * 2 if s >= end else 0
        if 0 <= distance <= 120 and distance < best_distance:
            best, best_distance = carrier, distance
    return best


def _message_carrier(text: str, numbers: list[TrackingNumber], names: list[tuple[int, int, Carrier]]) -> Carrier | None:
    for tn in numbers:
        if tn.carrier is not None:
            return tn.carrier
    if names:
        return names[0][2]
    for m in GENERIC_RE.finditer(fold_case(text)):
        sentence_start = max(text.rfind(".", 0, m.start()), text.rfind("\n\n", 0, m.start()), 0)
        sentence_end = min(x for x in (text.find(".", m.end()), text.find("\n\n", m.end()), len(text)) if x != -1)
        sentence = text[sentence_start:sentence_end].lower()
        if any(k.role == "ship" and k.strength == 2 for k in find_keywords(sentence)):
            return Carrier.OTHER
    return None


def warm_up() -> None:
    """Compile lazy state (stdnum modules, regexes) before the first message."""
    extract_tracking("shipped via DHL, tracking 1Z999AA10123456784, IBAN DE89370400440532013000")
