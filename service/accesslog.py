"""The access log: method, route template, status and duration; never an address or a path.

uvicorn's own access log prints every client's IP address and port and the raw path. Victims'
addresses are sensitive, so `takedown api` turns that log off and logs this line instead. The
route template (``/v1/reports/{report_id}``) says what was asked without the identifiers in it.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics import Metrics

logger = logging.getLogger(__name__)

#: What a request that matched no route, or was refused before routing (by the body cap), is
#: logged as, instead of the path it asked for.
NOT_ROUTED = "(not routed)"


class AccessLog:
    """Log one line per HTTP request when the app is done with it, and count it in the metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

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
            seconds = time.perf_counter() - started
            # Set by the router on this same scope: the template, not the path asked for.
            route = getattr(scope.get("route"), "path", NOT_ROUTED)
            logger.info("%s %s %d %.0f ms", scope["method"], route, status, seconds * 1000)
            self.metrics.observe_request(scope["method"], route, status, seconds)
