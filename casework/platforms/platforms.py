"""Platform accounts: the platforms an operator vetted, their domains, keys and webhook settings.

A platform holds at most two active keys, so a key can be rotated without downtime: issue the
new one, switch the platform over, revoke the old one. Keys are ordinary API keys of kind
``platform`` (casework/platforms/apikeys.py: only an HMAC of the secret is stored), tied to the
account by a PlatformKey row.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.bank.models import BankChange
from casework.db import utcnow
from casework.errors import Conflict, InvalidInput, NotFound
from casework.platforms.apikeys import (
    InvalidApiKey,
    IssuedKey,
    KeyKind,
    Scope,
    authenticate_key,
    issue_key,
    note_revocation,
)
from casework.platforms.models import ApiKey, PlatformAccount, PlatformDomain, PlatformKey
from casework.reports.models import Match
from casework.reports.reports import url_problem
from casework.vault import Vault
from hashing.fingerprint import Algorithm

#: One key in use and one being rolled out.
MAX_ACTIVE_KEYS = 2
PLATFORM_SCOPES = (Scope.CHECK, Scope.FEED, Scope.OUTCOMES)
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_DOMAIN_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


class PlatformNotFound(NotFound):
    """No platform account has this name."""

    code = "platform_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"no platform account is named {name[:100]!r}")


@dataclass(frozen=True)
class PlatformCaller:
    """An authenticated platform request: the account and the key it used."""

    platform: PlatformAccount
    key: ApiKey


def normalise_domain(domain: str) -> str:
    """A lowercase host name without a trailing dot, or InvalidInput."""
    host = domain.strip().lower().rstrip(".")
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(x) for x in labels):
        raise InvalidInput(f"{domain[:100]!r} is not a host name such as example.com")
    return host


def parse_algorithms(names: list[str] | None) -> list[Algorithm]:
    """Algorithms by wire name (all of them when None), or InvalidInput."""
    if names is None:
        return list(Algorithm)
    try:
        chosen = {Algorithm(name.strip()) for name in names}
    except ValueError:
        known = ", ".join(a.value for a in Algorithm)
        raise InvalidInput(f"algorithms are chosen from: {known}") from None
    if not chosen:
        raise InvalidInput("a platform receives at least one algorithm")
    return sorted(chosen, key=list(Algorithm).index)


def algorithms_of(platform: PlatformAccount) -> list[Algorithm]:
    """The algorithms the feed and export carry to this platform."""
    return [Algorithm(name) for name in platform.algorithms.split(",") if name]


def create_platform(
    session: Session,
    *,
    name: str,
    domains: list[str],
    algorithms: list[Algorithm],
) -> PlatformAccount:
    """Open an account for a vetted platform; its name is how operators refer to it."""
    if not _NAME.fullmatch(name):
        raise InvalidInput("platform names are lowercase letters, digits, '.', '_' and '-'")
    if session.execute(select(PlatformAccount.id).where(PlatformAccount.name == name)).first():
        raise Conflict(f"a platform account named {name!r} exists already")
    platform = PlatformAccount(name=name, algorithms=",".join(a.value for a in algorithms))
    session.add(platform)
    session.flush()
    set_domains(session, platform=platform, domains=domains)
    return platform


def require_platform(session: Session, *, name: str) -> PlatformAccount:
    """The platform account with this name, or PlatformNotFound."""
    platform = session.execute(
        select(PlatformAccount).where(PlatformAccount.name == name)
    ).scalar_one_or_none()
    if platform is None:
        raise PlatformNotFound(name)
    return platform


def list_platforms(session: Session) -> list[PlatformAccount]:
    """Every platform account, by name."""
    return list(session.execute(select(PlatformAccount).order_by(PlatformAccount.name)).scalars())


def set_domains(session: Session, *, platform: PlatformAccount, domains: list[str]) -> list[str]:
    """Replace the platform's domains; a domain belongs to one platform only."""
    wanted = sorted({normalise_domain(domain) for domain in domains})
    taken = session.execute(
        select(PlatformDomain.domain).where(
            PlatformDomain.domain.in_(wanted), PlatformDomain.platform_id != platform.id
        )
    ).scalars()
    clash = next(iter(taken), None)
    if clash is not None:
        raise Conflict(f"{clash} belongs to another platform account")
    for row in session.execute(
        select(PlatformDomain).where(PlatformDomain.platform_id == platform.id)
    ).scalars():
        session.delete(row)
    session.flush()
    session.add_all(PlatformDomain(platform_id=platform.id, domain=domain) for domain in wanted)
    session.flush()
    return wanted


def domains_of(session: Session, *, platform: PlatformAccount) -> list[str]:
    """The platform's domains, sorted."""
    return list(
        session.execute(
            select(PlatformDomain.domain)
            .where(PlatformDomain.platform_id == platform.id)
            .order_by(PlatformDomain.domain)
        ).scalars()
    )


def platform_for_host(domains: dict[str, int], host: str | None) -> int | None:
    """The platform id whose domain is this host or a parent of it (the longest wins)."""
    if not host:
        return None
    labels = host.lower().rstrip(".").split(".")
    for start in range(len(labels) - 1):
        owner = domains.get(".".join(labels[start:]))
        if owner is not None:
            return owner
    return None


