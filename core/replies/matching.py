"""Which PO(s) a message is about, decided from evidence in order of strength.

Thread (reply headers, signed reply address, a reply to a bot message) and PO numbers written out
are strong; the vendor's own order number, item codes and descriptions are medium; the recent chat
conversation and "the vendor has only one open PO" are weak and only count for messages that are
about an order at all. Every match carries a confidence and its evidence. Below the threshold, or
when two candidates are close, nothing is matched and the candidates go to a human: a wrong match
is worse than none. Only the sender's own vendor's POs can ever be matched (bounces aside).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from core.replies.references import POReference
from core.replies.schemas import Intent, POMatch

ACCEPT_THRESHOLD = 0.70
# a runner-up this close to the best item match makes the item evidence ambiguous
AMBIGUITY_MARGIN = 0.35

CONFIDENCE = {
    "thread": 0.96,
    "reply_token": 0.97,
    "telegram_reply": 0.95,
    "po_number": 0.97,
    "po_number_bare": 0.90,
    "vendor_reference": 0.93,
    "item_code": 0.85,
    "item_description": 0.85,
    "conversation": 0.76,
    "only_open_po": 0.72,
    "both_orders": 0.80,
}

# intents for which weak evidence (conversation, only open PO) is enough: they are about an order
ORDER_INTENTS = frozenset(
    {
        Intent.CONFIRMED,
        Intent.SHIPPED,
        Intent.DELIVERED,
        Intent.DELAYED,
        Intent.CANCELLED,
        Intent.CHANGE_REQUEST,
        Intent.AUTO_REPLY,
        Intent.QUESTION,
    }
)


@dataclass(frozen=True, slots=True)
class LineInfo:
    line_no: int
    sku: str | None
    vendor_sku: str | None
    description: str
    quantity_ordered: float
    unit: str = "pcs"
    # what item matching compares, worked out on first use and kept with the line: the same lines
    # are scored for message after message of their vendor
    _codes: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)
    _words: _Words | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def item_codes(self) -> tuple[str, ...]:
        """The line's vendor SKU and SKU compacted ('AF-8850' -> 'af8850'), when 4+ characters long."""
        if self._codes is None:
            codes = (_norm_code(c) for c in (self.vendor_sku, self.sku) if c)
            object.__setattr__(self, "_codes", tuple(sys.intern(c) for c in codes if len(c) >= 4))
        assert self._codes is not None
        return self._codes

    @property
    def words(self) -> _Words:
        if self._words is None:
            object.__setattr__(self, "_words", _description_words(self.description))
        assert self._words is not None
        return self._words


@dataclass(frozen=True, slots=True)
class POInfo:
    id: int
    number: str
    vendor_id: int
    status: str
    vendor_reference: str | None = None
    lines: tuple[LineInfo, ...] = ()
    _number_core: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def number_core(self) -> str:
        """The digits of the PO number without leading zeros: NW-2026-01187 -> 202601187."""
        if self._number_core is None:
            object.__setattr__(self, "_number_core", "".join(re.findall(r"\d+", self.number)).lstrip("0"))
        assert self._number_core is not None
        return self._number_core


@dataclass(slots=True)
class MatchInputs:
    sender_vendor_id: int | None
    text: str
    subject: str = ""
    # strongest first: (po, evidence kind) from In-Reply-To/References, reply token, Telegram reply
    thread: list[tuple[POInfo, str]] = field(default_factory=list)
    # PO numbers and vendor references written in the new text and the subject, resolved to POs
    text_refs: list[tuple[POReference, POInfo]] = field(default_factory=list)
    subject_refs: list[tuple[POReference, POInfo]] = field(default_factory=list)
    # the chat's conversation of the last few days, newest first, and of the last weeks
    conversation: list[POInfo] = field(default_factory=list)
    conversation_wide: list[POInfo] = field(default_factory=list)
    # the sender vendor's open POs (for items and the only-open-PO rule)
    vendor_open_pos: list[POInfo] = field(default_factory=list)


@dataclass(slots=True)
class MatchDecision:
    matches: list[POMatch] = field(default_factory=list)
    candidates: list[POMatch] = field(default_factory=list)
    needs_review: bool = False
    reasons: list[str] = field(default_factory=list)
    foreign_po_numbers: list[str] = field(default_factory=list)


