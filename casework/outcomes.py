"""Outcomes platforms report: what they did about a hit (by match token) or a takedown notice.

A platform only ever reaches its own tokens and outcomes: a token issued to another platform is
answered exactly like an unknown one. Takedown notices are named by the reference printed on the
notice; an outcome is stored under that reference for the console to show with its takedown.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.checks import TOKEN_PREFIX, token_digest
from casework.errors import InvalidInput, InvalidItems, ItemProblem, NotFound
from casework.models import MatchToken, OutcomeKind, PlatformOutcome
from casework.quarantine import NOT_INTIMATE_IMAGERY, consider_quarantine

MAX_OUTCOMES_PER_REQUEST = 500
MAX_TOKEN_CHARS = 64
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,31}")
REASONS = (NOT_INTIMATE_IMAGERY, "other")


@dataclass(frozen=True)
class SubmittedOutcome:
    """One outcome as a platform sent it: for a match token or a takedown reference."""

    outcome: str
    match_token: str | None = None
    takedown_reference: str | None = None
    reason: str | None = None


class UnknownTokens(NotFound):
    """Some match tokens are not this platform's (or do not exist); nothing was stored."""

    code = "unknown_match_tokens"

    def __init__(self, problems: list[ItemProblem]) -> None:
        self.problems = problems
        positions = ", ".join(str(p.index) for p in problems[:10])
        super().__init__(f"no match token of yours at position(s) {positions}; nothing was stored")


class InvalidOutcomes(InvalidItems):
    """One or more outcomes are malformed."""

    code = "invalid_outcomes"
    noun = "outcome"


def _problem(item: SubmittedOutcome) -> str | None:
    if item.outcome not in {kind.value for kind in OutcomeKind}:
        return "outcome is one of: " + ", ".join(kind.value for kind in OutcomeKind)
    if (item.match_token is None) == (item.takedown_reference is None):
        return "name exactly one of match_token and takedown_reference"
    if item.match_token is not None and (
        not item.match_token.startswith(TOKEN_PREFIX) or len(item.match_token) > MAX_TOKEN_CHARS
    ):
        return "match_token is not a token this service issued"
    if item.takedown_reference is not None and not _REFERENCE.fullmatch(item.takedown_reference):
        return "takedown_reference is the reference printed on the notice (3-32 letters/digits)"
    if item.reason is not None and item.reason not in REASONS:
        return "reason is one of: " + ", ".join(REASONS)
    if item.reason is not None and item.outcome != OutcomeKind.NOT_VIOLATING:
        return "a reason goes with not_violating only"
    return None


def record_outcomes(
    session: Session,
    *,
    platform_id: int,
    outcomes: Sequence[SubmittedOutcome],
    quarantine_threshold: int,
) -> list[PlatformOutcome]:
    """Store every outcome, or none; "not intimate imagery" may quarantine a fingerprint."""
    if not outcomes or len(outcomes) > MAX_OUTCOMES_PER_REQUEST:
        raise InvalidInput(f"send between 1 and {MAX_OUTCOMES_PER_REQUEST} outcomes")
    problems = [
        ItemProblem(index, problem)
        for index, item in enumerate(outcomes)
        if (problem := _problem(item)) is not None
    ]
    if problems:
        raise InvalidOutcomes(problems)
    digests = {token_digest(item.match_token) for item in outcomes if item.match_token is not None}
    tokens = {
        token.token_digest: token
        for token in session.execute(
            select(MatchToken).where(
                MatchToken.token_digest.in_(digests), MatchToken.platform_id == platform_id
            )
        ).scalars()
    }
    unknown = [
        ItemProblem(index, "unknown match token")
        for index, item in enumerate(outcomes)
        if item.match_token is not None and token_digest(item.match_token) not in tokens
    ]
    if unknown:
        raise UnknownTokens(unknown)
    stored: list[PlatformOutcome] = []
    poisoned: set[int] = set()
    for item in outcomes:
        token = tokens[token_digest(item.match_token)] if item.match_token else None
        row = PlatformOutcome(
            public_id=secrets.token_hex(12),
            platform_id=platform_id,
            match_token_id=token.id if token else None,
            takedown_reference=item.takedown_reference,
            outcome=item.outcome,
            reason=item.reason,
        )
        session.add(row)
        stored.append(row)
        if token is not None and item.reason == NOT_INTIMATE_IMAGERY:
            poisoned.add(token.fingerprint_id)
    session.flush()
    for fingerprint_id in sorted(poisoned):
        consider_quarantine(session, fingerprint_id=fingerprint_id, threshold=quarantine_threshold)
    return stored


def list_outcomes(
    session: Session, *, platform_id: int, after: int = 0, limit: int = 100
) -> list[PlatformOutcome]:
    """This platform's own outcomes, oldest first, after an outcome's row position."""
    return list(
        session.execute(
            select(PlatformOutcome)
            .where(PlatformOutcome.platform_id == platform_id, PlatformOutcome.id > after)
            .order_by(PlatformOutcome.id)
            .limit(max(1, min(limit, 500)))
        ).scalars()
    )
