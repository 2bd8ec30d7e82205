"""Per-line quantities a vendor says were shipped or confirmed.

A quantity is reported for a PO line only when the message names the line (line number, a table
row, its SKU) or states a number that differs from what was ordered. Lines are matched by line
number, SKU / vendor SKU, then description (rapidfuzz over this PO's lines only)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, utils

MAX_TEXT = 20_000
_MIN_DESCRIPTION_SCORE = 60.0
_MARGIN = 8.0
# Intents whose numbers are not shipped/confirmed quantities (a proposed change, a question...).
_NO_QUANTITY_INTENTS = frozenset(
    {"change_request", "question", "invoice", "auto_reply", "bounce", "unrelated", "cancelled", "delayed", "delivered"}
)
# Languages that write 1.000,5 (dot thousands, comma decimals); the rest write 1,000.5.
_COMMA_DECIMAL = frozenset(
    {"de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "cs", "sk", "ro", "tr", "ru"}
)

_UNITS = (
    "pcs", "pc", "pce", "pces", "pieces", "piece", "pz", "pzas", "pzs", "pezzi", "stück", "stueck", "stk", "st",
    "units", "unit", "uds", "ud", "unidades", "nos", "ea", "each", "sets", "set", "pairs", "pair", "paar",
    "pares", "rolls", "roll", "rollen", "rouleaux", "rollos", "rotoli", "rolos", "boxes", "box", "cartons",
    "cajas", "caixas", "scatole", "bidons", "pails", "drums", "bags", "sacks", "m", "meter", "metres", "meters",
    "mtr", "kg", "l", "litres", "liters", "ltr", "lbs", "packs", "reels", "bobinas", "coppie", "x",
)  # fmt: skip
_NUMBER = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_UNIT_ALT = "|".join(sorted(_UNITS, key=len, reverse=True))
_QTY_RE = re.compile(
    rf"(?<![\w.,/-])(x\s*)?({_NUMBER})\s*(?:(x)\s+(?=[^\W\d_])|({_UNIT_ALT})\b\.?)?",
    re.IGNORECASE,
)
_DIMENSION_NEXT = re.compile(r"\s*(?:mm|cm|m|in)?\s*[x×*]\s*\d")
_DIMENSION_BEFORE = re.compile(r"(?<![\w.,-])\d+(?:[.,]\d+)?\s*(?:mm|cm|m|in)?\s*[x×*]\s*$")
_LINE_REF_RE = re.compile(
    r"(?<![\w])(?:line|pos\.?|position|posición|posizione|ligne|línea|linea|riga|regel|pozycja|rad|item)\s*(?:no\.?|nr\.?|#)?\s*(\d{1,3})\b",
    re.IGNORECASE,
)
_ORDERED_BEFORE_RE = re.compile(
    r"(?:ordered|bestellt|commandé|commandés|pedido|pedidos|ordinat[oi]|besteld|encomendad[oa]s?|of|von|sur|de|di|van|"
    r"out\s+of|your\s+po\s+is|moq:?)\s*(?:the\s+)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class LineRef:
    """One PO line as the extractor needs it."""

    line_no: int
    sku: str | None
    vendor_sku: str | None
    description: str
    quantity_ordered: float
    unit: str | None = None


def parse_number(text: str, language: str | None) -> float | None:
    """A number as the vendor's language writes it ("1.000" is 1000 in German, 1.0 in English)."""
    raw = text.replace("\u00a0", " ").replace("\u202f", " ")
    comma_decimal = (language or "en").split("-")[0].lower() in _COMMA_DECIMAL
    if re.fullmatch(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", raw):
        raw = raw.replace(" ", "")
    thousands, decimal = (".", ",") if comma_decimal else (",", ".")
    # "2,000" in English and "2.000" in German are thousands; "2,5" / "2.5" decimals.
    if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+(?:{re.escape(decimal)}\d+)?", raw):
        raw = raw.replace(thousands, "")
    raw = raw.replace(decimal, ".")
    if raw.count(".") > 1 or "," in raw or " " in raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def _norm(code: str) -> str:
    return re.sub(r"[\s\-_./]", "", code).lower()


def extract_quantities(
    text: str, lines: Sequence[LineRef], *, language: str | None, intent_hint: str | None = None
) -> dict[int, float]:
    """{line_no: quantity} stated for this PO's lines; empty when nothing is stated or it matches the order.

    A line counts when the message names it (line number, a table with a position column), when its
    number differs from the ordered one, or when only some of the PO's lines are mentioned (a partial
    shipment or confirmation)."""
    if not text or not lines or (intent_hint and str(intent_hint) in _NO_QUANTITY_INTENTS):
        return {}
    text = text[:MAX_TEXT]
    by_no = {ln.line_no: ln for ln in lines}
    matcher = _line_matcher(tuple(lines))
    stated: dict[int, tuple[float, bool]] = {}
    table: _Table | None = None
    for row in text.splitlines():
        header = _Table.parse_header(row)
        if header is not None:
            table = header
            continue
        if not row.strip():
            table = None
            continue
        for line_no, qty, explicit in _row_quantities(row, language, by_no, matcher, table):
            stated.setdefault(line_no, (qty, explicit))
    subset = len(by_no) > 1 and len(stated) < len(by_no)
    return {
        no: qty for no, (qty, explicit) in stated.items() if explicit or subset or qty != by_no[no].quantity_ordered
    }


@dataclass(frozen=True, slots=True)
class _Table:
    """A column header row: which trailing numeric column is the shipped one, and whether rows name positions."""

    shipped_index: int | None  # index among the trailing numeric columns
    numeric_columns: int
    positions: bool

    @staticmethod
    def parse_header(row: str) -> _Table | None:
        if re.search(r"\d", row) or not re.search(r"\S(?:\s{2,}|\t)\S", row):
            return None
        words = [w.lower() for w in re.findall(r"[^\W\d_][\w./]*", row)]
        numeric = [w for w in words if w in _NUMERIC_HEADERS]
        if len(numeric) < 1 or len(words) < 3:
            return None
        shipped = next((i for i, w in enumerate(numeric) if w in _SHIPPED_HEADERS), None)
        positions = bool(words) and words[0] in _POSITION_HEADERS
        return _Table(shipped if len(numeric) > 1 else None, len(numeric), positions)


_SHIPPED_HEADERS = frozenset(
    {"shipped", "despatched", "dispatched", "delivered", "geliefert", "versandt", "expédié", "enviado", "spedito",
     "verzonden", "confirmed", "bestätigt"}
)  # fmt: skip
_NUMERIC_HEADERS = _SHIPPED_HEADERS | frozenset(
    {"ordered", "outstanding", "backordered", "bestellt", "offen", "menge", "qty", "quantity", "quantité", "cantidad",
     "quantità", "aantal", "quantidade", "preis/st.", "price", "preis", "prix", "precio", "prezzo", "prijs", "amount"}
)  # fmt: skip
_POSITION_HEADERS = frozenset({"line", "pos", "pos.", "position", "item", "ligne", "línea", "linea", "riga", "regel"})


class _LineMatcher:
    """Finds the PO line a clause talks about: SKU, then distinctive words, then fuzzy description."""

    def __init__(self, lines: Sequence[LineRef]) -> None:
        self.codes = {
            _norm(code): ln.line_no
            for ln in lines
            for code in (ln.sku, ln.vendor_sku)
            if code and len(_norm(code)) >= 3
        }
        self.descriptions = {ln.line_no: utils.default_process(ln.description) for ln in lines}
        self.numbers = {ln.line_no: set(re.findall(r"\d+(?:[.,]\d+)?", ln.description)) for ln in lines}
        words: dict[int, set[str]] = {}
        for ln in lines:
            text = " ".join(filter(None, (ln.description, ln.sku, ln.vendor_sku)))
            words[ln.line_no] = {_stem(w) for w in re.findall(r"[^\W_]{2,}", text.lower())}
        counts: dict[str, int] = {}
        for ws in words.values():
            for w in ws:
                counts[w] = counts.get(w, 0) + 1
        # Words on one line only identify it ("B48", "nut", "DTE"); shared ones ("zinc") do not.
        self.distinct = {no: {w for w in ws if counts[w] == 1 and not w.isdigit()} for no, ws in words.items()}

    def match(self, clause: str) -> int | None:
        tokens = {_norm(t) for t in re.findall(r"[\w\-./]+", clause)}
        hits = {self.codes[t] for t in tokens if t in self.codes}
        if len(hits) == 1:
            return hits.pop()
        stems = [_stem(w) for w in re.findall(r"[^\W_]{2,}", clause.lower())]
        scored = sorted(
            ((sum(_is_item_stem(w, ws) for w in stems), no) for no, ws in self.distinct.items()), reverse=True
        )
        if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return scored[0][1]
        return _by_description(clause, self.descriptions)


@lru_cache(maxsize=256)
def _line_matcher(lines: tuple[LineRef, ...]) -> _LineMatcher:
    """Cached: a PO's lines are read for every message about it, and the matcher is read-only."""
    return _LineMatcher(lines)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _row_quantities(
    row: str, language: str | None, by_no: dict[int, LineRef], matcher: _LineMatcher, table: _Table | None
) -> list[tuple[int, float, bool]]:
    """(line_no, quantity, line named explicitly) for each clause of one text line."""
    out: list[tuple[int, float, bool]] = []
    clauses = [row] if table else re.split(r";|,(?!\d)|\s\+\s|\s(?:and|und|et|y|e|en)\s", row)
    for clause in clauses:
        ref = _LINE_REF_RE.search(clause)
        line_no = int(ref[1]) if ref and int(ref[1]) in by_no else None
        explicit = line_no is not None or bool(table and table.positions)
        if line_no is None:
            line_no = matcher.match(clause)
        if line_no is None and len(by_no) == 1:
            line_no = next(iter(by_no))
        if line_no is None:
            continue
        qty = _quantity_in(
            clause,
            language,
            ref.span(1) if ref else (0, 0),
            table,
            matcher.distinct.get(line_no, set()),
            matcher.numbers.get(line_no, set()),
        )
        if qty is not None:
            out.append((line_no, qty, explicit))
    return out


def _quantity_in(
    clause: str,
    language: str | None,
    skip: tuple[int, int],
    table: _Table | None,
    item_words: set[str],
    item_numbers: set[str],
) -> float | None:
    if table is not None and table.shipped_index is not None:
        trailing = re.search(rf"((?:\s+\d[\d.,]*){{{table.numeric_columns}}})\s*$", clause)
        if trailing:
            return parse_number(trailing[1].split()[table.shipped_index], language)
    for m in _QTY_RE.finditer(clause):
        if skip[0] <= m.start(2) < skip[1]:
            continue  # the line number itself ("Position 1")
        if _DIMENSION_NEXT.match(clause, m.end(2)) or _DIMENSION_BEFORE.search(clause[: m.start(2)]):
            continue  # a measure of the item ("1,5 x 1250 x 2500 mm"), not how many
        prefix_x = bool(m[1]) and re.search(r"[^\W\d_][\w\-]*\s*$", clause[: m.start()]) is not None
        part_of = re.match(r"\s+(?:of|von|sur|de|di|van|out\s+of|z|av)\s+(?:the\s+)?\d", clause[m.end(2) :], re.I)
        has_unit = bool(m[3] or m[4]) or prefix_x or part_of is not None
        if not part_of and not m[4] and m[2] in item_numbers:
            continue  # a number of the item's own description ("Copper pipe 15 mm", "NBR 70")
        # A bare number counts only right before a word of the item itself: "20 B48s", "30 caixas".
        nxt = re.match(r"\s+([^\W_]+)", clause[m.end(2) :])
        bare_item = not has_unit and table is None and nxt is not None and _is_item_word(nxt[1].lower(), item_words)
        if not (has_unit or bare_item):
            continue
        if _ORDERED_BEFORE_RE.search(clause[max(0, m.start() - 20) : m.start()]):
            continue
        value = parse_number(m[2], language)
        if value is not None and value > 0:
            return value
    return None


def _is_item_word(word: str, item_words: set[str]) -> bool:
    return _is_item_stem(_stem(word), item_words)


def _is_item_stem(word: str, item_words: set[str]) -> bool:
    """The stemmed word is one of the item's words, or (4+ letters each) a prefix of one or the reverse."""
    if word in item_words:
        return True
    if len(word) < 4:
        return False
    return any(len(w) >= 4 and (word.startswith(w) or w.startswith(word)) for w in item_words)


def _by_description(clause: str, descriptions: dict[int, str]) -> int | None:
    query = utils.default_process(clause)
    if not query:
        return None
    scored = sorted(((fuzz.token_set_ratio(query, desc), no) for no, desc in descriptions.items()), reverse=True)
    if not scored or scored[0][0] < _MIN_DESCRIPTION_SCORE:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < _MARGIN:
        return None
    return scored[0][1]
