"""Victim-side crops: the pictures a leak cropped from the victim's image would still resemble.

A global hash (PDQ, pHash) moves far when a leak is cropped, and the query side cannot undo a
crop (nothing in the leak says where the missing edges were). So the victim's device hashes a
few crops of each image as well, and a cropped leak lands near one of them
(../shared/reference/accuracy.md, "robust" mode: crops lifted to 90-100 % with no false match).

The boxes are integer arithmetic on the image's size, so the web page (service/static/hasher)
cuts exactly the same pixels; tests/browser/test_hasher_parity.py holds the two to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True, slots=True)
class CropRule:
    """One crop: how many thousandths of the width or height to cut from each edge."""

    name: str
    left: int
    top: int
    right: int
    bottom: int

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The crop's (left, top, right, bottom) pixel box in an image of this size."""
        return (
            width * self.left // 1000,
            height * self.top // 1000,
            width - width * self.right // 1000,
            height - height * self.bottom // 1000,
        )


#: Deliberately not the crops a benchmark applies: centre crops bracket 3-13 % per edge, and a
#: single-edge crop stands for the leaks cut to a face or a body.
CROP_RULES: tuple[CropRule, ...] = (
    CropRule("centre_3", 30, 30, 30, 30),
    CropRule("centre_8", 80, 80, 80, 80),
    CropRule("centre_13", 130, 130, 130, 130),
    CropRule("left_8", 80, 0, 0, 0),
    CropRule("top_8", 0, 80, 0, 0),
    CropRule("right_8", 0, 0, 80, 0),
    CropRule("bottom_8", 0, 0, 0, 80),
)

#: A video's frames are cut by centre crops only, every 2 % per edge: a frame's PDQ moves about
#: 25 bits per 1 % of crop (benchmarks/README.md, videos), so crops 2 % apart leave any centre crop
#: of 1-13 % within 1 % of one of them. A face- or body-cut single edge is a photo habit.
VIDEO_CROP_RULES: tuple[CropRule, ...] = tuple(
    CropRule(f"centre_{share // 10}", share, share, share, share)
    for share in (20, 40, 60, 80, 100, 120)
)

#: A crop narrower or shorter than this is no longer a picture worth hashing.
MIN_CROP_SIDE = 32


def crop_boxes(width: int, height: int) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Each rule's name and box for an image of this size.

    Left out: boxes too small to hash, and boxes that cut nothing (the image itself is hashed
    anyway).
    """
    boxes = []
    for rule in CROP_RULES:
        box = rule.box(width, height)
        if _worth_hashing(box, width, height):
            boxes.append((rule.name, box))
    return boxes


def video_crop_boxes(width: int, height: int) -> list[tuple[int, int, int, int] | None]:
    """Each VIDEO_CROP_RULES box for a frame of this size, in the rules' order; None where the
    rule cuts nothing or leaves too little to hash (the frame has no such crop)."""
    boxes: list[tuple[int, int, int, int] | None] = []
    for rule in VIDEO_CROP_RULES:
        box = rule.box(width, height)
        boxes.append(box if _worth_hashing(box, width, height) else None)
    return boxes


def _worth_hashing(box: tuple[int, int, int, int], width: int, height: int) -> bool:
    whole = box == (0, 0, width, height)
    return not whole and box[2] - box[0] >= MIN_CROP_SIDE and box[3] - box[1] >= MIN_CROP_SIDE


def bank_crops(image: Image.Image) -> list[tuple[str, Image.Image]]:
    """The victim's image cut by every crop rule, named by rule."""
    return [(name, image.crop(box)) for name, box in crop_boxes(*image.size)]
