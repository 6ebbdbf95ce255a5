"""install_console(): the console's configuration, routes and stylesheet on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from casework.settings import Settings
from service.console import admin, auth, cases, matches, quarantine, takedowns
from service.console.sessions import ConsoleConfig

STATIC = Path(__file__).resolve().parent.parent / "static" / "console"


def install_console(app: FastAPI, settings: Settings) -> None:
    """Attach the console's configuration, routes and stylesheet to the app."""
    app.state.console = ConsoleConfig.build(settings)
    for module in (auth, matches, cases, takedowns, quarantine, admin):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
