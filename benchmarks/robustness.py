"""Matching accuracy of the service's own decision path on the dev corpus.

Victim side: each corpus file goes through ``hashing.hash_file`` (what the CLI sends: PDQ with
quality >= 50, pHash, MD5, SHA-256 and band-trimmed variants, degenerate hashes refused). Leak
side: each leaked copy is encoded to bytes and hashed by ``workers.collection.hash_image``, the
worker's own function (reduced JPEG decode, 8 flips/rotations of the image, of its band-trimmed
copies and of its edit crops, turned-back copies; see ``hashing.algorithms.hash_query_image``;
MD5/SHA-256).
Decision, as ``BankIndex.match`` + ``find_matches`` make it: a leak matches a victim
image when any of its fingerprints is within ``casework.bank.bank.MATCH_RADIUS_BITS`` of one of that
image's fingerprints (MD5/SHA-256 equal), a pHash past ``PHASH_ALONE_RADIUS_BITS`` or within
``SEPARABLE_PHASH_BITS`` of a separable pattern only when one of the leak's PDQs is within
``CORROBORATING_PDQ_RADIUS_BITS`` of one of that image's. The allow-list
and quarantine only remove matches a caseworker rejected or a fingerprint under review; both are
empty here.

Recall = share of images whose leaked copy matches the image itself. False matches = (leak or
original of A, bank entry of B != A) pairs that match; the corpus holds no near-duplicates, so
every such pair is a false match. The pHash radius is chosen from the same data (see README).

  python -m benchmarks.robustness [--smoke] [--workers 2] [--limit 60]
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from benchmarks import leaks
from benchmarks.corpus import corpus_paths, load_rgb
from benchmarks.report import RESULTS, save, table
from casework.bank.bank import (
    CORROBORATING_PDQ_RADIUS_BITS,
    FAINT_PDQ_RADIUS_BITS,
    MATCH_RADIUS_BITS,
    PHASH_ALONE_RADIUS_BITS,
    stands_alone,
)
from hashing import bands
from hashing.algorithms import PDQ_QUALITY_MIN, hash_file
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


def _png(image: Image.Image) -> tuple[bytes, str]:
    return encode(image), "png"


def _jpeg(image: Image.Image, quality: int) -> tuple[bytes, str]:
    return encode(image, "JPEG", quality=quality), "jpeg"


def _pad(image: Image.Image, fraction: float) -> Image.Image:
    """Thorn's 'pad': black bands of ``fraction`` of the height above and below."""
    band = round(image.height * fraction)
    return ImageOps.expand(image, border=(0, band, 0, band), fill="black")


def _crop_caption(image: Image.Image, fraction: float, **bar: object) -> Image.Image:
    return leaks.caption_bar(leaks.crop(image, fraction), **bar)  # type: ignore[arg-type]


def _one_edge(image: Image.Image, fraction: float) -> Image.Image:
    return leaks.crop(image, fraction, (leaks.image_edge(image),))


def _screen(image: Image.Image, screen: leaks.Screen) -> tuple[bytes, str]:
    return _jpeg(leaks.screenshot(image, screen), screen.jpeg_quality)


def _crops(fractions: list[int]) -> dict[str, tuple[Transform, str]]:
    return {
        f"crop_{pct}": (
            lambda im, f=pct / 100: _png(leaks.crop(im, f)),
            f"{pct} % off every edge",
        )
        for pct in fractions
    }


