"""Find PO numbers and vendor order references in vendor text, and resolve them against the known POs.

A wrong PO match is worse than none, so every number is guilty until proven innocent: it must be a
whole token, it must resolve through an O(1) key lookup to exactly one PO, and a number without a
PO word in front ("bare") must not sit in a context that makes it a phone, IBAN, invoice, tracking,
address, quantity, price or date. Bare hits carry strength "bare" so the matcher can weigh them lower.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from stdnum import ean, iban
from stdnum.eu import vat

Strength = Literal["exact", "bare"]
RefKind = Literal["po", "vendor_ref"]

MAX_TEXT_CHARS = 50_000  # vendor text is untrusted; PO numbers live in the first screenful anyway
MIN_BARE_DIGITS = 4  # "42" or "512" alone is a count, a position or a size far more often than a PO
MIN_QUALIFIED_DIGITS = 3

_DIGIT = re.compile(r"\d")
_AMBIGUOUS = ""  # a key that resolves to two different POs resolves to nothing


@dataclass(frozen=True, slots=True)
class POReference:
    po_number: str  # canonical PO number
    matched_text: str
    span: tuple[int, int]
    strength: Strength
    kind: RefKind


def _groups(number: str) -> list[str]:
    """Alphanumeric groups, split at separators and at letter/digit boundaries: NW-2026-01187 -> NW 2026 01187."""
    return re.findall(r"[A-Z]+|\d+", number.upper())


def _strip0(digits: str) -> str:
    return digits.lstrip("0") or "0"


def _compact_keys(number: str) -> set[str]:
    groups = _groups(number)
    if not groups:
        return set()
    raw = "".join(groups)
    zero_free = "".join(_strip0(g) if g.isdigit() else g for g in groups)
    return {raw, zero_free}


def _digit_groups(number: str) -> list[str]:
    return re.findall(r"\d+", number)


class PONumberIndex:
    """Key forms of every canonical PO number and vendor reference, each a dict lookup."""

    def __init__(self) -> None:
        self._compact: dict[str, str] = {}  # PO4512, NW202601187, NW20261187 -> canonical
        self._digits: dict[str, str] = {}  # 4512, 202601187 -> canonical (significant digits)
        self._multi: dict[str, str] = {}  # "2026|1187" -> canonical, for numbers of several digit groups
        self._last: dict[str, str] = {}  # "1187" -> canonical, last digit group (qualified use only)
        self._prefixes: set[str] = set()  # letter prefixes the buyer's own numbers use (PO, NW, BE)
        self._vendor_compact: dict[str, str] = {}  # SO88213 -> canonical PO
        self._vendor_digits: dict[str, str] = {}  # 88213 -> canonical PO (after "our order" etc.)
        self._numbers: set[str] = set()

    @classmethod
    def from_numbers(cls, numbers: Iterable[str], vendor_refs: Iterable[tuple[str, str]] = ()) -> PONumberIndex:
        index = cls()
        for number in numbers:
            index.add(number)
        for po_number, reference in vendor_refs:
            index.add_vendor_reference(po_number, reference)
        return index

    def __len__(self) -> int:
        return len(self._numbers)

    @staticmethod
    def _put(table: dict[str, str], key: str, canonical: str) -> None:
        if not key:
            return
        existing = table.get(key)
        if existing is None:
            table[key] = canonical
        elif existing != canonical:
            table[key] = _AMBIGUOUS

    def add(self, number: str) -> None:
        number = number.strip()
        if not number or len(number) > 64:
            return
        self._numbers.add(number)
        for key in _compact_keys(number):
            self._put(self._compact, key, number)
        groups = _groups(number)
        if groups and not groups[0].isdigit():
            self._prefixes.add(groups[0])
        digit_groups = _digit_groups(number)
        if not digit_groups:
            return
        self._put(self._digits, _strip0("".join(digit_groups)), number)
        if len(digit_groups) > 1:
            self._put(self._multi, "|".join(_strip0(g) for g in digit_groups), number)
            self._put(self._digits, "".join(_strip0(g) for g in digit_groups), number)
            last = _strip0(digit_groups[-1])
            if len(last) >= MIN_QUALIFIED_DIGITS:
                self._put(self._last, last, number)

    def add_vendor_reference(self, po_number: str, reference: str) -> None:
        reference = reference.strip()
        if not reference or len(reference) > 64:
            return
        for key in _compact_keys(reference):
            self._put(self._vendor_compact, key, po_number)
        digit_groups = _digit_groups(reference)
        if digit_groups:
            self._put(self._vendor_digits, _strip0("".join(digit_groups)), po_number)
            if len(digit_groups) > 1:
                self._put(self._vendor_digits, "|".join(_strip0(g) for g in digit_groups), po_number)

    # -- lookups (each returns a canonical PO number or None) --

    @staticmethod
    def _get(table: dict[str, str], key: str) -> str | None:
        found = table.get(key)
        return found or None

    def by_compact(self, token: str) -> str | None:
        for key in sorted(_compact_keys(token)):
            found = self._get(self._compact, key)
            if found:
                return found
        return None

    def by_digits(self, token: str, *, qualified: bool) -> str | None:
        digit_groups = _digit_groups(token)
        if not digit_groups:
            return None
        if len(digit_groups) > 1:
            found = self._get(self._multi, "|".join(_strip0(g) for g in digit_groups))
            if found:
                return found
        joined = _strip0("".join(digit_groups))
        if len(joined) < (MIN_QUALIFIED_DIGITS if qualified else MIN_BARE_DIGITS):
            return None
        found = self._get(self._digits, joined)
        if found or not qualified or len(digit_groups) > 1:
            return found
        return self._get(self._last, joined)

    def vendor_by_compact(self, token: str) -> str | None:
        for key in sorted(_compact_keys(token)):
            found = self._get(self._vendor_compact, key)
            if found:
                return found
        return None

    def vendor_by_digits(self, token: str) -> str | None:
        digit_groups = _digit_groups(token)
        if not digit_groups:
            return None
        key = _strip0("".join(digit_groups))
        if len(key) < MIN_QUALIFIED_DIGITS:
            return None
        found = self._get(self._vendor_digits, key)
        if found or len(digit_groups) < 2:
            return found
        return self._get(self._vendor_digits, "|".join(_strip0(g) for g in digit_groups))

    def is_po_prefix(self, letters: str) -> bool:
        return letters.upper() in self._prefixes


# --- the words that make a number a PO number ("qualifiers") --------------------------------------------------

# The buyer's order, in the languages vendors write in. Each must be directly followed by the number
# (optionally "no.", "#", "n°", ":"), so "order confirmation 4711823" does not qualify 4711823.
_PO_WORDS = r"""
    purchase[\s-]+orders? | p\.\s?o\.? | po(?:'s)? | p/o | orders? | ord\. | order\s+numbers? | your\s+ref(?:erence)?\.?
    | customer\s+po | po\s+number
    | bestellung(?:en)? | bestell-?\s?nr\.? | bestell-?nummer | best\.-?nr\.? | ihr(?:e|er|em)?\s+zeichen
    | commandes? | bon\s+de\s+commande | votre\s+r[ée]f(?:[ée]rence)?\.?
    | pedidos? | [oó]rden(?:es)?\s+de\s+compra | orden | su\s+referencia
    | ordin[ei] | ordine\s+d'acquisto | vs\.?\s+rif\.? | oda
    | bestelling(?:en)? | inkooporder | ordernummer | bestelnummer | uw\s+referentie
    | encomendas? | ordem\s+de\s+compra | nota\s+de\s+encomenda
    | zam[óo]wieni(?:e|a|u)? | zam[óo]wie[ńn]
    | best[äa]llning(?:ar|en)? | ink[öo]psorder
    | objedn[áa]vk[ayu]? | objedn[áa]vce | [čc]\.\s?objedn[áa]vky
    | sipari[şs](?:i|in|iniz|e)?
    | [đd][ơo]n\s+(?:[đd][ặa]t\s+)?h[àa]ng
    | 注文番号 | ご注文 | 注文 | 発注番号 | 発注書 | 発注
    | 订单号 | 订单 | 采购订单 | 訂單號? | 採購單
    | 발주번호 | 발주서 | 발주 | 주문번호 | 주문
"""

# The vendor's own order: its number is a vendor reference, never the buyer's PO number.
_VENDOR_WORDS = r"""
    (?:our|ons|onze|unser(?:e|em|en|er)?|notre|nos|nuestr[oa]s?|nostr[oa]|ns\.|nosso|nossa|nasz[ae]?|v[åa]r|v[åa]rt)
        \s+(?:sales\s+)?(?:order\s+confirmation|orders?|order\s+no\.?|ref(?:erence)?\.?|r[ée]f(?:[ée]rence)?\.?
          |referencia|rif\.?|referentie
            |zeichen|auftrag(?:snummer)?|commande|pedido|ordine|ordernummer|encomenda|zam[óo]wienie|PI)
    | sales\s+orders? | s/o | auftragsbest[äa]tigung | ab-?\s?nr\.? | auftrags-?nr\.? | auftragsnummer
    | order\s+confirmation | proforma(?:\s+invoice)? | p/i | confirmaci[óo]n\s+de\s+pedido | conferma\s+d'ordine
    | orderbevestiging | confirmation\s+de\s+commande
"""

_FILLER = (
    r"(?:\s*(?:[:#№]|n[°ºo]\.?|n\.\s?º|no\.?(?=\s*[#:]?\s*\w)|nr\.?|num\.?|numbers?|nummer|numero|n[úu]mero"
    r"|num[ée]ro|番号|号|번호))*\s*[:#]?\s*"
)
# ASCII only: a CJK character glued to a number ("订单4512已发货") is a word boundary, not part of the number
_TOKEN = r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*"
# a token that holds a digit: letter groups ("PPC/EXP/"), an optional separator, then the digits and the rest.
# Written without nested optional repeats so that a long run of letters cannot make it backtrack exponentially.
_DIGIT_TOKEN = r"(?:[A-Za-z]+(?:[-/.][A-Za-z]+)*[-#/.]?)?\d[A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*"
# a qualifier is a whole word ("Auftrag" is not "Auftragsbestätigung") unless digits follow at once ("po4512")
_WORD_END = r"(?:(?=\d)|(?![^\W_])|(?<=[^\x00-\u2fff]))"

_SCAN = re.compile(
    rf"""
    (?<![^\W_])(?P<vq>{_VENDOR_WORDS}){_WORD_END}{_FILLER}(?P<vtok>{_TOKEN})
  | (?<![^\W_])(?P<pq>{_PO_WORDS}){_WORD_END}{_FILLER}(?P<ptok>{_TOKEN})
  | (?<![A-Za-z0-9])(?P<tok>{_DIGIT_TOKEN})
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A qualifier followed by a list: "orders 4536 and 4579", "ordini 4536 e 4579", "PO 4512, 4561 & 4600".
_LIST_NEXT = re.compile(
    r"\s*(?:,|&|\+|/|;|\band\b|\bund\b|\be\b|\by\b|\bet\b|\ben\b|\bi\b|\boch\b|\bog\b|\bve\b|\bsowie\b"
    rf"|、|和|及び|및)\s*#?\s*(?P<tok>{_TOKEN})",
    re.IGNORECASE,
)
# Abbreviations glued to the number that mean "purchase order" (OC-0012019 = orden de compra).
_PO_ABBREVIATIONS = frozenset({"PO", "OC", "BC", "ODA", "OA", "PR", "BEST", "BESTNR", "ORD", "ORDER"})

_URL_OR_MAIL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_VAT_LIKE = re.compile(r"\b[A-Z]{2}[ ]?\d[\d ]{6,14}\d(?:[ ]?[A-Z]\d{2})?\b")
_PO_BOX = re.compile(
    r"\b(?:p\.?\s?o\.?\s*box|postfach|apartado(?:\s+de\s+correos)?|bo[îi]te\s+postale|casella\s+postale)\b", re.I
)

# --- contexts that make a number something else -------------------------------------------------------------

_NEG_LABEL = re.compile(
    r"""(?:
        tel|tél|phone|telephone|téléphone|telefon|teléfono|telefono|telefone|fax|mobile?|mob|móvil|cell|handy|gsm
      | whatsapp|wechat|skype|hotline|[tpfm](?=\s*:)
      | vat|ust|ust-?idnr|ust-?id|tva|iva|btw|gst|gstin|cif|nif|nipc|siren|siret|rcs|kvk|hrb|hra|cin|rfc|abn|ein
        |p\.?\s?iva
      | company|reg|registered|registration|handelsregister|amtsgericht|registergericht|steuernummer|st\.-?nr
      | iban|bic|swift|account|acc|acct|konto|kontonummer|sort\s+code|routing|aba|bank|blz|cuenta|conto|rekening
        |conta|clabe
      | invoices?|inv|rechnung(?:s-?nr|snummer)?|re-?nr|facture|factura|fattura|fatura|faktura|factuur|faktúra
        |credit\s+note|gutschrift
      | 請求書番号|請求書|发票号?|發票|인보이스|송장|h[óo]a\s+[đd][ơo]n
      | lot|lots|batch|charge|chargen?-?nr|lote|lotto|partij|parti|šarže|serial|s/n|sn|seriennummer|serie|série
        |numéro\s+de\s+série
      | tracking|track|trace|awb|waybill|air\s+waybill|sendung(?:snummer)?|paketnummer|consignment|parcel|guía|guia
        |suivi|colis
      | spedizione|lettera\s+di\s+vettura|vrachtbrief|zending|envío|remessa|przesyłka|försändelse|container|cntr|b/l
        |bl|bill\s+of\s+lading|booking|seal
      | sku|art|art\.-?nr|artikel(?:nummer|-?nr)?|article|articolo|artículo|item|part|p/n|pn|mpn|material|mat\.-?nr
        |model|modelo|modell|type|typ|ref\.?\s+fabricant|cod|código|codice|code
      | case|ticket|incident|vorgang|kunden-?nr|kundennummer|customer\s+(?:no|number|id|account)|client|cliente
        |klant(?:nummer)?|debitor
      | box|postfach|apartado|zip|plz|postcode|postal|code\s+postal|cp|cap
      | qty|quantity|menge|anzahl|cantidad|quantité|quantità|aantal|quantidade|ilość|antal|množství|miktar
      | pos|line|position|posición|posizione|positie|page|seite|version|rev|room|hall|halle|booth|stand|gate|dock|km
        |kw|wk|week|semana|semaine|settimana|woche|week
      | dn|despatch\s+note|delivery\s+note|lieferschein|bon\s+de\s+livraison|albarán|albaran|ddt|pakbon|cmr|pod
      | ean|gtin|gln|upc|isbn|hs|hs\s+code|taric|eori|duns
    )\.?[\s:.#°º\-]*(?:no\.?|nr\.?|n[°º]\.?|n\.|\#|numbers?|nummer|num\.?)?[\s:.#°º\-]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_CURRENCY_BEFORE = re.compile(
    r"(?:[€$£¥₹₩₫₺]|\b(?:eur|usd|gbp|chf|cny|rmb|jpy|inr|mxn|pln|sek|czk|try|krw|vnd|brl|aud|cad)\b)\s?$", re.I
)
_UNIT_AFTER = re.compile(
    r"""^\s?(?:
        pcs?|pieces?|pz|pzas?|piezas|pezzi|pièces?|stk|stück|st|stuks|szt|ks|adet|uds?|units?|unidades|unités?|ea
          |nos|sets?
      | pairs?|rolls?|rollen|rollos|rotoli|rouleaux|rolos|cartons?|ctns?|boxes|cajas|caixas|colli|pallets?|paletten
        |palets|bags?
      | kg|g|t|lbs?|m|mm|cm|km|m2|m²|m3|l|ml|ft|in|%|€|\$|£|eur|usd|gbp|chf|cny|rmb|jpy|x|×|h|hrs?|uhr|min|days?|weeks?
      | tage|wochen|días|dias|jours|giorni|dagen|dni|dagar|dní|gün|个|件|台|本|個|개|日|天|일
    )(?![^\W\d_])""",
    re.IGNORECASE | re.VERBOSE,
)
# street words on the left ("Via Roma 12", "Blvd. Aeropuerto 12007") or the right ("4527 Lakeside Ave") of a number
_STREET_WORDS = r"""(?:street|st\.|road|rd\.?|avenue|ave\.?|blvd\.?|boulevard|lane|drive|pkwy|parkway|highway|hwy
  |suite|ste\.
    |unit|floor|straße|strasse|str\.|weg|allee|platz|gasse|(?-i:Via|Viale)|piazza|corso|rue|avenida|avda\.?|av\.
      |calle|c/
    |carrera|rua|travessa|ulica|ul\.|gatan|vägen|laan|straat|plein|gracht|lote|pabellón|nave|polígono|pol\.
      |zona\s+industrial
    |industrial\s+estate|building|bldg|plot|midc|district|road\s+no|hall|halle|box)"""
_STREET_LEFT = re.compile(rf"(?<![^\W_]){_STREET_WORDS}(?![^\W_])[^\n]{{0,30}}$", re.IGNORECASE | re.VERBOSE)
_STREET_RIGHT = re.compile(rf"^[^\n]{{0,30}}?(?<![^\W_]){_STREET_WORDS}(?![^\W_])", re.IGNORECASE | re.VERBOSE)
_POSTAL_LINE = re.compile(r"\b[A-Z]{2}\s\d{5}\b|\b\d{4}-\d{3}\b|\b[A-Z]{1,2}\d{1,2}[A-Z]?\s\d[A-Z]{2}\b")
_CITY_AFTER = re.compile(r"^\s+[A-ZÄÖÜÉ][\w'-]+(?:\s+[A-ZÄÖÜÉ(][\w()'.-]+)?\s*(?:$|[,|·•–(]|\s-\s)")
_MONTH_NEAR = re.compile(
    r"""\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|dezember
      |janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril
      |mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio
      |settembre|ottobre|dicembre|januari|februari|maart|mei|augustus|janeiro|fevereiro|março|maio|junho|julho
      |setembro|outubro|novembro|dezembro)\w*\.?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(slots=True)
class _Scan:
    text: str
    index: PONumberIndex
    masked: list[tuple[int, int]]
    found: list[POReference]

    def is_masked(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.masked)

    def add(self, po_number: str | None, start: int, end: int, strength: Strength, kind: RefKind) -> bool:
        if not po_number:
            return False
        self.found.append(POReference(po_number, self.text[start:end], (start, end), strength, kind))
        return True


def _masks(text: str) -> list[tuple[int, int]]:
    masked: list[tuple[int, int]] = []
    lowered = text.lower()
    if "@" in text or "www." in lowered or "http" in lowered:
        masked.extend(m.span() for m in _URL_OR_MAIL.finditer(text))
    if "box" in lowered or "post" in lowered or "apartado" in lowered or "casella" in lowered:
        masked.extend(m.span() for m in _PO_BOX.finditer(text))
    for m in _IBAN_LIKE.finditer(text):
        compact = m.group().replace(" ", "")
        left = text[max(0, m.start() - 12) : m.start()].lower()
        if "iban" in left or iban.is_valid(compact):
            masked.append(m.span())
    for m in _VAT_LIKE.finditer(text):
        if vat.is_valid(m.group().replace(" ", "")):
            masked.append(m.span())
    return masked


def _split_letters(token: str) -> tuple[str, str]:
    """ "OC-0012019" -> ("OC", "0012019"); "4512" -> ("", "4512")."""
    m = re.match(r"([^\W\d_]*)[-#/. ]?(.*)", token)
    assert m is not None  # the pattern matches every string
    return m.group(1).upper(), m.group(2)


def _looks_like_date(token: str) -> bool:
    digits = re.findall(r"\d+", token)
    if len(digits) >= 2:
        return True  # 27/11, 2026-12-08, 20.11.2026: a multi-group number that is not a known PO
    value = digits[0] if digits else ""
    if len(value) == 4 and 1950 <= int(value) <= 2099:
        return True
    return len(value) == 8 and value[:2] in ("19", "20") and 1 <= int(value[4:6]) <= 12 and 1 <= int(value[6:]) <= 31


def _bare_rejection(text: str, start: int, end: int, token: str) -> str | None:
    """Why a bare number is not a PO number here, or None when nothing speaks against it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    left = text[max(line_start, start - 48) : start]
    right = text[end : min(line_end, end + 40)]
    if re.search(r"[+(]\s?$|\+[\d\s().-]*$", left):
        return "phone"
    if re.search(r"[\dA-Z][\s.,:/-]?$", left) or re.match(r"[\s.,:/-]?\d", right) or right.startswith(("-", "/")):
        return "part of a longer number"
    if _NEG_LABEL.search(left):
        return "labelled as another number"
    if _CURRENCY_BEFORE.search(left) or re.match(r"\s?(?:[€$£¥]|[.,]\d)", right):
        return "price"
    if _UNIT_AFTER.match(right):
        return "quantity or measure"
    if re.search(r"(?:\bx|×|qty\.?)\s*$", left, re.I):
        return "quantity"
    if (
        _looks_like_date(token)
        or _MONTH_NEAR.search(left)
        or (re.match(r"\s*(?:\.|st|nd|rd|th)?\s*(?:of\s+)?[a-z]{3,9}\b", right, re.I) and _month_word(right))
    ):
        return "date"
    digits = re.sub(r"\D", "", token)
    if len(digits) in (8, 12, 13, 14) and ean.is_valid(digits):
        return "EAN/GTIN"
    if _STREET_LEFT.search(left) or _STREET_RIGHT.search(right) or _POSTAL_LINE.search(text, line_start, line_end):
        return "address"
    if _CITY_AFTER.match(right) and not re.search(r"[a-z]{3,}\s+\S*$", left):
        return "address"
    return None


def _month_word(right: str) -> bool:
    m = re.match(r"\s*(?:\.|st|nd|rd|th)?\s*(?:of\s+)?([^\W\d_]{3,10})", right)
    return bool(m and _MONTH_NEAR.search(m.group(1)))


def _resolve_po_qualified(scan: _Scan, token: str, start: int, end: int, shown_from: int | None = None) -> bool:
    letters, rest = _split_letters(token)
    index = scan.index
    shown = start if shown_from is None else shown_from
    right = scan.text[end : end + 12]
    if not letters and (_UNIT_AFTER.match(right) or re.match(r"[.,]\d", right)):
        return False  # "order 500 pcs", "order 12.50"
    if letters:
        found = index.by_compact(token)
        if found is None and (letters in _PO_ABBREVIATIONS or index.is_po_prefix(letters)):
            found = index.by_digits(rest, qualified=True) if not re.search(r"[^\W\d_]", rest) else None
        if found is None:
            return scan.add(index.vendor_by_compact(token), shown, end, "exact", "vendor_ref")
        return scan.add(found, shown, end, "exact", "po")
    if re.search(r"[^\W\d_]", token):
        return False  # 6205-2RS: a part number after the word "order"
    found = index.by_digits(token, qualified=True) or index.by_compact(token)
    if found is None:
        trimmed = re.sub(r"[-/.]\d{1,2}$", "", token)  # PO 4512-2: line or release 2 of PO 4512
        if trimmed != token:
            found = index.by_digits(trimmed, qualified=True)
    if found is None:
        return scan.add(index.vendor_by_compact(token), shown, end, "exact", "vendor_ref")
    return scan.add(found, shown, end, "exact", "po")


def _resolve_vendor_qualified(scan: _Scan, token: str, start: int, end: int, shown_from: int | None = None) -> bool:
    index = scan.index
    found = index.vendor_by_compact(token) or index.vendor_by_digits(token)
    if found:
        return scan.add(found, start if shown_from is None else shown_from, end, "exact", "vendor_ref")
    return False


def _resolve_token(scan: _Scan, token: str, start: int, end: int) -> None:
    if not any(c.isdigit() for c in token):
        return
    index = scan.index
    letters, rest = _split_letters(token)
    if letters:
        found = index.by_compact(token) if index.is_po_prefix(letters) else None
        strength: Strength = "exact"
        if found is None and letters in _PO_ABBREVIATIONS and rest and not re.search(r"[^\W\d_]", rest):
            # OC-67341 may be "orden de compra 67341" or a vendor's article number: not after an item label,
            # and only "PO" itself counts as a sure spelling
            left = scan.text[max(scan.text.rfind("\n", 0, start) + 1, start - 48) : start]
            if not _NEG_LABEL.search(left):
                found = index.by_digits(rest, qualified=True)
                strength = "exact" if letters == "PO" else "bare"
        if found is not None:
            scan.add(found, start, end, strength, "po")
        else:
            scan.add(index.vendor_by_compact(token), start, end, "exact", "vendor_ref")
        return
    if re.search(r"[^\W\d_]", token):
        return  # 6205-2RS, 3GB: digits glued to letters are part or tracking numbers
    found = index.by_digits(token, qualified=False)
    vendor = index.vendor_by_compact(token) if len(re.sub(r"\D", "", token)) >= 6 else None
    if not found and not vendor:
        return
    if re.search(r"[-/.]", token) and not (
        found and "|" in _multi_key(token) and index.by_digits(token, qualified=False)
    ):
        return
    if _bare_rejection(scan.text, start, end, token):
        return
    if found and vendor and found != vendor:
        return  # the same digits name one PO and another PO's vendor order: nobody can tell which
    if found:
        scan.add(found, start, end, "bare", "po")
    elif vendor:
        scan.add(vendor, start, end, "bare", "vendor_ref")


def _multi_key(token: str) -> str:
    return "|".join(_strip0(g) for g in _digit_groups(token))


def find_po_references(text: str, index: PONumberIndex) -> list[POReference]:
    """Every PO number or vendor order reference in `text` that resolves to exactly one known PO, in text order."""
    if not text or (_DIGIT.search(text) is None and (text.isascii() or not any(c.isdigit() for c in text))):
        return []  # (\d is str.isdigit() on ASCII; elsewhere isdigit() also takes superscripts)
    text = text[:MAX_TEXT_CHARS]
    scan = _Scan(text, index, _masks(text), [])
    consumed = 0
    for m in _SCAN.finditer(text):
        if m.start() < consumed:
            continue
        name = "vtok" if m.group("vq") else "ptok" if m.group("pq") else "tok"
        start, end = m.span(name)
        token = m.group(name)
        if scan.is_masked(start, end):
            continue
        if name == "tok":
            _resolve_token(scan, token, start, end)
            continue
        resolve = _resolve_vendor_qualified if name == "vtok" else _resolve_po_qualified
        # the reported spelling includes its qualifier: "P.O. #4512", "commande n° 4549"
        if not resolve(scan, token, start, end, m.start()) and (name == "ptok" or _split_letters(token)[0]):
            # "PO Box", "order 500 pcs": the word did not qualify a PO; still read the token on its own
            _resolve_token(scan, token, start, end)
        consumed = end
        # a qualifier carries over a list: "orders 4536 and 4579"
        while (nxt := _LIST_NEXT.match(text, consumed)) is not None:
            n_start, n_end = nxt.span("tok")
            n_token = nxt.group("tok")
            if scan.is_masked(n_start, n_end) or not any(c.isdigit() for c in n_token):
                break
            if not resolve(scan, n_token, n_start, n_end):
                break
            consumed = n_end
    return scan.found
