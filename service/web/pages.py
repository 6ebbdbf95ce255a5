"""The victim pages, in English at / and in Dutch at /nl/.

The pages are static apart from their words: all work (hashing, calling the JSON API with the
case ID and PIN) happens in the browser, so no page takes a form post or sets a cookie.
"""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from casework.reports.reports import MAX_NOTE_CHARS, MAX_URLS_PER_REPORT
from hashing.translations import DEFAULT_LOCALE, LANGUAGE_NAMES, LOCALES, translation
from service.deps import RuntimeDep
from service.templating import environment
from service.web.texts import SCRIPT_COUNTS, SCRIPT_MESSAGES, SUPPORT

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# Each language's pages live under its prefix; the first one is the default at the root.
LANGUAGES = {("" if locale == DEFAULT_LOCALE else f"/{locale}"): locale for locale in LOCALES}


class Page(StrEnum):
    """The victim pages; the value is the path after the language prefix."""

    START = "/"
    STATUS = "/status"
    ADD = "/add"
    WITHDRAW = "/withdraw"
    RECOVER = "/recover"


_TEMPLATE = {
    Page.START: "victim/start.html",
    Page.STATUS: "victim/status.html",
    Page.ADD: "victim/add.html",
    Page.WITHDRAW: "victim/withdraw.html",
    Page.RECOVER: "victim/recover.html",
}

_TEMPLATES = {locale: Jinja2Templates(env=environment(locale)) for locale in LANGUAGES.values()}

router = APIRouter(include_in_schema=False)


def page_url(prefix: str, page: Page) -> str:
    """The path of a page in the language at ``prefix``."""
    return f"{prefix}{page.value}" if page is not Page.START else f"{prefix}/"


def _add_page(prefix: str, locale: str, page: Page) -> None:
    gettext = translation(locale).gettext
    ngettext = translation(locale).ngettext

    def render(request: Request, runtime: RuntimeDep) -> HTMLResponse:
        config = {
            "lang": locale,
            "maxPerRequest": runtime.settings.max_fingerprints_per_request,
            "maxPhotosPerRequest": runtime.settings.max_photos_per_request,
            "maxUrlsPerReport": MAX_URLS_PER_REPORT,
            "maxNoteChars": MAX_NOTE_CHARS,
            "messages": {key: gettext(message) for key, message in SCRIPT_MESSAGES.items()},
            "counted": {
                key: {
                    "count": counted.count,
                    "one": ngettext(*counted.forms, 1),
                    "other": ngettext(*counted.forms, 2),
                }
                for key, counted in SCRIPT_COUNTS.items()
            },
        }
        return _TEMPLATES[locale].TemplateResponse(
            request,
            _TEMPLATE[page],
            {
                "lang": locale,
                "page": page.name.lower(),
                "nav": {p.name.lower(): page_url(prefix, p) for p in Page},
                "languages": [
                    (other, LANGUAGE_NAMES[other], page_url(other_prefix, page))
                    for other_prefix, other in LANGUAGES.items()
                ],
                "support": [asdict(link) | {"about": gettext(link.about)} for link in SUPPORT],
                "config": config,
            },
        )

    router.add_api_route(
        page_url(prefix, page),
        render,
        # HEAD too, as uptime checks and link previews send it (static files answer it already).
        methods=["GET", "HEAD"],
        response_class=HTMLResponse,
        name=f"victim_{locale}_{page.name.lower()}",
    )


for _prefix, _locale in LANGUAGES.items():
    for _page in Page:
        _add_page(_prefix, _locale, _page)
