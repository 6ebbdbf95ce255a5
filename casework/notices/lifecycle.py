"""The life of a takedown notice: one table of where each status may go, who may move it there,
and what arriving records and tells the victim; ``advance`` is the only way a status changes.

Who moves a notice is the audit actor's type: a caseworker in the console, the system (the
worker's removal check, on evidence) and a platform answering through the API. A platform's
word never marks a notice removed; only a check that finds every URL gone does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from casework import audit
from casework.audit import ActorType
from casework.db import utcnow
from casework.errors import TransitionRefused
from casework.notices.models import Takedown, TakedownStatus

CASEWORKER = frozenset({ActorType.CASEWORKER})
CASEWORKER_OR_PLATFORM = frozenset({ActorType.CASEWORKER, ActorType.PLATFORM})
#: The worker's removal check, which runs as the system.
CHECK = frozenset({ActorType.SYSTEM})


@dataclass(frozen=True)
class Stage:
    """One status: the moves out of it, and what arriving in it records and tells."""

    #: Where the notice may go next and who may take it there, in the order the console lists.
    moves: dict[TakedownStatus, frozenset[ActorType]]
    #: The Takedown time column set on arrival (a notice back in draft keeps its history).
    stamp: str | None
    #: The kind of the victim's timeline event (casework/victims/timeline.py) this arrival makes,
    #: which is also news they are notified of; None when the victim is told nothing.
    tells: str | None
    #: Arriving starts the platform's deadline (the notice's deadline hours, if it has any).
    starts_clock: bool = False
    #: Waiting on the platform, so its deadline can pass.
    awaiting: bool = False
    #: The letter may leave the console (exports): the notice was checked and approved.
    exportable: bool = True
    #: Refused or unanswered: the escalation steps apply, as they do to an overdue notice.
    escalates: bool = False


LIFECYCLE: dict[TakedownStatus, Stage] = {
    TakedownStatus.DRAFT: Stage(
        moves={TakedownStatus.APPROVED: CASEWORKER}, stamp=None, tells=None, exportable=False
    ),
    TakedownStatus.APPROVED: Stage(
        moves={TakedownStatus.DRAFT: CASEWORKER, TakedownStatus.SENT: CASEWORKER},
        stamp="approved_at",
        tells=None,
    ),
    TakedownStatus.SENT: Stage(
        moves={
            TakedownStatus.ACKNOWLEDGED: CASEWORKER_OR_PLATFORM,
            TakedownStatus.REMOVED: CHECK,
            TakedownStatus.REFUSED: CASEWORKER_OR_PLATFORM,
            TakedownStatus.NO_RESPONSE: CASEWORKER,
        },
        stamp="sent_at",
        tells="notice_sent",
        starts_clock=True,
        awaiting=True,
    ),
    TakedownStatus.ACKNOWLEDGED: Stage(
        moves={
            TakedownStatus.REMOVED: CHECK,
            TakedownStatus.REFUSED: CASEWORKER_OR_PLATFORM,
            TakedownStatus.NO_RESPONSE: CASEWORKER,
        },
        stamp="acknowledged_at",
        tells="acknowledged",
        awaiting=True,
    ),
    TakedownStatus.REMOVED: Stage(moves={}, stamp="removed_at", tells="removed"),
    TakedownStatus.REFUSED: Stage(
        moves={TakedownStatus.REMOVED: CHECK}, stamp="refused_at", tells="refused", escalates=True
    ),
    TakedownStatus.NO_RESPONSE: Stage(
        moves={
            TakedownStatus.ACKNOWLEDGED: CASEWORKER_OR_PLATFORM,
            TakedownStatus.REMOVED: CHECK,
            TakedownStatus.REFUSED: CASEWORKER_OR_PLATFORM,
        },
        stamp="no_response_at",
        tells="no_response",
        escalates=True,
    ),
}
#: The status every notice is drafted in.
INITIAL = TakedownStatus.DRAFT
#: How each mover's move is audited; a platform's is its answer, which carries what it said.
AUDITED_AS = {
    ActorType.CASEWORKER: audit.Action.TAKEDOWN_STATUS,
    ActorType.SYSTEM: audit.Action.TAKEDOWN_STATUS,
    ActorType.PLATFORM: audit.Action.TAKEDOWN_ANSWERED,
}
_MOVER_WORDS = {
    ActorType.CASEWORKER: "a caseworker",
    ActorType.SYSTEM: "a removal check",
    ActorType.PLATFORM: "the platform's answer",
}

AWAITING = tuple(status for status, stage in LIFECYCLE.items() if stage.awaiting)
EXPORTABLE = tuple(status for status, stage in LIFECYCLE.items() if stage.exportable)
ESCALATES = tuple(status for status, stage in LIFECYCLE.items() if stage.escalates)
#: Statuses a removal check still has something to prove for: a check may mark them removed.
CHECKABLE = tuple(
    status
    for status, stage in LIFECYCLE.items()
    if ActorType.SYSTEM in stage.moves.get(TakedownStatus.REMOVED, frozenset())
)
#: Timeline events that are news of a notice.
TOLD = frozenset(stage.tells for stage in LIFECYCLE.values() if stage.tells is not None)


class Escalation(StrEnum):
    """The steps past a refused, unanswered or overdue notice, in the order they are taken."""

    HOSTING_PROVIDER = "hosting_provider"
    SEARCH_ENGINES = "search_engines"
    REGULATOR = "regulator"


def next_statuses(status: TakedownStatus) -> tuple[TakedownStatus, ...]:
    """Where a notice in this status may go next, by anyone."""
    return tuple(LIFECYCLE[status].moves)


def allows(status: TakedownStatus, to: TakedownStatus, mover: ActorType) -> bool:
    """True when this mover may take a notice from ``status`` to ``to``."""
    return mover in LIFECYCLE[status].moves.get(to, frozenset())


def require_move(takedown: Takedown, *, to: TakedownStatus, mover: ActorType) -> None:
    """Raise TransitionRefused unless this mover may take the notice to ``to`` now."""
    current = TakedownStatus(takedown.status)
    movers = LIFECYCLE[current].moves.get(to)
    if movers is None:
        raise TransitionRefused(f"A notice that is {current.value} cannot become {to.value}.")
    if mover not in movers:
        who = " or ".join(words for m, words in _MOVER_WORDS.items() if m in movers)
        raise TransitionRefused(
            f"A notice that is {current.value} becomes {to.value} only by {who}."
        )


def advance(
    session: Session,
    *,
    takedown: Takedown,
    to: TakedownStatus,
    actor: audit.Actor,
    details: dict[str, str | int | bool | None] | None = None,
    now: datetime | None = None,
) -> Takedown:
    """Move a notice on as the table allows, record the arrival, and audit the move.

    ``details`` add to the audit entry's from and to (a platform's answer, say). Refused moves
    raise TransitionRefused and change nothing.
    """
    require_move(takedown, to=to, mover=actor.type)
    now = now or utcnow()
    current = TakedownStatus(takedown.status)
    stage = LIFECYCLE[to]
    takedown.status = to
    takedown.updated_at = now
    if stage.stamp is not None:
        setattr(takedown, stage.stamp, now)
    if stage.starts_clock and takedown.deadline_hours is not None:
        takedown.deadline_at = now + timedelta(hours=takedown.deadline_hours)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AUDITED_AS[actor.type],
        object_type="takedown",
        object_id=takedown.id,
        details={**(details or {}), "from": current.value, "to": to.value},
    )
    return takedown
