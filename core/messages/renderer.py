"""Render a message kind for a channel in the reader's language.

Templates live in `templates/messages/<channel>/<kind>.<part>.j2` with parts `subject` (optional),
`txt` (required) and `html` (optional; autoescaped). Chat and email share the machinery: the same
filters (`date`, `datetime`, `number`, `money` in the reader's locale) and the same translation
catalogs, so a new channel only adds its folder of templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context
from jinja2.runtime import Context

from core.messages.formatting import Formatter
from core.messages.translations import ENGLISH, Translations, load_catalogs
from core.settings import PROJECT_ROOT

DEFAULT_LANGUAGE = "en"
MESSAGES_DIR = PROJECT_ROOT / "templates" / "messages"


class TemplateMissingError(LookupError):
    """No template for this kind on this channel: a programming error, never a vendor's."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None


def parse_locale(language: str | None) -> Locale:
    """`de`, `de-AT`, `pt_BR` -> a Babel locale; anything unreadable -> English."""
    tag = (language or DEFAULT_LANGUAGE).strip().replace("-", "_")
    try:
        return Locale.parse(tag)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT_LANGUAGE)


@pass_context
def ack_facts(context: Context) -> list[dict[str, Any]]:
    """What an acknowledgement lists: `facts` when the queuer gave them, else one fact per matched PO
    built from the reply pipeline's flat understanding (intent, po_numbers, carrier, tracking_numbers, eta)."""
    facts = context.get("facts")
    if isinstance(facts, list):
        return [f for f in facts if isinstance(f, dict)]
    numbers = context.get("po_numbers") or []
    return [
        {
            "po_number": str(number),
            "intent": context.get("intent"),
            "carrier": context.get("carrier"),
            "tracking": list(context.get("tracking_numbers") or []),
            "eta": context.get("eta"),
            "ship_date": context.get("ship_date"),
        }
        for number in numbers
    ]


class MessageRenderer:
    """One Jinja2 environment per locale (filters and translations bound to it), built on first use.

    `defaults` fill context keys every template may use (e.g. `buyer_company`) when the queuer left them out.
    """

    def __init__(self, messages_dir: Path = MESSAGES_DIR, *, defaults: dict[str, Any] | None = None) -> None:
        self.messages_dir = messages_dir
        self.defaults = dict(defaults or {})
        self.catalogs = load_catalogs(messages_dir / "i18n")
        self._envs: dict[str, Environment] = {}
        self._lock = Lock()

    def translations_for(self, locale: Locale) -> Translations:
        for tag in (str(locale), locale.language):
            if tag in self.catalogs:
                return self.catalogs[tag]
        return ENGLISH

    def environment(self, locale: Locale, timezone: str = "UTC") -> Environment:
        key = f"{locale}|{timezone}"
        with self._lock:
            env = self._envs.get(key)
            if env is None:
                env = self._build(locale, timezone)
                self._envs[key] = env
            return env

    def _build(self, locale: Locale, timezone: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(str(self.messages_dir)),
            # only the HTML part is markup; escaping the text part would put &amp; in plain mail
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.policies["ext.i18n.trimmed"] = True
        translations = self.translations_for(locale)
        env.install_gettext_callables(  # type: ignore[attr-defined]
            translations.gettext, translations.ngettext, newstyle=True
        )
        env.filters.update(Formatter(locale, timezone).filters())
        env.globals["locale"] = str(locale)
        env.globals["ack_facts"] = ack_facts
        return env

    def render(self, kind: str, channel: str, language: str | None, context: dict[str, Any]) -> Rendered:
        locale = parse_locale(language)
        context = {**self.defaults, **context}
        env = self.environment(locale, str(context.get("timezone") or "UTC"))
        base = f"{channel}/{kind}"
        try:
            text_template = env.get_template(f"{base}.txt.j2")
        except TemplateNotFound as exc:
            raise TemplateMissingError(f"no template {base}.txt.j2 in {self.messages_dir}") from exc
        text = text_template.render(context).strip() + "\n"
        subject = self._optional(env, f"{base}.subject.j2", context)
        html = self._optional(env, f"{base}.html.j2", context)
        # a subject is one line whatever the template or a vendor-supplied value holds
        return Rendered(subject=" ".join(subject.split()) if subject is not None else None, text=text, html=html)

    @staticmethod
    def _optional(env: Environment, name: str, context: dict[str, Any]) -> str | None:
        try:
            template = env.get_template(name)
        except TemplateNotFound:
            return None
        return template.render(context).strip()


@lru_cache(maxsize=1)
def default_renderer() -> MessageRenderer:
    from core.settings import get_settings

    return MessageRenderer(defaults={"buyer_company": get_settings().buyer_company})


def render(kind: str, channel: str, language: str | None, context: dict[str, Any]) -> Rendered:
    """Render `kind` for `channel` ("email" | "chat") in `language` (fallback English)."""
    return default_renderer().render(kind, channel, language, context)
