"""The console's personas (a pytest plugin): two organisations, a case with matches, clients.

alice is the victim (her case was opened anonymously, so it belongs to the default
organisation); carol is a caseworker there and olga its admin; mallory works for another
organisation and must never see alice's case. Guard, new_context, log_in and shot serve the
console's browser tests; tests/console/conftest.py adds the platform registry the world uses.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect
from sqlalchemy import select

from casework import audit
from casework.db import transaction
from casework.desk import accounts
from casework.models import CaseFingerprint, Role
from casework.runtime import Runtime
from casework.settings import Settings
from casework.victims import cases
from tests.conftest import REPO
from tests.factories import add_report, flip, image_set, submitted

PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver"
CONSOLE_ARTIFACTS = REPO / "test-artifacts" / "console"
DESKTOP = {"width": 1280, "height": 900}
REGISTRY = """
[[platforms]]
name = "Video Site"
domains = ["video-site.example"]
regime = "take_it_down"
channel_kind = "email"
channel = "notices@video-site.example"
deadline_hours = 48

[[platforms]]
name = "EU Forum"
domains = ["forum.eu.example"]
regime = "dsa_art16"
"""


def with_platform_registry(settings: Settings, folder: Path) -> Settings:
    """The settings plus a registry (written to folder) that knows the hosts used here."""
    registry = folder / "platforms.toml"
    registry.write_text(REGISTRY)
    return settings.model_copy(update={"platform_registry": str(registry)})


@dataclass
class World:
    """Ids and secrets of what the fixtures created."""

    case_id: int
    case_public_id: str
    match_ids: list[int]
    fingerprint_hexes: list[str]
    organisation_id: int
    other_organisation_id: int


@pytest.fixture
def world(runtime: Runtime) -> World:
    """alice's case with two reported images (one close PDQ match, one farther), personas."""
    rng = random.Random(7)
    fingerprints = image_set(rng, images=2)
    with transaction(runtime.sessions) as session:
        home = accounts.create_organisation(
            session, name="Stichting Voorbeeld", contact_email="notices@voorbeeld.example"
        )
        home.postal_address = "Postbus 1, 1000 AA Amsterdam"
        other = accounts.create_organisation(session, name="Elsewhere Support")
        for organisation, email, name, role in (
            (home, "carol@voorbeeld.example", "Carol Jansen", Role.CASEWORKER),
            (home, "olga@voorbeeld.example", "Olga Admin", Role.ADMIN),
            (other, "mallory@elsewhere.example", "Mallory", Role.ADMIN),
        ):
            accounts.create_caseworker(
                session,
                organisation=organisation,
                email=email,
                display_name=name,
                password=PASSWORD,
                role=role,
                passwords=runtime.pins,
                actor=audit.OPERATOR,
            )
        opened = cases.open_case(
            session,
            fingerprints=[submitted(fp) for fp in fingerprints],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
        case_id, public_id = opened.case.id, opened.case.public_id
        ids = {
            fp: session.execute(
                select(CaseFingerprint.id).where(CaseFingerprint.value_mac == runtime.vault.mac(fp))
            ).scalar_one()
            for fp in fingerprints
        }
        home_id, other_id = home.id, other.id
    pdq_a, pdq_b = fingerprints[0], fingerprints[4]
    near = add_report(
        runtime,
        case_id=case_id,
        page_url="https://www.video-site.example/watch/123",
        image_url="https://cdn.video-site.example/i/123.jpg",
        found=[(ids[pdq_a], flip(pdq_a, 4, rng), 4)],
    )
    far = add_report(
        runtime,
        case_id=case_id,
        page_url="https://forum.eu.example/t/9",
        image_url="https://forum.eu.example/img/9.png",
        found=[(ids[pdq_b], flip(pdq_b, 25, rng), 25)],
    )
    return World(
        case_id=case_id,
        case_public_id=public_id,
        match_ids=near + far,
        fingerprint_hexes=[fp.hex for fp in fingerprints],
        organisation_id=home_id,
        other_organisation_id=other_id,
    )


def csrf_of(html: str) -> str:
    """The synchronizer token embedded in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Console:
    """A TestClient logged in as one persona; post() adds the token and Origin."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def login(self, email: str, password: str = PASSWORD) -> Console:
        page = self.client.get("/console/login")
        response = self.client.post(
            "/console/login",
            data={"csrf_token": csrf_of(page.text), "email": email, "password": password},
            headers={"Origin": ORIGIN},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        self.refresh()
        return self

    def refresh(self) -> None:
        self.csrf = csrf_of(self.client.get("/console/queue").text)

    def get(self, path: str) -> object:
        return self.client.get(path, follow_redirects=False)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: object) -> object:
        return self.client.post(
            path,
            data={"csrf_token": self.csrf, **(data or {})},
            headers={"Origin": ORIGIN},
            follow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
def carol(app: FastAPI, world: World) -> Iterator[Console]:
    """Carol, a caseworker of the organisation holding alice's case, logged in."""
    with TestClient(app) as client:
        yield Console(client).login("carol@voorbeeld.example")


@pytest.fixture
def olga(app: FastAPI, world: World) -> Iterator[Console]:
    """Olga, the admin of carol's organisation, logged in."""
    with TestClient(app) as client:
        yield Console(client).login("olga@voorbeeld.example")


@pytest.fixture
def mallory(app: FastAPI, world: World) -> Iterator[Console]:
    """Mallory, an admin of another organisation, logged in."""
    with TestClient(app) as client:
        yield Console(client).login("mallory@elsewhere.example")


class Guard:
    """Blocks and records every request that is not to the test server."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.blocked: list[str] = []

    def route(self, route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.blocked.append(request.url)
            route.abort("blockedbyclient")
            return
        route.continue_()


def new_context(browser: Browser, guard: Guard) -> BrowserContext:
    """A desktop browser context whose requests go through the guard."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="en-GB")
    context.route("**/*", guard.route)
    context.set_default_timeout(30_000)
    return context


def shot(page: Page, name: str) -> None:
    """A full-page screenshot among the console's artefacts."""
    CONSOLE_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(CONSOLE_ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, live_server: str, email_address: str) -> None:
    """Log a persona in through the login page."""
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail address").fill(email_address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
