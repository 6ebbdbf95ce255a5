"""Platform fixtures (a pytest plugin): two vetted platforms with keys, cases put in the bank."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from casework.db import transaction
from casework.models import Case
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from casework.victims import cases
from hashing.fingerprint import Fingerprint
from tests.factories import submitted


@dataclass(frozen=True)
class PlatformKeys:
    """Bearer tokens of the test platforms, by what they may do."""

    alpha: str
    beta: str
    alpha_check_only: str
    gamma_feed_only: str


def bearer(token: str) -> dict[str, str]:
    """Authorization header for a platform key."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def keys(runtime: Runtime) -> PlatformKeys:
    """alpha and beta with full keys, a check-only key of alpha, a feed-only key of gamma."""
    every = [Scope.CHECK, Scope.FEED, Scope.OUTCOMES]
    with transaction(runtime.sessions) as session:
        alpha = platforms.create_platform(
            session,
            name="alpha",
            domains=["alpha.example"],
            algorithms=platforms.parse_algorithms(None),
        )
        beta = platforms.create_platform(
            session,
            name="beta",
            domains=["beta.example"],
            algorithms=platforms.parse_algorithms(None),
        )
        full_alpha = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=alpha, scopes=every
        )
        check_only = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=alpha, scopes=[Scope.CHECK]
        )
        full_beta = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=beta, scopes=every
        )
        gamma = platforms.create_platform(
            session, name="gamma", domains=[], algorithms=platforms.parse_algorithms(None)
        )
        feed_only = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=gamma, scopes=[Scope.FEED]
        )
        return PlatformKeys(
            alpha=full_alpha.token,
            beta=full_beta.token,
            alpha_check_only=check_only.token,
            gamma_feed_only=feed_only.token,
        )


def bank_case(runtime: Runtime, fingerprints: list[Fingerprint]) -> Case:
    """A victim's case holding these fingerprints, opened through the domain."""
    with transaction(runtime.sessions) as session:
        opened = cases.open_case(
            session,
            fingerprints=[submitted(fp) for fp in fingerprints],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
        return opened.case


def withdraw(runtime: Runtime, case: Case) -> None:
    """Withdraw a case through the domain."""
    with transaction(runtime.sessions) as session:
        cases.withdraw_case(session, case=session.get_one(Case, case.id))


def refresh_index(runtime: Runtime) -> None:
    """Bring this process's index up to the committed bank."""
    with runtime.sessions() as session:
        runtime.bank.refresh(session)


def read_all(client: TestClient, token: str, cursor: str | None = None, limit: int = 1000):
    """Every feed entry from ``cursor`` on, page by page, and the cursor to go on from."""
    entries = []
    while True:
        params: dict[str, object] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/v1/feed", params=params, headers=bearer(token))
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["entries"]
        cursor = page["cursor"]
        if not page["more"]:
            return entries, cursor
