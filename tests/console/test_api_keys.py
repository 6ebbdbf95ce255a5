"""A6: a platform's API key never acts on a caseworker's or a victim's route: 403, route by route.

The routes are read from the app itself, so a route added later is checked without editing this
file; only the modules whose routes take keys by design or serve everyone are left out.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from casework.errors import ApiKeyRefused
from casework.runtime import Runtime
from tests.conftest import table_counts
from tests.personas import ORIGIN, Console, World
from tests.platformkeys import PlatformKeys, bearer

#: Routes that take API keys (platforms, flaggers' reports) or serve anyone (health, the victim
#: pages' HTML, the API description).
KEY_MODULES = {"service.api.platforms", "service.api.video_checks", "service.api.reports"}
OPEN_MODULES = {
    "service.api.health",
    "service.web.pages",
    "service.web.docs",
    "fastapi.applications",
}
#: Routes behind a token of their own, refused (404) to anyone else: /metrics.
TOKEN_MODULES = {"service.api.monitoring"}
#: Static files, the same for everyone (Swagger UI's own under /docs-assets).
OPEN_MOUNTS = {"/static", "/console/static", "/docs-assets"}


def guarded_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route that must refuse keys, path parameters set to 1."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            assert context.path in OPEN_MOUNTS, f"{context.path} is new: who may read it?"
            continue
        if context.endpoint.__module__ in KEY_MODULES | OPEN_MODULES | TOKEN_MODULES:
            continue
        path = re.sub(r"\{[^}]+\}", "1", context.path)
        found += [(method, path) for method in sorted(context.methods - {"HEAD"})]
    return found


@pytest.mark.battery("A6")
def test_a6_a_platform_key_gets_403_on_every_console_and_victim_route(
    app: FastAPI, carol: Console, world: World, runtime: Runtime, keys: PlatformKeys
) -> None:
    key = bearer(keys.alpha)  # a vetted platform's key with every scope a platform can hold
    assert carol.client.get("/v1/feed", headers=key).status_code == 200  # the key is good
    routes = guarded_routes(app)
    assert len([path for _, path in routes if path.startswith("/console/")]) >= 20
    assert len([path for _, path in routes if path.startswith("/v1/case")]) >= 5
    before = table_counts(runtime)
    wrong: list[str] = []
    for method, path in routes:
        # Sent from carol's signed-in browser with a valid form token: without the refusal,
        # most of these would succeed.
        if path.startswith("/console/"):
            response = carol.client.request(
                method,
                path,
                headers={**key, "Origin": ORIGIN},
                data={"csrf_token": carol.csrf} if method != "GET" else None,
                follow_redirects=False,
            )
            refused = str(ApiKeyRefused()) in response.text
        else:
            response = carol.client.request(method, path, headers=key, json={})
            refused = response.json().get("error", {}).get("code") == "api_key_refused"
        if response.status_code != 403 or not refused:
            wrong.append(f"{method} {path}: {response.status_code}")
    assert wrong == []
    assert table_counts(runtime) == before
