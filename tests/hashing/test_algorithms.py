"""Hash algorithms, degeneracy, and the hash_file / hash_query_image entry points."""

from __future__ import annotations

import weakref
from typing import Any

import pytest
from PIL import Image

from hashing.algorithms import (
    DENIED,
    PDQ_QUALITY_MIN,
    degeneracy,
    dihedral_phashes,
    dihedral_variants,
    hash_file,
    hash_query_image,
    md5_of,
    pdq,
    phash,
    sha256_of,
)
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import decode_image
from tests.hashing.conftest import encode, read_vector, textured


def algorithms_of(fingerprints: Any) -> list[Algorithm]:
    return [fp.algorithm for fp in fingerprints]


def refusals(hashed: Any) -> dict[Algorithm, str]:
    return {r.algorithm: r.reason for r in hashed.refused}


def test_the_denied_hashes_are_those_of_their_blank_and_gradient_images() -> None:
    size = (256, 256)
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    synthetic = {
        "a black image": Image.new("RGB", size, (0, 0, 0)),
        "a white image": Image.new("RGB", size, (255, 255, 255)),
        "a grey image": Image.new("RGB", size, (128, 128, 128)),
        "a vertical gradient": gradient,
        "a reversed vertical gradient": gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        "a horizontal gradient": gradient.transpose(Image.Transpose.ROTATE_90),
        "a reversed horizontal gradient": gradient.transpose(Image.Transpose.ROTATE_270),
    }
    derived = {md5_of(b""): "an empty file", sha256_of(b""): "an empty file"}
    for description, img in synthetic.items():
        derived[pdq(img)[0]] = description
        derived[phash(img)] = description
    table = {Fingerprint.parse(algorithm, value): why for algorithm, value, why in DENIED}
    assert table == derived
    assert len(table) == len(DENIED)
    assert all(degeneracy(fp) for fp in derived)


def test_md5_and_sha256_match_the_standard_test_vectors() -> None:
    assert md5_of(b"abc").hex == "900150983cd24fb0d6963f7d28e17f72"
    assert sha256_of(b"abc").hex == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert md5_of(b"").hex == "d41d8cd98f00b204e9800998ecf8427e"


def test_pdq_refuses_images_that_were_not_decoded_to_rgb() -> None:
    with pytest.raises(ValueError, match="RGB"):
        pdq(textured().convert("L"))


def test_a_photo_gets_all_four_fingerprints(expected: dict[str, dict[str, Any]]) -> None:
    data = read_vector("q0122.jpg")
    hashed = hash_file(data)
    assert algorithms_of(hashed.fingerprints) == [
        Algorithm.MD5,
        Algorithm.SHA256,
        Algorithm.PDQ,
        Algorithm.PHASH,
    ]
    assert hashed.fingerprints[0] == md5_of(data)
    assert hashed.fingerprints[2].hex == expected["q0122.jpg"]["pdq"]
    assert (hashed.pdq_quality, hashed.refused) == (100, ())


def test_a_text_file_gets_its_digests_and_a_refusal_not_an_exception() -> None:
    data = b"not an image, just a note\n"
    hashed = hash_file(data)
    assert hashed.fingerprints == (md5_of(data), sha256_of(data))
    assert hashed.pdq_quality is None
    assert refusals(hashed) == {
        Algorithm.PDQ: "unsupported_format",
        Algorithm.PHASH: "unsupported_format",
    }
    assert all("accepted format" in r.message for r in hashed.refused)


def test_an_empty_file_yields_no_fingerprint_at_all() -> None:
    hashed = hash_file(b"")
    assert hashed.fingerprints == ()
    assert refusals(hashed) == {
        Algorithm.MD5: "degenerate",
        Algorithm.SHA256: "degenerate",
        Algorithm.PDQ: "unsupported_format",
        Algorithm.PHASH: "unsupported_format",
    }
    assert "empty file" in hashed.refused[0].message


def test_a_truncated_jpeg_keeps_its_digests_and_explains_the_decode_error() -> None:
    data = read_vector("q1050.jpg")[:5000]
    hashed = hash_file(data)
    assert algorithms_of(hashed.fingerprints) == [Algorithm.MD5, Algorithm.SHA256]
    assert set(refusals(hashed).values()) == {"decode_error"}