# name -> (transform to bytes, description): issue 7's list, Thorn's padding anchor, and issue
# 16's rows of what leaks look like (crops 3-15 %, one edge, crop + caption, phone screenshots,
# watermark text, gamma).
TRANSFORMS: dict[str, tuple[Transform, str]] = {
    "jpeg_q80": (lambda im: _jpeg(im, 80), "JPEG quality 80"),
    "jpeg_q50": (lambda im: _jpeg(im, 50), "JPEG quality 50"),
    "jpeg_q20": (lambda im: _jpeg(im, 20), "JPEG quality 20"),
    "webp_q75": (lambda im: (encode(im, "WEBP", quality=75), "webp"), "WebP quality 75"),
    "resize_50": (lambda im: _png(leaks.resize(im, 0.5)), "downscale to 50 %"),
    "resize_25": (lambda im: _png(leaks.resize(im, 0.25)), "downscale to 25 %"),
    **_crops([3, 5, 8, 10, 15]),
    "crop_10_edge": (
        lambda im: _png(_one_edge(im, 0.10)),
        "10 % off one edge (left, top, right or bottom, fixed per photo)",
    ),
    "mirror": (lambda im: _png(ImageOps.mirror(im)), "mirror left-right"),
    "rotate_90": (lambda im: _png(im.transpose(Image.Transpose.ROTATE_90)), "rotate 90 degrees"),
    "rotate_5": (
        lambda im: _png(im.rotate(5, Image.Resampling.BICUBIC, fillcolor="black")),
        "rotate 5 degrees, same canvas, black corners",
    ),
    "bright_+30": (lambda im: _png(leaks.brightness(im, 1.3)), "brightness x1.3"),
    "gamma_1.5": (lambda im: _png(leaks.gamma(im, 1.5)), "gamma 1.5 (darker mid-tones)"),
    "contrast_-30": (
        lambda im: _png(ImageEnhance.Contrast(im).enhance(0.7)),
        "contrast x0.7",
    ),
    "grayscale": (lambda im: _png(im.convert("L")), "grayscale"),
    "watermark": (
        lambda im: _png(leaks.watermark(im)),
        "semi-opaque white text (9 % of the height) across the lower third",
    ),
    "caption_bar": (
        lambda im: _jpeg(leaks.caption_bar(im), 85),
        "white caption bar (15 % of the height) with text, JPEG 85",
    ),
    "crop_caption_jpeg": (
        lambda im: _jpeg(_crop_caption(im, 0.05), 70),
        "5 % off every edge, then a white caption bar, JPEG 70",
    ),
    "border_10": (
        lambda im: _png(ImageOps.expand(im, round(max(im.size) * 0.1), "white")),
        "10 % white border on every side",
    ),
    "screenshot": (
        lambda im: _jpeg(leaks.resize(leaks.dark_viewer(im), 0.6), 75),
        "screenshot in a dark viewer UI, downscaled 60 %, JPEG 75",
    ),
    "phone_screenshot": (
        lambda im: _screen(im, leaks.LIGHT_FEED),
        "phone screenshot of a light feed app: status bar, header, photo, action row, caption "
        "lines, navigation bar; JPEG 80",
    ),
    "pad_20": (lambda im: _png(_pad(im, 0.2)), "black bands of 20 % above and below"),
    "blur": (
        lambda im: _png(im.filter(ImageFilter.GaussianBlur(max(1.0, 0.005 * max(im.size))))),
        "Gaussian blur, radius 0.5 % of the longest side",
    ),
}
#: The same kinds of edit at other parameters, never used to choose a rule: other crop depths,
#: bar heights, colours and edges, other screenshot layouts (dark and light, other status bars,
#: side padding, letterboxed viewers, scaling), other watermark and colour settings.
OTHER_TRANSFORMS: dict[str, tuple[Transform, str]] = {
    **_crops([4, 7, 12]),
    "crop_6_edge": (lambda im: _png(_one_edge(im, 0.06)), "6 % off one edge"),
    "crop_13_edge": (lambda im: _png(_one_edge(im, 0.13)), "13 % off one edge"),
    "caption_black_bottom": (
        lambda im: _jpeg(
            leaks.caption_bar(im, height=0.1, colour=(0, 0, 0), ink=(255, 255, 255), bottom=True),
            80,
        ),
        "black bar of 10 % at the bottom, white text, JPEG 80",
    ),
    "caption_grey_25": (
        lambda im: _jpeg(
            leaks.caption_bar(im, height=0.25, colour=(225, 225, 225), text_at=0.3), 90
        ),
        "light grey bar of 25 % on top, text lower in the bar, JPEG 90",
    ),
    "crop_8_caption_yellow": (
        lambda im: _jpeg(
            _crop_caption(im, 0.08, height=0.12, colour=(250, 240, 170), ink=(60, 20, 0)), 60
        ),
        "8 % off every edge, a pale yellow bar of 12 %, JPEG 60",
    ),
    "screen_dark_feed": (
        lambda im: _screen(
            im,
            leaks.Screen(
                background=(18, 18, 18),
                ink=(240, 240, 240),
                status_bar=0.05,
                side=0.04,
                caption_lines=3,
                scale=0.75,
                jpeg_quality=70,
            ),
        ),
        "dark feed app, 4 % side padding, 3 caption lines, scaled 0.75, JPEG 70",
    ),
    "screen_blue_status": (
        lambda im: _screen(
            im,
            leaks.Screen(
                status_colour=(30, 90, 200),
                ink=(40, 40, 40),
                status_bar=0.09,
                header=0.08,
                caption_lines=1,
                scale=2.0,
                jpeg_quality=85,
            ),
        ),
        "light app with a blue status bar of 9 %, scaled x2, JPEG 85",
    ),
    "screen_light_viewer": (
        lambda im: _screen(
            im,
            leaks.Screen(
                background=(245, 245, 245),
                status_bar=0.06,
                header=0.0,
                caption_lines=0,
                viewer=True,
                scale=0.5,
                jpeg_quality=75,
            ),
        ),
        "light full-screen viewer (letterboxed), scaled 0.5, JPEG 75",
    ),
    "screen_dark_viewer": (
        lambda im: _screen(im, leaks.Screen(**{**vars(leaks.DARK_VIEWER), "side": 0.06})),
        "black full-screen viewer with 6 % side padding, JPEG 80",
    ),
    "watermark_top": (
        lambda im: _png(leaks.watermark(im, text="© someone 2026", opacity=170, at=0.1, size=0.06)),
        "more opaque, smaller text near the top",
    ),
    "bright_-25": (lambda im: _png(leaks.brightness(im, 0.75)), "brightness x0.75"),
    "gamma_0.6": (lambda im: _png(leaks.gamma(im, 0.6)), "gamma 0.6 (brighter mid-tones)"),
    "rotate_-4": (
        lambda im: _png(im.rotate(-4, Image.Resampling.BICUBIC, fillcolor="black")),
        "rotate -4 degrees, same canvas, black corners",
    ),
}
SETS = {"rows": TRANSFORMS, "other": OTHER_TRANSFORMS}
#: Edits the issue asks >= 99 % recall for.
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
    "gamma_1.5",
    "contrast_-30",
    "grayscale",
    "watermark",
    "blur",
    "bright_-25",
    "gamma_0.6",
    "watermark_top",
]
#: Issue 16's targets (recall %, with 0 false matches); the mean of all rows must reach 97.
LAYOUT = [
    "crop_3",
    "crop_5",
    "crop_8",
    "crop_10",
    "crop_10_edge",
    "crop_4",
    "crop_7",
    "crop_6_edge",
    "caption_bar",
    "crop_caption_jpeg",
    "border_10",
    "pad_20",
    "caption_black_bottom",
    "caption_grey_25",
    "crop_8_caption_yellow",
    "screenshot",
    "phone_screenshot",
    "screen_dark_feed",
    "screen_blue_status",
    "screen_light_viewer",
    "screen_dark_viewer",
]
TARGETS = {**dict.fromkeys(BENIGN, 99.0), **dict.fromkeys(LAYOUT, 95.0), "rotate_5": 80.0}
TARGETS["rotate_-4"] = 80.0
MEAN_TARGET = 97.0
#: Published anchors (Thorn perception benchmark, precision 99.99 %): recall % PDQ / pHash.
ANCHORS = {
    "crop_5": "PDQ 9.0 / pHash 7.1 (5 % per edge)",
    "rotate_5": "PDQ 54.5 / pHash 59.6 (4 degrees)",
    "pad_20": "PDQ 1.3 / pHash 2.4 (20 % padding)",
}
PHASH_RADII = list(range(4, 15))
FAINT_RADII = [8, 12, 16, 20, 24, 28, 31, 36, 40, 48]
#: Distance matrices the decision combines: (slot of the worker's output, algorithm). Slot 2
#: holds the usable pHashes that may stand alone (far from a separable pattern).
MEASURES = {
    "pdq": (0, Algorithm.PDQ),
    "phash": (0, Algorithm.PHASH),
    "faint": (1, Algorithm.PDQ),
    "phash_alone": (2, Algorithm.PHASH),
}
#: Corpus photos larger than this are downscaled (Lanczos) before anything else.
ORIGINAL_MAX_SIDE = 512


