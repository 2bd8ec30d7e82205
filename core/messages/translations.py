"""gettext-style translations read straight from `.po` files (no compile step to forget).

Templates are written in English with `{% trans %}` blocks; `templates/messages/i18n/<lang>.po`
holds each language's strings. A string missing from a catalog falls back to English.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

from babel.messages.pofile import read_po


class Translations:
    """The `gettext`/`ngettext` pair Jinja's i18n extension calls, for one language."""

    def __init__(
        self,
        singular: dict[str, str] | None = None,
        plural: dict[tuple[str, str], list[str]] | None = None,
        plural_func: Callable[[int], int] | None = None,
    ) -> None:
        self._singular = singular or {}
        self._plural = plural or {}
        self._plural_func = plural_func or (lambda n: int(n != 1))

    @classmethod
    def from_po(cls, path: Path) -> Translations:
        with path.open("rb") as f:
            catalog = read_po(f)
        singular: dict[str, str] = {}
        plural: dict[tuple[str, str], list[str]] = {}
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, tuple | list):
                forms = [str(s) for s in message.string] if isinstance(message.string, tuple | list) else []
                if any(forms):
                    plural[(message.id[0], message.id[1])] = forms
            elif message.string:
                singular[message.id] = str(message.string)
        return cls(singular, plural, gettext.c2py(catalog.plural_expr))

    def gettext(self, message: str) -> str:
        return self._singular.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self._plural.get((singular, plural))
        if forms:
            index = self._plural_func(n)
            if 0 <= index < len(forms) and forms[index]:
                return forms[index]
        return singular if n == 1 else plural

    def __contains__(self, message: str) -> bool:
        return message in self._singular


ENGLISH = Translations()


def load_catalogs(directory: Path) -> dict[str, Translations]:
    """Every `<lang>.po` in `directory`, keyed by its language tag as written in the file name."""
    if not directory.is_dir():
        return {}
    return {path.stem: Translations.from_po(path) for path in sorted(directory.glob("*.po"))}
