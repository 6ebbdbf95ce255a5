"""English and Dutch for the console: the English text is the key, Dutch is looked up.

Templates call ``_("English text")``; Python code marks texts it hands to templates with
``N_``. tests/console/test_i18n.py checks that every marked text has a Dutch translation.
"""

from __future__ import annotations

from service.console.dutch import DUTCH

LOCALES = ("en", "nl")
CATALOGUES: dict[str, dict[str, str]] = {"en": {}, "nl": DUTCH}


class Translator:
    """Looks texts up in one language's catalogue; unknown texts stay English."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in CATALOGUES else "en"
        self._catalogue = CATALOGUES[self.locale]

    def __call__(self, text: str) -> str:
        return self._catalogue.get(text, text)


def translator(locale: str) -> Translator:
    """A translator for a locale ('en' for unknown ones)."""
    return Translator(locale)


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a text for translation where it is defined; it is translated when shown."""
    return text


def negotiate(accept_language: str) -> str:
    """The first supported language in an Accept-Language header, else English."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LOCALES:
            return primary
    return "en"