_PLURAL_ORDERS = re.compile(
    r"\b(?:both|all|these|those|the two|the)\s+(?:orders|pos|purchase orders)\b"
    r"|\bbeide[n]?\s+(?:bestellungen|auftr[äa]ge)\b"
    r"|\bambos\s+pedidos\b|\bles\s+deux\s+commandes\b|\bentrambi\s+gli\s+ordini\b|\bbeide\s+bestellingen\b"
    r"|\bambas\s+as\s+encomendas\b|\bobie\s+zam[óo]wienia\b|\bb[åa]da\s+best[äa]llningarna\b",
    re.IGNORECASE,
)
# "both orders" names exactly two: the vendor's two open POs, or the two that carry the item it names
_BOTH_ORDERS = re.compile(
    r"\b(?:both|the\s+two)\s+(?:orders|pos|purchase\s+orders)\b|\bbeide[n]?\s+(?:bestellungen|auftr[äa]ge)\b"
    r"|\bamb[oa]s\s+(?:os\s+|as\s+|los\s+|las\s+)?(?:pedidos|encomendas|[óo]rdenes)\b|\bles\s+deux\s+commandes\b"
    r"|\bentrambi\s+gli\s+ordini\b|\bbeide\s+bestellingen\b|\bobie\s+zam[óo]wienia\b|\bb[åa]da\s+best[äa]llningarna\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.,/-])(\d{4,12})(?![\w.,/-]\d)")
_ID_LINE = re.compile(
    r"(?i)\b(?:tel|tél|phone|fax|mob|mobile|cell|whatsapp|wechat|kvk|vat|btw|ust|iban|bic|swift|hrb|cif|nif|p\.?\s?iva"
    r"|reg(?:istered)?\.?\s+no|company\s+no)\b|\+\d"
)
_CONTINUATION = re.compile(
    r"(?i)\b(?:the\s+rest|remaining|remainder|balance|der\s+rest|restliche[nr]?|le\s+reste|restant|el\s+resto"
    r"|restantes?|il\s+resto|rimanenti|de\s+rest|overige|reszta|resten|same\s+order|this\s+one|that\s+one)\b"
)
_LIST_JOIN = re.compile(
    r"(?i)\s*(?:,|/|&|\+|and|und|et|y|e|en|i|och|og|plus|sowie)\s*"
    r"(?:(?:po|p\.o\.|order|orders|bestellung|pedido|commande|ordine|bestelling|encomenda)\s*(?:no\.?|nr\.?|n[°º])?)?"
    r"\s*[#:.]?\s*"
)
_NEGATED = re.compile(r"\b(?:not|nicht|pas|no|non|niet|nie|inte|não)\s+(?:po\s*#?\s*|the\s+)?$", re.IGNORECASE)


_SIZE_PREFIX = re.compile(r"([a-z]{1,3}\d{1,3})x\d")
# precompiled: these run for every line of every open PO a message is scored against
_NOT_CODE_CHAR = re.compile(r"[^0-9a-z]")
_WORD_TOKEN = re.compile(r"[0-9a-zà-ÿ]+(?:[./][0-9a-z]+)*")
_CODE_TOKEN = re.compile(r"[0-9A-Za-z]+(?:[-./][0-9A-Za-z]+)*")


def _negated(text: str, ref: POReference) -> bool:
    """'should say 4561 not 4558': a number right after a negation is the one the vendor takes back."""
    start = ref.span[0]
    return bool(_NEGATED.search(text[max(0, start - 12) : start]))


def _norm_code(code: str) -> str:
    return _NOT_CODE_CHAR.sub("", code.lower())


_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "of",
        "a",
        "an",
        "in",
        "on",
        "to",
        "from",
        "by",
        "per",
        "pcs",
        "pc",
        "pack",
        "box",
        "boxes",
        "set",
        "sets",
        "size",
        "type",
        "class",
        "grade",
        "mm",
        "cm",
        "m",
        "kg",
        "g",
        "l",
        "ml",
        "x",
        "de",
        "la",
        "le",
        "les",
        "des",
        "du",
        "et",
        "en",
        "el",
        "los",
        "las",
        "y",
        "para",
        "con",
        "der",
        "die",
        "das",
        "und",
        "mit",
        "von",
        "il",
        "lo",
        "di",
        "e",
        "per",
        "con",
        "het",
        "een",
        "van",
        "en",
        "voor",
    ]
)


