"""A pHash match past the radius it stands alone at, or of a found pHash near a separable pattern,
needs a PDQ of the same image near the same bank photo, in the worker's matching and in the
platform check alike."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient
from PIL import Image

from benchmarks.corpus import load_rgb
from benchmarks.robustness import ORIGINAL_MAX_SIDE, TRANSFORMS, encode
from casework.bank.bank import (
    CORROBORATING_PDQ_RADIUS_BITS,
    PHASH_ALONE_RADIUS_BITS,
    PHASH_MATCH_RADIUS_BITS,
    SEPARABLE_PHASH_BITS,
    BankIndex,
    separable_distance,
)
from casework.bank.fingerprints import SubmittedFingerprint
from casework.bank.matching import find_matches
from casework.db import transaction
from casework.runtime import Runtime
from casework.victims import cases
from hashing.algorithms import DENIED, hash_file
from hashing.cli import fingerprint_entries
from hashing.fingerprint import Algorithm, Fingerprint
from tests.factories import CORPUS, flip, random_fingerprint
from tests.platformkeys import PlatformKeys, bearer, refresh_index
from workers.collection import hash_image

Photo = tuple[Fingerprint, Fingerprint, Fingerprint]


def photos(rng: random.Random, count: int) -> list[Photo]:
    """PDQ, pHash and a crop's pHash of each of ``count`` photos."""
    return [
        (
            random_fingerprint(Algorithm.PDQ, rng),
            random_fingerprint(Algorithm.PHASH, rng),
            random_fingerprint(Algorithm.PHASH, rng),
        )
        for _ in range(count)
    ]


