"""The victim-side crop rules: integer boxes the page can reproduce exactly."""

from __future__ import annotations

from PIL import Image

from hashing.crops import CROP_RULES, MIN_CROP_SIDE, bank_crops, crop_boxes


def test_boxes_cut_whole_thousandths_rounded_down_from_each_edge() -> None:
    boxes = dict(crop_boxes(1001, 333))
    assert boxes["centre_3"] == (30, 9, 1001 - 30, 333 - 9)
    assert boxes["left_8"] == (80, 0, 1001, 333)
    assert boxes["bottom_8"] == (0, 0, 1001, 333 - 26)


def test_every_rule_gives_a_box_inside_the_image_on_ordinary_sizes() -> None:
    for width, height in [(64, 64), (640, 480), (4032, 3024), (37, 5000)]:
        boxes = crop_boxes(width, height)
        assert len(boxes) == len(CROP_RULES) or min(width, height) < 64
        for _, (left, top, right, bottom) in boxes:
            assert 0 <= left < right <= width and 0 <= top < bottom <= height


def test_crops_too_small_to_hash_are_left_out() -> None:
    names = [name for name, _ in crop_boxes(40, 40)]
    assert "centre_3" in names
    assert "centre_13" not in names
    assert crop_boxes(MIN_CROP_SIDE, MIN_CROP_SIDE) == []


def test_bank_crops_are_the_pixels_inside_each_box() -> None:
    image = Image.new("RGB", (200, 100))
    image.putpixel((199, 99), (255, 0, 0))
    crops = dict(bank_crops(image))
    assert crops["left_8"].size == (184, 100)
    assert crops["left_8"].getpixel((183, 99)) == (255, 0, 0)
    assert crops["right_8"].getpixel((183, 99)) == (0, 0, 0)
