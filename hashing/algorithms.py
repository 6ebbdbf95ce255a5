"""The hashes we compute (PDQ, pHash, MD5, SHA-256) and the one entry point that applies them.

Bit order: a Fingerprint's integer is the hash read most-significant bit first. For PDQ that is
element 0 of pdqhash's 256-element vector, as in ThreatExchange's hex strings; for pHash it is
the top-left cell of imagehash's 8x8 boolean array, read row by row, as in ``str(imagehash)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Literal

import numpy as np
import pdqhash
from PIL import Image

from hashing.bands import trim_bands
from hashing.crops import bank_crops
from hashing.deferred_imports import deferred
from hashing.edits import capped, caption_crops, edit_crops, inset, small_rotations
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import (
    ALLOWED_FORMATS,
    MIN_IMAGE_SIDE,
    ImageRejected,
    RejectionReason,
    decode_image,
)
from hashing.screens import has_flat_rim, screen_crops
from hashing.translations import N_, gettext

if TYPE_CHECKING:
    import imagehash
else:
    imagehash = deferred("imagehash")

# Meta's recommendation (pdq/README.md) and python-threatexchange's QUALITY_THRESHOLD.
PDQ_QUALITY_MIN = 50

RefusalReason = Literal["low_quality", "degenerate"] | RejectionReason


@dataclass(frozen=True, slots=True)
class Refusal:
    """An algorithm that produced no usable fingerprint; ``reason`` is a RefusalReason."""

    algorithm: Algorithm
    reason: RefusalReason
    message: str


@dataclass(frozen=True, slots=True)
class HashedFile:
    """Everything hash_file learned about one file: usable fingerprints and what was refused."""

    fingerprints: tuple[Fingerprint, ...]
    pdq_quality: int | None
    refused: tuple[Refusal, ...]
    #: PDQ/pHash of the image with flat edge bands trimmed (see hashing/bands.py) and of its
    #: crops (hashing/crops.py), where they differ from the image's own: a leak trimmed the same
    #: way at query time, or cropped by the uploader, then lands near one of these.
    variants: tuple[Fingerprint, ...] = ()


def pdq(img: Image.Image) -> tuple[Fingerprint, int]:
    """PDQ hash and quality (0-100) of an RGB image at full resolution."""
    vector, quality = pdqhash.compute(_rgb_array(img))
    return _from_bit_vector(Algorithm.PDQ, vector), int(quality)


def phash(img: Image.Image) -> Fingerprint:
    """64-bit pHash, equal to ``imagehash.phash(img)``."""
    return _from_bit_vector(Algorithm.PHASH, imagehash.phash(img).hash)


def md5_of(data: bytes) -> Fingerprint:
    """MD5 of a file's bytes."""
    return Fingerprint.from_bytes(Algorithm.MD5, hashlib.md5(data, usedforsecurity=False).digest())


def sha256_of(data: bytes) -> Fingerprint:
    """SHA-256 of a file's bytes."""
    return Fingerprint.from_bytes(Algorithm.SHA256, hashlib.sha256(data).digest())


def dihedral_phashes(img: Image.Image) -> list[Fingerprint]:
    """pHash of each of the image's dihedral variants, in their order, from two resizes.

    pHash reads a 32x32 grey copy of the image. Flipping an image flips that copy to the pixel
    (Pillow's resampling is symmetric), but swapping the axes does not transpose it exactly (the
    two passes round in the other order): so the copy of the image and the copy of its
    transpose are each flipped three ways, which equals ``phash(variant)`` for every variant
    (the tests hold it to that) at a quarter of the resizing.
    """
    grey = img.convert("L")
    side = PHASH_GRID
    upright = grey.resize((side, side), Image.Resampling.LANCZOS)
    across = grey.transpose(Image.Transpose.TRANSPOSE).resize(
        (side, side), Image.Resampling.LANCZOS
    )
    copies = [upright, *(_small_variant(upright, across, t) for t in _TRANSPOSES)]
    # imagehash resizes a copy already at its size by copying it: no second resampling.
    return [phash(copy) for copy in copies]


