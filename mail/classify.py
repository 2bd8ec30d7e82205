"""Tell bounces and auto-replies from mail a person wrote, from headers, MIME structure and subject.

Bounce is checked first: most auto-reply signals (Auto-Submitted, daemon senders) also fire on
bounces. `Precedence: bulk|list`, `List-Id` and `noreply@` senders are deliberately *not* auto-reply
signals: newsletters and carrier notices are ordinary (if unrelated) mail here, and a carrier's
`noreply@` shipping notice can be the useful message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.inbound import MessageKind
from core.replies.date_mentions import find_mentions

_DAEMON_SENDER = re.compile(
    r"^(?:mailer[-_.]?daemon|post[-_.]?master|mail[-_.]?delivery[-_.]?(?:system|subsystem)?|"
    r"mail[-_.]?administrator|mmdf|bounce[s]?|nobody|root|smtp|mailadmin|maildelivery)@",
    re.I,
)
_DAEMON_NAME = re.compile(r"mail(?:er)?[-_ ]?(?:daemon|delivery)|postmaster|mail administrator", re.I)

_NULL_SENDER = re.compile(r"<\s*>")
# Provider notifications that carry the bounce as JSON (Amazon SES via SNS).
_PROVIDER_BOUNCE = re.compile(r'"notificationType"\s*:\s*"Bounce"')
_FAILURE_SUBJECT = re.compile(
    r"mail\s+error|undeliver|undelivered|not\s+delivered|delivery\s+(?:status|failure|failed|notification|report|problem)|"
    r"returned\s+mail|mail\s+(?:delivery\s+)?(?:failed|failure|returned|system\s+error)|failure\s+notice|"
    r"could\s+not\s+be\s+delivered|delivery\s+has\s+failed|non[-\s]?delivery|rejected|bounce|"
    r"warning:\s+could\s+not\s+send|delayed\s+mail|message\s+(?:delayed|blocked)|"
    r"unzustellbar|nicht\s+zustellbar|zustellung|unzustellbare|rückläufer|"
    r"non\s+remis|non\s+distribuable|échec\s+de\s+(?:la\s+)?(?:remise|livraison)|"
    r"no\s+se\s+puede\s+entregar|no\s+entregado|error\s+de\s+entrega|"
    r"non\s+recapitabile|mancato\s+recapito|impossibile\s+recapitare|"
    r"onbestelbaar|niet\s+bezorgd|kan\s+niet\s+worden\s+bezorgd|"
    r"não\s+(?:foi\s+)?entregue|falha\s+na\s+entrega|"
    r"niedoręcz|nie\s+można\s+dostarczyć|ej\s+levererat|kan\s+inte\s+levereras|kunne\s+ikke\s+leveres|"
    r"ikke\s+levert|toimittamaton|nedoručitel|недостав|не\s+доставлено|ошибка\s+доставки|"
    r"teslim\s+edilemedi|iletilemedi|配信不能|配信エラー|配送失败|退信|无法投递|無法傳遞|"
    r"전달되지\s*않|배달\s*실패|반송",
    re.I,
)
_FAILURE_BODY = re.compile(
    r"permanent(?:ly)?\s+(?:fatal\s+)?error|could\s+not\s+be\s+delivered|couldn'?t\s+be\s+delivered|"
    r"delivery\s+to\s+the\s+following\s+recipients?\s+failed|wasn'?t\s+able\s+to\s+deliver|"
    r"unable\s+to\s+deliver|undeliverable|user\s+unknown|unknown\s+user|no\s+such\s+(?:user|mailbox)|"
    r"mailbox\s+(?:unavailable|full|not\s+found|is\s+full)|recipient\s+address\s+rejected|"
    r"message\s+could\s+not\s+be\s+sent|delivery\s+has\s+failed|failed\s+permanently|"
    r"this\s+is\s+a\s+permanent\s+error|returned\s+to\s+sender|address\s+not\s+found|"
    r"could\s+not\s+deliver|did\s+not\s+reach|non[-\s]?delivery|\b5\.\d\.\d{1,3}\b|\b55[0-4][\s-]",
    re.I,
)

_OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^\W*(?:(?:re|aw|fw|fwd|tr|sv|vs|antw|r|rv)\s*:\s*)*(?:\[[^\]]{0,30}\]\s*)?"
    r"(?:out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[-\s]?reply|auto[-\s]?response|"
    r"autoreply|auto\s*:|away\s+from\s+(?:the\s+)?office|on\s+vacation|vacation\s+(?:reply|response)|"
    r"abwesenheits?notiz|automatische\s+antwort|abwesend|nicht\s+im\s+büro|"
    r"réponse\s+automatique|absence|absent\s+du\s+bureau|message\s+d'absence|"
    r"respuesta\s+automática|fuera\s+de\s+(?:la\s+)?oficina|ausente|"
    r"risposta\s+automatica|fuori\s+(?:sede|ufficio)|risposta\s+non\s+al\s+computer|assente|"
    r"automatisch\s+antwoord|afwezig(?:heid)?|niet\s+aanwezig|"
    r"resposta\s+automática|ausência|fora\s+do\s+escritório|"
    r"odpowied[źz]\s+automatyczna|poza\s+biurem|nieobecno[śs][ćc]|"
    r"autosvar|automatisk\s+(?:svar|besked)|frånvaro|fravær|ikke\s+til\s+stede|"
    r"automaattinen\s+vastaus|poissa\s+toimistolta|lomalla|"
    r"automatická\s+odpověď|mimo\s+kancelář|nepřítomnost|"
    r"автоматический\s+ответ|автоответ|нет\s+на\s+месте|вне\s+офиса|в\s+отпуске|"
    r"otomatik\s+(?:yanıt|cevap)|ofis\s+dışında|"
    r"自動応答|自動返信|不在(?:通知|のお知らせ)?|自动回复|自動回覆|自动答复|外出|休假|"
    r"부재중|자동\s*(?:회신|응답|답장)|"
    r"trả\s+lời\s+tự\s+động|vắng\s+mặt|automatikus\s+válasz|házon\s+kívül|"
    r"αυτόματη\s+απάντηση|εκτός\s+γραφείου|răspuns\s+automat)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Structure:
    """What the MIME walk saw that classification needs."""

    content_type: str
    report_type: str
    has_delivery_status: bool
    has_attached_original: bool
    body_text: str


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name.lower(), "")


def is_bounce(headers: Mapping[str, str], structure: Structure, from_address: str, from_name: str) -> bool:
    """Delivery failure reports (RFC 3464 DSNs and the non-standard kinds MTAs still send)."""
    if structure.report_type == "feedback-report":
        return False  # ARF spam complaints are not bounces
    if structure.has_delivery_status:
        return True
    if structure.content_type == "multipart/report" and structure.report_type == "delivery-status":
        return True
    if _header(headers, "x-failed-recipients"):
        return True
    subject = _header(headers, "subject")
    from_header = _header(headers, "from")
    # A daemon address, a daemon-like name, or the null sender `<>` that DSNs are sent from.
    daemon = (
        bool(_DAEMON_SENDER.match(from_address))
        or bool(_DAEMON_NAME.search(from_name))
        or bool(_DAEMON_NAME.search(from_header))
        or bool(_NULL_SENDER.search(from_header))
    )
    failure_subject = bool(_FAILURE_SUBJECT.search(subject))
    if (daemon or structure.has_attached_original) and failure_subject:
        return True
    body = structure.body_text[:20_000]
    if _PROVIDER_BOUNCE.search(body):
        return True
    # Old qmail / GroupWise / Exchange text bounces: a daemon sender (or a failure subject) and
    # a failure phrase in the body.
    return (daemon or failure_subject) and bool(_FAILURE_BODY.search(body))


def is_auto_reply(headers: Mapping[str, str], structure: Structure) -> bool:
    """Out-of-office and other machine replies (RFC 3834 and what clients actually send)."""
    if structure.report_type in {"feedback-report", "disposition-notification"}:
        return True  # ARF complaints and read receipts: machine-made, never a vendor statement
    # RFC 3834: `auto-replied` is a reply made by a machine. `auto-generated` alone is not: ERP
    # systems (SAP, ...) send order confirmations with it, and those are the vendor's statement.
    auto_submitted = _header(headers, "auto-submitted").strip().lower()
    if auto_submitted.startswith("auto-replied") or "vacation" in auto_submitted:
        return True
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated"):
        value = _header(headers, name).strip().lower()
        if value and value not in {"no", "false", "0"}:
            return True
    if _header(headers, "precedence").strip().lower() == "auto_reply":
        return True
    # Exchange puts X-Auto-Response-Suppress on ordinary mail too; only with the inbox-rules loop
    # header is it an out-of-office.
    suppress = _header(headers, "x-auto-response-suppress").lower()
    if ("all" in suppress or "oof" in suppress) and _header(headers, "x-ms-exchange-inbox-rules-loop"):
        return True
    return bool(_OUT_OF_OFFICE_SUBJECT.search(_header(headers, "subject")))


def classify(headers: Mapping[str, str], structure: Structure, from_address: str, from_name: str) -> MessageKind:
    """Bounce first (auto-reply signals also fire on most bounces), then auto-reply, else message.

    `headers` maps lower-cased header names to their decoded (capped) values.
    """
    if is_bounce(headers, structure, from_address, from_name):
        return MessageKind.BOUNCE
    if is_auto_reply(headers, structure):
        return MessageKind.AUTO_REPLY
    return MessageKind.MESSAGE


# ---------------------------------------------------------------------------------------------
# Out-of-office return date
# ---------------------------------------------------------------------------------------------

# A few frequent words per language: enough to pick dateparser's language and the day/month order.
_LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("the", "and", "until", "office", "will", "back", "return", "your", "message", "thank"),
    "de": ("und", "ich", "bis", "nicht", "ihre", "bin", "der", "die", "vielen", "dank", "wieder"),
    "fr": ("je", "suis", "et", "le", "la", "votre", "jusqu", "merci", "les", "absent", "serai"),
    "es": ("y", "el", "la", "estoy", "hasta", "gracias", "su", "mensaje", "fuera", "oficina"),
    "it": ("e", "il", "sono", "fino", "grazie", "messaggio", "ufficio", "al", "della", "assente"),
    "nl": ("en", "ik", "ben", "tot", "het", "uw", "bericht", "afwezig", "met", "vriendelijke"),
    "pt": ("e", "o", "estou", "até", "obrigado", "sua", "mensagem", "fora", "escritório", "ausente"),
    "pl": ("i", "jestem", "do", "nie", "dziękuję", "wiadomość", "biurem", "poza", "się"),
    "sv": ("och", "jag", "är", "till", "tack", "ditt", "meddelande", "ledig", "med"),
    "da": ("og", "jeg", "er", "til", "tak", "din", "besked", "fraværende", "med"),
    "no": ("og", "jeg", "er", "til", "takk", "din", "melding", "fravær", "med"),
    "fi": ("ja", "olen", "asti", "kiitos", "viestisi", "poissa", "lomalla"),
    "cs": ("a", "jsem", "do", "děkuji", "zprávu", "mimo", "kancelář"),
    "tr": ("ve", "bir", "kadar", "teşekkürler", "mesajınız", "ofis", "dışında"),
    "vi": ("và", "tôi", "đến", "cảm", "ơn", "văn", "phòng"),
}
_WORD = re.compile(r"[^\W\d_]+", re.U)


def guess_language(text: str) -> str | None:
    """A cheap guess at the language of a short text (script first, then frequent words)."""
    sample = text[:3000]
    if re.search(r"[\u3040-\u30ff]", sample):
        return "ja"
    if re.search(r"[\uac00-\ud7af]", sample):
        return "ko"
    if re.search(r"[\u4e00-\u9fff]", sample):
        return "zh"
    if re.search(r"[\u0400-\u04ff]", sample):
        return "uk" if re.search(r"[іїєґ]", sample, re.I) else "ru"
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return None
    counts = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _LANGUAGE_WORDS.items()}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 2 else None


def out_of_office_until(text: str, *, subject: str, sent_at: datetime | None) -> date | None:
    """The latest date named in an out-of-office text (the return or last absent day), or None.

    Only dates from the message's own date up to a year after it count; without a message date
    the text cannot be anchored and None is returned. The reply pipeline's own date reader does the
    reading (absolute dates in many languages and formats, "the 19th of December", "17.12.", "in
    2 business days"): dateparser cost ~1 ms a call here, read ISO dates with the DMY order as
    year-day-month and missed day-month dates without a year.
    """
    if sent_at is None or not text:
        return None
    language = guess_language(subject + "\n" + text)
    earliest = sent_at.date()
    # an English auto-reply's "until 6/1" is read month first; the sender's country is not known here
    month_first = language == "en"
    mentions = find_mentions(text[:5000].lower(), earliest, country="US" if month_first else None, language=language)
    found = [m.day for m in mentions if earliest <= m.day <= earliest + timedelta(days=366)]
    return max(found) if found else None
