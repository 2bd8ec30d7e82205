"""Say what a vendor message is about (confirmed, shipped, delayed, ...) from its words, with a calibrated confidence.

Cue phrases from `intent_phrases` are found in one pass (a trie-shaped regex), each weighed, discounted when
negated ("not yet shipped") or announced for later ("will ship" confirms, it does not ship), and summed per
intent. The subject counts as weaker evidence, and less when it is a reply subject (it then repeats the
buyer's own words). Precedence rules settle messages that say two things. Low confidence means "let a
human look": it comes from weak or conflicting evidence.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from core.inbound import MessageKind
from core.replies.intent_phrases import CUE_TABLES, GAP_PATTERNS
from core.replies.schemas import Intent

MAX_TEXT_CHARS = 8_000  # what the vendor wrote now fits in this; the rest is signatures, legal text or attack
MAX_SUBJECT_CHARS = 300

_INTENT_CUES = frozenset(i.value for i in Intent)


@dataclass(frozen=True, slots=True)
class IntentResult:
    intent: Intent
    confidence: float
    alternatives: tuple[Intent, ...] = ()
    signals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Cue:
    cue: str
    lang: str
    weight: float


# --- phrase tables -> one regex per script -------------------------------------------------------------------


def _is_cjk(phrase: str) -> bool:
    return any(ord(c) >= 0x2E80 for c in phrase)


def _trie_pattern(phrases: dict[str, bool], *, bounded: bool, word_start: bool = False) -> str:
    """A regex equivalent to an alternation of `phrases` but factored as a trie (fast in `re`), longest first.

    With `word_start` a phrase must start a word. The test sits after each first character
    ("s(?<![^\\W_]s)hipped" is "(?<![^\\W_])shipped"): a pattern whose branches all start with a
    plain character lets re jump to the positions where one of them stands."""
    trie: dict[str, object] = {}
    for phrase, stem in phrases.items():
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})  # type: ignore[assignment]
        node[""] = stem

    def build(node: dict[str, object], top: bool = False) -> str:
        alternatives = [
            _atom(ch) + (rf"(?<![^\W_]{_atom(ch)})" if top and word_start else "") + build(child)
            for ch, child in sorted(node.items())
            if ch and isinstance(child, dict)
        ]
        end: str | None = None
        if "" in node:
            end = "" if (node[""] or not bounded) else r"(?![^\W_])"
        if not alternatives:
            return end or ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return body if end is None else f"(?:{body}|{end})"

    return build(trie, top=True)


def _atom(ch: str) -> str:
    if ch == " ":
        return r"\s+"
    if ch == "'":
        return "['’]"
    return re.escape(ch)


@dataclass(frozen=True, slots=True)
class _Matcher:
    latin: re.Pattern[str]
    cjk: re.Pattern[str] | None
    gaps: tuple[tuple[_Cue, str, re.Pattern[str]], ...]
    exact: dict[str, tuple[_Cue, ...]]
    stems: dict[str, tuple[_Cue, ...]]
    max_stem: int

    def lookup(self, matched: str) -> tuple[_Cue, ...]:
        key = " ".join(matched.replace("’", "'").split())
        found = self.exact.get(key)
        if found is not None:
            return found
        for size in range(min(len(key), self.max_stem), 0, -1):
            found = self.stems.get(key[:size])
            if found is not None:
                return found
        return ()


@lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    exact: dict[str, list[_Cue]] = defaultdict(list)
    stems: dict[str, list[_Cue]] = defaultdict(list)
    latin: dict[str, bool] = {}
    cjk: dict[str, bool] = {}
    for cue, table in CUE_TABLES.items():
        lines: list[str] = []
        for line in table.strip().splitlines():
            if line.startswith(" ") and lines:
                lines[-1] += " " + line.strip()  # continuation of a long phrase list
            else:
                lines.append(line)
        for line in lines:
            head, _, body = line.partition(":")
            lang, _, weight_text = head.strip().partition(" ")
            weight = float(weight_text)
            for raw in body.split(","):
                phrase = " ".join(raw.strip().lower().split())
                if not phrase:
                    continue
                stem = phrase.endswith("*")
                phrase = phrase.rstrip("*")
                (stems if stem else exact)[phrase].append(_Cue(cue, lang, weight))
                target = cjk if _is_cjk(phrase) else latin
                target[phrase] = target.get(phrase, False) or stem
    latin_re = re.compile(_trie_pattern(latin, bounded=True, word_start=True))
    cjk_re = re.compile(_trie_pattern(cjk, bounded=False)) if cjk else None
    gaps = tuple(
        (_Cue(cue, lang, weight), needle, re.compile(pattern)) for cue, lang, weight, needle, pattern in GAP_PATTERNS
    )
    return _Matcher(
        latin_re,
        cjk_re,
        gaps,
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in stems.items()},
        max((len(s) for s in stems), default=0),
    )


# --- context around a cue ------------------------------------------------------------------------------------

# chat writers end clauses with emoji as often as with full stops
_CLAUSE_END = re.compile(r"[.!?;\n]\s|[!?;\n]|[。！？]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_NEGATION = re.compile(
    r"""(?<![^\W_])(?:not|n't|never|no(?!\s*[.#:]?\s*\d)(?!\s*worries)|cannot|can't|unable|nicht|kein\w*|nie|pas|non|niet|geen|não|nao
      |inte|ej|aldrig|chưa|không|henüz|değil|ještě\s+ne|nemůžeme|todavía\s+no|aún\s+no|sin)(?![^\W_])|未|没|沒|尚未|まだ|아직|안\s|못\s""",
    re.IGNORECASE | re.VERBOSE,
)
_CJK_NEG_AFTER = re.compile(r"^.{0,6}(?:ません|ない|なかった|않|못|没有|未)")
_FUTURE = re.compile(
    r"""(?<![^\W_])(?:will|'ll|shall|going\s+to|gonna|to\s+be|ready\s+to|wird|werden|soll|sollen|vamos\s+a|voy\s+a|va\s+a|van\s+a
      |sera|seront|va\s+être|verrà|verranno|sarà|saranno|zal|zullen|wordt|worden|vai|vão|irá|irão|będzie|będą|kommer\s+att
      |ska|sẽ|sắp|bude|budou|before|once|when|as\s+soon\s+as|after|sobald|wenn|dès\s+que|quand|lorsque|en\s+cuanto|cuando
      |una\s+vez|appena|quando|zodra|wanneer|assim\s+que|gdy|jak\s+tylko|när|så\s+snart|khi|plan\s+to|expect\s+to|hope\s+to
      |ready\s+for|can|could|may|might|want|wait|need\s+to|pronto\s+para|listo\s+para|pronti\s+per)(?![^\W_])|将|会|予定|예정""",
    re.IGNORECASE | re.VERBOSE,
)
_QUESTION_MARK = re.compile(r"[?？](?!\S*[=&/])")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|wg|fw|fwd|tr|r|sv|vs|antw|odp|rif|res|enc|rv|回复|答复|転送|返信)\s*(?:\[\d+\])?\s*[:：]\s*|\[[^\]]{0,40}\]\s*)+",
    re.IGNORECASE,
)
# Header lines of a quoted message the quote cutter missed ("Envoyé : vendredi ...", "Sent: ..."): their
# words ("envoyé" = sent) are not the vendor's statement.
_QUOTED_HEADER_LINE = re.compile(
    r"""^[ \t>]*(?:sent|envoyé|gesendet|enviado(?:\s+el)?|inviato|verzonden|wysłano|skickat|odesláno|date|datum|fecha
      |from|de|von|da|van|od|från|to|à|an|a|aan|para|cc|subject|objet|betreff|asunto|oggetto|onderwerp|temat|ämne
      |předmět|assunto)[ \t]*:.*$""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_POSSESSIVE_BEFORE = re.compile(
    r"(?:our|unsere?|notre|nuestra|nostra|onze|nossa|nasze?|vår)\s+(?:order\s+)?$|\(\s*$", re.IGNORECASE
)
_CJK_OR_LATER = re.compile("[^\x00-\u2e7f]")
_EMOJI_ACK = frozenset({"👍", "✅", "👌", "🙏"})


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - 60) : start]
    ends = list(_CLAUSE_END.finditer(window))
    return window[ends[-1].end() :] if ends else window