def _small_variant(
    upright: Image.Image, across: Image.Image, transpose: Image.Transpose
) -> Image.Image:
    """The 32x32 copy of the image's ``transpose`` variant, by flips of one of the two copies."""
    if transpose in _FLIPS:
        return upright.transpose(transpose)
    flip = _ACROSS[transpose]
    return across if flip is None else across.transpose(flip)


def dihedral_variants(img: Image.Image) -> Iterator[Image.Image]:
    """The image in its 8 flips and rotations: identity first, then the 7 pixel transposes.

    One at a time: a transposed copy costs as much memory as the image, and a leak at the pixel
    cap would otherwise hold eight of them at once.
    """
    yield img
    for transpose in _TRANSPOSES:
        yield img.transpose(transpose)


def degeneracy(fp: Fingerprint) -> str | None:
    """Why a fingerprint is unfit for a bank or a query, or None when it is usable.

    One blank-image hash in the bank would match every blank image anyone reports, so hashes of
    nearly flat content (too few or too many bits set) and known hashes of blank, flat and
    gradient images, or of an empty file, are refused on both sides.
    """
    if fp.algorithm.perceptual:
        ones, bits = fp.bits.bit_count(), fp.algorithm.bits
        if ones < bits // 8 or ones > 7 * bits // 8:
            return gettext("{ones} of {bits} bits set: the image is nearly blank or flat").format(
                ones=ones, bits=bits
            )
    known = _DENYLIST.get(fp)
    if known is not None:
        return gettext(
            "this is the {algorithm} of {known}, which would match unrelated content"
        ).format(algorithm=fp.algorithm, known=gettext(known))
    return None


def hash_file(
    data: bytes, *, min_side: int = MIN_IMAGE_SIDE, formats: tuple[str, ...] = ALLOWED_FORMATS
) -> HashedFile:
    """Fingerprint any file: MD5 and SHA-256 of the bytes, PDQ and pHash if it is an image.

    Never raises for bad input: an undecodable image, a low PDQ quality or a degenerate hash
    becomes a Refusal, and the byte digests still come back (unless the file is empty).
    """
    fingerprints: list[Fingerprint] = []
    refused: list[Refusal] = []

    def keep(fp: Fingerprint) -> None:
        problem = degeneracy(fp)
        if problem is None:
            fingerprints.append(fp)
        else:
            refused.append(Refusal(fp.algorithm, "degenerate", problem))

    keep(md5_of(data))
    keep(sha256_of(data))
    try:
        img = decode_image(data, min_side=min_side, formats=formats)
    except ImageRejected as rejected:
        refused += [Refusal(a, rejected.reason, str(rejected)) for a in _PERCEPTUAL]
        return HashedFile(tuple(fingerprints), None, tuple(refused))

    pdq_fp, quality = pdq(img)
    if quality < PDQ_QUALITY_MIN:
        message = gettext(
            "pdq quality {quality} is below {minimum}: too little detail to match"
        ).format(quality=quality, minimum=PDQ_QUALITY_MIN)
        refused.append(Refusal(Algorithm.PDQ, "low_quality", message))
    else:
        keep(pdq_fp)
    keep(phash(img))
    derived = [*trim_bands(img), *(crop for _, crop in bank_crops(img))]
    variants = [fp for copy in derived for fp in _usable_perceptual(copy)]
    fresh = [fp for fp in dict.fromkeys(variants) if fp not in fingerprints]
    return HashedFile(tuple(fingerprints), quality, tuple(refused), tuple(fresh))


@dataclass(frozen=True, slots=True)
class QueryHashes:
    """A found image's hashes: the usable ones, and PDQs under PDQ_QUALITY_MIN (``faint``).

    A faint PDQ is unreliable at the usual radius, yet a brightened or washed-out copy of a
    victim's photo may have no other hash near its own: the bank matches faint ones only at its
    tight radius (casework.bank.bank.FAINT_PDQ_RADIUS_BITS).
    """

    fingerprints: list[Fingerprint]
    faint: list[Fingerprint]