def decision(
    dist: dict[str, np.ndarray],
    exact: np.ndarray,
    *,
    phash_radius: int = MATCH_RADIUS_BITS[Algorithm.PHASH],
    faint_radius: int = FAINT_PDQ_RADIUS_BITS,
    alone: int = PHASH_ALONE_RADIUS_BITS,
    backing: int = CORROBORATING_PDQ_RADIUS_BITS,
) -> np.ndarray:
    """The service's match decision over (leak, bank photo) distance matrices: exact digests,
    PDQ, faint PDQ, and pHash alone up to ``alone`` (a pHash far from a separable pattern) or,
    up to ``phash_radius``, backed by a PDQ (faint ones too) within ``backing``
    (casework.bank.matching.uncorroborated)."""
    pdq, phash = dist["pdq"], dist["phash"]
    return (
        exact
        | (pdq <= MATCH_RADIUS_BITS[Algorithm.PDQ])
        | (dist["phash_alone"] <= min(alone, phash_radius))
        | ((phash <= phash_radius) & (np.minimum(pdq, dist["faint"]) <= backing))
        | (dist["faint"] <= faint_radius)
    )


def query_slots(
    usable: list[Fingerprint], faint: list[Fingerprint]
) -> tuple[list[Fingerprint], list[Fingerprint], list[Fingerprint]]:
    """A found image's hashes in MEASURES' slots: usable, faint, and the pHashes that may stand
    alone (casework.bank.bank.stands_alone)."""
    alone = [
        fp
        for fp in usable
        if fp.algorithm is Algorithm.PHASH and stands_alone(fp, PHASH_ALONE_RADIUS_BITS)
    ]
    return usable, faint, alone


