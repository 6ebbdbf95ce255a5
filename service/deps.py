"""The dependency vocabulary of the HTTP layer: Annotated aliases used by every router."""

from __future__ import annotations

from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from redis import Redis
from sqlalchemy.orm import Session

from casework.db import transaction, utcnow
from casework.errors import ApiKeyRefused, CaseNotFound, NotAuthenticated
from casework.loop import Loop
from casework.models import Case
from casework.platforms.apikeys import InvalidApiKey, Scope, authenticate_key
from casework.platforms.platforms import PlatformCaller, authenticate_platform
from casework.reports.reports import Reporter, ReporterKind
from casework.runtime import Runtime
from casework.victims.cases import authenticate_case
from service.clients import budget_name, client_address
from service.metrics import Metrics
from service.ratelimits import Charge, RateLimiter
from service.uploads import UploadHasher
from service.verified_keys import GENERATION, CheckCaller, Verified, VerifiedKeys

T = TypeVar("T")


# The getters of what create_app attached are async: FastAPI runs a sync dependency on a worker
# thread, and a thread hop per request costs more than the whole getter.
async def get_runtime(request: Request) -> Runtime:
    """The process's runtime, attached by create_app."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_metrics(request: Request) -> Metrics:
    """The process's metrics, attached by create_app."""
    return app_metrics(request)


def app_metrics(request: Request) -> Metrics:
    """The process's metrics, attached by create_app (for a route that takes the request)."""
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def get_index_refresher(request: Request) -> Loop:
    """The loop keeping the process's bank index current, attached by create_app."""
    refresher: Loop = request.app.state.index_refresher
    return refresher


IndexRefresherDep = Annotated[Loop, Depends(get_index_refresher)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request, committed here or in run_in_transaction, nowhere else."""
    with transaction(runtime.sessions) as session:
        yield session


def run_in_transaction(runtime: Runtime, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a short transaction of its own, for routes that also do slow work.

    A route that hashes or fetches takes no SessionDep: a transaction held through seconds of
    work would hold its writes' locks (SQLite's one writer, a key's row) and a pooled connection.
    """
    with transaction(runtime.sessions) as session:
        return work(session)


# scope="function" commits before the response is sent: a client that sees 2xx sees committed data.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_case_credentials = HTTPBasic(
    scheme_name="CaseCredentials",
    description="The case ID as user name and the PIN as password.",
    realm="takedown case",
)


CaseT = TypeVar("CaseT")


def _client_key(request: Request, runtime: Runtime) -> str:
    # A keyed digest of the address, never the address itself: victims' IPs are sensitive.
    address = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        runtime.settings.trusted_proxy_networks,
    )
    return runtime.vault.key_digest(f"client:{budget_name(address)}").hex()[:32]


def spend_client_budget(
    request: Request, runtime: Runtime, *, bucket: str, per_minute: int, cost: int = 1
) -> None:
    """Charge the calling client's budget in a bucket, or raise RateLimited."""
    get_rate_limiter(request).spend(
        key=_client_key(request, runtime), bucket=bucket, per_minute=per_minute, cost=cost
    )


def verify_pin_attempt(request: Request, runtime: Runtime, attempt: Callable[[], CaseT]) -> CaseT:
    """Run a case-ID-and-secret check under the client's budgets.

    Every attempt spends from a generous request budget (each costs an argon2 verification);
    only failures spend from the tight failure budget, and an exhausted one refuses before
    verifying. A victim checking on their case often is never throttled; a guesser soon is.
    """
    limiter = get_rate_limiter(request)
    client = _client_key(request, runtime)
    settings = runtime.settings
    limiter.spend(
        key=client, bucket="victim-requests", per_minute=settings.victim_requests_per_minute
    )
    limiter.check(
        key=client, bucket="pin-failures", per_minute=settings.pin_failures_per_client_per_minute
    )
    try:
        return attempt()
    except CaseNotFound:
        limiter.spend(
            key=client,
            bucket="pin-failures",
            per_minute=settings.pin_failures_per_client_per_minute,
        )
        raise


