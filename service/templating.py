"""Jinja2 for the victim pages and the console: one environment per language.

Each environment has Jinja2's i18n extension with its language's catalogue installed, so a
template says ``_("English sentence")`` and Babel finds the sentence there (babel.cfg). The
gettext is the old style: it returns plain text, which autoescaping escapes like any value, so
a message looked up from data (a state, a reason) can never become markup; the few messages
that carry a link say ``|safe`` where they are shown.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hashing.translations import LOCALES, translation

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@cache
def environment(locale: str) -> Environment:
    """The templates, speaking ``locale`` (one of LOCALES)."""
    if locale not in LOCALES:
        raise ValueError(f"no catalogue for {locale!r}")
    jinja = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The i18n extension adds this method when it is loaded; Jinja2's types do not know it.
    jinja.install_gettext_translations(translation(locale), newstyle=False)  # type: ignore[attr-defined]
    return jinja