def hash_query_image(img: Image.Image) -> QueryHashes:
    """PDQ and pHash of an image as found and as it was before likely edits.

    Deduplicated. All 8 flips and rotations of the image, of its band-trimmed copies
    (hashing/bands.py, as the victim's client trims) and of the crops that undo bars, pads and
    frames the band trimming misses (hashing/edits.py; PDQ only for caption crops, and each
    caption crop also cut by INSET, as it is); the picture found inside a screenshot
    (hashing/screens.py), as it is; and the image turned back by a few small angles, as it is and
    mirrored (a leak is rarely both tilted and turned on its side).
    """
    small = capped(img)
    hashes = _Collected()
    # Band trimming and the edit crops often cut the same box: hash each distinct crop once.
    sources = {_pixels_digest(s): s for s in [img, *trim_bands(img), *edit_crops(small)]}
    as_found = hashes.take(img)
    for source in sources.values():
        # The image as found is its own first dihedral variant, hashed just above.
        first = 1 if source is img else 0
        variants = islice(dihedral_variants(source), first, None)
        for variant, phash_fp in zip(variants, dihedral_phashes(source)[first:], strict=True):
            hashes.take(variant, phash_fp=phash_fp)
    # A screenshot is upright: its picture is hashed as it is, once per distinct crop.
    for source in screen_crops(small):
        if _pixels_digest(source) not in sources:
            hashes.take(source)
    # A crop that leaves part of a frame is an unnatural picture, and the 64 bits of pHash let
    # such a crop of a screenshot come within 6 bits of an unrelated photo on the dev corpus:
    # a caption crop with a flat edge line left counts on PDQ only, whose distinct pairs there
    # are >= 74 bits apart; one that left no flat line is a picture like any other, and gets a
    # pHash as it is (a meme is upright: its flips get PDQ only, which keeps the cost down).
    for source in caption_crops(small):
        hashes.take(source, phash_too=not has_flat_rim(source))
        for variant in islice(dihedral_variants(source), 1, None):
            hashes.take(variant, phash_too=False)
        cut = inset(source)
        hashes.take(cut, phash_too=not has_flat_rim(cut))
    # The black corners of a turned copy give a flat image the detail it lacks: turned copies
    # count only when the upright image has a usable PDQ, and give no faint PDQ. PDQ only: the
    # pHash of turned copies cut to the centre crop came within 8 bits of another photo's bank
    # three times in 6,000 leaks of the 60-photo sample, while PDQ alone finds 91.7 % of 5 and
    # -4 degree tilts (benchmarks/README.md, section 6).
    found_pdq = any(fp.algorithm is Algorithm.PDQ for fp in as_found)
    upright = found_pdq if small is img else bool(_usable_pdq(small))
    for turned in small_rotations(small) if upright else []:
        for variant in (turned, turned.transpose(Image.Transpose.FLIP_LEFT_RIGHT)):
            hashes.usable.update(dict.fromkeys(_usable_pdq(variant)))
    return QueryHashes(list(hashes.usable), [fp for fp in hashes.faint if fp not in hashes.usable])


class _Collected:
    """Distinct usable and faint hashes, in the order they were found."""

    def __init__(self) -> None:
        self.usable: dict[Fingerprint, None] = {}
        self.faint: dict[Fingerprint, None] = {}

    def take(
        self, img: Image.Image, *, phash_too: bool = True, phash_fp: Fingerprint | None = None
    ) -> list[Fingerprint]:
        """Hash one image (its pHash given when already known); return its usable hashes."""
        pdq_fp, quality = pdq(img)
        usable = []
        if degeneracy(pdq_fp) is None:
            if quality >= PDQ_QUALITY_MIN:
                usable.append(pdq_fp)
            else:
                self.faint[pdq_fp] = None
        if phash_too:
            phash_fp = phash(img) if phash_fp is None else phash_fp
            if degeneracy(phash_fp) is None:
                usable.append(phash_fp)
        self.usable.update(dict.fromkeys(usable))
        return usable


def _pixels_digest(img: Image.Image) -> tuple[tuple[int, int], bytes]:
    """Equal for equal pixels; a digest, because a leak's raw pixels can be hundreds of MB."""
    return img.size, hashlib.blake2b(img.tobytes(), digest_size=16).digest()


