"""The access log: method, route template, status and duration; never an address or a path.

uvicorn's own access log prints every client's IP address and port and the raw path. Victims'
addresses are sensitive, so `takedown api` turns that log off and logs this line instead. The
route template (``/v1/reports/{report_id}``) says what was asked without the identifiers in it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

#: What a request that matched no route, or was refused before routing (by the body cap), is
#: logged as, instead of the path it asked for.
NOT_ROUTED = "(not routed)"

#: uvicorn's logging with its access log replaced by ours; `takedown api` passes it to uvicorn.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # uvicorn.access would print "127.0.0.1:53124 - GET /path": never attached, never shown.
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "service": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "casework": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


class AccessLog:
    """Log one line per HTTP request when the app is done with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            logger.info(
                "%s %s %d %.0f ms",
                scope["method"],
                # Set by the router on this same scope: the template, not the path asked for.
                getattr(scope.get("route"), "path", NOT_ROUTED),
                status,
                (time.perf_counter() - started) * 1000,
            )
