"""Parametric edits that turn a victim's photo into the copies that leak.

Every edit takes its parameters explicitly, so the benchmark rows (benchmarks/robustness.py) use
one setting and the held-out check (``--set other``) uses others: a query-side rule tuned to one
bar height, colour or screenshot layout shows up as a drop at the other parameters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance, ImageFont

Colour = tuple[int, int, int]
EDGES = ("left", "top", "right", "bottom")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold sans font of this pixel size (Pillow's own if no TrueType font is installed)."""
    for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def resize(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def crop(image: Image.Image, fraction: float, edges: tuple[str, ...] = EDGES) -> Image.Image:
    """``fraction`` of the width or height cut off each of ``edges``."""
    dx, dy = round(image.width * fraction), round(image.height * fraction)
    return image.crop(
        (
            dx if "left" in edges else 0,
            dy if "top" in edges else 0,
            image.width - (dx if "right" in edges else 0),
            image.height - (dy if "bottom" in edges else 0),
        )
    )


def image_edge(image: Image.Image) -> str:
    """One edge per image, fixed by its pixels: a one-edge row spreads over all four edges."""
    digest = hashlib.blake2b(image.tobytes()[:65536], digest_size=1).digest()[0]
    return EDGES[digest % 4]


def caption_bar(
    image: Image.Image,
    *,
    height: float = 0.15,
    colour: Colour = (255, 255, 255),
    ink: Colour = (0, 0, 0),
    bottom: bool = False,
    text: str = "look who it is lol",
    text_at: float = 0.2,
) -> Image.Image:
    """Meme style: a bar of ``height`` of the picture's height with one line of text."""
    bar = max(12, round(image.height * height))
    out = Image.new("RGB", (image.width, image.height + bar), colour)
    out.paste(image, (0, 0 if bottom else bar))
    top = image.height if bottom else 0
    ImageDraw.Draw(out).text(
        (image.width * 0.04, top + bar * text_at),
        text,
        fill=ink,
        font=font(max(8, int(bar * 0.55))),
    )
    return out


def watermark(
    image: Image.Image,
    *,
    text: str = "@leaked_pics_daily",
    opacity: int = 110,
    at: float = 0.7,
    size: float = 0.09,
) -> Image.Image:
    """Semi-opaque white text across the picture, ``at`` of the way down."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    typeface = font(max(8, round(image.height * size)))
    draw.text(
        (image.width * 0.05, image.height * at), text, fill=(255, 255, 255, opacity), font=typeface
    )
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def brightness(image: Image.Image, factor: float) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(factor)


def gamma(image: Image.Image, value: float) -> Image.Image:
    """Each channel mapped through x ** value (value > 1 darkens the mid-tones)."""
    table = [round(255 * (i / 255) ** value) for i in range(256)]
    return image.point(table * 3)


@dataclass(frozen=True)
class Screen:
    """A phone app showing the photo, as a screenshot sees it. Heights are shares of the width."""

    background: Colour = (255, 255, 255)
    ink: Colour = (20, 20, 20)
    status_bar: float = 0.07
    status_colour: Colour | None = None
    header: float = 0.12
    #: Space left and right of the photo, share of the width.
    side: float = 0.0
    #: Lines of caption text under the action row.
    caption_lines: int = 2
    nav_bar: float = 0.09
    #: A full-screen viewer: the photo centred in a 9:19.5 screen, the rest ``background``.
    viewer: bool = False
    #: The screenshot's final width over the photo's width (phones shoot at their own size).
    scale: float = 1.0
    jpeg_quality: int = 80


LIGHT_FEED = Screen()
DARK_VIEWER = Screen(
    background=(0, 0, 0), ink=(235, 235, 235), header=0.0, caption_lines=1, viewer=True
)


def screenshot(image: Image.Image, screen: Screen) -> Image.Image:
    """The photo inside an app's UI: status bar, header, action row, caption, navigation bar."""
    width = round(image.width / (1 - 2 * screen.side))
    unit = width / 100
    status, header, nav = (
        round(width * s) for s in (screen.status_bar, screen.header, screen.nav_bar)
    )
    line = round(6 * unit)
    below = round(10 * unit) + screen.caption_lines * line
    photo_top = status + header
    height = photo_top + image.height + below + nav
    if screen.viewer:
        height = max(height, round(width * 19.5 / 9))
        photo_top = (height - image.height) // 2
    out = Image.new("RGB", (width, height), screen.background)
    left = (width - image.width) // 2
    out.paste(image, (left, photo_top))
    draw = ImageDraw.Draw(out)
    if screen.status_colour is not None:
        draw.rectangle((0, 0, width, status - 1), fill=screen.status_colour)
    small = font(max(8, round(3.6 * unit)))
    draw.text((4 * unit, status * 0.22), "12:41", fill=screen.ink, font=small)
    draw.text((width - 18 * unit, status * 0.22), "87%", fill=screen.ink, font=small)
    if header:
        draw.ellipse(
            (4 * unit, status + header * 0.2, 4 * unit + header * 0.6, status + header * 0.8),
            outline=screen.ink,
            width=2,
        )
        draw.text(
            (6 * unit + header * 0.6, status + header * 0.3),
            "someone_else",
            fill=screen.ink,
            font=small,
        )
    icons = photo_top + image.height + round(2 * unit)
    if screen.viewer:
        icons = height - nav - below
    for i in range(3):
        x = 4 * unit + i * 10 * unit
        draw.ellipse((x, icons, x + 6 * unit, icons + 6 * unit), outline=screen.ink, width=2)
    text_top = icons + 8 * unit
    for i in range(screen.caption_lines):
        words = "1,204 likes" if i == 0 else "someone_else who is this? #nsfw #leak"
        draw.text((4 * unit, text_top + i * line), words, fill=screen.ink, font=small)
    bar_top = height - nav
    for x in (0.2, 0.5, 0.8):
        draw.rectangle(
            (
                width * x - 2 * unit,
                bar_top + nav * 0.35,
                width * x + 2 * unit,
                bar_top + nav * 0.65,
            ),
            outline=screen.ink,
            width=2,
        )
    return resize(out, screen.scale) if screen.scale != 1.0 else out


def dark_viewer(
    image: Image.Image, *, side: float = 0.08, top: float = 0.12, bottom: float = 0.18
) -> Image.Image:
    """Issue 7's screenshot: a dark viewer with side, status and like bars (shares of the photo)."""
    left, above, below = (
        round(image.width * side),
        round(image.height * top),
        round(image.height * bottom),
    )
    grey = (24, 24, 24)
    out = Image.new("RGB", (image.width + 2 * left, image.height + above + below), grey)
    out.paste(image, (left, above))
    draw = ImageDraw.Draw(out)
    light = (230, 230, 230)
    draw.text((left, above * 0.25), "12:41  87%", fill=light, font=font(max(8, int(above * 0.4))))
    draw.text(
        (left, image.height + above + below * 0.3),
        "1,204 likes  88 comments",
        fill=light,
        font=font(max(8, int(below * 0.3))),
    )
    return out
