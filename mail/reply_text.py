"""Split a plain-text email body into the sender's new text, the quoted history and the signature.

The design follows Discourse's email_reply_trimmer (MIT): every line gets one letter (what kind
of line it is), then a few cut rules run over the letters. The tables are our own and much wider
than any one library's: vendors write in every language and from every client, and a quoted PO
that leaks into the "new" text is read as a statement, which is worse than losing a line.

Line kinds:
    e empty, t text, q `>` quote, b quote attribution or forward/original separator,
    h localized header line (From:/Von:/差出人:), d rule line (`____`, `-----`),
    g signature delimiter (`-- `), s mobile signature, x disclaimer / external-mail banner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.replies.case_folding import compile_folded, fold_case, trie_alternation

# Text beyond this is not classified line by line: it goes to the quoted part unread. It keeps
# the worst case (767 KB of `>` lines, megabytes of pasted logs) linear and small.
MAX_TEXT_CHARS = 200_000
MAX_LINE_CHARS = 2_000

# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

# Verbs that end a quote attribution ("On <date>, <name> wrote:"), per language.
_WROTE_VERBS = [
    r"wrote",
    r"writes",
    r"has written",
    r"said",
    r"says",  # en
    r"schrieb",
    r"schrieben\s+sie",
    r"geschrieben",
    r"hat\s+geschrieben",  # de
    r"a\s+[ée]crit",
    r"nous\s+a\s+dit",
    r"écrit|ecrit",  # fr
    r"escribi[óo]",
    r"ha\s+escrito",
    r"escrito",  # es
    r"ha\s+scritto",
    r"scrisse",
    r"scritto",  # it
    r"schreef",
    r"het\s+volgende\s+geschreven",
    r"heeft\s+geschreven",  # nl
    r"escreveu",
    r"escrito",  # pt
    r"napisa[łl]\s*\(a\)",
    r"napisa[łl]a?",
    r"pisze",  # pl
    r"skrev",
    r"skrifaði",  # sv da no is
    r"kirjoitti",  # fi
    r"napsal\s*\(a\)",
    r"napsala?",
    r"nap[íi]sal\s*\(a\)",
    r"nap[íi]sala?",  # cs sk
    r"написал\s*\(а\)",
    r"написала?",
    r"пишет",
    r"написав",
    r"написала",
    r"пише",
    r"написа",  # ru uk bg
    r"şunu\s+yazd[ıi]|yazd[ıi]",  # tr
    r"đã\s+viết",
    r"viết",  # vi
    r"写道",
    r"寫道",
    r"写了",
    r"寫了",  # zh
    r"書きました",
    r"さんは書きました",
    r"のメッセージ",
    r"のメール",
    r"からのメール",  # ja
    r"님이\s*작성",
    r"작성",  # ko
    r"írta",
    r"έγραψε",
    r"a\s+scris",
    r"menulis",
    r"kirjutas",
    r"rakstīja",
    r"rašė",  # hu el ro id et lv lt
    r"je\s+napisa[ol]a?",
    r"va\s+escriure",
    r"כתב(?:\s*\(ה\))?",
    r"كتب",  # hr/sl ca he ar
]
# Lower case, and each verb starts with a plain letter: _WROTE_TAIL runs on folded text
# (core/replies/case_folding) and re skips ahead to the positions of those letters.
_WROTE = "(?:" + "|".join(_WROTE_VERBS) + ")"

# Words an attribution line starts with ("On", "Am", "Le", ...).
_START_WORDS = (
    r"On|At|In\s+message|Am|Le|El|Il(?:\s+giorno)?|Op|Em|Den|Dnia|W\s+dniu|Dňa|Dne|Vào|Lúc|"
    r"Den|På|Pe|Στις|Dana|Dne|A\s+les|Ngày"
)

_NAME_AT = r"[^\s@<>()\"']+@[^\s@<>()\"']+\.[^\s@<>()\"']+"
_ENDS_COLON = r"[\s.:：>\-]*$"

# A complete attribution line; searched on one line or on 2-3 joined lines.
# Attribution lines that do not end with a "wrote" verb.
_OTHER_ATTRIBUTION_RES = [
    # "<name> wrote on <date>:" / "<name> schrieb am <date>:"
    re.compile(
        r"^.{1,150}\b(?:wrote|schrieb|a\s+écrit|escribió|ha\s+scritto|schreef|escreveu|skrev)\s+"
        r"(?:on|am|le|el|il|op|em|den|den)\b.{3,150}[:：]\s*$",
        re.I,
    ),
    # "Am <date> schrieb <name>:" / "Den <date> skrev <name>:" (verb before the name)
    re.compile(
        rf"^-*\s*(?:{_START_WORDS})\s.{{2,200}}\s(?:schrieb|schreef|skrev|escribió|escreveu|napisał|napsal"
        rf"|kirjoitti|wrote|a\s+écrit|ha\s+scritto)\s[^:：]{{1,150}}[:：]\s*$",
        re.I,
    ),
    # "2013/7/20 Name <addr>" (old Gmail, no colon)
    re.compile(rf"^\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}\b.{{1,80}}<{_NAME_AT}>\s*$"),
    # "<date> <time> GMT+01:00 Name" (old Gmail)
    re.compile(r"^20\d\d-\d\d-\d\d \d\d?:\d\d GMT[+-]\d\d:\d\d [\w\s.\"'-]+$"),
    # "Posted by X on 01/21/2016"
    re.compile(r"^Posted by .{1,80} on \d{2}/\d{2}/\d{4}$", re.I),
]
_START = re.compile(rf"^-*\s*(?:{_START_WORDS})\s", re.I)
_DIGIT_OR_AT = re.compile(r"[\d@]")
_ADDRESS = re.compile(r"(?:mailto:)?[^\s@<>()\"']+@[^\s@<>()\"']+\.[^\s@<>()\"']+")
_YEAR = re.compile(r"\d{4}")
_WROTE_TAIL = compile_folded(rf"(?:{_WROTE})\s*(?:\(a\))?[\s.:：>\-]*$")
# Lines that start an attribution wrapped over 2-3 lines need one of these to be joined.
_ATTRIBUTION_START = re.compile(r"\d{4}|\d{1,2}[:.]\d{2}|@")
_ATTRIBUTION_HEAD = re.compile(rf"^(?:(?:{_START_WORDS})\s|\w{{1,4}}\.?,?\s+\d|\d)", re.I)
# An attribution glued to the end of a reply line: "Thanks! On Tue, ... wrote:".
_INLINE_ATTRIBUTION = re.compile(
    rf"(?<=[.!?)])\s+((?:On|Am|Le|El|Il|Op|Em)\s.{{5,250}}?(?:{_WROTE})\s*[:：]\s*)$", re.I
)

# "-----Original Message-----", "---------- Forwarded message ---------", in many languages.
_SEPARATOR_WORDS = (
    r"Original\s+Message|Forwarded\s+(?:message|e-?mail)|Reply\s+Message|Message\s+d'origine|"
    r"Message\s+original|Message\s+transf[ée]r[ée]|Ursprüngliche\s+Nachricht|Originalnachricht|"
    r"Weitergeleitete\s+Nachricht|Mensaje\s+original|Mensaje\s+reenviado|Messaggio\s+originale|"
    r"Messaggio\s+inoltrato|Oorspronkelijk\s+bericht|Origineel\s+bericht|Doorgestuurd\s+bericht|"
    r"Mensagem\s+original|Mensagem\s+encaminhada|Wiadomo[śs][ćc]\s+oryginalna|"
    r"Przekazana\s+wiadomo[śs][ćc]|Oryginalna\s+wiadomo[śs][ćc]|Ursprungligt\s+meddelande|"
    r"Vidarebefordrat\s+meddelande|Oprindelig\s+meddelelse|Videresendt\s+meddelelse|"
    r"Opprinnelig\s+melding|Videresendt\s+melding|Alkuper[äa]inen\s+viesti|V[äa]litetty\s+viesti|"
    r"P[ůu]vodn[íi]\s+zpr[áa]va|P[řr]eposlan[áa]\s+zpr[áa]va|P[ôo]vodn[áa]\s+spr[áa]va|"
    r"Исходное\s+сообщение|Пересылаемое\s+сообщение|Пересланное\s+сообщение|"
    r"Оригинальное\s+сообщение|Початкове\s+повідомлення|Orijinal\s+ileti|[İI]letilen\s+ileti|"
    r"Özgün\s+ileti|Orijinal\s+mesaj|元のメッセージ|転送メッセージ|転送されたメッセージ|原始邮件|"
    r"原始郵件|转发邮件|轉寄郵件|原邮件|원본\s*메시지|전달된\s*메시지|Thư\s+gốc|Tin\s+nhắn\s+gốc|"
    r"Thư\s+chuyển\s+tiếp|Eredeti\s+üzenet|Továbbított\s+üzenet|Mesaj\s+original|"
    r"Αρχικό\s+μήνυμα|Izvorna\s+poruka|Prvotno\s+sporočilo|Pesan\s+asli|Pesan\s+Asli"
)
_SEPARATOR_RES = [
    re.compile(rf"^[\s>*_]*-{{2,}}\s*(?:{_SEPARATOR_WORDS})\s*-{{2,}}[\s*_]*$", re.I),
    re.compile(rf"^[\s>*_]*(?:{_SEPARATOR_WORDS})\s*[:：]?[\s*_]*$", re.I),
    re.compile(
        r"^[\s>*]*(?:Begin\s+forwarded\s+message|D[ée]but\s+du\s+message\s+(?:r[ée]exp[ée]di[ée]|transf[ée]r[ée])|"
        r"Anfang\s+der\s+weitergeleiteten\s+(?:Nachricht|E-Mail)|Inicio\s+del\s+mensaje\s+reenviado|"
        r"Inizio\s+messaggio\s+inoltrato|Begin\s+doorgestuurd\s+bericht|"
        r"In[íi]cio\s+da\s+mensagem\s+(?:reencaminhada|encaminhada)|Vidarebefordrat\s+(?:mejl|brev)|"
        r"Videresendt\s+(?:e-?mail|besked)|Pocz[ąa]tek\s+przekazywanej\s+wiadomo[śs]ci|"
        r"Начало\s+переадресованного\s+сообщения|転送されたメッセージ|转发的邮件|以下是转发的邮件)\s*[:：]?\s*$",
        re.I,
    ),
]

# Outlook-style header labels, by the field they name. Used only in blocks of 2+ such lines.
_HEADER_LABELS: dict[str, list[str]] = {
    "from": [
        "From",
        "Von",
        "Absender",
        "De",
        "Expéditeur",
        "Remitente",
        "Da",
        "Mittente",
        "Van",
        "Afzender",
        "Od",
        "Nadawca",
        "Från",
        "Avsändare",
        "Fra",
        "Frá",
        "Lähettäjä",
        "Odesílatel",
        "От",
        "Від",
        "Kimden",
        "Gönderen",
        "差出人",
        "送信者",
        "发件人",
        "寄件者",
        "寄件人",
        "보낸 사람",
        "보낸사람",
        "Từ",
        "Người gửi",
        "Feladó",
        "Από",
        "Dari",
        "Pengirim",
        "Expeditor",
        "Šalje",
        "Pošiljatelj",
    ],
    "date": [
        "Sent",
        "Date",
        "Sent on",
        "Datum",
        "Gesendet",
        "Envoyé",
        "Envoyé le",
        "Enviado",
        "Enviado el",
        "Fecha",
        "Enviada em",
        "Enviado em",
        "Data",
        "Inviato",
        "Verzonden",
        "Verstuurd",
        "Wysłano",
        "Data wysłania",
        "Skickat",
        "Sendt",
        "Lähetetty",
        "Päivämäärä",
        "Odesláno",
        "Datum odeslání",
        "Отправлено",
        "Дата",
        "Надіслано",
        "Gönderildi",
        "Tarih",
        "Gönderilme",
        "送信日時",
        "日付",
        "日時",
        "发送时间",
        "發送時間",
        "寄件日期",
        "日期",
        "时间",
        "時間",
        "보낸 날짜",
        "날짜",
        "Gửi lúc",
        "Ngày gửi",
        "Ngày",
        "Elküldve",
        "Dátum",
        "Trimis",
        "Poslano",
        "Poslané",
        "Terkirim",
        "Tanggal",
        "Ημερομηνία",
        "Στάλθηκε",
        "Sendt dato",
        "Dato",
    ],
    "to": [
        "To",
        "An",
        "Empfänger",
        "À",
        "A",
        "Destinataire",
        "Para",
        "Destinatario",
        "Aan",
        "Do",
        "Till",
        "Til",
        "Vastaanottaja",
        "Komu",
        "Кому",
        "Kime",
        "宛先",
        "收件人",
        "收件者",
        "받는 사람",
        "받는사람",
        "Đến",
        "Tới",
        "Címzett",
        "Προς",
        "Kepada",
        "Către",
        "Prima",
    ],
    "cc": [
        "Cc",
        "Kopie",
        "Kopia",
        "Kopio",
        "Копия",
        "Копія",
        "Bilgi",
        "抄送",
        "副本",
        "참조",
        "Másolat",
        "Másolatot kap",
        "Kopi",
        "Kópia",
        "Bcc",
    ],
    "subject": [
        "Subject",
        "Betreff",
        "Objet",
        "Sujet",
        "Asunto",
        "Assunto",
        "Oggetto",
        "Onderwerp",
        "Temat",
        "Ämne",
        "Emne",
        "Aihe",
        "Předmět",
        "Predmet",
        "Тема",
        "Konu",
        "件名",
        "主题",
        "主旨",
        "標題",
        "제목",
        "Chủ đề",
        "Tiêu đề",
        "Tárgy",
        "Θέμα",
        "Perihal",
        "Subiect",
    ],
    "reply_to": ["Reply-To", "Antwort an", "Répondre à", "Responder a", "Rispondi a", "Beantwoorden - Aan"],
}
_LABEL_TO_FIELD: dict[str, str] = {label.lower(): field for field, labels in _HEADER_LABELS.items() for label in labels}
_ALL_LABELS = sorted(_LABEL_TO_FIELD, key=len, reverse=True)
# case-insensitive on folded text; the label is read back from the line by its span
_HEADER_LINE = compile_folded(
    r"^[\s>*_]*(" + trie_alternation(fold_case(label) for label in _ALL_LABELS) + r")[\s*_]*[:：][\s*_]*(\S.*)$"
)

# "Sent from my iPhone" and its relatives. Kept strict: "Sent from my desk, ..." is prose.
_DEVICE = (
    r"i?Phone|iPad|iPod|Android|mobile|móvil|mobil|handy|smartphone|phone|cell|Samsung|Galaxy|"
    r"BlackBerry|tablet|device|Huawei|Xiaomi|Pixel|Nokia|Motorola|Sony|HTC|Windows|PC|Mac|Outlook|"
    r"Mail|Yahoo|Gmail|AOL|Airmail|Mailbox|Spark|Telefon|téléphone|telefone|telefono|Mobilgerät|"
    r"Mobiltelefon|Surface|K-9|ProtonMail|Proton|Tuta|Zoho"
)
_MOBILE_SIGNATURE_RES = [
    re.compile(
        rf"^[\s(<\[]*(?:Sent|Sent from|Sent via|Sent with|Sent by)\s+(?:from\s+|via\s+|with\s+|by\s+)?"
        rf"(?:my\s+|the\s+|a\s+|an\s+)?(?:[\w.-]+\s+){{0,3}}?(?:{_DEVICE})\b",
        re.I,
    ),
    re.compile(r"^[\s(<\[]*Sent\s+(?:from|via|with|by)\s+\S+(?:\s+\S+){0,5}\s*[)>\]]*\s*$", re.I),
    re.compile(r"^\s*\w+ from mobile\s*$", re.I),
    re.compile(r"^\s*From my (?:i?Phone|iPad|Android|mobile|BlackBerry|Samsung)\b.{0,20}$", re.I),
    re.compile(r"^\s*Get (?:\[?Outlook|Gmail)\b", re.I),
    re.compile(
        r"^\s*(?:\S+\s+){0,3}\[?Outlook\]? (?:for|pour|für|para|per|voor|dla|för|til|pro|для|için|dành cho)"
        r" \[?(?:iOS|Android)\b",
        re.I,
    ),
    re.compile(r"^\s*Envoy[ée] (?:à partir de|avec|par) \S.{0,50}$", re.I),
    re.compile(r"^\s*(?:Envoy[ée] (?:depuis|de) (?:mon|Yahoo|Outlook|Mail)|Envoy[ée] de mon)\b", re.I),
    re.compile(r"^\s*(?:Von meinem|Gesendet von meinem|Gesendet mit|Gesendet von)\b.{0,60}$", re.I),
    re.compile(r"^\s*Diese Nachricht wurde von .+ gesendet", re.I),
    re.compile(r"^\s*(?:Enviado desde mi|Enviado do meu|Enviado de meu|Enviado de mi|Enviado com)\b", re.I),
    re.compile(r"^\s*(?:Inviato da(?:l mio)?|Inviato con)\s\S.{0,50}$", re.I),
    re.compile(r"^\s*(?:Verzonden (?:met|vanaf mijn|van)|Verstuurd (?:vanaf|met) mijn)\b", re.I),
    re.compile(r"^\s*(?:Wys[łl]ane (?:z|ze) (?:mojego|iPhone|Androida|telefonu)|Wys[łl]ano z)\b", re.I),
    re.compile(r"^\s*(?:Skickat från min|Skickat från|Sendt fra min|Sendt fra|från min)\s\S.{0,40}$", re.I),
    re.compile(r"^\s*(?:Lähetetty (?:iPhonesta|Androidista|laitteesta|puhelimesta)|Odesláno z)\b", re.I),
    re.compile(r"^\s*(?:Отправлено с|Отправлено из|Надіслано з)\b.{0,40}$", re.I),
    re.compile(r"^\s*\S+['’]?(?:umdan|imdan|dan|den) gönderildi\s*$", re.I),
    re.compile(r"^\s*(?:iPhone|iPad|Android)\s*から送信\s*$"),
    re.compile(r"^\s*(?:从我的|發自我的|从我的|從我的|来自我的|來自我的)\s*\S+.{0,10}$"),
    re.compile(r"^\s*(?:나의|내)?\s*\S+에서\s*보냄\s*$"),
    re.compile(r"^\s*Gửi từ .{1,30}$", re.I),
]

# External-mail banners (usually above the reply) and legal disclaimers (below it).
_BANNER = re.compile(
    r"^[\s*\[]*(?:CAUTION|WARNING|EXTERNAL(?:\s+E-?MAIL|\s+SENDER)?|ACHTUNG|VORSICHT|WARNUNG|ATTENTION|"
    r"ATTENZIONE|PRECAUCI[ÓO]N|PRECAUTION|LET OP|UWAGA|VAROITUS|VARNING|ADVERTENCIA)\s*[\]:!-]",
    re.I,
)
_BANNER_WORDS = re.compile(
    r"outside (?:of )?(?:the |this |your |our )?(?:organi[sz]ation|company|network)|external (?:sender|email|e-mail)"
    r"|außerhalb|externen?\s+(?:Absender|E-Mail)|l'extérieur|externe|fuera de|esterno|buiten|spoza|utanför"
    r"|do not click|nicht auf Links|ne cliquez",
    re.I,
)
_DISCLAIMER = re.compile(
    r"^[\s*_]*(?:This (?:e-?mail|message|communication)(?: and any (?:files|attachments)[^.]{0,40})?"
    r"(?: \([^)]{0,40}\))? (?:is|are|may be|contains?|and any) (?:confidential|intended|private|privileged"
    r"|strictly)|The information (?:contained )?in this (?:e-?mail|message|communication)|"
    r"CONFIDENTIALITY(?: NOTICE)?\b|DISCLAIMER\b|Disclaimer\s*:|Diese (?:E-Mail|Nachricht) (?:enthält|ist|kann)"
    r" (?:vertrauliche|vertraulich|nur)|Der Inhalt dieser E-Mail|Ce (?:message|courriel|mail) (?:et |est |peut )"
    r"|Le présent (?:message|courriel)|Este (?:mensaje|correo)(?: electrónico)? (?:y sus|es|puede|contiene|va)"
    r"|Questo messaggio|Le informazioni contenute|Il presente messaggio|Dit (?:bericht|e-?mailbericht) is"
    r"|De informatie (?:in|verzonden)|Esta mensagem|Ta wiadomo[śs][ćc]|Tämä viesti|Detta (?:e-?post|meddelande)"
    r"|Denne (?:e-?mail|meddelelse|e-?post)|Please consider the environment|Bitte denken Sie an die Umwelt"
    r"|この(?:メール|電子メール)(?:は|には)|本邮件|本郵件|此邮件|이 (?:메일|이메일)은)",
    re.I,
)

# "-------- <any words> --------": a separator in a language we have no table for, when a header
# block follows it.
_WORD_RULE = re.compile(r"^[\s>*_]*-{2,}\s*[^-\s][^-]{1,60}?\s*-{2,}[\s*_]*$")
# A short salutation line ("Hi,", "Hallo Anna!", "Dear all:").
_GREETING = re.compile(r"^\s*\S(?:.{0,28}\S)?\s*[,:!]\s*$")
_RULE = re.compile(r"^[\s>]*[-_=+~#*ᐧ—–•.]{3,}[\s]*$|^\s*[ᐧ]\s*$")
_SIG_DELIMITER = re.compile(r"^\s*(?:--|—|-- |__)\s*$")
_QUOTE = re.compile(r"^[ \t]*>")
_FENCE = re.compile(r"^\s*```")
# Spaces that mail clients put where a plain space belongs (French "De :", Outlook LRM marks).
_ODD_SPACE = re.compile(r"[\u00a0\u2007\u202f\u2009\u3000]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a-\u202e]")
_MARKDOWN_LINK = re.compile(r"\[([^\]]{1,200})\]\([^)]{1,500}\)")


@dataclass(frozen=True, slots=True)
class ReplyParts:
    new_text: str
    quoted_text: str
    signature: str


def _normalize(line: str) -> str:
    return _INVISIBLE.sub("", _ODD_SPACE.sub(" ", line))


def _is_attribution(line: str) -> bool:
    """A quote attribution: "On <date>, <name> wrote:" and its relatives in many languages."""
    stripped = line.lstrip(" \t>").strip()
    if not stripped or len(stripped) > 400:
        return False
    # Find the "wrote" verb at the end first (on a short tail): matching whole lines against
    # start-to-verb patterns costs ~60 µs a line, and most lines are prose.
    tail = stripped[-60:]
    verb = _WROTE_TAIL.search(fold_case(tail))
    if verb is not None:
        prefix = stripped[: len(stripped) - len(tail) + verb.start()]
        ending = tail[verb.start() :]
        if len(prefix.strip(" -")) >= 3:
            if _START.match(prefix):
                return True  # "On <date> <name> wrote" needs no colon
            if (":" in ending or "：" in ending) and _DIGIT_OR_AT.search(prefix):
                return True  # "<date/addr> ... napisał(a):", "... 写道：", "...님이 작성:"
    if not (tail.endswith((":", "：")) or stripped[0].isdigit() or stripped.startswith("Posted")):
        return False
    if tail.endswith((":", "：")) and "@" in tail:
        # "<date> <name> <addr>:" (Gmail in ru/ja/...: "2024年3月12日(火) 10:15 Anna <a@b>:")
        last = stripped.rstrip(" :：").rsplit(None, 1)[-1].strip("<>()[]")
        if _ADDRESS.fullmatch(last) and _YEAR.search(stripped[: len(stripped) - len(last)]):
            return True
    return any(r.search(stripped) for r in _OTHER_ATTRIBUTION_RES)


def _anchored_union(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One regex that matches where any of `patterns` (each anchored with ^) matches: one search per
    line instead of one per pattern, and re tries it at the line start only."""
    parts: list[str] = []
    for p in patterns:
        if not p.pattern.startswith("^") or p.flags & (re.MULTILINE | re.VERBOSE):
            raise ValueError(f"not a plain ^-anchored pattern: {p.pattern}")
        parts.append(("(?i:" if p.flags & re.IGNORECASE else "(?:") + p.pattern[1:] + ")")
    return re.compile("^(?:" + "|".join(parts) + ")")