def set_webhook(
    session: Session,
    *,
    vault: Vault,
    platform: PlatformAccount,
    url: str | None,
    require_https: bool = True,
) -> str | None:
    """Point the platform's webhook at ``url`` (None turns it off); returns a new signing secret.

    The secret is sealed at rest, because signing needs it back, and is shown once here. Events
    carry match tokens and URLs of leaks, so production webhooks must use https.
    """
    if url is None:
        platform.webhook_url = None
        platform.webhook_secret_sealed = None
        session.flush()
        return None
    problem = url_problem(url)
    if problem is None and require_https and not url.startswith("https://"):
        problem = "it must be an https URL"
    if problem is not None:
        raise InvalidInput(f"the webhook URL is unusable: {problem}")
    secret = "whsec_" + secrets.token_urlsafe(32)
    platform.webhook_url = url
    platform.webhook_secret_sealed = vault.seal_text(secret)
    # Start from now: a new webhook is told about what happens next, not the whole history.
    platform.match_watermark = max(platform.match_watermark, _latest_match_id(session))
    platform.feed_watermark = max(platform.feed_watermark, _latest_change_id(session))
    session.flush()
    return secret


def _latest_match_id(session: Session) -> int:
    return int(session.execute(select(func.max(Match.id))).scalar_one() or 0)


def _latest_change_id(session: Session) -> int:
    return int(session.execute(select(func.max(BankChange.id))).scalar_one() or 0)


def disable_platform(session: Session, *, platform: PlatformAccount) -> int:
    """Stop every request from the platform and revoke its keys; returns how many were revoked."""
    platform.disabled_at = platform.disabled_at or utcnow()
    revoked = 0
    for key in active_keys(session, platform=platform):
        key.revoked_at = utcnow()
        revoked += 1
    session.flush()
    note_revocation(session)
    return revoked


def active_keys(session: Session, *, platform: PlatformAccount) -> list[ApiKey]:
    """The platform's keys that are not revoked, oldest first."""
    return [key for key in platform_keys(session, platform=platform) if key.revoked_at is None]


def platform_keys(session: Session, *, platform: PlatformAccount) -> list[ApiKey]:
    """All of the platform's keys, revoked ones included, oldest first."""
    return list(
        session.execute(
            select(ApiKey)
            .join(PlatformKey, PlatformKey.api_key_id == ApiKey.id)
            .where(PlatformKey.platform_id == platform.id)
            .order_by(ApiKey.id)
        ).scalars()
    )


def issue_platform_key(
    session: Session,
    *,
    vault: Vault,
    platform: PlatformAccount,
    scopes: list[Scope],
    sees_banks: bool = False,
) -> IssuedKey:
    """A new key for the platform, shown once; refused while two keys are active.

    ``sees_banks``: its check answers name the bank each match came from.
    """
    if platform.disabled_at is not None:
        raise Conflict(f"platform {platform.name!r} is disabled")
    if not scopes or any(scope not in PLATFORM_SCOPES for scope in scopes):
        allowed = ", ".join(scope.value for scope in PLATFORM_SCOPES)
        raise InvalidInput(f"platform keys carry one or more of: {allowed}")
    # Taking the account's row lock serialises concurrent issues for one platform.
    session.execute(
        select(PlatformAccount.id).where(PlatformAccount.id == platform.id).with_for_update()
    )
    if len(active_keys(session, platform=platform)) >= MAX_ACTIVE_KEYS:
        raise Conflict(
            f"platform {platform.name!r} has {MAX_ACTIVE_KEYS} active keys; revoke the old one "
            "before issuing another"
        )
    issued = issue_key(
        session,
        vault=vault,
        kind=KeyKind.PLATFORM,
        name=f"platform:{platform.name}",
        scopes=scopes,
        sees_banks=sees_banks,
    )
    session.add(PlatformKey(api_key_id=issued.key.id, platform_id=platform.id))
    session.flush()
    return issued


def rotate_platform_key(session: Session, *, vault: Vault, platform: PlatformAccount) -> IssuedKey:
    """A second key like the newest active one (scopes, bank names); the old one stays valid."""
    current = active_keys(session, platform=platform)
    if not current:
        raise Conflict(f"platform {platform.name!r} has no active key to rotate; issue one")
    scopes = [Scope(name) for name in current[-1].scopes.split(",") if name]
    return issue_platform_key(
        session, vault=vault, platform=platform, scopes=scopes, sees_banks=current[-1].sees_banks
    )


def revoke_platform_key(session: Session, *, key_id: str) -> tuple[ApiKey, PlatformAccount]:
    """Revoke one platform key by its public key id; revoking twice is harmless."""
    row = session.execute(
        select(ApiKey, PlatformAccount)
        .join(PlatformKey, PlatformKey.api_key_id == ApiKey.id)
        .join(PlatformAccount, PlatformAccount.id == PlatformKey.platform_id)
        .where(ApiKey.key_id == key_id)
    ).first()
    if row is None:
        raise NotFound(f"no platform key has the id {key_id[:20]!r}")
    key, platform = row
    key.revoked_at = key.revoked_at or utcnow()
    session.flush()
    note_revocation(session)
    return key, platform


def authenticate_platform(
    session: Session, *, vault: Vault, token: str, scope: Scope
) -> PlatformCaller:
    """The platform behind a bearer token carrying ``scope``; InvalidApiKey or NotAllowed."""
    key = authenticate_key(session, vault=vault, token=token, scope=scope)
    platform = session.execute(
        select(PlatformAccount)
        .join(PlatformKey, PlatformKey.platform_id == PlatformAccount.id)
        .where(PlatformKey.api_key_id == key.id)
    ).scalar_one_or_none()
    # A flagger key, or a disabled platform, is simply not a platform key: the same answer.
    if key.kind != KeyKind.PLATFORM or platform is None or platform.disabled_at is not None:
        raise InvalidApiKey()
    return PlatformCaller(platform=platform, key=key)