def _tokens(text: str) -> set[str]:
    out = set()
    for raw in _WORD_TOKEN.findall(text.lower()[:20_000]):
        token = raw[:-1] if len(raw) >= 4 and raw.endswith("s") and not raw[-2].isdigit() else raw
        if token not in _STOP and (len(token) >= 3 or any(c.isdigit() for c in token)):
            out.add(token)
    return out


def _weight(token: str) -> int:
    """Model and size codes (6205, m8x50, 22210) say more than words; a bare '12' says nothing."""
    if not any(c.isdigit() for c in token):
        return 1
    if len(token) >= 3:
        return 2
    # "m8", "a4" (a thread size, a steel grade) count as much as a word; a bare "12" says nothing
    return 0 if token.isdigit() else 1


@dataclass(frozen=True, slots=True)
class _Words:
    """A description's tokens with their weights, and the weights' sum."""

    tokens: tuple[str, ...]
    weights: tuple[int, ...]
    total: int
    # the size a dimension code starts with ("m8" of "m8x50"): vendors write "M8 bolts" for the line
    sizes: tuple[str, ...] = ()


@lru_cache(maxsize=1 << 18)
def _description_words(description: str) -> _Words:
    """Shared by every line with this description (POs repeat a catalogue's items): tokenized once,
    held once in memory."""
    tokens = tuple(sys.intern(t) for t in sorted(_tokens(description)))
    weights = tuple(_weight(t) for t in tokens)
    sizes = tuple(sorted({sys.intern(m[1]) for t in tokens if (m := _SIZE_PREFIX.match(t))} - set(tokens)))
    return _Words(tokens, weights, sum(weights), sizes)


def _item_score(po: POInfo, text_tokens: set[str], text_codes: set[str]) -> tuple[float, float, str] | None:
    """Item evidence for one PO as (rank, confidence, evidence): an exact item code, else how much of
    its best line's description the text carries (a line named in full beats one sharing a word)."""
    best: tuple[float, float, str] | None = None
    for line in po.lines:
        for normalized in line.item_codes:
            if normalized in text_codes:
                code = next(c for c in (line.vendor_sku, line.sku) if c and _norm_code(c) == normalized)
                return 10.0, CONFIDENCE["item_code"], f"item code {code} (line {line.line_no})"
        words = line.words
        hits = [t for t in words.tokens if t in text_tokens]
        matched = sum(w for t, w in zip(words.tokens, words.weights, strict=True) if t in text_tokens)
        sizes = [t for t in words.sizes if t in text_tokens]
        if sizes and not any(_SIZE_PREFIX.match(t) for t in hits):  # "M8 bolts" for "M8x50": the size, once
            hits.append(sizes[0])
            matched += _weight(sizes[0])
        if matched < 2:
            continue
        coverage = matched / max(1, words.total)
        rank = coverage + 0.02 * matched
        if best is None or rank > best[0]:
            evidence = f"item words of line {line.line_no}: {' '.join(sorted(hits))}"
            best = (rank, min(CONFIDENCE["item_description"], 0.72 + 0.13 * coverage), evidence)
    return best


def _both_orders(inputs: MatchInputs) -> list[tuple[POInfo, str]]:
    """The two POs "both orders" means, when the text says so and exactly two qualify."""
    if not _BOTH_ORDERS.search(inputs.text):
        return []
    open_pos = inputs.vendor_open_pos
    if len(open_pos) == 2:
        return [(po, "'both orders': the vendor's two open POs") for po in open_pos]
    text_tokens, codes = _tokens(inputs.text), _text_codes(inputs.text)
    with_item = [(po, hit[2]) for po in open_pos if (hit := _item_score(po, text_tokens, codes)) is not None]
    if len(with_item) == 2:
        return [(po, f"'both orders': one of the two open POs with the item named ({ev})") for po, ev in with_item]
    return []


def _standalone_numbers(text: str) -> dict[str, list[tuple[int, int]]]:
    """Numbers of 4+ digits standing alone (with their spans in `text`), skipping lines that give phones,
    fax, bank or company ids."""
    found: dict[str, list[tuple[int, int]]] = {}
    offset = 0
    for line in text[:20_000].split("\n"):
        if not _ID_LINE.search(line):
            for m in _NUMBER.finditer(line):
                before, after = line[max(0, m.start() - 2) : m.start()], line[m.end() : m.end() + 2]
                if re.search(r"\d[ -]$", before) or re.match(r"^[ -]\d", after):
                    continue  # one group of a spaced-out number (phone, IBAN, tracking)
                found.setdefault(m.group(1).lstrip("0"), []).append((offset + m.start(1), offset + m.end(1)))
        offset += len(line) + 1
    return found


