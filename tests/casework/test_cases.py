"""Cases in the domain layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.bank.bank import FAINT_PDQ_RADIUS_BITS, BankIndex
from casework.bank.matching import find_matches
from casework.db import transaction, utcnow
from casework.errors import CaseNotFound, CaseWithdrawn, InvalidFingerprints, TooManyFingerprints
from casework.models import Case, CaseFingerprint
from casework.runtime import Runtime
from casework.victims import cases
from hashing.fingerprint import Algorithm, Fingerprint
from tests.conftest import table_counts
from tests.factories import flip, image_set, random_fingerprint, submitted


def open_alices_case(runtime: Runtime, fingerprints: list[Fingerprint]) -> cases.OpenedCase:
    with transaction(runtime.sessions) as session:
        return cases.open_case(
            session,
            fingerprints=[submitted(fp) for fp in fingerprints],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )


def authenticate(runtime: Runtime, case_id: str, pin: str, **kwargs: object) -> int:
    return cases.authenticate_case(
        runtime.sessions,
        case_id=case_id,
        pin=pin,
        pins=runtime.pins,
        lockout=runtime.lockout,
        **kwargs,  # type: ignore[arg-type]
    )


def fresh_index(runtime: Runtime) -> BankIndex:
    """An index as another process would build it from the database."""
    index = BankIndex(runtime.vault)
    with runtime.sessions() as session:
        index.refresh(session)
    return index


def test_opened_case_returns_a_pin_that_is_stored_only_as_argon2id(runtime: Runtime) -> None:
    opened = open_alices_case(runtime, image_set(random.Random(1)))
    assert len(opened.case.public_id) == 12
    assert opened.pin.isdigit() and len(opened.pin) == 8
    assert opened.case.pin_hash.startswith("$argon2id$")
    assert opened.pin not in opened.case.pin_hash
    assert opened.added == 12 and opened.duplicates == 0


def test_fingerprint_values_are_encrypted_at_rest(runtime: Runtime) -> None:
    fingerprints = image_set(random.Random(2))
    open_alices_case(runtime, fingerprints)
    with runtime.engine.connect() as connection:
        dump = b"".join(
            bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for row in connection.execute(select(CaseFingerprint.__table__))
            for value in row
        )
    for fingerprint in fingerprints:
        assert fingerprint.to_bytes() not in dump
        assert fingerprint.hex.encode() not in dump


def test_a_new_case_matches_in_an_index_built_by_another_process(runtime: Runtime) -> None:
    rng = random.Random(3)
    pdq = random_fingerprint(Algorithm.PDQ, rng)
    open_alices_case(runtime, [pdq])
    index = fresh_index(runtime)
    hits = index.match(flip(pdq, 20, rng))
    assert [hit.distance for hit in hits] == [20]
    assert index.match(flip(pdq, 40, rng)) == []


def test_withdrawn_case_no_longer_matches_in_a_running_index(runtime: Runtime) -> None:
    rng = random.Random(4)
    fingerprints = image_set(rng)
    opened = open_alices_case(runtime, fingerprints)
    running = fresh_index(runtime)
    assert all(running.match(fp) for fp in fingerprints)

    with transaction(runtime.sessions) as session:
        case = session.get_one(Case, opened.case.id)
        assert cases.withdraw_case(session, case=case).fingerprints == 12

    with runtime.sessions() as session:
        running.refresh(session)
    assert not any(running.match(fp) for fp in fingerprints)
    assert table_counts(runtime)["case_fingerprints"] == 0


def test_additions_reach_a_running_index_at_its_next_refresh(runtime: Runtime) -> None:
    rng = random.Random(5)
    opened = open_alices_case(runtime, image_set(rng, images=1))
    running = fresh_index(runtime)
    later = random_fingerprint(Algorithm.PHASH, rng)
    assert running.match(later) == []
    with transaction(runtime.sessions) as session:
        case = session.get_one(Case, opened.case.id)
        cases.add_fingerprints(
            session,
            case=case,
            fingerprints=[submitted(later)],
            limits=runtime.limits,
            vault=runtime.vault,
        )
    with runtime.sessions() as session:
        running.refresh(session)
    assert [hit.distance for hit in running.match(later)] == [0]


def test_adding_a_fingerprint_twice_counts_it_as_a_duplicate(runtime: Runtime) -> None:
    fingerprints = image_set(random.Random(6), images=1)
    opened = open_alices_case(runtime, fingerprints + fingerprints[:2])
    assert (opened.added, opened.duplicates) == (4, 2)


def test_invalid_fingerprints_are_all_reported_and_nothing_is_stored(runtime: Runtime) -> None:
    good = random_fingerprint(Algorithm.PDQ, random.Random(7))
    bad = [
        submitted(good),
        cases.SubmittedFingerprint("pdq", "zz" * 32, 90),
        cases.SubmittedFingerprint("pdq", "ab" * 31, 90),
        cases.SubmittedFingerprint("ahash", "ab" * 8),
        cases.SubmittedFingerprint("pdq", "0" * 64, 90),
        cases.SubmittedFingerprint("pdq", good.hex, 12),
    ]
    with pytest.raises(InvalidFingerprints) as raised:
        open_alices_case_raw(runtime, bad)
    reasons = {problem.index: problem.reason for problem in raised.value.problems}
    assert sorted(reasons) == [1, 2, 3, 4, 5]
    assert "hexadecimal" in reasons[1]
    assert "64 hex characters" in reasons[2]
    assert "unknown algorithm" in reasons[3]
    assert "quality 12" in reasons[5]
    assert table_counts(runtime)["cases"] == 0


def open_alices_case_raw(runtime: Runtime, items: list[cases.SubmittedFingerprint]) -> None:
    with transaction(runtime.sessions) as session:
        cases.open_case(
            session,
            fingerprints=items,
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )


def test_more_fingerprints_than_the_request_limit_are_refused(runtime: Runtime) -> None:
    rng = random.Random(8)
    too_many = [
        random_fingerprint(Algorithm.PHASH, rng) for _ in range(runtime.limits.per_request + 1)
    ]
    with pytest.raises(TooManyFingerprints, match=f"limit is {runtime.limits.per_request}"):
        open_alices_case(runtime, too_many)
    assert table_counts(runtime)["case_fingerprints"] == 0


def test_wrong_pins_lock_the_case_even_for_the_right_pin(runtime: Runtime) -> None:
    opened = open_alices_case(runtime, image_set(random.Random(9), images=1))
    case_id = opened.case.public_id
    for _ in range(runtime.lockout.failures):
        with pytest.raises(CaseNotFound):
            authenticate(runtime, case_id, "00000000")
    with pytest.raises(CaseNotFound):
        authenticate(runtime, case_id, opened.pin)
    later = utcnow() + timedelta(minutes=runtime.lockout.minutes + 1)
    assert authenticate(runtime, case_id, opened.pin, now=later) == opened.case.id


def test_the_refusal_names_a_time_by_which_a_case_paused_again_and_again_opens(
    runtime: Runtime,
) -> None:
    opened = open_alices_case(runtime, image_set(random.Random(19), images=1))
    case_id = opened.case.public_id
    now = utcnow()
    for _round in range(4):
        for _ in range(runtime.lockout.failures):
            with pytest.raises(CaseNotFound) as refused:
                authenticate(runtime, case_id, "00000000", now=now)
        with pytest.raises(CaseNotFound) as unknown:
            authenticate(runtime, "ZZZZZZZZZZZZ", "00000000", now=now)
        assert str(refused.value) == str(unknown.value)
        assert f"try again after {refused.value.retry_at:%H:%M} UTC" in str(refused.value)
        with transaction(runtime.sessions) as session:
            paused_until = session.scalars(select(Case.locked_until)).one()
        assert paused_until is not None and now < paused_until <= refused.value.retry_at
        now = paused_until
    assert authenticate(runtime, case_id, opened.pin, now=now) == opened.case.id


def test_unknown_case_and_wrong_pin_raise_the_same_error(runtime: Runtime) -> None:
    opened = open_alices_case(runtime, image_set(random.Random(10), images=1))
    with pytest.raises(CaseNotFound) as unknown:
        authenticate(runtime, "ZZZZZZZZZZZZ", opened.pin)
    with pytest.raises(CaseNotFound) as wrong:
        authenticate(runtime, opened.case.public_id, "12345678")
    assert str(unknown.value) == str(wrong.value)


def test_a_pin_typed_with_spaces_or_dashes_opens_the_case_and_counts_no_failure(
    runtime: Runtime,
) -> None:
    opened = open_alices_case(runtime, image_set(random.Random(20), images=1))
    case_id, pin = opened.case.public_id, opened.pin

    def failures() -> int:
        with transaction(runtime.sessions) as session:
            return session.get_one(Case, opened.case.id).failed_attempts

    typed = [f"{pin[:4]} {pin[4:]}", f"{pin[:4]}-{pin[4:]}", " ".join(pin), f"\t{pin}\u00a0"]
    for attempt in typed * runtime.lockout.failures:
        assert authenticate(runtime, case_id, attempt) == opened.case.id
        assert failures() == 0
    with pytest.raises(CaseNotFound):
        authenticate(runtime, case_id, f"{pin[:4]} {pin[4:7]}")
    assert failures() == 1


def test_typed_case_ids_forgive_dashes_case_and_look_alikes(runtime: Runtime) -> None:
    opened = open_alices_case(runtime, image_set(random.Random(11), images=1))
    typed = "-".join(opened.case.public_id[i : i + 4] for i in (0, 4, 8)).lower()
    assert authenticate(runtime, typed, opened.pin) == opened.case.id


def test_a_withdrawn_case_accepts_no_more_fingerprints(runtime: Runtime) -> None:
    rng = random.Random(12)
    opened = open_alices_case(runtime, image_set(rng, images=1))
    with transaction(runtime.sessions) as session:
        cases.withdraw_case(session, case=session.get_one(Case, opened.case.id))
    with pytest.raises(CaseWithdrawn), transaction(runtime.sessions) as session:
        cases.add_fingerprints(
            session,
            case=session.get_one(Case, opened.case.id),
            fingerprints=[submitted(random_fingerprint(Algorithm.PDQ, rng))],
            limits=runtime.limits,
            vault=runtime.vault,
        )


def test_a_low_quality_query_pdq_matches_only_within_the_tight_radius(runtime: Runtime) -> None:
    rng = random.Random(11)
    pdq = random_fingerprint(Algorithm.PDQ, rng)
    opened = open_alices_case(runtime, [pdq])
    index = fresh_index(runtime)
    near, far = flip(pdq, FAINT_PDQ_RADIUS_BITS, rng), flip(pdq, FAINT_PDQ_RADIUS_BITS + 1, rng)
    with runtime.sessions() as session:

        def found(**hashes: list[Fingerprint]) -> list[int]:
            matches = find_matches(
                session, bank=index, image_url="https://x.example/a.png", **hashes
            )
            return [m.distance for m in matches if m.case_id == opened.case.id]

        assert found(fingerprints=[], faint=[near]) == [FAINT_PDQ_RADIUS_BITS]
        assert found(fingerprints=[], faint=[far]) == []
        # The same hash with a usable quality is matched at the full radius.
        assert found(fingerprints=[far]) == [FAINT_PDQ_RADIUS_BITS + 1]
