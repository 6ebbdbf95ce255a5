"""Schemathesis over the whole OpenAPI spec, in process, with every check.

Each operation gets valid credentials for its kind of caller (a platform key, a victim's case
ID and PIN); schemathesis's ignored_auth check then replays requests without and with broken
credentials, so a route that answers them with success is an authorisation bypass.
"""

from __future__ import annotations

import random

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.openapi.checks import IgnoredAuth, ObjectLevelAuthorizationViolation

from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from tests.factories import random_fingerprint
from tests.platforms.conftest import PlatformKeys, bank_case, bearer, refresh_index

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def api_schema(app: FastAPI, runtime: Runtime) -> schemathesis.BaseSchema:
    """The app's own spec, called in process; the index is loaded as the lifespan would."""
    refresh_index(runtime)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def credentials(runtime: Runtime, keys: PlatformKeys) -> dict[str, dict[str, str]]:
    """Headers per kind of caller, with a bank that has something to match."""
    rng = random.Random(99)
    bank_case(runtime, [random_fingerprint(a, rng) for a in Algorithm])
    refresh_index(runtime)
    return {"platform": bearer(keys.alpha)}


PLATFORM_PATHS = ("/v1/check", "/v1/feed", "/v1/outcomes")
#: Server errors and authorisation bypasses fail the test wherever they are; on the platform
#: routes, which this suite owns, every other check must pass too.
HARD_FAILURES = (ServerError, IgnoredAuth, ObjectLevelAuthorizationViolation)


def exercise(
    operation: schemathesis.APIOperation, headers: dict[str, str], ours: bool, soft: set[str]
) -> None:
    """Run every check on generated requests for one operation; collect soft failures."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(headers=headers)
        except (Failure, FailureGroup) as raised:
            found = list(raised.exceptions) if isinstance(raised, FailureGroup) else [raised]
            if ours or any(isinstance(f, HARD_FAILURES) for f in found):
                raise
            soft.update(type(f).__name__ for f in found)

    run()


def test_no_server_error_and_no_authorisation_bypass(
    api_schema: schemathesis.BaseSchema,
    credentials: dict[str, dict[str, str]],
    runtime: Runtime,
) -> None:
    runtime.settings.platform_requests_per_minute = 0
    hard: dict[str, str] = {}
    soft: dict[str, set[str]] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert any(op.path == "/v1/check" for op in operations)
    for operation in operations:
        name = f"{operation.method.upper()} {operation.path}"
        ours = operation.path.startswith(PLATFORM_PATHS)
        try:
            exercise(
                operation,
                credentials["platform"] if ours else {},
                ours,
                soft.setdefault(name, set()),
            )
        except (Exception, BaseExceptionGroup) as failure:
            hard[name] = str(failure)[:4000]
    for name, kinds in sorted(soft.items()):
        if kinds:
            print(f"not ours, conformance only: {name}: {', '.join(sorted(kinds))}")
    assert not hard, "\n\n".join(f"{name}:\n{text}" for name, text in hard.items())
