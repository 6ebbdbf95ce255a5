"""Security headers on every response: the one place they are set, for pages, API and files.

The victim pages run code next to intimate images, so the policy allows only this origin:
no inline script or style, no third-party host, fetches and workers from 'self' only. Even if
someone slipped markup into a page, it could neither run script nor send anything elsewhere.
Media may come from blob: URLs alone: the page decodes a video the victim picks through one
(static/hasher/video.js), which reads the file on the device and fetches nothing.
The caseworkers' console is stricter still (CONSOLE_HEADERS).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # A case ID or a page name in a Referer would tell another site that someone has a case.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# No script, no image, no frame, nothing from elsewhere: the console shows text about intimate
# images and must never load one, even by accident (an <img> smuggled into a URL field).
CONSOLE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; img-src 'none'"
)
#: What the console's answers carry instead of their namesakes in SECURITY_HEADERS.
CONSOLE_HEADERS = {
    "Content-Security-Policy": CONSOLE_CONTENT_SECURITY_POLICY,
    # same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with form
    # posts, and the CSRF check needs the real origin. Other sites still get no referrer.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CONSOLE_PATH = "/console/"
#: The console's stylesheet is a static file like the pages' own, cached and shared.
CONSOLE_STATIC_PATH = "/console/static/"

# Sent only over HTTPS (a browser ignores it over HTTP, and a local `make run` stays usable).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def headers_for(path: str) -> dict[str, str]:
    """The security headers of a response to this path: the console's, or everyone else's."""
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
    if _in_console(path):
        headers.update(CONSOLE_HEADERS)
    return headers


def _in_console(path: str) -> bool:
    return path.startswith(CONSOLE_PATH) and not path.startswith(CONSOLE_STATIC_PATH)


Raw = tuple[tuple[bytes, bytes], ...]


def _raw(headers: dict[str, str]) -> Raw:
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


class SecurityHeaders:
    """Add headers_for(path) to every HTTP response (a route may set its own CSP, as /docs does)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Encoded once for the two kinds of path and both schemes: every request adds them.
        hsts = {"Strict-Transport-Security": STRICT_TRANSPORT_SECURITY}
        self._encoded = {
            (console, https): _raw(headers_for(path) | (hsts if https else {}))
            for console, path in ((False, "/"), (True, CONSOLE_PATH))
            for https in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self._encoded[_in_console(scope["path"]), scope.get("scheme") == "https"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Names are lower-case bytes in ASGI, as in `wanted`: a route's own one stays.
                headers = message["headers"] = list(message.get("headers", ()))
                present = {name for name, _ in headers}
                headers.extend(header for header in wanted if header[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
