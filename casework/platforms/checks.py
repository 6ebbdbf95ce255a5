"""Platform checks: is an upload in the bank? Match or not, how close, and an opaque token.

An answer never names the case, the victim or the bank fingerprint: the token is random, and
only its SHA-256 is stored, next to the platform it was given to. Distances are given for
matches only; a distance for a miss would tell a prober which edits move an image away from
the bank.

The query side follows the worker's rules: a degenerate hash (nearly blank, flat or gradient
content, an empty file) would match unrelated images, so it is answered "unusable" rather than
checked; a PDQ hash with quality below 50 is checked, but only within the worker's tight radius
for such hashes (casework.bank.bank.query_radius).

Splitting the work: ``vet_queries``, ``look_up`` and ``answer_misses`` are pure and fast (the
index is in memory), so the API runs them on its event loop with no session; only hits need the
database (``answer_hits``), to drop hits withdrawn since the index refreshed and to store tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.bank.bank import BankHit, BankIndex
from casework.bank.banks import labels_of
from casework.bank.fingerprints import SubmittedFingerprint
from casework.bank.matching import active_owners, allowed, rejected_hashes, uncorroborated
from casework.bank.models import BankPolicy
from casework.errors import InvalidFingerprints, ItemProblem, TooManyFingerprints, Unavailable
from casework.platforms.models import MatchToken
from casework.vault import Vault
from casework.victims.models import CaseFingerprint
from hashing.algorithms import PDQ_QUALITY_MIN, degeneracy, hash_query_image, md5_of, sha256_of
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint
from hashing.images import ImageRejected, decode_frames

MAX_CHECK_FINGERPRINTS = 1000
TOKEN_PREFIX = "mt_"  # noqa: S105 - a prefix, not a secret


class Verdict(StrEnum):
    """The answer for one checked fingerprint."""

    MATCH = "match"
    NO_MATCH = "no_match"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class Answer:
    """What a platform learns about one query."""

    verdict: Verdict
    algorithm: Algorithm | None = None
    distance: int | None = None
    token: str | None = None
    reason: str | None = None
    #: For a match: the bank it came from and that bank's policy (act, or review only).
    bank: str | None = None
    policy: BankPolicy | None = None
    #: Which bank photo matched, numbered 1, 2, ... in the order of this answer (never the
    #: case's own numbering): fingerprints of one photo, its crops' among them, share it.
    photo: int | None = None


@dataclass(frozen=True)
class Query:
    """A vetted query: a usable fingerprint, or the reason it cannot be checked.

    ``faint``: a PDQ under the quality floor, matched only within query_radius's tight radius.
    """

    fingerprint: Fingerprint | None
    unusable: str | None = None
    faint: bool = False


def vet_queries(submitted: Sequence[SubmittedFingerprint]) -> list[Query]:
    """Parse every item; malformed ones refuse the request, unusable ones are answered so."""
    if not submitted:
        raise TooManyFingerprints("send at least one fingerprint")
    if len(submitted) > MAX_CHECK_FINGERPRINTS:
        raise TooManyFingerprints(
            f"{len(submitted)} fingerprints in one check; the limit is {MAX_CHECK_FINGERPRINTS}"
        )
    queries: list[Query] = []
    problems: list[ItemProblem] = []
    for position, item in enumerate(submitted):
        try:
            fingerprint = Fingerprint.parse(item.algorithm, item.value)
        except InvalidFingerprint as error:
            problems.append(ItemProblem(position, str(error)))
            continue
        if item.quality is not None and fingerprint.algorithm is not Algorithm.PDQ:
            problems.append(ItemProblem(position, "quality applies to pdq fingerprints only"))
            continue
        if item.quality is not None and not 0 <= item.quality <= 100:
            problems.append(ItemProblem(position, "pdq quality must be between 0 and 100"))
            continue
        queries.append(_vet(fingerprint, item.quality))
    if problems:
        raise InvalidFingerprints(problems)
    return queries


def _vet(fingerprint: Fingerprint, quality: int | None) -> Query:
    problem = degeneracy(fingerprint)
    if problem is not None:
        return Query(None, problem)
    return Query(fingerprint, faint=quality is not None and quality < PDQ_QUALITY_MIN)


def look_up(bank: BankIndex, queries: Sequence[Query]) -> list[list[BankHit]]:
    """Bank hits within the match radius for each query, closest first (pure, in memory)."""
    if not bank.loaded:
        raise Unavailable("the hash index is still loading; retry shortly")
    usable = [(i, q.fingerprint, q.faint) for i, q in enumerate(queries) if q.fingerprint]
    found: list[list[BankHit]] = [[] for _ in queries]
    answers = bank.match_many([fp for _, fp, _ in usable], [faint for _, _, faint in usable])
    for (position, _, _), hits in zip(usable, answers, strict=True):
        found[position] = hits
    return found


def answer_hits(
    session: Session,
    *,
    vault: Vault,
    platform_id: int,
    queries: Sequence[Query],
    hits: Sequence[Sequence[BankHit]],
    one_upload: bool = False,
) -> list[Answer]:
    """Answers for the queries, storing one token per matched fingerprint for this platform.

    Hits on fingerprints withdrawn or quarantined since the index last refreshed do not count,
    nor hits a caseworker already rejected as false matches (the allow-list the worker's
    matching consults): a query near a rejected found hash of that fingerprint, or, when the
    queries are all hashes of ``one_upload``, any of them near one. Queries in one request that
    hit the same bank photo (the dihedral variants of one upload, or an upload and a crop of the
    photo the victim hashed) share its token and its ``photo`` number: one photo reads as one.
    A pHash hit that does not stand alone (casework.bank.bank.stands_alone) counts only when a
    PDQ of the request backs it (casework.bank.matching.uncorroborated), as in the worker's.
    A match carries its bank's name and policy; the API decides which keys are told the name.
    """
    candidates = {hit.fingerprint_id for found in hits for hit in found}
    # Without hits there is nothing to ask the database: the API answers these on its loop.
    active = set(active_owners(session, candidates)) if candidates else set()
    rejected = rejected_hashes(session, vault, active)
    labels = labels_of(session, active)
    photo_of = photo_keys(session, active) if active else {}
    upload = [query.fingerprint for query in queries if query.fingerprint is not None]
    # The request's PDQs back its far pHash hits, as the found image's back the worker's.
    pdqs = [
        q.fingerprint
        for q in queries
        if q.fingerprint is not None and q.fingerprint.algorithm is Algorithm.PDQ
    ]
    active_hits = [
        (hit, query.fingerprint)
        for query, found in zip(queries, hits, strict=True)
        if query.fingerprint is not None
        for hit in found
        if hit.fingerprint_id in active
    ]
    unbacked = uncorroborated(session, vault, active_hits, pdqs)
    tokens: dict[tuple[int | None, int], str] = {}
    numbers: dict[tuple[int | None, int], int] = {}
    answers: list[Answer] = []
    for query, found in zip(queries, hits, strict=True):
        if query.fingerprint is None:
            answers.append(_unmatched(query))
            continue
        image = upload if one_upload else [query.fingerprint]
        best = next(
            (
                hit
                for hit in found
                if hit.fingerprint_id in active
                and hit.fingerprint_id not in unbacked
                and not allowed(rejected.get(hit.fingerprint_id, []), image)
            ),
            None,
        )
        if best is None:
            answers.append(_unmatched(query))
            continue
        photo = photo_of[best.fingerprint_id]
        if photo not in tokens:
            tokens[photo], _row = issue_token(
                session,
                platform_id=platform_id,
                fingerprint_id=best.fingerprint_id,
                algorithm=best.algorithm,
                distance=best.distance,
            )
            numbers[photo] = len(numbers) + 1
        label = labels[best.fingerprint_id]
        answers.append(
            Answer(
                Verdict.MATCH,
                algorithm=best.algorithm,
                distance=best.distance,
                token=tokens[photo],
                photo=numbers[photo],
                bank=label.name,
                policy=label.policy,
            )
        )
    if tokens:
        session.flush()
    return answers


def photo_keys(
    session: Session, fingerprint_ids: Iterable[int]
) -> dict[int, tuple[int | None, int]]:
    """What photo each fingerprint belongs to, as (case, photo); a fingerprint sent without a
    photo, and each of a named bank's (no case), is its own, as (case, -its id)."""
    return {
        fingerprint_id: (case_id, photo if photo is not None else -fingerprint_id)
        for fingerprint_id, case_id, photo in session.execute(
            select(CaseFingerprint.id, CaseFingerprint.case_id, CaseFingerprint.photo).where(
                CaseFingerprint.id.in_(list(fingerprint_ids))
            )
        )
    }