def _negated(text: str, start: int, end: int, cjk: bool) -> bool:
    before = _clause_before(text, start)[-40:]
    for m in _NEGATION.finditer(before):
        if m.group() != "NO":  # "PNP NO" (normally open), "NO." in a table header: not a negation
            return True
    return cjk and bool(_CJK_NEG_AFTER.match(text[end : end + 10]))


def _announced(text: str, start: int) -> bool:
    return bool(_FUTURE.search(_clause_before(text, start)[-45:]))


# --- scoring -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Evidence:
    scores: dict[str, float]
    signals: list[str]
    questions: int = 0


def _collect(text: str, factor: float, where: str, evidence: _Evidence) -> None:
    if not text:
        return
    matcher = _matcher()
    lowered = text.lower()
    # negation needs the original case ("NO" in a part name is not "no"); lower() may change lengths, rarely
    cased = text if len(text) == len(lowered) else lowered
    matches: list[tuple[int, int, bool]] = [(m.start(), m.end(), False) for m in matcher.latin.finditer(lowered)]
    if matcher.cjk is not None and _CJK_OR_LATER.search(lowered):
        matches.extend((m.start(), m.end(), True) for m in matcher.cjk.finditer(lowered))
    neutral_spans: list[tuple[int, int]] = []
    seen: set[tuple[str, str]] = set()  # a phrase repeated ("tracking ... tracking") is one piece of evidence
    for start, end, cjk in matches:
        matched = lowered[start:end]
        # the same words listed under several languages ("tracking", "confirmado") count once per cue
        strongest: dict[str, _Cue] = {}
        for cue in matcher.lookup(matched):
            if cue.cue not in strongest or cue.weight > strongest[cue.cue].weight:
                strongest[cue.cue] = cue
        for cue in strongest.values():
            name = cue.cue
            if (name, matched) in seen:
                continue
            seen.add((name, matched))
            if name == "neutral" or name == "request":
                neutral_spans.append((start, end))
                continue
            weight = cue.weight * factor
            tag = f"{where}:{name}:{cue.lang}:{matched.strip()}"
            if name == "confirmed" and _POSSESSIVE_BEFORE.search(lowered, max(0, start - 14), start):
                # "our order confirmation OC26-..." names a document, it does not confirm anything now
                weight *= 0.3
                tag += ":reference"
            if name in ("shipped", "delivered", "confirmed", "cancelled", "delayed") and _negated(
                cased, start, end, cjk
            ):
                # "not yet shipped", "cannot confirm": the opposite of the cue, which reads as a hold-up
                if name in ("shipped", "delivered", "confirmed"):
                    evidence.scores["delayed"] += 0.6 * weight
                evidence.signals.append(tag + ":negated")
                continue
            if name in ("shipped", "delivered") and _announced(lowered, start):
                # "will be shipped", "sera livrée", "once shipped": a promise, i.e. a confirmation
                evidence.scores["confirmed"] += 0.6 * weight
                evidence.signals.append(tag + ":future")
                continue
            if name == "not_yet":
                evidence.scores["delayed"] += 0.6 * weight
            elif name == "future_ship":
                evidence.scores["confirmed"] += weight
            else:
                evidence.scores[name] += weight
            evidence.signals.append(tag)
    for cue, needle, pattern in matcher.gaps:
        if needle not in lowered:
            continue
        for m in pattern.finditer(lowered):
            key = "confirmed" if cue.cue == "future_ship" else cue.cue
            evidence.scores[key] += cue.weight * factor
            evidence.signals.append(f"{where}:{cue.cue}:{cue.lang}:{m.group()[:40]}")
    if where == "body":
        for m in _QUESTION_MARK.finditer(text):
            if not any(s <= m.start() <= e + 2 for s, e in neutral_spans):
                evidence.questions += 1
        for emoji in _EMOJI_ACK:
            if emoji in text:
                evidence.scores["ack"] += 0.3 * factor


