"""POST /v1/check/image: an upload hashed in memory, answered like /v1/check."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image, ImageEnhance, ImageOps

from casework.bank.bank import FAINT_PDQ_RADIUS_BITS
from casework.runtime import Runtime
from hashing.algorithms import PDQ_QUALITY_MIN, hash_file, hash_query_image, pdq
from hashing.fingerprint import Algorithm
from hashing.images import decode_image
from tests.conftest import SHARED
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index

CORPUS = SHARED / "corpus" / "dev"


def photo(index: int) -> Path:
    usable = [
        path
        for path in sorted(CORPUS.glob("*.jpg"))
        if any(fp.algorithm.value == "pdq" for fp in hash_file(path.read_bytes()).fingerprints)
    ]
    return usable[index]


def as_upload(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def post_image(client: TestClient, token: str, body: bytes):
    headers = {**bearer(token), "Content-Type": "application/octet-stream"}
    return client.post("/v1/check/image", content=body, headers=headers)


def test_a_mirrored_and_bordered_reupload_matches(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    original = photo(0)
    hashed = hash_file(original.read_bytes())
    bank_case(runtime, list(hashed.fingerprints + hashed.variants))
    refresh_index(runtime)
    image = decode_image(original.read_bytes())
    leak = ImageOps.expand(ImageOps.mirror(image), border=image.width // 20, fill="white")
    answer = post_image(client, keys.alpha, as_upload(leak)).json()
    assert answer["verdict"] == "match" and answer["match_token"].startswith("mt_")
    assert answer["distance"] <= 31


def test_the_exact_file_matches_at_distance_zero_and_a_stranger_does_not(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    original = photo(1)
    bank_case(runtime, list(hash_file(original.read_bytes()).fingerprints))
    refresh_index(runtime)
    exact = post_image(client, keys.alpha, original.read_bytes()).json()
    assert exact["verdict"] == "match" and exact["distance"] == 0
    stranger = post_image(client, keys.alpha, photo(2).read_bytes()).json()
    assert stranger["verdict"] == "no_match" and stranger["match_token"] is None


def test_a_file_that_is_not_an_image_or_is_blank_is_unusable(
    client: TestClient, keys: PlatformKeys
) -> None:
    text = post_image(client, keys.alpha, b"just some text, not a picture").json()
    assert text["verdict"] == "unusable" and "exact digests" in text["reason"]
    blank = post_image(client, keys.alpha, as_upload(Image.new("RGB", (300, 300), "white")))
    assert blank.json()["verdict"] == "unusable"


def test_uploads_over_the_cap_are_refused_but_other_routes_keep_2_mib(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    cap = runtime.settings.check_image_max_bytes
    assert post_image(client, keys.alpha, b"\0" * (cap + 1)).status_code == 413
    three_mib = b"\0" * (3 * 1024 * 1024)
    assert post_image(client, keys.alpha, three_mib).status_code == 200
    big_json = client.post("/v1/check", content=b"{" + three_mib + b"}", headers=bearer(keys.alpha))
    assert big_json.status_code == 413


def test_a_multipart_upload_is_refused_with_415_saying_to_send_the_bytes(
    client: TestClient, keys: PlatformKeys
) -> None:
    files = {"file": ("leak.jpg", photo(0).read_bytes(), "image/jpeg")}
    response = client.post("/v1/check/image", files=files, headers=bearer(keys.alpha))
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "upload_as_form"
    assert "bytes as the request body" in error["message"]
    documented = client.get("/openapi.json").json()["paths"]["/v1/check/image"]["post"]
    assert "415" in documented["responses"]


def test_a_darkened_reupload_whose_pdq_is_faint_matches_within_the_tight_radius(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    image = decode_image((CORPUS / "deb-gcompris__categorization_others_pencil.webp").read_bytes())
    own, quality = pdq(image)
    assert quality >= PDQ_QUALITY_MIN
    # The bank holds the photo's PDQ alone, so only the upload's PDQs can find it.
    bank_case(runtime, [own])
    refresh_index(runtime)
    dark = ImageEnhance.Brightness(image).enhance(0.5)
    hashes = hash_query_image(dark)
    assert not [fp for fp in hashes.fingerprints if fp.algorithm is Algorithm.PDQ]
    assert min(fp.distance(own) for fp in hashes.faint) <= FAINT_PDQ_RADIUS_BITS

    answer = post_image(client, keys.alpha, as_upload(dark)).json()

    assert answer["verdict"] == "match" and answer["algorithm"] == "pdq"
    assert answer["distance"] <= FAINT_PDQ_RADIUS_BITS
