"""Matching accuracy of the service's own decision path on the dev corpus.

Victim side: each corpus file goes through ``hashing.hash_file`` (what the CLI sends: PDQ with
quality >= 50, pHash, MD5, SHA-256 and band-trimmed variants, degenerate hashes refused). Leak
side: each leaked copy is encoded to bytes and hashed by ``workers.collection.hash_image``, the
worker's own function (reduced JPEG decode, 8 flips/rotations of the image, of its band-trimmed
copies and of its edit crops, turned-back copies; see ``hashing.algorithms.hash_query_image``;
MD5/SHA-256).
Decision, as ``BankIndex.match`` + ``find_matches`` make it: a leak matches a victim
image when any of its fingerprints is within ``casework.bank.bank.MATCH_RADIUS_BITS`` of one of that
image's fingerprints (MD5/SHA-256 equal). The allow-list and quarantine only remove matches a
caseworker rejected or a fingerprint under review; both are empty here.

Recall = share of images whose leaked copy matches the image itself. False matches = (leak or
original of A, bank entry of B != A) pairs that match; the corpus holds no near-duplicates, so
every such pair is a false match. The pHash radius is chosen from the same data (see README).

  python -m benchmarks.robustness [--smoke] [--workers 2] [--limit 60]
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from benchmarks.corpus import corpus_paths, load_rgb
from benchmarks.report import RESULTS, save, table
from casework.bank.bank import MATCH_RADIUS_BITS
from hashing import bands
from hashing.algorithms import hash_file
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import ImageRejected

Transform = Callable[[Image.Image], tuple[bytes, str]]


def encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    if fmt == "PNG":
        # Lossless whatever the level: the fastest keeps the run short.
        params = {"compress_level": 1, **params}
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _resize(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _crop(image: Image.Image, fraction: float) -> Image.Image:
    dx, dy = round(image.width * fraction), round(image.height * fraction)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def _caption_bar(image: Image.Image) -> Image.Image:
    """Meme style: a white bar of 15 % of the height on top, with black text."""
    bar = max(12, round(image.height * 0.15))
    out = Image.new("RGB", (image.width, image.height + bar), "white")
    out.paste(image, (0, bar))
    ImageDraw.Draw(out).text(
        (image.width * 0.04, bar * 0.2),
        "look who it is lol",
        fill="black",
        font=_font(max(8, int(bar * 0.55))),
    )
    return out


def _screenshot(image: Image.Image) -> Image.Image:
    """A phone screenshot of a dark viewer: side, status and like bars, then downscaled 60 %."""
    side, top, bottom = (
        round(image.width * 0.08),
        round(image.height * 0.12),
        round(image.height * 0.18),
    )
    out = Image.new("RGB", (image.width + 2 * side, image.height + top + bottom), (24, 24, 24))
    out.paste(image, (side, top))
    draw = ImageDraw.Draw(out)
    draw.text(
        (side, top * 0.25), "12:41  87%", fill=(230, 230, 230), font=_font(max(8, int(top * 0.4)))
    )
    draw.text(
        (side, image.height + top + bottom * 0.3),
        "1,204 likes  88 comments",
        fill=(230, 230, 230),
        font=_font(max(8, int(bottom * 0.3))),
    )
    return _resize(out, 0.6)


def _pad(image: Image.Image, fraction: float) -> Image.Image:
    """Thorn's 'pad': black bands of ``fraction`` of the height above and below."""
    band = round(image.height * fraction)
    return ImageOps.expand(image, border=(0, band, 0, band), fill="black")