def _subject_factor(subject: str) -> tuple[str, float]:
    """The subject's own words and how much they count: a reply subject mostly repeats the buyer's request."""
    subject = subject[:MAX_SUBJECT_CHARS]
    m = _REPLY_PREFIX.match(subject)
    if m:
        return subject[m.end() :], 0.25
    return subject, 0.6


_PO_INTENTS = (
    Intent.CANCELLED,
    Intent.CHANGE_REQUEST,
    Intent.DELIVERED,
    Intent.SHIPPED,
    Intent.DELAYED,
    Intent.INVOICE,
    Intent.CONFIRMED,
    Intent.QUESTION,
)


def _decide(
    scores: dict[str, float], questions: int, has_tracking: bool, has_date: bool
) -> tuple[dict[Intent, float], list[str]]:
    """Turn cue sums into intent scores, applying the precedence rules for messages that say two things."""
    notes: list[str] = []
    s = {intent: scores.get(intent.value, 0.0) for intent in Intent}
    approval = scores.get("approval", 0.0)
    partial = scores.get("partial", 0.0)
    ack = scores.get("ack", 0.0)

    # several question phrases in one request ("could you please send us") are still one question
    s[Intent.QUESTION] = min(s[Intent.QUESTION], 2.0) + min(questions, 3) * 0.9
    if s[Intent.CHANGE_REQUEST] > 0 and (approval > 0 or questions):
        # a change the vendor asks us to approve: that is the change request, the question is its vehicle
        s[Intent.CHANGE_REQUEST] += 1.0 + approval
        notes.append("precedence:change+approval")
    else:
        s[Intent.QUESTION] += approval
    hold = scores.get("customs_hold", 0.0)
    if hold > 0:
        # a parcel stuck in customs waiting for the buyer's papers: the message asks for something
        s[Intent.QUESTION] += hold
        s[Intent.SHIPPED] *= 0.5
        has_tracking = False
        notes.append("customs hold asks the buyer")
    if has_tracking and s[Intent.SHIPPED] > 0:
        s[Intent.SHIPPED] += 1.0
        notes.append("tracking supports shipped")
    if s[Intent.SHIPPED] >= 1.5 and partial > 0:
        # "shipped 300 of 500, rest next week": a shipment, not a delay
        s[Intent.SHIPPED] += 0.5 + partial
        s[Intent.DELAYED] *= 0.5
        notes.append("precedence:partial shipment")
    if s[Intent.SHIPPED] >= 1.5 and s[Intent.DELAYED] > 0 and s[Intent.SHIPPED] >= s[Intent.DELAYED] * 0.6:
        s[Intent.SHIPPED] += 0.5
        notes.append("precedence:shipped over delayed")
    if s[Intent.DELAYED] >= 1.5 and s[Intent.CONFIRMED] > 0:
        # "confirmed, but two weeks late", "delayed, will now ship on Friday": the news is the delay
        s[Intent.DELAYED] = max(s[Intent.DELAYED], s[Intent.CONFIRMED]) + 0.5
        notes.append("precedence:delayed over confirmed")
    if s[Intent.DELIVERED] >= 1.5:
        # a delivery report mentions the shipment too; arrival is the later, more informative state
        s[Intent.DELIVERED] = max(s[Intent.DELIVERED], s[Intent.SHIPPED]) + 0.3
        s[Intent.SHIPPED] *= 0.5
        notes.append("precedence:delivered over shipped")
    if (s[Intent.SHIPPED] >= 1.5 or s[Intent.DELIVERED] >= 1.5) and s[Intent.INVOICE] < 3.0:
        s[Intent.INVOICE] *= 0.5  # "invoice will follow" in a shipping note is not an invoice
    if s[Intent.CANCELLED] > 0 and s[Intent.CHANGE_REQUEST] > s[Intent.CANCELLED] * 0.8:
        s[Intent.CANCELLED] *= 0.6  # "we cannot supply X but can offer Y": a proposal, not a refusal
        notes.append("precedence:change over cancel")
    if has_date and (s[Intent.CONFIRMED] > 0 or s[Intent.DELAYED] > 0):
        s[Intent.CONFIRMED] += 0.2
    statement = max(s[i] for i in (Intent.DELIVERED, Intent.SHIPPED, Intent.CANCELLED, Intent.DELAYED, Intent.INVOICE))
    if statement >= 2.0:
        # "delivered - could you send the signed CMR?": the news comes first, the request rides along
        s[Intent.QUESTION] *= 0.6
    strongest = max(s[i] for i in _PO_INTENTS)
    if ack > 0 and strongest < 1.0:
        s[Intent.CONFIRMED] += ack
        notes.append("bare acknowledgement")
    return s, notes


