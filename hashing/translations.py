"""Every text people read, in their language, from the gettext catalogues in hashing/locales.

The catalogues live in the lowest package because the victim CLI speaks them too, installed
without the service extras: reading them needs only the standard library's ``gettext``. The
pages, the console and the operator commands read the same catalogues, so one glossary
(docs/glossary.md) holds for all of them. English is the msgid itself and needs no catalogue.

Each ``.po`` file is the source a translator edits; the ``.mo`` file beside it is compiled from
it by ``make translations`` and shipped as package data, so an editable install, a wheel and
``pipx install .`` all find it without Babel. tests/hashing/test_translations.py fails when a
``.mo`` differs from what its ``.po`` compiles to.

The service passes a ``translation(locale)`` to whatever renders a request. A command-line
process speaks one language, chosen at its entry point with ``activate``; ``gettext`` and
``ngettext`` here translate into it.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOMAIN = "takedown"
LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LOCALE = "en"
LOCALES = (DEFAULT_LOCALE, "nl")
#: What each language calls itself, for language switchers.
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands"}
# The variables GNU gettext reads, strongest first: the first one set decides.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_active: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@cache
def translation(locale: str) -> _gettext.NullTranslations:
    """The catalogue of a supported locale; the English msgids for any other."""
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return _gettext.NullTranslations()
    # No fallback: a shipped language whose catalogue is missing is a broken install.
    return _gettext.translation(DOMAIN, LOCALES_DIR, languages=[locale])


#: The msgids themselves: what ``say`` is given for English.
ENGLISH = translation(DEFAULT_LOCALE)


def _primary(tag: str) -> str:
    """'nl' from 'nl-BE', 'nl_NL.UTF-8' or 'nl@euro'."""
    return tag.strip().split(".")[0].split("@")[0].replace("_", "-").split("-")[0].lower()


def negotiate(accept_language: str) -> str:
    """The supported language an Accept-Language header likes best, else English."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, parameters = part.partition(";")
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        if quality > 0 and _primary(tag) in LOCALES:
            ranked.append((-quality, position, _primary(tag)))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def locale_from_environment(environ: Mapping[str, str]) -> str:
    """The language of a terminal from LANGUAGE, LC_ALL, LC_MESSAGES and LANG, as gettext does."""
    for variable in _LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if value:
            # LANGUAGE is a colon-separated list of preferences; the others name one locale.
            supported = [_primary(tag) for tag in value.split(":") if _primary(tag) in LOCALES]
            return supported[0] if supported else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def activate(locale: str) -> None:
    """Make ``gettext`` and ``ngettext`` speak this locale in this process (command lines)."""
    _active.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def active_locale() -> str:
    """The language ``activate`` chose (English before any)."""
    return _active.get()


def gettext(message: str) -> str:
    """The message in the active language."""
    return translation(_active.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of the message for ``count``, in the active language."""
    return translation(_active.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a message for the catalogue where it is defined; it is translated where shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as N_
    """Mark a message with a count for the catalogue, as ngettext will be given it where shown."""
    return singular, plural


@dataclass(frozen=True, slots=True)
class CountedMessage:
    """A message whose words follow a number: the placeholder ``count`` names it.

    A sentence with two numbers holds neither: each number comes with its words as a counted
    message of its own ("{count} file"), filled into a plain message ("Done: {files}, ..."), so
    that each takes the form for its own number.
    """

    count: str
    forms: tuple[str, str]


def say(
    message: str | CountedMessage, language: _gettext.NullTranslations, **values: str | int
) -> str:
    """The message in ``language`` with its placeholders filled in; a counted message in the
    form for the number its ``count`` placeholder is given (page.js ``say`` is its twin)."""
    if isinstance(message, CountedMessage):
        text = language.ngettext(*message.forms, int(values[message.count]))
    else:
        text = language.gettext(message)
    return text.format(**values)
