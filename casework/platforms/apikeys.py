"""API keys for machine clients: trusted flaggers and platforms.

A key reads ``td_<key_id>_<secret>``. Only HMAC(pepper, secret) is stored; the key is shown once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from casework.db import utcnow
from casework.errors import NotAllowed, NotFound
from casework.platforms.models import ApiKey
from casework.vault import Vault

KEY_PREFIX = "td"
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Set in a session's info by a revocation, read once its transaction commits.
_REVOKED = "takedown.api_key_revoked"


class Scope(StrEnum):
    """What a key may do."""

    REPORT = "report"
    CHECK = "check"
    FEED = "feed"
    OUTCOMES = "outcomes"


class KeyKind(StrEnum):
    """Who holds a key."""

    FLAGGER = "flagger"
    PLATFORM = "platform"


class InvalidApiKey(NotFound):
    """A key that is malformed, unknown, revoked or wrong; one answer for all."""

    code = "invalid_api_key"

    def __init__(self) -> None:
        super().__init__("the API key is not valid")


@dataclass(frozen=True)
class IssuedKey:
    """A new key; ``token`` exists only in this object."""

    key: ApiKey
    token: str


def issue_key(
    session: Session,
    *,
    vault: Vault,
    kind: KeyKind,
    name: str,
    scopes: list[Scope],
    sees_banks: bool = False,
) -> IssuedKey:
    """Create a key and return it once in full."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        key_id=key_id,
        secret_digest=vault.key_digest(secret),
        kind=kind.value,
        name=name,
        scopes=",".join(sorted(scope.value for scope in scopes)),
        sees_banks=sees_banks,
    )
    session.add(key)
    session.flush()
    return IssuedKey(key=key, token=f"{KEY_PREFIX}_{key_id}_{secret}")


def issue_flagger_key(session: Session, *, vault: Vault, name: str) -> IssuedKey:
    """A new key for a trusted flagger (a helpline, a hotline): it may report URLs, nothing else."""
    return issue_key(session, vault=vault, kind=KeyKind.FLAGGER, name=name, scopes=[Scope.REPORT])


def flagger_keys(session: Session) -> list[ApiKey]:
    """Every trusted flagger's key, revoked ones too, oldest first."""
    return list(
        session.execute(
            select(ApiKey).where(ApiKey.kind == KeyKind.FLAGGER.value).order_by(ApiKey.id)
        ).scalars()
    )


def revoke_flagger_key(session: Session, *, key_id: str) -> ApiKey:
    """Revoke a flagger's key by its public id; revoking twice is harmless."""
    key = session.execute(
        select(ApiKey).where(ApiKey.key_id == key_id, ApiKey.kind == KeyKind.FLAGGER.value)
    ).scalar_one_or_none()
    if key is None:
        raise NotFound(f"no flagger key has the id {key_id[:20]!r}")
    key.revoked_at = key.revoked_at or utcnow()
    session.flush()
    note_revocation(session)
    return key


def note_revocation(session: Session) -> None:
    """Mark the session's transaction as one that revokes a key (see on_revocation)."""
    session.info[_REVOKED] = True


def on_revocation(sessions: sessionmaker[Session], callback: Callable[[], None]) -> None:
    """Call ``callback`` after each commit, by a session of ``sessions``, that revoked a key.

    Processes that trust keys they verified earlier (the API's check routes) are told this way;
    after the commit, so that whoever re-verifies then reads the revocation.
    """

    def committed(session: Session) -> None:
        if session.info.pop(_REVOKED, False):
            callback()

    def rolled_back(session: Session) -> None:
        session.info.pop(_REVOKED, None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", rolled_back)


def authenticate_key(session: Session, *, vault: Vault, token: str, scope: Scope) -> ApiKey:
    """The active key for this token, if it carries the scope; InvalidApiKey or NotAllowed."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        raise InvalidApiKey()
    key = session.execute(select(ApiKey).where(ApiKey.key_id == key_id)).scalar_one_or_none()
    expected = key.secret_digest if key is not None else bytes(32)
    if not hmac.compare_digest(expected, vault.key_digest(secret)) or key is None:
        raise InvalidApiKey()
    if key.revoked_at is not None:
        raise InvalidApiKey()
    if scope.value not in key.scopes.split(","):
        raise NotAllowed(f"this key lacks the {scope.value!r} scope")
    # Once a minute is enough to see which keys are in use; writing it on every request would
    # make each platform check a database write (and serialise a key's requests on its row).
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key