_SEPARATOR = _anchored_union(_SEPARATOR_RES)
_MOBILE_SIGNATURE = _anchored_union(_MOBILE_SIGNATURE_RES)


def _is_separator(line: str) -> bool:
    if len(line) > 200:
        return False
    return _SEPARATOR.search(line) is not None


def _is_mobile_signature(line: str) -> bool:
    if len(line) > 160:
        return False
    stripped = _MARKDOWN_LINK.sub(r"\1", line) if "](" in line else line
    return _MOBILE_SIGNATURE.search(stripped) is not None


def header_field(line: str) -> str | None:
    """The header field an Outlook-style quoted header line names (`from`, `date`, ...), or None."""
    if len(line) > 400:
        return None
    match = _HEADER_LINE.match(fold_case(line))
    if match is None:
        return None
    return _LABEL_TO_FIELD.get(line[match.start(1) : match.end(1)].lower())


def _classify(lines: list[str]) -> list[str]:
    kinds: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            kinds.append("t")
            continue
        if in_fence:
            kinds.append("t" if line.strip() else "e")
            continue
        if not line.strip():
            kinds.append("e")
        elif _QUOTE.match(line):
            kinds.append("q")
        elif _SIG_DELIMITER.match(line):
            kinds.append("g")
        elif _is_separator(line) or _is_attribution(line):
            kinds.append("b")
        elif _RULE.match(line):
            kinds.append("d")
        elif _WORD_RULE.match(line):
            kinds.append("w")
        elif _is_mobile_signature(line):
            kinds.append("s")
        elif header_field(line) is not None:
            kinds.append("h")
        else:
            kinds.append("t")
    return kinds


