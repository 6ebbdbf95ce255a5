"""Property: a mirror built only from the feed always equals the bank as it stands."""

from __future__ import annotations

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework import audit
from casework.bank import quarantine
from casework.db import transaction
from casework.models import Case, CaseFingerprint, CaseStatus
from casework.notices import outcomes
from casework.platforms import checks, feed, platforms
from casework.runtime import Runtime
from casework.victims import cases
from hashing.fingerprint import Algorithm
from tests.factories import random_fingerprint, submitted

_names = itertools.count()

operations = st.lists(
    st.tuples(
        st.sampled_from(["open", "add", "withdraw", "quarantine", "release"]),
        st.integers(min_value=0, max_value=2**32),
    ),
    min_size=1,
    max_size=12,
)


def bank_state(runtime: Runtime, platform_id: int, algorithms: list[Algorithm]) -> dict[str, str]:
    with runtime.sessions() as session:
        return {
            feed.feed_id(runtime.vault, platform_id=platform_id, fingerprint_id=fid): (
                f"{fp.algorithm} {fp.hex}"
            )
            for fid, fp in feed.active_fingerprints(
                session, vault=runtime.vault, algorithms=algorithms
            )
        }


def follow(
    runtime: Runtime,
    platform_id: int,
    algorithms: list[Algorithm],
    mirror: dict[str, str],
    cursor: str | None,
    page: int,
) -> str:
    while True:
        with runtime.sessions() as session:
            got = feed.read_feed(
                session,
                vault=runtime.vault,
                platform_id=platform_id,
                algorithms=algorithms,
                cursor=cursor,
                limit=page,
            )
        for entry in got.entries:
            if entry.op is feed.FeedOp.ADD:
                mirror[entry.id] = f"{entry.algorithm} {entry.value}"
            else:
                mirror.pop(entry.id, None)
        cursor = got.cursor
        if not got.more:
            return cursor


def apply(runtime: Runtime, platform_id: int, operation: str, seed: int) -> None:
    rng = random.Random(seed)
    with transaction(runtime.sessions) as session:
        active = list(
            session.execute(
                Case.__table__.select().where(Case.status == CaseStatus.ACTIVE.value)
            ).all()
        )
        stored = list(session.query(CaseFingerprint.id).order_by(CaseFingerprint.id))
        held = quarantine.list_quarantines(session)
        # A few shared values make duplicates across cases, which the feed keeps apart.
        pool = random.Random(seed % 3)
        values = [random_fingerprint(rng.choice(list(Algorithm)), pool) for _ in range(2)]
        values += [random_fingerprint(rng.choice(list(Algorithm)), rng) for _ in range(2)]
        if operation == "open" or (operation == "add" and not active):
            cases.open_case(
                session,
                fingerprints=[submitted(fp) for fp in values],
                limits=runtime.limits,
                vault=runtime.vault,
                pins=runtime.pins,
            )
        elif operation == "add":
            case = session.get_one(Case, rng.choice(active).id)
            cases.add_fingerprints(
                session,
                case=case,
                fingerprints=[submitted(fp) for fp in values],
                limits=runtime.limits,
                vault=runtime.vault,
            )
        elif operation == "withdraw" and active:
            cases.withdraw_case(session, case=session.get_one(Case, rng.choice(active).id))
        elif operation == "quarantine" and stored:
            fingerprint = session.get_one(CaseFingerprint, rng.choice(stored).id)
            token, _row = checks.issue_token(
                session,
                platform_id=platform_id,
                fingerprint_id=fingerprint.id,
                algorithm=Algorithm(fingerprint.algorithm),
                distance=0,
            )
            session.flush()
            outcomes.record_outcomes(
                session,
                platform_id=platform_id,
                outcomes=[
                    outcomes.SubmittedOutcome(
                        "not_violating", match_token=token, reason="not_intimate_imagery"
                    )
                ],
                quarantine_threshold=1,
            )
        elif operation == "release" and held:
            quarantine.release_quarantine(
                session, quarantine_id=rng.choice(held).id, actor=audit.OPERATOR
            )


def test_a_mirror_built_from_the_feed_equals_the_bank(runtime: Runtime) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        steps=operations,
        chosen=st.sets(st.sampled_from(list(Algorithm)), min_size=1),
        page=st.integers(min_value=1, max_value=7),
    )
    def property_holds(steps: list[tuple[str, int]], chosen: set[Algorithm], page: int) -> None:
        algorithms = sorted(chosen, key=list(Algorithm).index)
        with transaction(runtime.sessions) as session:
            platform = platforms.create_platform(
                session, name=f"mirror{next(_names)}", domains=[], algorithms=algorithms
            )
            platform_id = platform.id
        mirror: dict[str, str] = {}
        cursor = follow(runtime, platform_id, algorithms, mirror, None, page)
        assert mirror == bank_state(runtime, platform_id, algorithms)
        for operation, seed in steps:
            apply(runtime, platform_id, operation, seed)
            cursor = follow(runtime, platform_id, algorithms, mirror, cursor, page)
            assert mirror == bank_state(runtime, platform_id, algorithms)
        fresh: dict[str, str] = {}
        follow(runtime, platform_id, algorithms, fresh, None, page)
        assert fresh == mirror

    property_holds()