def _listed_together(text: str, span: tuple[int, int], ref_spans: list[tuple[int, int]]) -> bool:
    """Whether a number is joined to a named PO by a list word: "13335 y PO 13133", "4512, 4561"."""
    for start, end in ref_spans:
        between = text[span[1] : start] if span[1] <= start else text[end : span[0]]
        if len(between) <= 24 and _LIST_JOIN.fullmatch(between):
            return True
    return False


def _carries_on(text: str, text_tokens: set[str], po: POInfo) -> bool:
    """Whether a message continues the conversation about `po`: it names one of its items or its remainder."""
    return bool(_CONTINUATION.search(text)) or _names_an_item(text_tokens, po)


def _names_an_item(text_tokens: set[str], po: POInfo) -> bool:
    """Whether the text carries a description word of one of the PO's lines (not a bare number)."""
    return any(
        t in text_tokens for line in po.lines for t, w in zip(line.words.tokens, line.words.weights, strict=True) if w
    )


def _text_codes(text: str) -> set[str]:
    """Every compacted token and pair of adjacent tokens: vendor SKUs get written 'AF 8850' or 'AF-8850'."""
    tokens = _CODE_TOKEN.findall(text[:20_000])
    codes = {_norm_code(t) for t in tokens}
    codes.update(_norm_code(a + b) for a, b in pairwise(tokens))
    return codes


