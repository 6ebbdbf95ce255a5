"""The victim's timeline and report progress in the language a client asks for.

The status page tells these in the browser, from each event's or URL's kind and numbers, with
the messages of service/web/texts.py (``timelineText`` and ``progressText`` in
service/static/victim/pages/status.js). A client that cannot, such as the victim CLI, sends
Accept-Language and gets the same messages, chosen the same way, in ``text``. English, and a
kind the messages do not cover, keep casework's own sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from casework.reports import progress
from casework.reports.progress import Progress
from hashing.translations import DEFAULT_LOCALE, negotiate, translation
from service.web.texts import SCRIPT_MESSAGES


def _say(locale: str, key: str, values: Mapping[str, object], english: str) -> str:
    template = SCRIPT_MESSAGES.get(key)
    if locale == DEFAULT_LOCALE or template is None:
        return english
    try:
        return translation(locale).gettext(template).format(**values)
    except (KeyError, IndexError):
        # A message that names something this event does not carry: casework's own sentence.
        return english


def timeline_text(kind: str, params: Mapping[str, str | int], english: str, locale: str) -> str:
    """One timeline event in ``locale``."""
    key = f"tl_{kind}"
    if kind == "found" and params.get("confirmed"):
        key += "_confirmed"
    if kind == "removed" and "hours" in params:
        key += "_after"
    if kind == "checked":
        key += f"_{params.get('result')}"
    count = params.get("count", params.get("hours"))
    if count == 1 and f"{key}_one" in SCRIPT_MESSAGES:
        key += "_one"
    values = dict(params)
    if isinstance(params.get("since"), str):
        values["since"] = str(params["since"])[:10]
    return _say(locale, key, values, english)


def progress_text(
    *, kind: str, reason: str | None, matches: int, checked: int, found: int, locale: str
) -> str:
    """One reported URL's progress in ``locale``."""
    return progress.tell(
        Progress(kind),
        reason=reason,
        matches=matches,
        checked=checked,
        found=found,
        gettext=translation(locale).gettext,
    )


def client_locale(request: Request) -> str:
    """The language the client's Accept-Language likes best among ours."""
    return negotiate(request.headers.get("accept-language", ""))


ClientLocale = Annotated[str, Depends(client_locale)]
