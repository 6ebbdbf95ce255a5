"""Outcomes platforms report: what they did about a hit (by match token) or a takedown notice.

A platform only ever reaches its own tokens and the notices that name content on its domains: a
token issued to another platform, or another platform's notice, is answered exactly like an
unknown one.

An answer to a notice moves it on as far as a platform's word can: a notice is marked removed
only on the evidence of a removal check (casework/notices/removal.py), so ``removed`` and
``not_found`` mark it acknowledged and ask for a check at once, and ``not_violating`` marks it
refused, which opens the escalation steps in the console. Every answer is kept with the notice and
audited.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import audit
from casework.bank.quarantine import NOT_INTIMATE_IMAGERY, consider_quarantine
from casework.errors import InvalidInput, InvalidItems, ItemProblem, NotFound
from casework.hosts import host_of
from casework.notices import lifecycle
from casework.notices.locations import named_urls, of_notices
from casework.notices.models import (
    OutcomeKind,
    PlatformOutcome,
    Takedown,
    TakedownItem,
    TakedownStatus,
)
from casework.notices.removal import CLAIMS_GONE
from casework.platforms.checks import TOKEN_PREFIX, token_digest
from casework.platforms.models import MatchToken, PlatformAccount, PlatformDomain
from casework.platforms.platforms import platform_for_host
from casework.reports.models import Match

OUTCOME_ID_BYTES = 12
#: An outcome's public id: OUTCOME_ID_BYTES random bytes in lowercase hex.
OUTCOME_ID_PATTERN = f"^[0-9a-f]{{{2 * OUTCOME_ID_BYTES}}}$"

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


class UnknownTargets(NotFound):
    """Some tokens or notice references are not this platform's (or do not exist).

    Nothing was stored.
    """

    code = "unknown_outcome_targets"

    def __init__(self, problems: list[ItemProblem]) -> None:
        self.problems = problems
        positions = ", ".join(str(p.index) for p in problems[:10])
        super().__init__(
            f"no match token or notice of yours at position(s) {positions}; nothing was stored"
        )


@dataclass(frozen=True)
class Recorded:
    """What a batch of outcomes stored, and the notices whose URLs to check now."""

    outcomes: list[PlatformOutcome]
    recheck: list[int]


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
) -> Recorded:
    """Store every outcome, or none; answer the notices; "not intimate imagery" may quarantine.

    The caller queues a removal check for each notice in ``recheck`` once this is committed.
    """
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
    notices = addressed_notices(
        session,
        platform_id=platform_id,
        references={_canonical(i.takedown_reference) for i in outcomes if i.takedown_reference},
    )
    unknown = [
        ItemProblem(index, "unknown match token")
        if item.match_token is not None
        else ItemProblem(index, "unknown takedown reference")
        for index, item in enumerate(outcomes)
        if (item.match_token is not None and token_digest(item.match_token) not in tokens)
        or (
            item.takedown_reference is not None
            and _canonical(item.takedown_reference) not in notices
        )
    ]
    if unknown:
        raise UnknownTargets(unknown)
    stored: list[PlatformOutcome] = []
    poisoned: set[int] = set()
    answered: list[tuple[Takedown, PlatformOutcome]] = []
    for item in outcomes:
        token = tokens[token_digest(item.match_token)] if item.match_token else None
        notice = notices[_canonical(item.takedown_reference)] if item.takedown_reference else None
        row = PlatformOutcome(
            public_id=secrets.token_hex(OUTCOME_ID_BYTES),
            platform_id=platform_id,
            match_token_id=token.id if token else None,
            takedown_reference=notice.reference if notice else None,
            takedown_id=notice.id if notice else None,
            outcome=item.outcome,
            reason=item.reason,
        )
        session.add(row)
        stored.append(row)
        if notice is not None:
            answered.append((notice, row))
        if item.reason == NOT_INTIMATE_IMAGERY:
            if token is not None:
                poisoned.add(token.fingerprint_id)
            if notice is not None:
                poisoned.update(_fingerprints_named(session, takedown_id=notice.id))
    session.flush()
    # Quarantine first: it locks the bank before the audit chain, the order every bank writer
    # keeps, so two requests cannot deadlock.
    for fingerprint_id in sorted(poisoned):
        consider_quarantine(session, fingerprint_id=fingerprint_id, threshold=quarantine_threshold)
    recheck: list[int] = []
    for notice, row in answered:
        if answer_notice(session, takedown=notice, outcome=row) and notice.id not in recheck:
            recheck.append(notice.id)
    return Recorded(outcomes=stored, recheck=recheck)


def _canonical(reference: str) -> str:
    # References are printed in capitals (casework/notices/takedowns.py::new_reference); a
    # platform's ticketing system may have lowered them.
    return reference.upper()


def addressed_notices(
    session: Session, *, platform_id: int, references: set[str]
) -> dict[str, Takedown]:
    """The sent notices among these references that name content on the platform's domains.

    A notice names content on a domain when the host it was drafted for, or the host of a page
    or image it lists, is that domain or under it (and no other platform holds a longer match).
    """
    if not references:
        return {}
    takedowns = list(
        session.execute(
            select(Takedown).where(
                Takedown.reference.in_(references), Takedown.sent_at.is_not(None)
            )
        ).scalars()
    )
    if not takedowns:
        return {}
    domains: dict[str, int] = {
        domain: owner
        for domain, owner in session.execute(
            select(PlatformDomain.domain, PlatformDomain.platform_id)
        )
    }
    hosts: dict[int, set[str | None]] = {t.id: {t.host} for t in takedowns}
    for named in named_urls(session, where=of_notices(list(hosts))):
        hosts[named.takedown_id].update((host_of(named.page), host_of(named.url)))
    return {
        takedown.reference: takedown
        for takedown in takedowns
        if any(platform_for_host(domains, host) == platform_id for host in hosts[takedown.id])
    }


def _fingerprints_named(session: Session, *, takedown_id: int) -> set[int]:
    return set(
        session.execute(
            select(Match.fingerprint_id)
            .join(TakedownItem, TakedownItem.match_id == Match.id)
            .where(TakedownItem.takedown_id == takedown_id)
        ).scalars()
    )


def answer_notice(session: Session, *, takedown: Takedown, outcome: PlatformOutcome) -> bool:
    """Record a platform's answer on its notice; True when its URLs should be checked now.

    The answer moves the notice when the lifecycle lets a platform take it there, and is
    audited either way.
    """
    current = TakedownStatus(takedown.status)
    claims_gone = outcome.outcome in CLAIMS_GONE
    # A refusal is the platform's to make; a removal is proven by a check, not by its word.
    target = TakedownStatus.ACKNOWLEDGED if claims_gone else TakedownStatus.REFUSED
    actor = audit.Actor(audit.ActorType.PLATFORM, outcome.platform_id, takedown.organisation_id)
    answer: dict[str, str | int | bool | None] = {
        "outcome": outcome.outcome,
        "reason": outcome.reason,
    }
    if lifecycle.allows(current, target, actor.type):
        lifecycle.advance(session, takedown=takedown, to=target, actor=actor, details=answer)
    else:
        audit.record(
            session,
            actor=actor,
            action=lifecycle.AUDITED_AS[actor.type],
            object_type="takedown",
            object_id=takedown.id,
            details={**answer, "from": current.value, "to": current.value},
        )
    return claims_gone and TakedownStatus(takedown.status) in lifecycle.CHECKABLE


def answers_to(
    session: Session, *, takedown_ids: Sequence[int]
) -> list[tuple[PlatformOutcome, str]]:
    """What platforms answered to these notices, with the platform's name, oldest first."""
    if not takedown_ids:
        return []
    return [
        (outcome, name)
        for outcome, name in session.execute(
            select(PlatformOutcome, PlatformAccount.name)
            .join(PlatformAccount, PlatformAccount.id == PlatformOutcome.platform_id)
            .where(PlatformOutcome.takedown_id.in_(list(takedown_ids)))
            .order_by(PlatformOutcome.created_at, PlatformOutcome.id)
        )
    ]


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


def position_of_outcome(session: Session, *, platform_id: int, public_id: str) -> int | None:
    """The row position of one of this platform's outcomes (for list_outcomes' after), or None."""
    return session.execute(
        select(PlatformOutcome.id).where(
            PlatformOutcome.public_id == public_id, PlatformOutcome.platform_id == platform_id
        )
    ).scalar_one_or_none()
