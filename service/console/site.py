"""install_console(): the console's configuration, routes and stylesheet on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from casework.runtime import Runtime
from service.console import admin, auth, cases, matches, quarantine, takedowns
from service.console.sessions import ConsoleConfig
from service.deps import refuse_api_keys

STATIC = Path(__file__).resolve().parent.parent / "static" / "console"


def install_console(app: FastAPI, runtime: Runtime) -> None:
    """Attach the console's configuration, routes and stylesheet to the app.

    Every console route refuses API keys: a platform's or flagger's key never acts as a
    caseworker, whatever else the request carries.
    """
    app.state.console = ConsoleConfig.build(runtime.settings, passwords=runtime.pins)
    for module in (auth, matches, cases, takedowns, quarantine, admin):
        _answer_head(module.router)
        app.include_router(module.router, dependencies=[Depends(refuse_api_keys)])
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")


def _answer_head(router: APIRouter) -> None:
    """Let HEAD reach the router's GET pages, as it reaches the victim pages and static files."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.methods and "GET" in route.methods:
            route.methods.add("HEAD")
