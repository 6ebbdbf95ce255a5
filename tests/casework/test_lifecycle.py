"""The notice state machine: its table, the moves it allows and refuses, and typed statuses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from itertools import count, product

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError

from casework import audit
from casework.db import transaction, utcnow
from casework.errors import TransitionRefused
from casework.models import AuditEvent, Case, CaseStatus, Takedown, TakedownStatus
from casework.notices import lifecycle
from casework.runtime import Runtime
from casework.victims.timeline import case_timeline
from service.errors import status_of

MOVERS = (audit.ActorType.CASEWORKER, audit.ActorType.SYSTEM, audit.ActorType.PLATFORM)
ALLOWED = [
    (status, to, mover)
    for status, stage in lifecycle.LIFECYCLE.items()
    for to, movers in stage.moves.items()
    for mover in movers
]
REFUSED = [
    (status, to, mover)
    for status, to, mover in product(TakedownStatus, TakedownStatus, audit.ActorType)
    if (status, to, mover) not in ALLOWED
]
_references = count(1)


def notice(runtime: Runtime, status: TakedownStatus) -> int:
    """A notice in the given status, with none of its time columns set yet."""
    with transaction(runtime.sessions) as session:
        case = Case(public_id=f"C{next(_references):011d}", pin_hash="-")
        session.add(case)
        session.flush()
        takedown = Takedown(
            reference=f"TD-{next(_references):08d}",
            case_id=case.id,
            platform="Video Site",
            host="video-site.example",
            regime="generic",
            status=status,
            fields_json="{}",
            deadline_hours=48,
            updated_at=utcnow() - timedelta(days=1),
        )
        session.add(takedown)
        session.flush()
        return takedown.id


def actor(mover: audit.ActorType) -> audit.Actor:
    return audit.Actor(mover, None if mover is audit.ActorType.SYSTEM else 7, 1)


def test_every_notice_status_has_a_stage_and_every_stage_names_real_columns() -> None:
    assert set(lifecycle.LIFECYCLE) == set(TakedownStatus)
    columns = set(inspect(Takedown).columns.keys())
    for status, stage in lifecycle.LIFECYCLE.items():
        assert set(stage.moves) <= set(TakedownStatus), status
        assert status not in stage.moves, f"{status} moves to itself"
        assert stage.stamp is None or stage.stamp in columns, status
        assert all(movers for movers in stage.moves.values()), f"{status}: a move nobody makes"
    assert {mover for *_, mover in ALLOWED} <= set(lifecycle.AUDITED_AS)


def test_every_status_is_reachable_from_a_draft() -> None:
    reached = {lifecycle.INITIAL}
    frontier = [lifecycle.INITIAL]
    while frontier:
        for to in lifecycle.next_statuses(frontier.pop()):
            if to not in reached:
                reached.add(to)
                frontier.append(to)
    assert reached == set(TakedownStatus)


def test_only_a_removal_check_marks_a_notice_removed() -> None:
    for status, to, mover in ALLOWED:
        if to is TakedownStatus.REMOVED:
            assert mover is audit.ActorType.SYSTEM, status
    assert lifecycle.CHECKABLE == tuple(
        status for status, to, _ in ALLOWED if to is TakedownStatus.REMOVED
    )


def test_each_allowed_move_records_and_tells_what_the_table_says(runtime: Runtime) -> None:
    for status, to, mover in ALLOWED:
        takedown_id = notice(runtime, status)
        now = utcnow().replace(microsecond=0)
        with transaction(runtime.sessions) as session:
            takedown = session.get_one(Takedown, takedown_id)
            lifecycle.advance(
                session, takedown=takedown, to=to, actor=actor(mover), details={"x": 1}, now=now
            )
        stage = lifecycle.LIFECYCLE[to]
        move = f"{status} -> {to} by {mover}"
        with runtime.sessions() as session:
            takedown = session.get_one(Takedown, takedown_id)
            assert type(takedown.status) is TakedownStatus and takedown.status is to, move
            assert takedown.updated_at == now, move
            stamps = {
                column: getattr(takedown, column)
                for column in (s.stamp for s in lifecycle.LIFECYCLE.values())
                if column is not None
            }
            expected = {column: None for column in stamps} | (
                {stage.stamp: now} if stage.stamp else {}
            )
            assert stamps == expected, move
            clock = now + timedelta(hours=48) if stage.starts_clock else None
            assert takedown.deadline_at == clock, move
            event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert event is not None, move
            assert (event.action, event.actor_type, event.object_id) == (
                lifecycle.AUDITED_AS[mover],
                mover,
                str(takedown_id),
            ), move
            assert json.loads(event.details_json) == {"x": 1, "from": status, "to": to}, move
            told = [
                e.kind
                for e in case_timeline(session, case=session.get_one(Case, takedown.case_id))
                if e.at == now
            ]
            assert told == ([stage.tells] if stage.tells else []), move


def test_a_move_the_table_does_not_allow_is_refused_and_changes_nothing(
    runtime: Runtime,
) -> None:
    notices = {status: notice(runtime, status) for status in TakedownStatus}
    before = rows(runtime, notices.values())
    for status, to, mover in REFUSED:
        assert not lifecycle.allows(status, to, mover)
        with runtime.sessions() as session:
            takedown = session.get_one(Takedown, notices[status])
            with pytest.raises(TransitionRefused):
                lifecycle.advance(session, takedown=takedown, to=to, actor=actor(mover))
            assert takedown.status is status and not session.dirty, (status, to, mover)
            session.commit()
    assert rows(runtime, notices.values()) == before
    with runtime.sessions() as session:
        assert session.scalars(select(AuditEvent)).first() is None


def rows(runtime: Runtime, takedown_ids: Iterable[int]) -> list[dict[str, object]]:
    """The notices' rows as stored, column by column."""
    with runtime.engine.connect() as connection:
        table = Takedown.__table__
        return [
            dict(row)
            for row in connection.execute(
                select(table).where(table.c.id.in_(list(takedown_ids))).order_by(table.c.id)
            ).mappings()
        ]


def test_a_refused_move_is_a_conflict() -> None:
    error = TransitionRefused("A notice that is draft cannot become sent.")
    assert status_of(error) == 409 and error.code == "transition_refused"


def test_status_columns_store_the_same_strings_as_before_and_refuse_others(
    runtime: Runtime,
) -> None:
    takedown_id = notice(runtime, TakedownStatus.NO_RESPONSE)
    with runtime.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT t.status, c.status FROM takedowns t JOIN cases c ON c.id = t.case_id")
        ).one()
    assert tuple(stored) == ("no_response", "active")
    assert all(type(value) is str for value in stored)
    with runtime.sessions() as session:
        takedown = session.get_one(Takedown, takedown_id)
        case = session.get_one(Case, takedown.case_id)
        assert takedown.status is TakedownStatus.NO_RESPONSE and case.status is CaseStatus.ACTIVE
        assert session.scalars(
            select(Takedown.id).where(Takedown.status == "no_response")
        ).all() == [takedown_id]
    with pytest.raises(StatementError), transaction(runtime.sessions) as session:
        session.get_one(Takedown, takedown_id).status = "gone"
        session.flush()
