"""Match-confidence bands: named in the matching domain, worded by the console."""

from __future__ import annotations

from casework.bank.bank import MATCH_RADIUS_BITS
from casework.bank.matching import (
    NEAR_IDENTICAL_BITS,
    VERY_SIMILAR_BITS,
    Confidence,
    confidence,
)
from hashing.fingerprint import Algorithm
from service.console.matches import CONFIDENCE_TEXTS

PERCEPTUAL = [algorithm for algorithm in Algorithm if algorithm.perceptual]


def test_the_bands_of_each_perceptual_algorithm_widen_inside_its_match_radius() -> None:
    for algorithm in PERCEPTUAL:
        near, very = NEAR_IDENTICAL_BITS[algorithm], VERY_SIMILAR_BITS[algorithm]
        assert 0 < near < very < MATCH_RADIUS_BITS[algorithm], algorithm


def test_a_distance_falls_in_the_band_its_bounds_say() -> None:
    for algorithm in PERCEPTUAL:
        near, very = NEAR_IDENTICAL_BITS[algorithm], VERY_SIMILAR_BITS[algorithm]
        bands = [confidence(algorithm, d) for d in range(MATCH_RADIUS_BITS[algorithm] + 1)]
        assert bands == (
            [Confidence.IDENTICAL]
            + [Confidence.NEAR_IDENTICAL] * near
            + [Confidence.VERY_SIMILAR] * (very - near)
            + [Confidence.SIMILAR] * (MATCH_RADIUS_BITS[algorithm] - very)
        ), algorithm
    assert confidence(Algorithm.SHA256, 0) is Confidence.EXACT_FILE
    assert confidence(Algorithm.MD5, 0) is Confidence.EXACT_FILE


def test_the_console_has_words_for_every_band() -> None:
    assert set(CONFIDENCE_TEXTS) == set(Confidence)
