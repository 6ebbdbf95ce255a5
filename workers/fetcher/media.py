"""What a body is and how it is read into memory: magic-byte sniffing, byte caps, decoding.

The caps count decoded bytes, and decoding stops at them, so a gzip bomb ends at the cap.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterable
from enum import StrEnum

from hashing.videos import looks_like_video
from workers.fetcher.policy import FetchFailed, FetchKind, FetchPolicy, Reason


class MediaType(StrEnum):
    """What the first bytes of a body say it is, whatever its Content-Type claims."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    GIF = "image/gif"
    WEBP = "image/webp"
    BMP = "image/bmp"
    TIFF = "image/tiff"
    HTML = "text/html"
    #: Any container hashing/videos.py reads (MP4/MOV, WebM/Matroska, AVI, MPEG-TS).
    VIDEO = "video/*"

    @property
    def is_image(self) -> bool:
        """True for the image formats."""
        return self not in (MediaType.HTML, MediaType.VIDEO)


_SNIFF_BYTES = 1024
_DECODE_STEP_BYTES = 256 * 1024
_BOM = b"\xef\xbb\xbf"
_BMP_DIB_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff_media_type(head: bytes, content_type: str | None = None) -> MediaType | None:
    """Classify a body by its magic bytes (HTML also by a text/html header); None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaType.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType.WEBP
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_DIB_HEADER_SIZES:
        return MediaType.BMP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaType.TIFF
    if looks_like_video(head):
        return MediaType.VIDEO
    if content_type is not None and content_type.split(";")[0].strip().lower() == "text/html":
        return MediaType.HTML
    text = head.removeprefix(_BOM).lstrip(b" \t\r\n\f")[:15].lower()
    if text.startswith(b"<!doctype html") or re.match(rb"<html[\s>]", text):
        return MediaType.HTML
    return None


class _Decoder:
    """Undoes a Content-Encoding without ever producing more output than asked for."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        if encoding == "identity":
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchFailed(Reason.UNSUPPORTED_ENCODING, "the Content-Encoding is not supported")
        self._started = False

    def decode_into(self, body: bytearray, data: bytes, limit: int) -> bytes:
        """Append data, decoded, to body until it holds more than limit bytes; return the rest."""
        if self._zlib is None:
            body += data
            return b""
        try:
            # max_length is what keeps a gzip bomb bounded; httpx's own decoders pass none.
            while data and not self._zlib.eof and len(body) <= limit:
                room = min(limit + 1 - len(body), _DECODE_STEP_BYTES)
                body += self._zlib.decompress(data, room)
                data = self._zlib.unconsumed_tail
                self._started = True
        except zlib.error:
            if self._encoding == "deflate" and not self._started:
                # Some servers send raw deflate without the zlib header the RFC asks for.
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.decode_into(body, data, limit)
            raise FetchFailed(
                Reason.UNSUPPORTED_ENCODING, "the compressed body is corrupt"
            ) from None
        # Input after the end of the compressed stream is ignored, as browsers do.
        return b"" if self._zlib.eof else data

    def finish(self, body: bytearray) -> None:
        """Append what zlib still holds; raise if the compressed stream was cut short."""
        if self._zlib is None:
            return
        # With all input consumed, flush() can only return the few bytes zlib held back.
        body += self._zlib.flush()
        if not self._zlib.eof:
            raise FetchFailed(Reason.UNSUPPORTED_ENCODING, "the compressed body is truncated")


def _accept(media_type: MediaType | None, kind: FetchKind) -> MediaType:
    if kind == "image":
        if media_type is None or not media_type.is_image:
            raise FetchFailed(Reason.NOT_AN_IMAGE, "the body is not a known image format")
    elif kind == "page":
        if media_type is not MediaType.HTML:
            raise FetchFailed(Reason.UNSUPPORTED_CONTENT, "the body is not an HTML page")
    elif kind == "video":
        if media_type is not MediaType.VIDEO:
            raise FetchFailed(Reason.NOT_A_VIDEO, "the body is not a known video container")
    elif media_type is None:
        raise FetchFailed(
            Reason.UNSUPPORTED_CONTENT, "the body is neither an image, a video nor HTML"
        )
    return media_type


def _cap_of(media_type: MediaType, policy: FetchPolicy) -> int:
    if media_type is MediaType.VIDEO:
        return policy.max_video_bytes
    return policy.max_image_bytes if media_type.is_image else policy.max_page_bytes


def read_body(
    chunks: Iterable[bytes],
    *,
    content_encoding: str | None,
    content_type: str | None,
    kind: FetchKind,
    policy: FetchPolicy,
    deadline: float,
    video_deadline: float | None = None,
) -> tuple[MediaType, bytes]:
    """Decode a response body into memory under the byte cap of what it turns out to be.

    Raises FetchFailed when the body is too large, not of the kind asked for, encoded in a way
    not supported, or still arriving at the deadline (a monotonic time).
    """
    encoding = (content_encoding or "").strip().lower() or "identity"
    decoder = _Decoder(encoding)
    # Until the first bytes are sniffed, the cap is the largest this kind could need.
    caps = {
        "image": policy.max_image_bytes,
        "page": policy.max_page_bytes,
        "video": policy.max_video_bytes,
    }
    cap = caps.get(kind, max(caps.values()))
    media_type: MediaType | None = None
    body = bytearray()

    def absorb(data: bytes, finished: bool) -> None:
        nonlocal media_type, cap
        while True:
            # Decode only a sniff's worth until the kind is known: zeros behind a gzip
            # header are refused after a kilobyte, not after ten mebibytes.
            data = decoder.decode_into(body, data, cap if media_type else _SNIFF_BYTES)
            if media_type is None and (len(body) >= _SNIFF_BYTES or finished and not data):
                sniffed = sniff_media_type(bytes(body[:_SNIFF_BYTES]), content_type)
                media_type = _accept(sniffed, kind)
                cap = _cap_of(media_type, policy)
            if len(body) > cap:
                raise FetchFailed(Reason.TOO_LARGE, f"the body is larger than {cap} bytes")
            if not data:
                return

    # Content-Length is only a hint; the cap is enforced on the bytes as they arrive.
    for chunk in chunks:
        # A video has its own, longer deadline (see Fetcher.fetch); anything else the URL's.
        ends = video_deadline if media_type is MediaType.VIDEO and video_deadline else deadline
        if time.monotonic() >= ends:
            raise FetchFailed(Reason.TIMEOUT, "the total deadline for this URL has passed")
        absorb(chunk, finished=False)
    decoder.finish(body)
    absorb(b"", finished=True)
    if media_type is None:  # unreachable: absorb(finished=True) always classifies
        raise FetchFailed(Reason.UNSUPPORTED_CONTENT, "the body could not be classified")
    return media_type, bytes(body)