def bank_photos(runtime: Runtime, banked: list[Photo]) -> int:
    """A case holding these photos as the CLI sends them (the crop marked derived); its id."""
    items = [
        SubmittedFingerprint(fp.algorithm.value, fp.hex, 100 if n == 0 else None, photo, n == 2)
        for photo, fingerprints in enumerate(banked)
        for n, fp in enumerate(fingerprints)
    ]
    with transaction(runtime.sessions) as session:
        opened = cases.open_case(
            session,
            fingerprints=items,
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
        return opened.case.id


def matched(runtime: Runtime, case_id: int, fingerprints: list[Fingerprint]) -> list[int]:
    """Distances of the worker's matches for this case of an image with these hashes."""
    index = BankIndex(runtime.vault)
    with runtime.sessions() as session:
        index.refresh(session)
        found = find_matches(
            session, bank=index, image_url="https://leak.example/a.jpg", fingerprints=fingerprints
        )
    return sorted(m.distance for m in found if m.case_id == case_id)


def test_a_far_phash_hit_counts_only_with_a_pdq_of_the_image_near_the_same_photo(
    runtime: Runtime,
) -> None:
    rng = random.Random(16)
    (pdq, phash, crop), (other_pdq, _, _) = banked = photos(rng, 2)
    case_id = bank_photos(runtime, banked)
    far = flip(crop, PHASH_MATCH_RADIUS_BITS, rng)
    stranger = random_fingerprint(Algorithm.PDQ, rng)
    # Like the false pairs on the dev corpus: a pHash 8 bits from another photo's crop, and
    # nothing else of the image anywhere near that photo.
    assert matched(runtime, case_id, [far, stranger]) == []
    assert matched(runtime, case_id, [far]) == []
    # Like a true crop: PDQ misses at its radius, yet stays well inside unrelated photos' ~128.
    backing = flip(pdq, CORROBORATING_PDQ_RADIUS_BITS, rng)
    assert matched(runtime, case_id, [far, backing]) == [PHASH_MATCH_RADIUS_BITS]
    assert matched(runtime, case_id, [far, flip(pdq, CORROBORATING_PDQ_RADIUS_BITS + 1, rng)]) == []
    # A PDQ near another photo of the same case backs nothing of this one.
    near_other = flip(other_pdq, CORROBORATING_PDQ_RADIUS_BITS - 20, rng)
    assert matched(runtime, case_id, [far, near_other]) == []
    # Within the radius it stands alone at, a pHash needs no PDQ.
    close = flip(phash, PHASH_ALONE_RADIUS_BITS, rng)
    assert matched(runtime, case_id, [close, stranger]) == [PHASH_ALONE_RADIUS_BITS]


def test_fingerprints_sent_without_a_photo_back_each_other_as_one_photo(runtime: Runtime) -> None:
    rng = random.Random(17)
    pdq, phash = random_fingerprint(Algorithm.PDQ, rng), random_fingerprint(Algorithm.PHASH, rng)
    with transaction(runtime.sessions) as session:
        case_id = cases.open_case(
            session,
            fingerprints=[
                SubmittedFingerprint("pdq", pdq.hex, 100),
                SubmittedFingerprint("phash", phash.hex),
            ],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        ).case.id
    far = flip(phash, PHASH_MATCH_RADIUS_BITS, rng)
    assert matched(runtime, case_id, [far, flip(pdq, 60, rng)]) == [PHASH_MATCH_RADIUS_BITS]
    assert matched(runtime, case_id, [far, flip(pdq, 100, rng)]) == []


def check(client: TestClient, key: str, fingerprints: list[Fingerprint]) -> list[dict[str, object]]:
    items = [{"algorithm": fp.algorithm.value, "value": fp.hex} for fp in fingerprints]
    response = client.post("/v1/check", json={"fingerprints": items}, headers=bearer(key))
    assert response.status_code == 200, response.text
    results: list[dict[str, object]] = response.json()["results"]
    return results


def test_a_platform_check_counts_a_far_phash_only_with_a_pdq_of_the_request_backing_it(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(18)
    ((pdq, phash, _),) = banked = photos(rng, 1)
    bank_photos(runtime, banked)
    refresh_index(runtime)
    far = flip(phash, PHASH_MATCH_RADIUS_BITS, rng)
    alone, stranger = check(client, keys.alpha, [far, random_fingerprint(Algorithm.PDQ, rng)])
    assert (alone["verdict"], stranger["verdict"]) == ("no_match", "no_match")
    backed, backing = check(client, keys.alpha, [far, flip(pdq, 60, rng)])
    assert (backed["verdict"], backed["distance"]) == ("match", PHASH_MATCH_RADIUS_BITS)
    # The backing PDQ itself is past PDQ's radius: it is evidence, not a match.
    assert backing["verdict"] == "no_match"
    close = flip(phash, PHASH_ALONE_RADIUS_BITS, rng)
    (answer,) = check(client, keys.alpha, [close])
    assert (answer["verdict"], answer["distance"]) == ("match", PHASH_ALONE_RADIUS_BITS)


def corpus_photo(name: str) -> Image.Image:
    """A dev corpus photo as benchmarks/robustness.py banks and edits it (longest side 512)."""
    image = load_rgb(CORPUS / f"deb-gcompris__{name}.webp")
    image.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def closest(found: list[Fingerprint], banked: list[Fingerprint], algorithm: Algorithm) -> int:
    return min(
        (a.bits ^ b.bits).bit_count()
        for a in found
        for b in banked
        if a.algorithm is algorithm and b.algorithm is algorithm
    )


def leaked(name: str, edit: str) -> list[Fingerprint]:
    """What the worker matches with for the benchmark's ``edit`` of a corpus photo."""
    body = TRANSFORMS[edit][0](corpus_photo(name))[0]
    return hash_image("https://leak.example/a", body).fingerprints


def test_a_screenshot_of_another_photo_at_phash_8_is_refused_and_a_real_crop_still_matches(
    runtime: Runtime,
) -> None:
    india, pyramids = "categorization_monuments_IndiaGate", "details_image_GizahPyramids_background"
    hashed = {name: hash_file(encode(corpus_photo(name))) for name in (india, pyramids)}
    items = [
        SubmittedFingerprint(**entry, photo=photo)
        for photo, name in enumerate(hashed)
        for entry in fingerprint_entries(hashed[name])
    ]
    with transaction(runtime.sessions) as session:
        case_id = cases.open_case(
            session,
            fingerprints=items,
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        ).case.id
    bank = {name: [*hashed[name].fingerprints, *hashed[name].variants] for name in hashed}
    # One of the full corpus's false pairs (benchmarks/README.md section 10): a phone screenshot
    # of Christ the Redeemer within pHash 8 of the pyramids' bank, its PDQs nowhere near.
    shot = leaked("categorization_monuments_christTheRedeemer", "phone_screenshot")
    assert closest(shot, bank[pyramids], Algorithm.PHASH) <= PHASH_MATCH_RADIUS_BITS
    assert closest(shot, bank[pyramids], Algorithm.PDQ) > CORROBORATING_PDQ_RADIUS_BITS
    assert matched(runtime, case_id, shot) == []
    # 10 % off every edge of India Gate: PDQ misses it at 31 bits, pHash is past 4 bits.
    crop = leaked(india, "crop_10")
    assert PHASH_ALONE_RADIUS_BITS < closest(crop, bank[india], Algorithm.PHASH)
    assert 31 < closest(crop, bank[india], Algorithm.PDQ) <= CORROBORATING_PDQ_RADIUS_BITS
    assert matched(runtime, case_id, crop) != []


def separable(rng: random.Random, flipped: int) -> Fingerprint:
    """A pHash whose rows are one byte or its complement, with ``flipped`` bits then changed."""
    pattern = rng.choice([0x69, 0x96, 0xA5, 0x3C])
    rows = [pattern ^ (0xFF if rng.random() < 0.5 else 0) for _ in range(8)]
    exact = Fingerprint.from_bytes(Algorithm.PHASH, bytes(rows))
    return flip(exact, flipped, rng)


def test_separable_distance_is_low_for_gradients_and_high_for_photos_and_random_codes() -> None:
    rng = random.Random(20)
    assert separable_distance(separable(rng, 0)) == 0
    assert separable_distance(separable(rng, 2)) <= 2
    gradients = [Fingerprint.parse(a, v) for a, v, w in DENIED if a == "phash" and "gradient" in w]
    assert gradients and all(separable_distance(fp) <= SEPARABLE_PHASH_BITS for fp in gradients)
    codes = [random_fingerprint(Algorithm.PHASH, rng) for _ in range(200)]
    assert min(separable_distance(fp) for fp in codes) > SEPARABLE_PHASH_BITS + 4
    photo = hash_file(encode(corpus_photo("details_image_GizahPyramids_background")))
    phash = next(fp for fp in photo.fingerprints if fp.algorithm is Algorithm.PHASH)
    assert separable_distance(phash) > SEPARABLE_PHASH_BITS


def test_a_found_phash_near_a_separable_pattern_counts_only_with_a_pdq_backing_it(
    runtime: Runtime,
) -> None:
    rng = random.Random(19)
    pdq = random_fingerprint(Algorithm.PDQ, rng)
    plain = separable(rng, 2)
    bank_pattern = flip(plain, 2, rng)
    case_id = bank_photos(runtime, [(pdq, bank_pattern, random_fingerprint(Algorithm.PHASH, rng))])
    stranger = random_fingerprint(Algorithm.PDQ, rng)
    distance = plain.distance(bank_pattern)
    assert distance <= PHASH_ALONE_RADIUS_BITS
    assert matched(runtime, case_id, [plain, stranger]) == []
    assert matched(runtime, case_id, [plain, flip(pdq, 60, rng)]) == [distance]


def test_a_tiny_crop_of_clip_art_is_refused_near_a_crop_of_a_windmill_photo(
    runtime: Runtime,
) -> None:
    windmill = "categorization_renewable_windmill6"
    hashed = hash_file(encode(corpus_photo(windmill)))
    with transaction(runtime.sessions) as session:
        case_id = cases.open_case(
            session,
            fingerprints=[SubmittedFingerprint(**e, photo=0) for e in fingerprint_entries(hashed)],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        ).case.id
    # benchmarks/small_images.py's one false pair: the corner of a screwdriver on white, shrunk
    # to an icon, 4 pHash bits from a crop in the windmill's bank, with no usable PDQ.
    corner = corpus_photo("categorization_tools_screwDriver3").crop((200, 133, 289, 222))
    icon_bytes = encode(corner.resize((32, 32), Image.Resampling.LANCZOS))
    icon = hash_image("https://leak.example/a", icon_bytes).fingerprints
    bank = [*hashed.fingerprints, *hashed.variants]
    assert closest(icon, bank, Algorithm.PHASH) <= PHASH_ALONE_RADIUS_BITS
    assert not any(fp.algorithm is Algorithm.PDQ for fp in icon)
    assert matched(runtime, case_id, icon) == []


def test_a_platform_check_counts_a_separable_phash_only_with_a_pdq_of_the_request_backing_it(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(21)
    pdq, plain = random_fingerprint(Algorithm.PDQ, rng), separable(rng, 2)
    bank_photos(runtime, [(pdq, flip(plain, 2, rng), random_fingerprint(Algorithm.PHASH, rng))])
    refresh_index(runtime)
    (alone,) = check(client, keys.alpha, [plain])
    assert alone["verdict"] == "no_match"
    backed, _ = check(client, keys.alpha, [plain, flip(pdq, 60, rng)])
    assert backed["verdict"] == "match"