# name -> (transform to bytes, description). The list, plus Thorn's padding anchor.
TRANSFORMS: dict[str, tuple[Transform, str]] = {
    "jpeg_q80": (lambda im: (encode(im, "JPEG", quality=80), "jpeg"), "JPEG quality 80"),
    "jpeg_q50": (lambda im: (encode(im, "JPEG", quality=50), "jpeg"), "JPEG quality 50"),
    "jpeg_q20": (lambda im: (encode(im, "JPEG", quality=20), "jpeg"), "JPEG quality 20"),
    "webp_q75": (lambda im: (encode(im, "WEBP", quality=75), "webp"), "WebP quality 75"),
    "resize_50": (lambda im: (encode(_resize(im, 0.5)), "png"), "downscale to 50 %"),
    "resize_25": (lambda im: (encode(_resize(im, 0.25)), "png"), "downscale to 25 %"),
    "crop_5": (lambda im: (encode(_crop(im, 0.05)), "png"), "5 % off every edge"),
    "crop_10": (lambda im: (encode(_crop(im, 0.10)), "png"), "10 % off every edge"),
    "mirror": (lambda im: (encode(ImageOps.mirror(im)), "png"), "mirror left-right"),
    "rotate_90": (
        lambda im: (encode(im.transpose(Image.Transpose.ROTATE_90)), "png"),
        "rotate 90 degrees",
    ),
    "rotate_5": (
        lambda im: (encode(im.rotate(5, Image.Resampling.BICUBIC, fillcolor="black")), "png"),
        "rotate 5 degrees, same canvas, black corners",
    ),
    "bright_+30": (
        lambda im: (encode(ImageEnhance.Brightness(im).enhance(1.3)), "png"),
        "brightness x1.3",
    ),
    "contrast_-30": (
        lambda im: (encode(ImageEnhance.Contrast(im).enhance(0.7)), "png"),
        "contrast x0.7",
    ),
    "grayscale": (lambda im: (encode(im.convert("L")), "png"), "grayscale"),
    "caption_bar": (
        lambda im: (encode(_caption_bar(im), "JPEG", quality=85), "jpeg"),
        "white caption bar (15 % of the height) with text, JPEG 85",
    ),
    "border_10": (
        lambda im: (encode(ImageOps.expand(im, round(max(im.size) * 0.1), "white")), "png"),
        "10 % white border on every side",
    ),
    "screenshot": (
        lambda im: (encode(_screenshot(im), "JPEG", quality=75), "jpeg"),
        "screenshot in a dark viewer UI, downscaled 60 %, JPEG 75",
    ),
    "pad_20": (lambda im: (encode(_pad(im, 0.2)), "png"), "black bands of 20 % above and below"),
    "blur": (
        lambda im: (
            encode(im.filter(ImageFilter.GaussianBlur(max(1.0, 0.005 * max(im.size))))),
            "png",
        ),
        "Gaussian blur, radius 0.5 % of the longest side",
    ),
}
#: Edits the issue asks >= 99 % recall for (crop, rotate 5, screenshot, padding are reported).
BENIGN = [
    "jpeg_q80",
    "jpeg_q50",
    "jpeg_q20",
    "webp_q75",
    "resize_50",
    "resize_25",
    "mirror",
    "rotate_90",
    "bright_+30",
    "contrast_-30",
    "grayscale",
    "caption_bar",
    "border_10",
    "blur",
]
#: Published anchors (Thorn perception benchmark, precision 99.99 %): recall % PDQ / pHash.
ANCHORS = {
    "crop_5": "PDQ 9.0 / pHash 7.1 (5 % per edge)",
    "rotate_5": "PDQ 54.5 / pHash 59.6 (4 degrees)",
    "pad_20": "PDQ 1.3 / pHash 2.4 (20 % padding)",
}
PHASH_RADII = list(range(4, 15))
#: Corpus photos larger than this are downscaled (Lanczos) before anything else.
ORIGINAL_MAX_SIDE = 512


def _worker_fingerprints(data: bytes) -> list[Fingerprint]:
    """What the worker would match with; none when it refuses the image (too small, ...)."""
    # The worker's own hashing function, imported here so that its module (redis, rq, ...) is
    # loaded in the pool processes only.
    from workers.collection import hash_image

    try:
        return hash_image("https://leak.example/image", data).fingerprints
    except ImageRejected:
        # fetch_and_match ends such an item with the rejection reason and no match.
        return []


def hash_one(path: Path, names: list[str], text_line_share: float) -> dict[str, object]:
    """Victim fingerprints of one corpus file and worker fingerprints of its leaked copies."""
    bands.TEXT_LINE_SHARE = text_line_share
    raw = path.read_bytes()
    original = load_rgb(path)
    if max(original.size) > ORIGINAL_MAX_SIDE:
        # A few corpus files are 1920 px wide; hashing 16 ways at that size would triple the
        # run for nothing: both hashes look at 64x64 (PDQ) or 32x32 (pHash) pixels anyway.
        original.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
        raw = encode(original)
    victim = hash_file(raw)
    leaks = {"original": _worker_fingerprints(raw)}
    for name in names:
        data, _kind = TRANSFORMS[name][0](original)
        leaks[name] = _worker_fingerprints(data)
    return {"bank": list(victim.fingerprints + victim.variants), "leaks": leaks}