def decide(inputs: MatchInputs, intent: Intent) -> MatchDecision:
    decision = MatchDecision()
    vendor = inputs.sender_vendor_id
    found: dict[str, POMatch] = {}

    def add(po: POInfo, kind: str, evidence: str) -> None:
        conf = CONFIDENCE[kind]
        current = found.get(po.number)
        if current is None or conf > current.confidence:
            merged = (evidence, *current.evidence) if current else (evidence,)
            found[po.number] = POMatch(po.number, conf, merged)
        else:
            found[po.number] = POMatch(po.number, current.confidence, (*current.evidence, evidence))

    # 1. PO numbers and vendor references written in the new text (then the subject)
    explicit: list[tuple[POReference, POInfo]] = []
    for ref, po in inputs.text_refs:
        if _negated(inputs.text, ref):
            continue
        explicit.append((ref, po))
    # the subject often repeats an old thread's PO: it counts only when the text names none
    subject_only = [] if explicit else list(inputs.subject_refs)
    for ref, po in [*explicit, *subject_only]:
        if po.vendor_id != vendor:
            if ref.strength == "exact" and po.number not in decision.foreign_po_numbers:
                decision.foreign_po_numbers.append(po.number)
            continue
        if ref.kind == "vendor_ref":
            add(po, "vendor_reference", f"vendor reference '{ref.matched_text}'")
        elif ref.strength == "exact":
            add(po, "po_number", f"PO number '{ref.matched_text}'")
        else:
            add(po, "po_number_bare", f"number '{ref.matched_text}'")

    foreign_bare = any(po.vendor_id != vendor for _, po in explicit)
    if (decision.foreign_po_numbers or foreign_bare) and not found:
        # the vendor names someone else's PO: whatever else points at one of its own, a human decides
        decision.needs_review = True
        named = ", ".join(decision.foreign_po_numbers) or "a number that is another vendor's PO number"
        decision.reasons.append(f"the message names another vendor's PO ({named})")
        return decision

    # 1b. a number written as a quantity or a label that is exactly one of the vendor's own open POs
    # ("the 12019 boxes"), outside phone, fax and registration lines; beside a PO already named, only
    # when listed with it ("13335 y PO 13133")
    if intent != Intent.UNRELATED:
        ref_spans = [ref.span for ref, _ in explicit]
        numbers = _standalone_numbers(inputs.text)
        for po in inputs.vendor_open_pos:
            core = po.number_core
            if len(core) < 4 or core not in numbers or po.number in found:
                continue
            spans = numbers[core]
            if found and not any(_listed_together(inputs.text, span, ref_spans) for span in spans):
                continue
            if all(_NEGATED.search(inputs.text[max(0, a - 12) : a]) for a, _ in spans):
                continue
            add(po, "po_number_bare", f"the vendor's own PO number {core}")

    # 2. thread evidence: kept when the text names no PO of its own, or names the same one
    own_thread = [(po, kind) for po, kind in inputs.thread if po.vendor_id == vendor]
    if not found:
        for po, kind in own_thread[:1]:
            add(
                po,
                kind,
                {
                    "thread": "reply to our message",
                    "reply_token": "signed reply address",
                    "telegram_reply": "reply to the bot's message",
                }.get(kind, kind),
            )
    else:
        for po, kind in own_thread:
            if po.number in found:
                add(po, kind, "thread agrees")

    pair = _both_orders(inputs) if not found and intent in ORDER_INTENTS else []
    for po, evidence in pair:
        add(po, "both_orders", evidence)
    if not found and _PLURAL_ORDERS.search(inputs.text):
        # "will ship these orders": one PO from weak evidence would be half an answer, i.e. a wrong one
        decision.needs_review = True
        decision.reasons.append("the message speaks of several orders without naming them")
        decision.candidates = [
            POMatch(po.number, 0.3, ("open PO of this vendor",)) for po in inputs.vendor_open_pos[:10]
        ]
        return decision

    # 3. items: vendor SKUs and descriptions among the vendor's open POs
    if not found and inputs.vendor_open_pos and intent != Intent.UNRELATED:
        text_tokens = _tokens(inputs.text)
        codes = _text_codes(inputs.text)
        scored = []
        for po in inputs.vendor_open_pos:
            hit = _item_score(po, text_tokens, codes)
            if hit is not None:
                scored.append((hit[0], hit[1], po, hit[2]))
        scored.sort(key=lambda s: -s[0])
        if scored:
            top = scored[0]
            close = [s for s in scored[1:] if top[0] - s[0] < AMBIGUITY_MARGIN]
            if close:
                decision.candidates = [POMatch(s[2].number, s[1], (s[3],)) for s in [top, *close]]
                decision.needs_review = True
                decision.reasons.append("the items named are on several open POs")
                return decision
            found[top[2].number] = POMatch(top[2].number, top[1], (top[3],))

    order_talk = intent in ORDER_INTENTS
    # 4. the chat conversation: the PO of the last few days' exchange, or the only PO of the last weeks,
    # when the message carries on from it (its items, "the rest"); a bare "shipped today" in a chat
    # about several orders over time could be any of them
    if not found and order_talk:
        latest = list(dict.fromkeys(po.number for po in inputs.conversation if po.vendor_id == vendor))
        wide = list(dict.fromkeys(po.number for po in inputs.conversation_wide if po.vendor_id == vendor))
        text_tokens = _tokens(inputs.text)
        chosen = None
        if len(latest) == 1:
            chosen = next(p for p in inputs.conversation if p.number == latest[0])
        elif len(wide) == 1:
            chosen = next(p for p in inputs.conversation_wide if p.number == wide[0])
        if chosen is not None and _carries_on(inputs.text, text_tokens, chosen):
            add(chosen, "conversation", "carries on the chat's conversation about this PO")
        elif len(wide) > 1:
            decision.candidates = [POMatch(n, 0.5, ("recent conversation",)) for n in wide[:10]]

    # 5. the vendor's only open PO; for an invoice, only when it names one of that PO's items
    # ("invoice attached for the pallets"): an invoice may well be for an order already delivered
    if not found and len(inputs.vendor_open_pos) == 1:
        only = inputs.vendor_open_pos[0]
        if order_talk:
            add(only, "only_open_po", "the vendor's only open PO")
        elif intent == Intent.INVOICE and _names_an_item(_tokens(inputs.text), only):
            add(only, "only_open_po", "the vendor's only open PO, whose items the invoice names")

    if decision.foreign_po_numbers:
        decision.reasons.append("the message names another vendor's PO: " + ", ".join(decision.foreign_po_numbers))
    accepted = [m for m in found.values() if m.confidence >= ACCEPT_THRESHOLD]
    if not accepted:
        if found or (vendor is not None and order_talk and len(inputs.vendor_open_pos) > 1):
            decision.needs_review = True
            decision.candidates = sorted(found.values(), key=lambda m: -m.confidence) or [
                POMatch(po.number, 0.3, ("open PO of this vendor",)) for po in inputs.vendor_open_pos[:10]
            ]
            decision.reasons.append("no PO could be told with enough confidence")
        return decision
    decision.matches = sorted(accepted, key=lambda m: (-m.confidence, m.po_number))
    return decision


def line_infos(lines: Sequence[LineInfo]) -> tuple[LineInfo, ...]:
    return tuple(sorted(lines, key=lambda line: line.line_no))