def _worker_fingerprints(
    data: bytes,
) -> tuple[list[Fingerprint], list[Fingerprint], list[Fingerprint]]:
    """What the worker would match with, its low-quality PDQs (matched at the tight radius) and
    its pHashes that may stand alone; none when it refuses the image (too small, ...)."""
    # The worker's own hashing function, imported here so that its module (redis, rq, ...) is
    # loaded in the pool processes only.
    from workers.collection import hash_image

    try:
        found = hash_image("https://leak.example/image", data)
    except ImageRejected:
        # fetch_and_match ends such an item with the rejection reason and no match.
        return [], [], []
    return query_slots(found.fingerprints, found.faint)


def hash_one(
    path: Path, names: list[str], text_line_share: float, edits: str = "rows"
) -> dict[str, object]:
    """Victim fingerprints of one corpus file and worker fingerprints of its leaked copies,
    with the worker's CPU seconds for each copy."""
    bands.TEXT_LINE_SHARE = text_line_share
    raw = path.read_bytes()
    original = load_rgb(path)
    if max(original.size) > ORIGINAL_MAX_SIDE:
        # A few corpus files are 1920 px wide; hashing 16 ways at that size would triple the
        # run for nothing: both hashes look at 64x64 (PDQ) or 32x32 (pHash) pixels anyway.
        original.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
        raw = encode(original)
    victim = hash_file(raw)
    copies = {"original": raw}
    for name in names:
        copies[name] = SETS[edits][name][0](original)[0]
    found, seconds = {}, {}
    for name, data in copies.items():
        started = time.process_time()
        found[name] = _worker_fingerprints(data)
        seconds[name] = time.process_time() - started
    return {
        "bank": list(victim.fingerprints + victim.variants),
        "bank_original": list(victim.fingerprints),
        "bank_variants": list(victim.variants),
        "leaks": found,
        "cpu": seconds,
    }


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


