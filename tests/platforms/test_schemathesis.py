"""Schemathesis over the whole OpenAPI spec, on a live server, with every check.

Each operation gets valid credentials for its kind of caller (a platform key, a victim's case
ID and PIN); schemathesis's ignored_auth check then replays requests without and with broken
credentials, so a route that answers them with success is an authorisation bypass. Every other
check must pass too: each response a route can give is documented, with its content type and
body schema.
"""

from __future__ import annotations

import base64
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from casework.credentials import format_case_id
from casework.db import transaction
from casework.runtime import Runtime
from casework.victims import cases
from hashing.fingerprint import Algorithm
from tests.factories import random_fingerprint, submitted
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index

EXAMPLES_PER_OPERATION = 25
PLATFORM_PATHS = ("/v1/check", "/v1/feed", "/v1/outcomes")
#: Routes that take a victim's case ID and PIN (Basic); /v1/reports takes them or a flagger key.
CASE_PATHS = ("/v1/case/", "/v1/reports")


#: Routes that refuse some schema-valid bodies with 422 for reasons no JSON schema can state: a
#: degenerate or low-quality hash, a URL of a private address, a malformed e-mail address, a
#: vPDQ text (a JSON list inside a string) without two usable frames. Their wire schemas stay
#: loose on purpose, so the domain names each refused item. Everywhere else a schema-valid
#: request must be accepted.
SEMANTIC_CHECKS = [
    "/v1/cases",
    "/v1/case/fingerprints",
    "/v1/case/notifications",
    "/v1/reports",
    "/v1/case/videos",
    "/v1/check",
    "/v1/check/video",
]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


@pytest.fixture
def api_schema(live_server: str) -> schemathesis.BaseSchema:
    """The running server's own spec, called over HTTP."""
    config = SchemathesisConfig.from_dict(
        {
            "operations": [
                {
                    "include-path": SEMANTIC_CHECKS,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}
                    },
                }
            ]
        }
    )
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json", config=config)


def victim(runtime: Runtime) -> dict[str, str]:
    """Basic credentials of a newly opened case, so a withdrawal spoils no other operation."""
    rng = random.Random()
    with transaction(runtime.sessions) as session:
        opened = cases.open_case(
            session,
            fingerprints=[submitted(random_fingerprint(a, rng)) for a in Algorithm],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
        pair = f"{format_case_id(opened.case.public_id)}:{opened.pin}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def credentials(operation: schemathesis.APIOperation, runtime: Runtime, keys: PlatformKeys):
    """The headers of a rightful caller of this operation."""
    if operation.path.startswith(PLATFORM_PATHS):
        return bearer(keys.alpha)
    if operation.path.startswith(CASE_PATHS) or operation.path == "/v1/case":
        return victim(runtime)
    return {}


def exercise(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    """Run every check on generated requests for one operation."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers)

    run()


def test_every_route_passes_every_check_with_no_server_error_or_authorisation_bypass(
    api_schema: schemathesis.BaseSchema, runtime: Runtime, keys: PlatformKeys
) -> None:
    # Budgets would turn later examples into 429s and leave the routes' other answers unseen.
    runtime.settings.platform_requests_per_minute = 0
    runtime.settings.victim_requests_per_minute = 0
    runtime.settings.cases_per_client_per_minute = 0
    rng = random.Random(99)
    bank_case(runtime, [random_fingerprint(a, rng) for a in Algorithm])
    refresh_index(runtime)
    failed: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {"/v1/check", "/v1/cases", "/v1/case", "/v1/reports"} <= {op.path for op in operations}
    for operation in operations:
        name = f"{operation.method.upper()} {operation.path}"
        # As its rightful caller, then as nobody: the refusals must conform to the spec too.
        for caller, headers in (("caller", credentials(operation, runtime, keys)), ("nobody", {})):
            try:
                exercise(operation, headers)
            except (Exception, BaseExceptionGroup) as failure:
                failed[f"{name} as {caller}"] = str(failure)[:3000]
    assert not failed, "\n\n".join(f"{name}:\n{text}" for name, text in failed.items())
