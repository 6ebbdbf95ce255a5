"""The interactive API docs at /docs: Swagger UI served from this origin, under the page CSP.

FastAPI's own /docs loads Swagger UI from a CDN with an inline script, so it was blank offline
and was the one page that loaded a third party. Swagger UI's files come from the pinned
fastapi-offline package; the script that starts it is service/static/docs/init.js.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from service.web.headers import CONTENT_SECURITY_POLICY

SWAGGER_UI_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_PATH = "/docs-assets"
#: The pages' policy, but Swagger UI's stylesheet draws its icons as data: SVG images.
DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("img-src 'self'", "img-src 'self' data:")

PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>takedown API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" href="{ASSETS_PATH}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="/static/docs/init.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.api_route("/docs", methods=["GET", "HEAD"])
def api_docs() -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": DOCS_POLICY})


def install_docs(app: FastAPI) -> None:
    """Serve /docs and Swagger UI's files; the app must be built with docs_url=None."""
    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_UI_DIR), name="docs-assets")