def test_hash_file_never_raises_on_any_prefix_of_an_image() -> None:
    data = encode(textured((96, 96)), "PNG")
    for end in range(0, len(data), max(1, len(data) // 40)):
        hashed = hash_file(data[:end])
        assert hashed.fingerprints[:1] == (md5_of(data[:end]),) or end == 0


def test_low_quality_pdq_is_refused_with_its_quality_while_phash_is_kept() -> None:
    hashed = hash_file(read_vector("q0003.jpg"))
    assert hashed.pdq_quality == 3
    (refusal,) = hashed.refused
    assert (refusal.algorithm, refusal.reason) == (Algorithm.PDQ, "low_quality")
    assert "quality 3 " in refusal.message and str(PDQ_QUALITY_MIN) in refusal.message
    assert Algorithm.PHASH in algorithms_of(hashed.fingerprints)


def test_the_minimum_side_is_a_parameter_of_hash_file() -> None:
    data = read_vector("wee.jpg")
    assert Algorithm.PDQ in algorithms_of(hash_file(data).fingerprints)
    assert refusals(hash_file(data, min_side=64))[Algorithm.PDQ] == "too_small"


FLAT = {
    "black": Image.new("RGB", (300, 200), (0, 0, 0)),
    "white": Image.new("RGB", (300, 200), (255, 255, 255)),
    "grey": Image.new("RGB", (300, 200), (90, 90, 90)),
    "gradient": Image.linear_gradient("L").resize((300, 200)).convert("RGB"),
}


@pytest.mark.parametrize("name", FLAT)
def test_blank_flat_and_gradient_images_are_refused_for_pdq_and_phash(name: str) -> None:
    hashed = hash_file(encode(FLAT[name], "PNG"))
    assert algorithms_of(hashed.fingerprints) == [Algorithm.MD5, Algorithm.SHA256]
    reasons = refusals(hashed)
    assert reasons[Algorithm.PDQ] == "low_quality"
    assert reasons[Algorithm.PHASH] == "degenerate"


@pytest.mark.parametrize("name", FLAT)
def test_flat_images_fail_the_pdq_quality_floor_and_phash_degeneracy(name: str) -> None:
    # PDQ of flat content is rounding noise that changes with size and level, so the quality
    # floor is what stops it; pHash of flat content is nearly all zeros, caught by degeneracy.
    assert pdq(FLAT[name])[1] < PDQ_QUALITY_MIN
    assert degeneracy(phash(FLAT[name])) is not None


def test_a_gradient_hash_is_denied_even_though_its_popcount_looks_healthy() -> None:
    gradient = Image.linear_gradient("L").resize((256, 256)).convert("RGB")
    fingerprint = pdq(gradient)[0]
    assert 32 <= fingerprint.bits.bit_count() <= 224
    assert "gradient" in (degeneracy(fingerprint) or "")


@pytest.mark.parametrize(
    ("algorithm", "ones", "usable"),
    [
        ("phash", 7, False),
        ("phash", 8, True),
        ("phash", 56, True),
        ("phash", 57, False),
        ("pdq", 31, False),
        ("pdq", 32, True),
        ("pdq", 225, False),
    ],
)
def test_perceptual_hashes_need_between_an_eighth_and_seven_eighths_of_bits_set(
    algorithm: str, ones: int, usable: bool
) -> None:
    fingerprint = Fingerprint(Algorithm(algorithm), (1 << ones) - 1)
    assert (degeneracy(fingerprint) is None) is usable


def test_digests_of_real_content_are_never_degenerate() -> None:
    assert degeneracy(md5_of(b"\0")) is None
    assert degeneracy(sha256_of(b"x")) is None


def test_dihedral_variants_are_made_one_at_a_time_so_a_big_leak_is_not_held_eight_times() -> None:
    img = textured((64, 48))
    made: list[weakref.ref[Image.Image]] = []
    for variant in dihedral_variants(img):
        made.append(weakref.ref(variant))
        # The original and the variant in hand; earlier transposes are already freed.
        assert sum(ref() is not None for ref in made) <= 2
    assert len(made) == 8


def test_the_eight_dihedral_variants_are_the_distinct_pixel_transposes() -> None:
    img = textured((64, 48))
    variants = list(dihedral_variants(img))
    assert variants[0] is img
    assert [v.size for v in variants] == [(64, 48), (48, 64), (64, 48), (48, 64)] + [
        (64, 48),
        (64, 48),
        (48, 64),
        (48, 64),
    ]
    assert len({v.tobytes() for v in variants}) == 8


@pytest.mark.parametrize("name", ["aaa-orig.jpg", "q0122.jpg", "q2821.jpg"])
def test_the_phashes_of_the_eight_variants_from_two_resizes_equal_each_variants_own(
    name: str,
) -> None:
    photo = decode_image(read_vector(name))
    # An odd size and a JPEG copy: resampling must not round any other way.
    width, height = photo.size
    for img in (
        photo.crop((3, 5, width - 7, height - 2)),
        decode_image(encode(photo, "JPEG", quality=70)),
    ):
        assert dihedral_phashes(img) == [phash(v) for v in dihedral_variants(img)]


@pytest.mark.parametrize(
    "transpose",
    [Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_90, Image.Transpose.TRANSVERSE],
)
def test_a_mirrored_or_rotated_copy_is_found_through_some_variant(
    transpose: Image.Transpose,
) -> None:
    original = decode_image(read_vector("q2821.jpg"))
    copy = decode_image(encode(original.transpose(transpose), "JPEG", quality=90))
    assert pdq(copy)[0].distance(pdq(original)[0]) > 31
    query = hash_query_image(copy).fingerprints
    assert min(fp.distance(pdq(original)[0]) for fp in query if fp.algorithm is Algorithm.PDQ) <= 4
    assert min(fp.distance(phash(original)) for fp in query if fp.algorithm is Algorithm.PHASH) <= 4


def test_the_reference_rotated_bridge_matches_the_original_through_its_variants(
    expected: dict[str, dict[str, Any]],
) -> None:
    original = Fingerprint.parse("pdq", expected["aaa-orig.jpg"]["pdq"])
    query = hash_query_image(decode_image(read_vector("bridge-2-rotate-90.jpg"))).fingerprints
    assert min(fp.distance(original) for fp in query if fp.algorithm is Algorithm.PDQ) <= 4


def test_query_fingerprints_are_unique_and_skip_unusable_hashes() -> None:
    hashes = hash_query_image(decode_image(read_vector("q0003.jpg")))
    query = hashes.fingerprints
    assert len(query) == len(set(query))
    assert algorithms_of(query) == [Algorithm.PHASH] * len(query)
    # Its PDQs (quality 3) are kept apart, for the bank's tight radius only.
    assert hashes.faint and algorithms_of(hashes.faint) == [Algorithm.PDQ] * len(hashes.faint)
    assert not set(hashes.faint) & set(query)
    white = hash_query_image(FLAT["white"])
    assert white.fingerprints == [] and white.faint == []