def _join_wrapped_attributions(lines: list[str], kinds: list[str]) -> None:
    """Mark attributions wrapped over 2-4 lines ("On ... John\\n<john@x>\\nwrote:") as `b`."""
    for i, kind in enumerate(kinds):
        if kind not in "th":
            continue
        first = lines[i].lstrip(" \t>").strip()
        if len(first) > 200 or not _ATTRIBUTION_START.search(first):
            continue
        joined = first
        taken = 0
        j = i
        while taken < 3 and j + 1 < len(lines) and j < i + 6:
            j += 1
            if kinds[j] == "e":
                continue
            if kinds[j] not in "tbqh" or len(lines[j]) > 200:
                break
            if kinds[j] == "b" or _is_attribution(lines[j]):
                # The tail is an attribution on its own: take the head line only when it sits
                # right above it and reads like the start of one ("On Mon, Aug 26, ... <").
                head = _ATTRIBUTION_HEAD.match(first) and not first.endswith((".", "!", "?"))
                if j == i + 1 and head:
                    kinds[i] = "b"
                break
            taken += 1
            joined = joined + " " + lines[j].lstrip(" \t>-").strip()
            if _is_attribution(joined):
                for k in range(i, j + 1):
                    kinds[k] = "b"
                break


def _header_block_at(lines: list[str], kinds: list[str], i: int) -> int:
    """End index (exclusive) of an Outlook header block starting at line i, or -1 if none."""
    if kinds[i] != "h":
        return -1
    fields: set[str] = set()
    end = i
    j = i
    gap = 0
    while j < len(lines) and j < i + 12:
        kind = kinds[j]
        if kind == "h":
            field = header_field(lines[j])
            if field is not None:
                fields.add(field)
            end = j + 1
            gap = 0
        elif kind in "te" and gap == 0 and j > i:
            gap = 1  # a wrapped To:/Subject: value, or one blank line inside the block
        else:
            break
        j += 1
    first = header_field(lines[i])
    if len(fields) >= 2 and first in {"from", "date", "to", "subject"} and fields & {"from", "date"}:
        return end
    return -1