def _confidence(best: float, second: float) -> float:
    strength = 1.0 - math.exp(-best / 1.6)
    margin = (best - second) / best if best > 0 else 0.0
    return strength * (0.45 + 0.55 * margin)


def classify_intent(
    text: str,
    *,
    subject: str = "",
    language: str | None = None,
    kind: MessageKind = MessageKind.MESSAGE,
    has_tracking: bool = False,
    has_date: bool = False,
) -> IntentResult:
    """Classify what the vendor wrote now (`text`, quotes already cut) into one of the eleven intents."""
    if kind is MessageKind.BOUNCE:
        return IntentResult(Intent.BOUNCE, 0.99, (), ("kind:bounce",))
    text = (text or "")[:MAX_TEXT_CHARS]
    if ":" in text:
        text = _QUOTED_HEADER_LINE.sub("", text)
    evidence = _Evidence(defaultdict(float), [])
    if language:
        evidence.signals.append(f"language:{language}")
    _collect(text, 1.0, "body", evidence)
    body_strength = sum(v for k, v in evidence.scores.items() if k in _INTENT_CUES)
    subject_text, factor = _subject_factor(subject or "")
    if body_strength < 1.0 and factor < 0.5:
        factor = 0.4  # an almost empty reply ("see subject") leans on its subject a little more
    _collect(subject_text, factor, "subject", evidence)

    scores = evidence.scores
    signals = evidence.signals
    auto = scores.get("auto_reply", 0.0)
    bounce = scores.get("bounce", 0.0)
    s, notes = _decide(scores, evidence.questions, has_tracking, has_date)
    signals.extend(notes)
    po_best = max(_PO_INTENTS, key=lambda i: s[i])
    po_score = s[po_best]

    if bounce >= 4.0 and po_score < 3.0:
        return IntentResult(Intent.BOUNCE, min(0.95, 0.5 + bounce / 10), (), (*signals, "text:bounce"))
    if kind is MessageKind.AUTO_REPLY:
        # an automatic order confirmation or shipping notice is still a statement about the order
        if auto == 0 and po_score >= 2.0 and po_best is not Intent.QUESTION:
            signals.append("kind:auto_reply but business content")
        else:
            return IntentResult(Intent.AUTO_REPLY, 0.95, (), (*signals, "kind:auto_reply"))
    if auto >= 3.0 and (po_score < auto + 1.0 or po_best is Intent.QUESTION):
        conf = _confidence(auto, po_score)
        return IntentResult(Intent.AUTO_REPLY, max(conf, 0.6), (), (*signals, "precedence:auto_reply text"))

    unrelated = s[Intent.UNRELATED]
    if unrelated >= 2.0 and unrelated >= po_score:
        return IntentResult(
            Intent.UNRELATED, _confidence(unrelated, po_score), _alternatives(s, Intent.UNRELATED), tuple(signals)
        )
    if po_score < 0.5:
        # nothing a PO update would say: chit-chat, or a message we cannot read
        conf = 0.35 if unrelated > 0 else 0.25
        return IntentResult(Intent.UNRELATED, conf, (), (*signals, "no intent cue"))

    ranked = sorted(_PO_INTENTS, key=lambda i: s[i], reverse=True)
    best, second = ranked[0], ranked[1]
    conf = _confidence(s[best], max(s[second], unrelated))
    if not any(sig.startswith("body:") for sig in signals):
        conf *= 0.7  # the subject alone said it
        signals.append("subject only")
    return IntentResult(best, round(min(conf, 0.98), 3), _alternatives(s, best), tuple(signals))


def _alternatives(s: dict[Intent, float], best: Intent) -> tuple[Intent, ...]:
    top = s[best]
    if top <= 0:
        return ()
    others = [i for i in (*_PO_INTENTS, Intent.UNRELATED) if i is not best and s[i] >= 0.5 * top and s[i] >= 0.8]
    return tuple(sorted(others, key=lambda i: s[i], reverse=True)[:3])
