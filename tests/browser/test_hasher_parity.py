"""The page's hashing worker gives the Python side's fingerprints for the same file, bit for bit.

PDQ and pHash are compared with hashing.algorithms.pdq and phash over hashing.images.decode_image
(Pillow, EXIF transpose, convert("RGB")), the pipeline the CLI and the workers use; MD5 and
SHA-256 with hashlib; and the whole list the page would send for a file with the list the CLI
sends for it (hashing.cli.fingerprint_entries). The files go through the real worker
(service/static/hasher/worker.js) on the real page, under its Content-Security-Policy.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

from hashing.crops import crop_boxes
from tests.browser.conftest import VECTORS, as_base64, python_fingerprints, wire_set
from tests.conftest import REPO, SHARED

pytestmark = pytest.mark.browser

CORPUS = SHARED / "corpus" / "dev"
CORPUS_FILES = 60
# Files per page.evaluate call: keeps each round trip's base64 argument to a few MB.
BATCH = 12

HASH_IN_WORKER = """
async (files) => {
  const worker = new Worker('/static/hasher/worker.js', {type: 'module'});
  const results = [];
  for (const [index, {name, data}] of files.entries()) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const file = new File([bytes], name);
    const started = performance.now();
    const stages = [];
    const result = await new Promise((resolve) => {
      worker.onmessage = ({data}) => {
        if (data.id !== index) return;
        if (data.stage) stages.push(data.stage);
        else resolve(data);
      };
      worker.postMessage({id: index, file});
    });
    results.push({...result, name, stages, elapsed: performance.now() - started});
  }
  worker.terminate();
  return results;
}
"""


def hash_in_page(page: Page, live_server: str, files: dict[str, bytes]) -> dict[str, Any]:
    page.goto(live_server + "/")
    results: dict[str, Any] = {}
    names = list(files)
    for start in range(0, len(names), BATCH):
        batch = [{"name": n, "data": as_base64(files[n])} for n in names[start : start + BATCH]]
        for result in page.evaluate(HASH_IN_WORKER, batch):
            results[result["name"]] = result
    return results


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def compare(page: Page, live_server: str, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """One row per file: the page's and Python's values and the PDQ distance in bits."""
    got = hash_in_page(page, live_server, files)
    rows = []
    for name, data in files.items():
        want = python_fingerprints(data)
        result = got[name]
        by_algorithm = {f["algorithm"]: f["value"] for f in result["fingerprints"]}
        row = {
            "name": name,
            "md5_ok": by_algorithm.get("md5") == want["md5"],
            "sha256_ok": by_algorithm.get("sha256") == want["sha256"],
            "python_pdq": want["pdq"],
            "page_pdq": result["pdq"],
            "distance": None,
            "python_phash": want["phash"],
            "page_phash": result["phash"],
            "phash_distance": None,
            # The page sends for this file exactly what the CLI sends for it.
            "sent_ok": wire_set(result["fingerprints"] + result["variants"]) == want["sent"],
            # Trimmed copies' and crops' hashes in hash_file's order: same copies, same dedup.
            "variants_ok": [[v["algorithm"], v["value"]] for v in result["variants"]]
            == want["variants"],
            "variants": len(result["variants"]),
            "crops": result["crops"],
            "python_crops": len(crop_boxes(*want["size"])) if "size" in want else 0,
            "stages_reported": result["stages"],
            "ms": round(result["elapsed"]),
            "stages": {k: round(v) for k, v in result["ms"].items()},
        }
        if want["pdq"] is not None and result["pdq"] is not None:
            row["distance"] = distance(want["pdq"]["hash"], result["pdq"]["hash"])
            row["quality_ok"] = want["pdq"]["quality"] == result["pdq"]["quality"]
        if want["phash"] is not None and result["phash"] is not None:
            row["phash_distance"] = distance(want["phash"], result["phash"])
        rows.append(row)
    return rows


def assert_exact(rows: list[dict[str, Any]]) -> None:
    wrong = [
        row
        for row in rows
        if not (row["md5_ok"] and row["sha256_ok"] and row["sent_ok"] and row["variants_ok"])
        or row["crops"] != row["python_crops"]
        or (row["python_pdq"] is None) != (row["page_pdq"] is None)
        or (row["python_phash"] is None) != (row["page_phash"] is None)
        or (row["distance"] is not None and (row["distance"] != 0 or not row["quality_ok"]))
        or row["phash_distance"] not in (None, 0)
    ]
    assert not wrong, json.dumps(wrong, indent=1)


def write_report(name: str, rows: list[dict[str, Any]]) -> None:
    report = REPO / "test-artifacts" / "browser" / f"{name}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(rows, indent=1))


def test_page_pdq_and_phash_equal_python_on_every_reference_vector(
    page: Page, live_server: str
) -> None:
    files = {p.name: p.read_bytes() for p in sorted((VECTORS / "images").iterdir())}
    rows = compare(page, live_server, files)
    write_report("parity-vectors", rows)
    assert_exact(rows)
    # The vectors' own expected hashes, where they are the Python hash of the decoded image
    # (CMYK.jpg and P.png are noted as "equals aaa-orig.jpg" but pdqhash is 2 bits off that).
    expected = json.loads((VECTORS / "expected.json").read_text())["images"]
    for row in rows:
        if "note" not in expected[row["name"]]:
            assert row["page_pdq"]["hash"] == expected[row["name"]]["pdq"], row["name"]
        assert row["page_phash"] == expected[row["name"]]["phash"], row["name"]
        # Each stage is reported to the page as it starts, in order.
        assert row["stages_reported"] == ["digests", "decode", "pdq", "phash", "trimmed", "crops"]


def corpus_sample() -> list[Path]:
    """All JPEG and PNG files of the development corpus, topped up with evenly spread WebPs."""
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not present")
    files = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    webp = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() == ".webp")
    wanted = max(0, CORPUS_FILES - len(files))
    step = max(1, len(webp) // max(1, wanted))
    return files + webp[::step][:wanted]


def test_page_pdq_and_phash_equal_python_on_the_development_corpus(
    page: Page, live_server: str
) -> None:
    sample = corpus_sample()
    rows = compare(page, live_server, {p.name: p.read_bytes() for p in sample})
    write_report("parity-corpus", rows)
    compared = [row for row in rows if row["distance"] is not None]
    assert len(compared) >= 50
    assert max(row["distance"] for row in compared) == 0
    phashed = [row for row in rows if row["phash_distance"] is not None]
    assert len(phashed) >= 50
    assert max(row["phash_distance"] for row in phashed) == 0
    assert_exact(rows)


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (320, 200)) -> Image.Image:
    return Image.open(VECTORS / "images" / "aaa-orig.jpg").convert("RGB").resize(size)


def png16(samples: np.ndarray, color_type: int, *, interlaced: bool = False) -> bytes:
    """A 16-bit PNG (Pillow cannot write 16-bit RGB), filtered with Sub on every row."""
    height, width = samples.shape[:2]
    pixels = samples.reshape(height, width, -1).astype(">u2")

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    def rows(block: np.ndarray) -> bytes:
        raw = np.ascontiguousarray(block).view(np.uint8).reshape(block.shape[0], -1)
        bpp = pixels.shape[2] * 2
        filtered = raw.astype(np.int16)
        filtered[:, bpp:] -= raw[:, :-bpp]
        return b"".join(b"\x01" + (row & 0xFF).astype(np.uint8).tobytes() for row in filtered)

    if interlaced:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4)]
        passes += [(1, 0, 2, 2), (0, 1, 1, 2)]
        data = b"".join(
            rows(pixels[y0::dy, x0::dx]) for x0, y0, dx, dy in passes if pixels[y0::dy, x0::dx].size
        )
    else:
        data = rows(pixels)
    header = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, int(interlaced))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(data))
        + chunk(b"IEND", b"")
    )


def test_page_applies_exif_orientation_as_pillow_exif_transpose_does(
    page: Page, live_server: str
) -> None:
    files = {}
    for fmt, extension, params in [
        ("JPEG", "jpg", {"quality": 90}),
        ("PNG", "png", {}),
        ("WEBP", "webp", {"lossless": True}),
    ]:
        for orientation in range(1, 9):
            exif = Image.Exif()
            exif[0x0112] = orientation
            files[f"o{orientation}.{extension}"] = encode(
                photo(), fmt, exif=exif.tobytes(), **params
            )
    # Pillow takes the orientation from XMP when there is no EXIF tag; browsers never do.
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><tiff:Orientation>6</tiff:Orientation></x:xmpmeta>'
    files["xmp6.jpg"] = encode(photo(), "JPEG", quality=90, xmp=xmp)
    rows = compare(page, live_server, files)
    assert_exact(rows)
    assert all(row["distance"] == 0 for row in rows)


def test_page_reads_translucent_and_16_bit_images_as_pillow_does(
    page: Page, live_server: str
) -> None:
    rng = np.random.default_rng(6)
    base = np.asarray(photo((160, 120)))
    alpha = np.tile(np.linspace(0, 255, 160, dtype=np.uint8), (120, 1))
    samples16 = base.astype(np.uint16) * 257 + rng.integers(0, 256, base.shape, dtype=np.uint16)
    grey16 = samples16[..., 1] // 40  # mostly under 256, so Pillow's clipping keeps detail
    files = {
        "rgba-gradient.png": encode(Image.fromarray(np.dstack([base, alpha])), "PNG"),
        "rgba-gradient.webp": encode(
            Image.fromarray(np.dstack([base, alpha])), "WEBP", lossless=True, exact=True
        ),
        "grey16.png": png16(grey16, 0),
        "grey16-interlaced.png": png16(grey16, 0, interlaced=True),
        "rgb16.png": png16(samples16, 2),
        "rgb16-interlaced.png": png16(samples16, 2, interlaced=True),
        "la16.png": png16(np.dstack([samples16[..., 0], alpha.astype(np.uint16) * 257]), 4),
        "rgba16.png": png16(np.dstack([samples16, alpha.astype(np.uint16) * 257]), 6),
    }
    rows = compare(page, live_server, files)
    assert_exact(rows)
    assert all(row["distance"] == 0 for row in rows)


def test_a_12_megapixel_photo_gets_the_python_fingerprints_in_the_worker(
    page: Page, live_server: str
) -> None:
    # Phone-camera size: Lanczos windows of about 750 pixels, PDQ box filters of 32; the
    # report keeps the worker's time per stage.
    files = {"12mp.jpg": encode(photo((4032, 3024)), "JPEG", quality=90)}
    rows = compare(page, live_server, files)
    write_report("parity-12mp", rows)
    assert_exact(rows)
    assert rows[0]["distance"] == rows[0]["phash_distance"] == 0


def test_page_md5_and_sha256_equal_hashlib_across_block_boundaries(
    page: Page, live_server: str
) -> None:
    rng = np.random.default_rng(64)
    lengths = [1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 65_537, 300_001]
    files = {f"bytes-{n}": rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in lengths}
    rows = compare(page, live_server, files)
    assert_exact(rows)
    assert all(row["page_pdq"] is None for row in rows)


def test_an_empty_file_gets_no_fingerprint(page: Page, live_server: str) -> None:
    result = hash_in_page(page, live_server, {"empty": b""})["empty"]
    assert result["fingerprints"] == [] and result["refused"] == "empty"


def test_page_trims_borders_and_caption_bars_as_the_cli_does(page: Page, live_server: str) -> None:
    picture = np.asarray(photo((240, 160)))
    rng = np.random.default_rng(3)

    def framed(top: int, bottom: int, side: int, colour: int) -> np.ndarray:
        out = np.full((160 + top + bottom, 240 + 2 * side, 3), colour, dtype=np.uint8)
        out[top : top + 160, side : side + 240] = picture
        return out

    caption = framed(0, 40, 0, 20)
    caption[170:185, 20:200] = rng.integers(180, 256, (15, 180, 3), dtype=np.uint8)
    nested = framed(20, 20, 20, 0)
    nested = np.pad(nested, ((12, 12), (12, 12), (0, 0)), constant_values=255)
    arrays = {
        "white-border": framed(16, 16, 16, 255),
        "letterbox": framed(50, 50, 0, 0),
        "caption-bar": caption,
        "border-in-border": nested,
    }
    files = {f"{name}.png": encode(Image.fromarray(a), "PNG") for name, a in arrays.items()}
    files["letterbox.jpg"] = encode(Image.fromarray(arrays["letterbox"]), "JPEG", quality=90)
    rows = compare(page, live_server, files)
    assert_exact(rows)
    assert all(row["variants"] >= 1 for row in rows)


def dev_photos(*names: str) -> dict[str, bytes]:
    missing = [name for name in names if not (CORPUS / name).is_file()]
    if missing:
        pytest.skip(f"not in {CORPUS}: {missing}")
    return {name: (CORPUS / name).read_bytes() for name in names}


def test_page_hashes_the_crops_the_cli_hashes_on_photos_of_every_shape(
    page: Page, live_server: str
) -> None:
    # Dev photos as they are (portrait, wide, odd-sized, large), an odd-sized one turned by its
    # EXIF orientation, and small ones on both sides of the crops' 32-pixel limit.
    files = dev_photos(
        "deb-gcompris__categorization_tools_multimeter3.webp",  # 173x320
        "pypi-perception__image8.jpg",  # 300x106
        "deb-gcompris__louis-braille_rnib.webp",  # 251x255
        "pypi-scikit-image__retina.jpg",  # 1411x1411
        "deb-gcompris__erase_toucan.webp",  # 1920x1080
    )
    picture = Image.open(io.BytesIO(files["deb-gcompris__erase_toucan.webp"])).convert("RGB")
    odd = picture.resize((333, 201))
    for orientation in (3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = orientation
        files[f"odd-o{orientation}.jpg"] = encode(odd, "JPEG", quality=90, exif=exif.tobytes())
    # 35x34 keeps the 3 % crop (33x32) and the 8 % edge crops; 33x40 the 3 % crop (which cuts
    # only rows) and the top and bottom ones; 40x39 all but the 13 % crop; 32x32 none (every
    # box cuts nothing or is too small).
    for size in [(35, 34), (33, 40), (40, 39), (32, 32)]:
        files[f"small-{size[0]}x{size[1]}.png"] = encode(picture.resize(size), "PNG")
    rows = compare(page, live_server, files)
    write_report("parity-crops", rows)
    assert_exact(rows)
    crops = {row["name"]: row["crops"] for row in rows}
    assert crops["small-32x32.png"] == 0
    assert [crops[f"small-{size}.png"] for size in ("33x40", "35x34", "40x39")] == [3, 5, 6]
    assert crops["odd-o6.jpg"] == crops["pypi-scikit-image__retina.jpg"] == 7
    # The photos' crops are hashed and sent, not only counted.
    assert all(row["variants"] >= 2 for row in rows if row["crops"] == 7)
