"""HEIC, the iPhone's default, is hashed on the victim's device and refused everywhere else."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from hashing.algorithms import hash_file, pdq
from hashing.fingerprint import Algorithm
from hashing.images import HEIF_FORMAT, ImageRejected, decode_image, victim_formats


def heic_photo() -> tuple[bytes, Image.Image]:
    rng = np.random.default_rng(3)
    small = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    photo = Image.fromarray(small).resize((320, 240), Image.Resampling.BICUBIC)
    assert HEIF_FORMAT in victim_formats()
    buffer = io.BytesIO()
    photo.save(buffer, "HEIF", quality=90)
    return buffer.getvalue(), photo


def test_a_victims_heic_photo_gets_pdq_and_phash() -> None:
    data, photo = heic_photo()
    hashed = hash_file(data, formats=victim_formats())
    algorithms = {fp.algorithm for fp in hashed.fingerprints}
    assert algorithms == {Algorithm.PDQ, Algorithm.PHASH, Algorithm.MD5, Algorithm.SHA256}
    [heic_pdq] = [fp for fp in hashed.fingerprints if fp.algorithm is Algorithm.PDQ]
    assert heic_pdq.distance(pdq(photo)[0]) <= 31


def test_heic_is_refused_by_the_default_decoder_the_worker_uses() -> None:
    data, _photo = heic_photo()
    with pytest.raises(ImageRejected) as rejected:
        decode_image(data)
    assert rejected.value.reason == "unsupported_format"