def save_fingerprints(path: Path, records: list[dict[str, object]], kinds: list[str]) -> None:
    """Every bank and query hash of the run, so that match rules can be swept offline
    (benchmarks/phash_rule.py) without hashing again: per photo, codes and their counts."""
    arrays: dict[str, np.ndarray] = {}

    def put(key: str, per_photo: list[list[Fingerprint]], algorithm: Algorithm) -> None:
        codes = [_codes(fps, algorithm) for fps in per_photo]
        arrays[f"{key}/counts"] = np.array([len(c) for c in codes], np.int64)
        arrays[f"{key}/codes"] = np.concatenate(codes).reshape(-1, algorithm.bits // 64)

    for algorithm in (Algorithm.PDQ, Algorithm.PHASH):
        label = algorithm.value
        put(f"bank/{label}", [list(r["bank_original"]) for r in records], algorithm)  # type: ignore[call-overload]
        put(f"variants/{label}", [list(r["bank_variants"]) for r in records], algorithm)  # type: ignore[call-overload]
        for kind in kinds:
            for slot, slot_name in ((0, "usable"), (1, "faint")):
                queries = [r["leaks"][kind][slot] for r in records]  # type: ignore[index]
                put(f"{kind}/{slot_name}/{label}", queries, algorithm)
    np.savez_compressed(path, **arrays)


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
    parser.add_argument(
        "--set",
        choices=list(SETS),
        default="rows",
        help="rows: the benchmark rows; other: the same edits at parameters no rule was chosen on",
    )
    parser.add_argument("--name", help="results file name (default robustness[_other])")
    parser.add_argument("--only", help="comma-separated transforms (default: all)")
    parser.add_argument("--limit", type=int, help="an even sample of this many corpus images")
    parser.add_argument(
        "--tables-only",
        action="store_true",
        help="re-summarise the distances saved by the last run of this --name",
    )
    cfg = parser.parse_args()
    name = cfg.name or ("robustness" if cfg.set == "rows" else f"robustness_{cfg.set}")
    paths = corpus_paths(limit=6 if cfg.smoke else cfg.limit)
    names = ["jpeg_q50", "mirror", "crop_5"] if cfg.smoke else list(SETS[cfg.set])
    if cfg.only:
        names = cfg.only.split(",")
    saved = RESULTS / f"{name}{'.smoke' if cfg.smoke else ''}.npz"
    kinds = ["original", *names]
    if cfg.tables_only:
        # Re-summarise saved distances, e.g. after changing MATCH_RADIUS_BITS.
        with np.load(saved) as arrays:
            loaded = {key: arrays[key] for key in arrays.files}
        kinds = [k for k in kinds if f"pdq/{k}" in loaded]
        names = kinds[1:]
        n = len(loaded["pdq/original"])
        dist = {m: {k: loaded[f"{m}/{k}"] for k in kinds} for m in MEASURES}
        exact = {k: loaded[f"exact/{k}"] for k in kinds}
        cpu = {k: loaded[f"cpu/{k}"] for k in kinds}
    else:
        with ProcessPoolExecutor(cfg.workers) as pool:
            records = list(
                pool.map(
                    hash_one,
                    paths,
                    [names] * len(paths),
                    [cfg.text_line_share] * len(paths),
                    [cfg.set] * len(paths),
                )
            )
        banks = [r["bank"] for r in records]
        n = len(paths)
        dist = {
            measure: {
                kind: min_distances([r["leaks"][kind][slot] for r in records], banks, algorithm)
                for kind in kinds
            }
            for measure, (slot, algorithm) in MEASURES.items()
        }
        exact = {kind: exact_hits([r["leaks"][kind][0] for r in records], banks) for kind in kinds}
        cpu = {kind: np.array([r["cpu"][kind] for r in records]) for kind in kinds}
        RESULTS.mkdir(exist_ok=True)
        save_fingerprints(
            RESULTS / f"{name}{'.smoke' if cfg.smoke else ''}.fingerprints.npz", records, kinds
        )
        np.savez_compressed(
            saved,
            **{f"{m}/{k}": dist[m][k] for m in dist for k in kinds},
            **{f"exact/{k}": exact[k] for k in kinds},
            **{f"cpu/{k}": cpu[k] for k in kinds},
        )
    pdq_radius = MATCH_RADIUS_BITS[Algorithm.PDQ]
    service_phash = MATCH_RADIUS_BITS[Algorithm.PHASH]
    off_diagonal = ~np.eye(n, dtype=bool)

    def decide(
        kind: str, phash_radius: int, faint_radius: int = FAINT_PDQ_RADIUS_BITS
    ) -> np.ndarray:
        return decision(
            {m: dist[m][kind] for m in MEASURES},
            exact[kind],
            phash_radius=phash_radius,
            faint_radius=faint_radius,
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
    closest = {m: int(min(d[kind][off_diagonal].min() for kind in kinds)) for m, d in dist.items()}
    # Low-quality PDQ: what each radius would add (genuine matches no other hash made) and cost.
    faint_sweep = []
    for radius in FAINT_RADII:
        faint_sweep.append(
            {
                "radius": radius,
                "false_pairs": sum(
                    int(((dist["faint"][k] <= radius) & off_diagonal).sum()) for k in kinds
                ),
                "rescued": sum(
                    int(np.diag((dist["faint"][k] <= radius) & ~decide(k, service_phash, -1)).sum())
                    for k in kinds
                ),
            }
        )
    rows, recalls = [], []
    for kind in kinds:
        pdq_only = np.diag(dist["pdq"][kind] <= pdq_radius).mean()
        phash_only = np.diag(dist["phash"][kind] <= service_phash).mean()
        service = np.diag(decide(kind, service_phash)).mean()
        if kind != "original":
            recalls.append(service)
        false = int((decide(kind, service_phash) & off_diagonal).sum())
        target = TARGETS.get(kind)
        met = (
            "" if target is None else ("yes" if 100 * service >= target and not false else "**no**")
        )
        rows.append(
            [
                kind,
                f"{100 * service:.1f}",
                "" if target is None else f">= {target:.0f}: {met}",
                f"{100 * pdq_only:.1f}",
                f"{100 * phash_only:.1f}",
                f"{false} / {n * (n - 1)}",
                f"{np.median(cpu[kind]):.3f}",
                ANCHORS.get(kind, ""),
            ]
        )
    leak_cpu = np.concatenate([cpu[k] for k in names]) if names else np.zeros(1)
    summary = {
        "mean_recall": float(np.mean(recalls)) if recalls else None,
        "cpu_median": float(np.median(leak_cpu)),
        "cpu_p90": float(np.percentile(leak_cpu, 90)),
        "false_matches": sum(int((decide(k, service_phash) & off_diagonal).sum()) for k in kinds),
    }
    mean = "–" if summary["mean_recall"] is None else f"{100 * summary['mean_recall']:.1f}"
    markdown = "\n\n".join(
        [
            f"### Recall of the service's decision on the dev corpus ({n} images, set {cfg.set}; "
            f"PDQ <= {pdq_radius}, pHash <= {service_phash} (past {PHASH_ALONE_RADIUS_BITS} only "
            f"with a PDQ within {CORROBORATING_PDQ_RADIUS_BITS}), PDQ under quality "
            f"{PDQ_QUALITY_MIN} <= {FAINT_PDQ_RADIUS_BITS}, MD5/SHA-256 equal)",
            table(
                [
                    "leak",
                    "service %",
                    "target % (issue 16)",
                    "PDQ alone %",
                    "pHash alone %",
                    "false matches",
                    "worker CPU s (median)",
                    "published anchor (Thorn)",
                ],
                rows,
            ),
            f"Mean recall over the {len(recalls)} leak rows: {mean} % (target >= {MEAN_TARGET:.0f}"
            f" on the rows set). False matches, all rows: {summary['false_matches']}. Worker CPU "
            f"time per leak (hash_image, one process): median {summary['cpu_median']:.3f} s, p90 "
            f"{summary['cpu_p90']:.3f} s over {len(leak_cpu)} leaks.",
            "### pHash radius sweep (PDQ and low-quality PDQ radii and exact digests unchanged)",
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
            f"### Query PDQ under quality {PDQ_QUALITY_MIN}: radius sweep (alone, every row)",
            table(
                [
                    "radius",
                    "false pairs (a low-quality query PDQ near another image's bank PDQ)",
                    "genuine matches no other hash made",
                ],
                [[s["radius"], s["false_pairs"], s["rescued"]] for s in faint_sweep],
            ),
            f"Largest pHash radius with no false match: {largest_safe}. Closest distinct pair seen "
            f"(any leak or original vs another image): PDQ {closest['pdq']} bits, pHash "
            f"{closest['phash']} bits, low-quality query PDQ {closest['faint']} bits.",
        ]
    )
    save(
        name,
        {
            "set": cfg.set,
            "summary": summary,
            "faint_sweep": faint_sweep,
            "text_line_share": cfg.text_line_share,
            "rows": rows,
            "sweep": sweep,
            "largest_zero_fp_phash_radius": largest_safe,
            "closest": closest,
            "images": n,
            "transforms": {k: SETS[cfg.set][k][1] for k in names},
        },
        markdown,
        smoke=cfg.smoke,
    )


if __name__ == "__main__":
    main()