def _usable_pdq(img: Image.Image) -> list[Fingerprint]:
    """PDQ of one image if its quality suffices and it is not degenerate."""
    pdq_fp, quality = pdq(img)
    return [pdq_fp] if quality >= PDQ_QUALITY_MIN and degeneracy(pdq_fp) is None else []


def _usable_perceptual(img: Image.Image) -> list[Fingerprint]:
    """PDQ (if its quality suffices) and pHash of one image, leaving out degenerate ones."""
    usable = _usable_pdq(img)
    phash_fp = phash(img)
    if degeneracy(phash_fp) is None:
        usable.append(phash_fp)
    return usable


_PERCEPTUAL = (Algorithm.PDQ, Algorithm.PHASH)
_TRANSPOSES = (
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
)


#: Side of imagehash.phash's grey copy (hash_size 8 x highfreq_factor 4).
PHASH_GRID = 32
_FLIPS = (
    Image.Transpose.ROTATE_180,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
)
#: Each axis-swapping transpose as the flip that follows TRANSPOSE (None: TRANSPOSE itself).
_ACROSS = {
    Image.Transpose.ROTATE_90: Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.ROTATE_270: Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.TRANSPOSE: None,
    Image.Transpose.TRANSVERSE: Image.Transpose.ROTATE_180,
}


def _rgb_array(img: Image.Image) -> np.ndarray:
    if img.mode != "RGB":
        raise ValueError(f"expected an RGB image (see decode_image), got mode {img.mode!r}")
    return np.asarray(img)


def _from_bit_vector(algorithm: Algorithm, bits: np.ndarray) -> Fingerprint:
    packed = np.packbits(np.asarray(bits, dtype=bool).ravel())
    return Fingerprint.from_bytes(algorithm, packed.tobytes())


#: Known hashes of synthetic flat and gradient images (256 x 256), and the digests of empty input:
#: a table, because hashing the images at import needs imagehash and SciPy, which an API process
#: otherwise never loads. tests/hashing/test_algorithms.py derives every entry from its image.
#: pHash of flat or gradient content is a few near-empty values, mostly caught by the popcount
#: rule; the entries add the ones on its edge (a reversed gradient sets exactly 8 of 64 bits).
#: PDQ of flat content is rounding noise that moves with size and level, so its entries only
#: catch these exact images and the quality floor (flat 0, gradients 44) does the real work.
DENIED = (
    ("md5", "d41d8cd98f00b204e9800998ecf8427e", N_("an empty file")),
    (
        "sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        N_("an empty file"),
    ),
    (
        "pdq",
        "0000000000000000000000000000000000000000000000000000000000000000",
        N_("a black image"),
    ),
    ("phash", "0000000000000000", N_("a black image")),
    (
        "pdq",
        "00001134000011342c4b00002c4b1134000000002c4b2c4b00002c4b8200554b",
        N_("a white image"),
    ),
    ("phash", "8000000000000000", N_("a grey image")),
    ("pdq", "000000002c4b11342c4b2c4b0000554b00002c4b113411342c4b585e2c4b017e", N_("a grey image")),
    (
        "pdq",
        "7ac8441700e0519416fb5381e50aa75906951160c1765921c359031976970959",
        N_("a vertical gradient"),
    ),
    ("phash", "8000800080008000", N_("a vertical gradient")),
    (
        "pdq",
        "4067527905a0006bc126121682550c170050b06580024c3861e6110d036114f4",
        N_("a reversed vertical gradient"),
    ),
    ("phash", "8080808080808080", N_("a reversed vertical gradient")),
    (
        "pdq",
        "aaa60d525ceaacc9756415a2da58726b59d1d1d56b2ae96e74a4a6cb4aaca92b",
        N_("a horizontal gradient"),
    ),
    ("phash", "aa00000000000000", N_("a horizontal gradient")),
    (
        "pdq",
        "f8217e07004f9e8de09fc6c7048f1fc7d8e71bf101ff3ff83dfe018003809fc0",
        N_("a reversed horizontal gradient"),
    ),
    ("phash", "ff00000000000000", N_("a reversed horizontal gradient")),
)
_DENYLIST = {Fingerprint.parse(algorithm, value): why for algorithm, value, why in DENIED}