def refuse_api_keys(request: Request) -> None:
    """Refuse any bearer credential: victims' and caseworkers' routes never take API keys.

    Every key gets the same 403 before it is looked up, so the answer tells nothing about the key.
    """
    scheme, _, _ = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        raise ApiKeyRefused()


def get_current_case(
    request: Request,
    _no_api_key: Annotated[None, Depends(refuse_api_keys)],
    credentials: Annotated[HTTPBasicCredentials, Depends(_case_credentials)],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Case:
    """The case named by the Basic credentials; a wrong ID or PIN answers 401, a key 403."""
    case_pk = verify_pin_attempt(
        request,
        runtime,
        lambda: authenticate_case(
            runtime.sessions,
            case_id=credentials.username,
            pin=credentials.password,
            pins=runtime.pins,
            lockout=runtime.lockout,
        ),
    )
    return session.get_one(Case, case_pk)


CurrentCase = Annotated[Case, Depends(get_current_case)]


def get_reporter(request: Request, session: SessionDep, runtime: RuntimeDep) -> Reporter:
    """A victim (Basic: case ID and PIN) or a trusted flagger (Bearer: API key with report)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        key = authenticate_key(
            session, vault=runtime.vault, token=value.strip(), scope=Scope.REPORT
        )
        return Reporter(kind=ReporterKind.FLAGGER, api_key=key)
    if scheme.lower() == "basic" and value:
        try:
            username, _, password = b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise runtime.lockout.refusal(utcnow()) from None
        case_pk = verify_pin_attempt(
            request,
            runtime,
            lambda: authenticate_case(
                runtime.sessions,
                case_id=username,
                pin=password,
                pins=runtime.pins,
                lockout=runtime.lockout,
            ),
        )
        return Reporter(kind=ReporterKind.VICTIM, case=session.get_one(Case, case_pk))
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "send a case ID and PIN (Basic) or an API key (Bearer)",
        headers={"WWW-Authenticate": 'Basic realm="takedown case", Bearer'},
    )


CurrentReporter = Annotated[Reporter, Depends(get_reporter)]


def get_queue_connection(request: Request) -> Redis:
    """The Redis connection jobs are enqueued on."""
    redis: Redis = request.app.state.redis
    return redis


QueueDep = Annotated[Redis, Depends(get_queue_connection)]


PLATFORM_KEY = "PlatformKey"
PLATFORM_KEY_DESCRIPTION = "A platform API key: `Authorization: Bearer td_<key id>_<secret>`."
_platform_key = HTTPBearer(
    auto_error=False, scheme_name=PLATFORM_KEY, description=PLATFORM_KEY_DESCRIPTION
)


def _verify_platform(runtime: Runtime, token: str, scope: Scope) -> PlatformCaller:
    authenticate = partial(authenticate_platform, vault=runtime.vault, token=token, scope=scope)
    try:
        # Committed at once (the key's last use), so the route's own work holds no lock on
        # the key's row: an upload being hashed does not make the key's other checks wait.
        return run_in_transaction(runtime, authenticate)
    except InvalidApiKey:
        # One answer for every failure (RFC 6750's 401), worded for platforms.
        raise NotAuthenticated("the API key is not valid") from None


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None:
        raise NotAuthenticated("send a platform API key (Authorization: Bearer ...)")
    return credentials.credentials


class PlatformAuth:
    """The platform behind the request's bearer key, which must carry ``scope``.

    Every platform request also spends one unit of the key's per-minute request budget.
    """

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_platform_key)],
        runtime: RuntimeDep,
    ) -> PlatformCaller:
        caller = _verify_platform(runtime, _bearer_token(credentials), self.scope)
        get_rate_limiter(request).spend(
            key=caller.key.key_id,
            bucket="requests",
            per_minute=runtime.settings.platform_requests_per_minute,
        )
        return caller


@dataclass(frozen=True)
class CheckKey:
    """A check request's key: remembered by this process, or verified just now.

    Nothing is spent yet: ``admit`` spends the request's budgets and, for a remembered key,
    confirms in the same Redis call that no key was revoked since it was verified.
    """

    token: str
    verified: Verified
    keys: VerifiedKeys
    runtime: Runtime
    limiter: RateLimiter

    async def admit(self, checks: int) -> CheckCaller:
        """Spend one request and ``checks`` checks of the key's budgets; the caller, or 401."""
        settings = self.runtime.settings
        key_id = self.verified.caller.key_id
        charges = [Charge(key_id, "requests", settings.platform_requests_per_minute)]
        if checks:
            charges.append(Charge(key_id, "checks", settings.platform_checks_per_minute, checks))
        generation = await self.limiter.spend_all_async(charges, watch=GENERATION)
        verified = self.verified
        if verified.generation is None or (
            generation is not None and generation == verified.generation
        ):
            return verified.caller
        # A key was revoked somewhere since (or Redis is unreadable): ask the database again.
        return await run_in_threadpool(self._verify_again, generation)

    def _verify_again(self, generation: str | None) -> CheckCaller:
        self.keys.forget(self.token)
        caller = _check_caller(self.runtime, self.token)
        self.keys.remember(self.token, caller, generation)
        return caller


def _check_caller(runtime: Runtime, token: str) -> CheckCaller:
    caller = _verify_platform(runtime, token, Scope.CHECK)
    return CheckCaller(
        platform_id=caller.platform.id, key_id=caller.key.key_id, sees_banks=caller.key.sees_banks
    )


def get_verified_keys(request: Request) -> VerifiedKeys:
    """The check keys this app's process verified."""
    keys: VerifiedKeys = request.app.state.verified_keys
    return keys


class CheckKeyBearer(HTTPBearer):
    """The check routes' key as one dependency: the bearer scheme (OpenAPI's too) and the key.

    Not the scheme and a getter that depends on it: FastAPI solving each dependency costs the
    routes platforms call on every upload a share of their time.
    """

    async def __call__(self, request: Request) -> CheckKey:  # type: ignore[override]
        """The request's check key, from memory when this process verified it before."""
        return await _check_key(request, await super().__call__(request))


async def _check_key(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> CheckKey:
    # The runtime from the app, not as a dependency: each one costs the check route a share.
    runtime: Runtime = request.app.state.runtime
    token = _bearer_token(credentials)
    keys = get_verified_keys(request)
    verified = keys.recall(token)
    if verified is None:
        # The generation is read before the database, so a revocation committed in between
        # is seen by the next request.
        generation = await run_in_threadpool(keys.generation)
        caller = await run_in_threadpool(_check_caller, runtime, token)
        keys.remember(token, caller, generation)
        verified = Verified(caller, None, 0.0)
    return CheckKey(token, verified, keys, runtime, get_rate_limiter(request))


def get_rate_limiter(request: Request) -> RateLimiter:
    """The limiter shared by this app's platform routes."""
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


def get_upload_hasher(request: Request) -> UploadHasher:
    """The process pool that hashes this app's uploads."""
    hasher: UploadHasher = request.app.state.upload_hasher
    return hasher


UploadHasherDep = Annotated[UploadHasher, Depends(get_upload_hasher)]
_check_key_bearer = CheckKeyBearer(
    auto_error=False, scheme_name=PLATFORM_KEY, description=PLATFORM_KEY_DESCRIPTION
)
CheckingPlatform = Annotated[CheckKey, Depends(_check_key_bearer)]
FeedPlatform = Annotated[PlatformCaller, Depends(PlatformAuth(Scope.FEED))]
ReportingPlatform = Annotated[PlatformCaller, Depends(PlatformAuth(Scope.OUTCOMES))]
