"""The victim's timeline and report progress in the language a client asks for.

The status page tells these in the browser, from each event's or URL's kind and numbers, with
the messages of service/web/texts.py (``timelineText`` and ``progressText`` in
service/static/victim/pages/status.js). A client that cannot, such as the victim CLI, sends
Accept-Language and gets the same messages, chosen the same way, in ``text``. The sentences are
casework's (casework/victims/timeline.py, casework/reports/progress.py); here only the language
is chosen.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hashing.translations import negotiate


def client_locale(request: Request) -> str:
    """The language the client's Accept-Language likes best among ours."""
    return negotiate(request.headers.get("accept-language", ""))


ClientLocale = Annotated[str, Depends(client_locale)]
