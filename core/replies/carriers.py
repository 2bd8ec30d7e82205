"""Carriers: how they are named in text and how their tracking numbers check themselves."""

from __future__ import annotations

import re

from stdnum import iso6346

from core.replies.case_folding import compile_folded, trie_alternation
from core.replies.schemas import Carrier

# Names as vendors write them (lower case). "Other" holds carriers and forwarders outside the list.
# Plain literals in one alternation (a trie): Python's re is ~30x slower on many small sub-patterns.
_NAMES: dict[Carrier, tuple[str, ...]] = {
    Carrier.UPS: ("ups", "united parcel service"),
    Carrier.FEDEX: ("fedex", "fed ex", "federal express"),
    Carrier.DHL: ("dhl",),
    Carrier.USPS: ("usps", "u.s. postal", "us postal service", "united states postal", "priority mail"),
    Carrier.TNT: ("tnt",),
    Carrier.DPD: ("dpd",),
    Carrier.GLS: ("gls",),
    Carrier.ROYAL_MAIL: ("royal mail",),
    Carrier.MAERSK: ("maersk",),
    Carrier.MSC: ("msc", "mediterranean shipping"),
    Carrier.CMA_CGM: ("cma cgm", "cma-cgm", "cmacgm"),
    Carrier.HAPAG_LLOYD: ("hapag-lloyd", "hapag lloyd", "hapag"),
    Carrier.OTHER: (
        "chronopost", "seur", "hermes", "evri", "db schenker", "schenker", "kuehne+nagel", "kuehne + nagel",
        "kühne+nagel", "kühne + nagel", "kuehne nagel", "k+n", "dsv", "geodis", "ceva", "yodel", "parcelforce",
        "colissimo", "correos", "brt", "bartolini", "postnl", "bpost", "postnord", "inpost", "poczta polska",
        "estafeta", "paquetexpress", "xpo", "old dominion", "saia", "estes", "purolator", "canada post",
        "australia post", "startrack", "aramex", "blue dart", "bluedart", "delhivery", "sf express", "sf-express",
        "顺丰", "中通", "圆通", "申通", "韵达", "ems", "yamato", "ヤマト", "佐川", "sagawa",
        "dachser", "raben", "rhenus",
        "nippon express", "expeditors", "cosco", "evergreen", "zim", "ocean network express", "yang ming", "gefco",
        "nacex", "mrw", "sda", "poste italiane", "posti", "correios", "ctt", "paack", "ontrac", "lasership",
        "db cargo", "geopost", "fercam", "arcese",
    ),
}  # fmt: skip
_NAME_TO_CARRIER: dict[str, Carrier] = {name: c for c, names in _NAMES.items() for name in names}
NAMED_RE = re.compile(r"(?<![\w-])(" + trie_alternation(_NAME_TO_CARRIER) + r")(?![\w-])")
# A generic word for a carrier ("the haulier", "el transportista") names an unlisted carrier only when
# the same sentence ships something, and not when it is the buyer's own ("your courier").
# Case-insensitive: run it on fold_case(text).
GENERIC_RE = compile_folded(
    r"(?<!your\s)(?<!vs\.\s)(?<!vostro\s)(?<!ihre\s)(?<!votre\s)(?<!su\s)(?<!uw\s)"
    r"\b(?:transportista|spedition|spediteur|forwarder|freight\s+forwarder|haulier|hauler|trucking\s+company"
    r"|transporteur|corriere|vettore|vervoerder|expediteur|przewoźnik|speditør|speditör|transportadora"
    # trucking firms are named "Transportes X", "Transports X", "Trasporti X", "Spedizioni X"
    r"|transportes|transports|trasporti|spedizioni)\b"
)

# Container owner prefixes of the ocean carriers FORMAT.md names.
CONTAINER_PREFIXES: dict[str, Carrier] = {
    **dict.fromkeys(
        ("MAEU", "MSKU", "MRKU", "MRSU", "MCAU", "MCHU", "MIEU", "SEAU", "SUDU", "MNBU", "MVIU"), Carrier.MAERSK
    ),
    **dict.fromkeys(("MSCU", "MEDU", "MSDU", "MSMU", "MSNU", "MSZU", "DRYU", "TRLU"), Carrier.MSC),
    **dict.fromkeys(("CMAU", "CGMU", "APHU", "APZU", "ECMU", "TCLU", "CMNU", "CGHU", "ANNU"), Carrier.CMA_CGM),
    **dict.fromkeys(("HLCU", "HLXU", "HLBU", "UACU", "UASU", "FANU", "TLEU"), Carrier.HAPAG_LLOYD),
}  # fmt: skip