def _quote_start(lines: list[str], kinds: list[str], i: int) -> bool:
    """Whether the quoted history begins at line i (attribution, separator, header block, rule)."""
    kind = kinds[i]
    if kind == "b":
        return True
    if kind == "h":
        return _header_block_at(lines, kinds, i) >= 0
    if kind in "dw":
        # An Outlook `____` rule directly above a header block or an attribution.
        j = i + 1
        while j < len(lines) and kinds[j] == "e":
            j += 1
        return j < len(lines) and (kinds[j] == "b" or _header_block_at(lines, kinds, j) >= 0)
    return False


def _skip_quote_block(lines: list[str], kinds: list[str], i: int) -> int:
    """Index of the first line after the quote opener at i and the quoted lines below it."""
    j = i
    while j < len(lines):
        kind = kinds[j]
        if kind in "bdwqe":
            j += 1
        elif kind == "h":
            end = _header_block_at(lines, kinds, j)
            j = end if end > j else j + 1
        else:
            break
    return j


def split_reply(text: str) -> ReplyParts:
    """Split a plain-text body into (new text, quoted history, signature); never raises on text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    overflow = ""
    if len(text) > MAX_TEXT_CHARS:
        text, overflow = text[:MAX_TEXT_CHARS], text[MAX_TEXT_CHARS:]
    raw_lines = text.split("\n")
    lines = [_normalize(line[:MAX_LINE_CHARS]) for line in raw_lines]

    # Split an attribution glued to the end of a reply line into its own line.
    split_lines: list[str] = []
    for line in lines:
        match = _INLINE_ATTRIBUTION.search(line) if len(line) < 400 and not _QUOTE.match(line) else None
        if match is not None and match.start() > 0:
            split_lines.extend([line[: match.start()], match.group(1)])
        else:
            split_lines.append(line)
    lines = split_lines

    kinds = _classify(lines)
    _join_wrapped_attributions(lines, kinds)

    n = len(lines)
    new_idx: list[int] = []
    sig_idx: list[int] = []
    quoted_idx: list[int] = []

    start = 0
    # An external-mail banner above the reply: drop its paragraph into the signature part.
    first = next((k for k in range(n) if kinds[k] != "e"), n)
    if (
        first < n
        and _BANNER.match(lines[first])
        and (_BANNER_WORDS.search(" ".join(lines[first : first + 4])) or len(lines[first]) < 30)
    ):
        end = first
        while end < n and kinds[end] != "e":
            end += 1
        sig_idx.extend(range(first, end))
        start = end

    # Bottom posting / forwards: history first, the sender's words after it.
    first = next((k for k in range(start, n) if kinds[k] != "e"), n)
    if first < n and (kinds[first] == "q" or _quote_start(lines, kinds, first)):
        after = _skip_quote_block(lines, kinds, first)
        if any(kinds[k] == "t" for k in range(after, n)):
            quoted_idx.extend(range(start, after))
            start = after

    # The reply region ends where quoted history begins.
    cut = n
    text_lines = 0
    for i in range(start, n):
        if kinds[i] == "t":
            text_lines += 1
        elif text_lines and _quote_start(lines, kinds, i):
            cut = i
            break

    # "Hi,\nOn ... wrote:\n> question\n\nanswer": only a greeting above the history means the
    # sender answers below it (bottom or inline posting).
    if cut < n and text_lines == 1:
        greeting = next(k for k in range(start, cut) if kinds[k] == "t")
        after = _skip_quote_block(lines, kinds, cut)
        bottom_posted = (
            _GREETING.match(lines[greeting]) is not None
            and kinds[cut] == "b"
            and after > cut + 1
            and kinds[after - 1] in "qe"
            and any(kinds[k] == "t" for k in range(after, n))
        )
        if bottom_posted:
            quoted_idx.extend(range(cut, after))
            new_idx.extend(k for k in range(start, cut) if kinds[k] != "q")
            start = after
            cut = n
            for i in range(start, n):
                if kinds[i] != "t" and any(kinds[k] == "t" for k in range(start, i)) and _quote_start(lines, kinds, i):
                    cut = i
                    break

    # Inside the reply region: signature delimiter / mobile signature / disclaimer cut to the
    # signature part; `>` lines (inline replies) go to the quoted part.
    sig_from = cut
    seen_text = False
    for i in range(start, cut):
        kind = kinds[i]
        if kind == "t" and _DISCLAIMER.match(lines[i]) and seen_text:
            sig_from = i
            break
        if kind in "gs" or (kind == "d" and seen_text):
            sig_from = i
            break
        if kind == "t":
            seen_text = True
    for i in range(start, sig_from):
        (quoted_idx if kinds[i] == "q" else new_idx).append(i)
    sig_idx.extend(range(sig_from, cut))
    quoted_idx.extend(range(cut, n))
    quoted_idx.sort()

    new_text = _join(lines, new_idx)
    quoted = _join(lines, quoted_idx)
    if overflow:
        quoted = (quoted + "\n" + overflow).strip()
    return ReplyParts(new_text=new_text, quoted_text=quoted, signature=_join(lines, sorted(sig_idx)))


def _join(lines: list[str], indexes: list[int]) -> str:
    out = "\n".join(lines[i].rstrip() for i in indexes)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip("\n").strip()


def forwarded_body(quoted: str) -> str:
    """The first quoted message's own words, without its header block and its own history.

    For forwards ("FW: see below") the statement the pipeline must read is the forwarded message,
    not the one-line note above it.
    """
    lines = [_normalize(line[:MAX_LINE_CHARS]) for line in quoted.replace("\r\n", "\n").split("\n")[:2000]]
    kinds = _classify(lines)
    i = 0
    while i < len(lines) and kinds[i] in "bdwe":
        i += 1
    end = _header_block_at(lines, kinds, i) if i < len(lines) else -1
    if end < 0:
        return ""
    body = "\n".join(line.lstrip("> ") if line.startswith(">") else line for line in lines[end:])
    return split_reply(body).new_text