def _codes(fps: list[Fingerprint], algorithm: Algorithm) -> np.ndarray:
    words = algorithm.bits // 64
    values = [fp.bits.to_bytes(words * 8, "big") for fp in fps if fp.algorithm is algorithm]
    return np.frombuffer(b"".join(values), ">u8").astype(np.uint64).reshape(-1, words)


def min_distances(
    queries: list[list[Fingerprint]], banks: list[list[Fingerprint]], algorithm: Algorithm
) -> np.ndarray:
    """(len(queries), len(banks)) smallest distance between a query set and a bank entry's
    fingerprints of that algorithm; bits + 1 where either side has none."""
    big = algorithm.bits + 1
    b_codes = [_codes(b, algorithm) for b in banks]
    flat_b = np.concatenate(b_codes)
    b_owner = np.repeat(np.arange(len(banks)), [len(c) for c in b_codes])
    out = np.full((len(queries), len(banks)), big, np.int64)
    for qi, query in enumerate(queries):
        q = _codes(query, algorithm)
        if not len(q) or not len(flat_b):
            continue
        d = np.bitwise_count(q[:, None, :] ^ flat_b[None, :, :]).sum(axis=2).min(axis=0)
        np.minimum.at(out[qi], b_owner, d)
    return out


def exact_hits(queries: list[list[Fingerprint]], banks: list[list[Fingerprint]]) -> np.ndarray:
    """(len(queries), len(banks)) True where an MD5 or SHA-256 is shared."""
    owner: dict[Fingerprint, list[int]] = {}
    for b, fps in enumerate(banks):
        for fp in fps:
            if not fp.algorithm.perceptual:
                owner.setdefault(fp, []).append(b)
    out = np.zeros((len(queries), len(banks)), bool)
    for qi, fps in enumerate(queries):
        for fp in fps:
            out[qi, owner.get(fp, [])] = True
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="6 images, 3 transforms")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--text-line-share",
        type=float,
        default=bands.TEXT_LINE_SHARE,
        help="hashing.bands.TEXT_LINE_SHARE to evaluate (0.75 = the rule before text lines)",
    )
    parser.add_argument("--name", default="robustness", help="results file name")
    parser.add_argument("--only", help="comma-separated transforms (default: all)")
    parser.add_argument("--limit", type=int, help="an even sample of this many corpus images")
    parser.add_argument(
        "--tables-only",
        action="store_true",
        help="re-summarise the distances saved by the last run of this --name",
    )
    cfg = parser.parse_args()
    paths = corpus_paths(limit=6 if cfg.smoke else cfg.limit)
    names = ["jpeg_q50", "mirror", "crop_5"] if cfg.smoke else list(TRANSFORMS)
    if cfg.only:
        names = cfg.only.split(",")
    saved = RESULTS / f"{cfg.name}{'.smoke' if cfg.smoke else ''}.npz"
    kinds = ["original", *names]
    if cfg.tables_only:
        # Re-summarise saved distances, e.g. after changing MATCH_RADIUS_BITS.
        with np.load(saved) as arrays:
            loaded = {key: arrays[key] for key in arrays.files}
        kinds = [k for k in kinds if f"pdq/{k}" in loaded]
        names = kinds[1:]
        n = len(loaded["pdq/original"])
        dist = {
            a: {k: loaded[f"{a.value}/{k}"] for k in kinds}
            for a in (Algorithm.PDQ, Algorithm.PHASH)
        }
        exact = {k: loaded[f"exact/{k}"] for k in kinds}
    else:
        with ProcessPoolExecutor(cfg.workers) as pool:
            records = list(
                pool.map(hash_one, paths, [names] * len(paths), [cfg.text_line_share] * len(paths))
            )
        banks = [r["bank"] for r in records]
        n = len(paths)
        dist = {}
        for algorithm in (Algorithm.PDQ, Algorithm.PHASH):
            dist[algorithm] = {
                kind: min_distances([r["leaks"][kind] for r in records], banks, algorithm)
                for kind in kinds
            }
        exact = {kind: exact_hits([r["leaks"][kind] for r in records], banks) for kind in kinds}
        RESULTS.mkdir(exist_ok=True)
        np.savez_compressed(
            saved,
            **{f"{a.value}/{k}": dist[a][k] for a in dist for k in kinds},
            **{f"exact/{k}": exact[k] for k in kinds},
        )
    pdq_radius = MATCH_RADIUS_BITS[Algorithm.PDQ]
    service_phash = MATCH_RADIUS_BITS[Algorithm.PHASH]
    off_diagonal = ~np.eye(n, dtype=bool)

    def decide(kind: str, phash_radius: int) -> np.ndarray:
        return (
            exact[kind]
            | (dist[Algorithm.PDQ][kind] <= pdq_radius)
            | (dist[Algorithm.PHASH][kind] <= phash_radius)
        )

    # False matches per pHash radius: every leak and every original against every other image.
    sweep = []
    for radius in PHASH_RADII:
        false_leak = sum(int((decide(k, radius) & off_diagonal).sum()) for k in names)
        false_orig = int((decide("original", radius) & off_diagonal).sum())
        benign = [k for k in BENIGN if k in names]
        recall = [float(np.diag(decide(k, radius)).mean()) for k in benign]
        sweep.append(
            {
                "radius": radius,
                "false_leak_pairs": false_leak,
                "false_original_pairs": false_orig,
                "min_benign_recall": min(recall) if recall else None,
                "mean_recall_all": float(
                    np.mean([np.diag(decide(k, radius)).mean() for k in names])
                ),
            }
        )
    zero_fp = [
        s["radius"] for s in sweep if s["false_leak_pairs"] == 0 and s["false_original_pairs"] == 0
    ]
    largest_safe = max(zero_fp) if zero_fp else None
    closest = {
        algorithm: int(
            min(min(d[kind][off_diagonal].min() for kind in kinds) for d in [dist[algorithm]])
        )
        for algorithm in (Algorithm.PDQ, Algorithm.PHASH)
    }
    rows = []
    for kind in kinds:
        pdq_only = np.diag(dist[Algorithm.PDQ][kind] <= pdq_radius).mean()
        phash_only = np.diag(dist[Algorithm.PHASH][kind] <= service_phash).mean()
        service = np.diag(decide(kind, service_phash)).mean()
        false = int((decide(kind, service_phash) & off_diagonal).sum())
        label = kind + (" *" if kind in BENIGN else "")
        rows.append(
            [
                label,
                f"{100 * service:.1f}",
                f"{100 * pdq_only:.1f}",
                f"{100 * phash_only:.1f}",
                f"{false} / {n * (n - 1)}",
                ANCHORS.get(kind, ""),
            ]
        )
    markdown = "\n\n".join(
        [
            f"### Recall of the service's decision on the dev corpus ({n} images; PDQ <= "
            f"{pdq_radius}, pHash <= {service_phash}, MD5/SHA-256 equal; * = benign edit, "
            "target >= 99 %)",
            table(
                [
                    "leak",
                    "service %",
                    "PDQ alone %",
                    "pHash alone %",
                    "false matches",
                    "published anchor (Thorn)",
                ],
                rows,
            ),
            "### pHash radius sweep (PDQ <= 31 and exact digests unchanged)",
            table(
                [
                    "pHash radius",
                    "false matches: leaks vs other images",
                    "false matches: distinct originals",
                    "lowest benign recall %",
                    "mean recall %",
                ],
                [
                    [
                        s["radius"],
                        s["false_leak_pairs"],
                        s["false_original_pairs"],
                        "–"
                        if s["min_benign_recall"] is None
                        else f"{100 * s['min_benign_recall']:.1f}",
                        f"{100 * s['mean_recall_all']:.1f}",
                    ]
                    for s in sweep
                ],
            ),
            f"Largest pHash radius with no false match: {largest_safe}. Closest distinct pair seen "
            f"(any leak or original vs another image): PDQ {closest[Algorithm.PDQ]} bits, pHash "
            f"{closest[Algorithm.PHASH]} bits.",
        ]
    )
    save(
        cfg.name,
        {
            "text_line_share": cfg.text_line_share,
            "rows": rows,
            "sweep": sweep,
            "largest_zero_fp_phash_radius": largest_safe,
            "closest": {a.value: c for a, c in closest.items()},
            "images": n,
            "transforms": {k: TRANSFORMS[k][1] for k in names},
        },
        markdown,
        smoke=cfg.smoke,
    )


if __name__ == "__main__":
    main()