def named_carriers(text: str) -> list[tuple[int, int, Carrier]]:
    """Every carrier named in text: (start, end, carrier), in order."""
    lowered = text.lower()
    if len(lowered) != len(text):  # rare case-folding length change: positions must stay valid
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return [(m.start(), m.end(), _NAME_TO_CARRIER[m[1]]) for m in NAMED_RE.finditer(lowered)]


def _digits(text: str) -> list[int]:
    return [int(c) for c in text]


def ups_valid(number: str) -> bool:
    """UPS 1Z: mod-10 over the 15 characters after "1Z", letters mapped (A=2, B=3, ...)."""
    body = number[2:]
    if len(body) != 16:
        return False
    total = 0
    for i, ch in enumerate(body[:15]):
        value = int(ch) if ch.isdigit() else (ord(ch) - ord("A") + 2) % 10
        total += value * (2 if i % 2 else 1)
    return (10 - total % 10) % 10 == int(body[15]) if body[15].isdigit() else False


def dhl_express_valid(number: str) -> bool:
    """DHL Express waybill (10 digits): the serial modulo 7 is the check digit."""
    return number.isdigit() and len(number) in (10, 11) and int(number[:-1]) % 7 == int(number[-1])


def fedex12_valid(number: str) -> bool:
    """FedEx Express 12 digits: weights 3,1,7 over the serial, mod 11 then mod 10."""
    if not (number.isdigit() and len(number) == 12):
        return False
    weights = (3, 1, 7) * 4
    total = sum(d * w for d, w in zip(_digits(number[:11]), weights, strict=False))
    return total % 11 % 10 == int(number[11])


def mod10_valid(number: str, *, even_weight: int, odd_weight: int) -> bool:
    """GS1-style mod 10 (USPS IMpb, FedEx Ground, SSCC): weights alternate from the right."""
    if not number.isdigit() or len(number) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(_digits(number[:-1]))):
        total += d * (odd_weight if i % 2 == 0 else even_weight)
    return (10 - total % 10) % 10 == int(number[-1])


def gs1_valid(number: str) -> bool:
    return mod10_valid(number, even_weight=1, odd_weight=3)


def s10_valid(number: str) -> bool:
    """UPU S10 ("EA123456789US"): weights 8,6,4,2,3,5,9,7 over 8 digits, 11 minus mod 11."""
    digits = number[2:11]
    if len(number) != 13 or not digits.isdigit():
        return False
    total = sum(d * w for d, w in zip(_digits(digits[:8]), (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return check == int(digits[8])


def awb_valid(number: str) -> bool:
    """IATA air waybill (3-digit airline prefix + 8-digit serial): serial[:7] mod 7 is its last digit."""
    return number.isdigit() and len(number) == 11 and int(number[3:10]) % 7 == int(number[10])


def container_valid(number: str) -> bool:
    return bool(iso6346.is_valid(number))


def carrier_by_number(number: str) -> tuple[Carrier | None, bool | None]:
    """The carrier a number's own shape and check digit imply, and whether that check passed."""
    if number.startswith("1Z"):
        return Carrier.UPS, ups_valid(number)
    if re.fullmatch(r"[A-Z]{3}[UJZ]\d{7}", number):
        return CONTAINER_PREFIXES.get(number[:4], Carrier.OTHER), container_valid(number)
    if re.fullmatch(r"[A-Z]{2}\d{9}[A-Z]{2}", number):
        ok = s10_valid(number)
        return {"GB": Carrier.ROYAL_MAIL, "US": Carrier.USPS}.get(number[-2:], Carrier.OTHER), ok
    if re.fullmatch(r"GE\d{9}WW", number):
        return Carrier.TNT, None
    if re.fullmatch(r"J[A-Z]{2,3}\d{9,20}", number):
        return Carrier.DHL, None
    if not number.isdigit():
        return None, None
    n = len(number)
    if n == 20 and number.startswith("00340"):
        return Carrier.DHL, gs1_valid(number[2:])
    if n in (20, 22) and number.startswith("9") and mod10_valid(number, even_weight=1, odd_weight=3):
        return Carrier.USPS, True
    if n == 12 and fedex12_valid(number):
        return Carrier.FEDEX, True
    if n == 15 and gs1_valid(number):
        return Carrier.FEDEX, True
    if n == 10 and dhl_express_valid(number):
        return Carrier.DHL, True
    return None, None