def photos_matched(answers: Sequence[Answer]) -> int:
    """How many bank photos the answers matched, each once however many of its fingerprints."""
    return len({answer.photo for answer in answers if answer.photo is not None})


def answer_misses(queries: Sequence[Query]) -> list[Answer]:
    """Answers for queries of which none hit the bank: no session, nothing is written."""
    return [_unmatched(query) for query in queries]


def _unmatched(query: Query) -> Answer:
    if query.fingerprint is None:
        return Answer(Verdict.UNUSABLE, reason=query.unusable)
    return Answer(Verdict.NO_MATCH, algorithm=query.fingerprint.algorithm)


def issue_token(
    session: Session,
    *,
    platform_id: int,
    fingerprint_id: int,
    algorithm: Algorithm,
    distance: int,
    match_id: int | None = None,
) -> tuple[str, MatchToken]:
    """A new match token for one platform, and its row; only the token's digest is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    row = MatchToken(
        token_digest=token_digest(token),
        platform_id=platform_id,
        fingerprint_id=fingerprint_id,
        match_id=match_id,
        algorithm=algorithm.value,
        distance=distance,
    )
    session.add(row)
    return token, row


def token_digest(token: str) -> bytes:
    """How a token is stored and looked up."""
    # A plain hash suffices: tokens are 192 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).digest()


def hash_upload(data: bytes) -> tuple[list[Query], str | None]:
    """Queries for an uploaded file, hashed in memory, and why it has no perceptual hash if so.

    The file's MD5 and SHA-256, plus PDQ and pHash of every sampled frame in all 8 flips and
    rotations and with flat borders trimmed, as the worker hashes what it finds; PDQs under the
    quality floor are checked within the worker's tight radius for them, as the worker does.
    """
    queries = [_vet(md5_of(data), None), _vet(sha256_of(data), None)]
    try:
        frames = decode_frames(data)
    except ImageRejected as rejected:
        return queries, f"{rejected.reason}: {rejected}"
    perceptual: list[Query] = []
    for frame in frames:
        hashes = hash_query_image(frame)
        perceptual += [Query(fp) for fp in hashes.fingerprints]
        perceptual += [Query(fp, faint=True) for fp in hashes.faint]
    if not perceptual:
        return queries, "the image has too little detail for a perceptual hash"
    return queries + perceptual, None


def best_answer(answers: Sequence[Answer], unusable: str | None) -> Answer:
    """One answer for a whole upload: its closest match, else no match or unusable."""
    matches = [a for a in answers if a.verdict is Verdict.MATCH]
    if matches:
        return min(matches, key=lambda a: a.distance if a.distance is not None else 0)
    if unusable is not None:
        return Answer(Verdict.UNUSABLE, reason=f"only exact digests were checked: {unusable}")
    return Answer(Verdict.NO_MATCH)
