"""Exact digests of photo files, which python-threatexchange 1.2.17 defines for videos only.

A takedown bank's MD5 and SHA-256 are of the victim's photo file as it was on her device. They
catch exact re-uploads. Under threatexchange's video_md5 / video_sha256 they would be compared
only with videos, so `threatexchange match photo` and HMA's photo lookups would never see them.
"""

from __future__ import annotations

import hashlib
import re

from threatexchange.content_type.content_base import ContentType
from threatexchange.content_type.photo import PhotoContent
from threatexchange.signal_type import signal_base


class _PhotoDigestSignal(signal_base.SimpleSignalType, signal_base.BytesHasher):
    """A lowercase hex digest of the whole file, matched exactly."""

    HEX_DIGITS = 0

    @classmethod
    def get_content_types(cls) -> list[type[ContentType]]:
        return [PhotoContent]

    @classmethod
    def get_index_cls(cls) -> type[signal_base.TrivialSignalTypeIndex]:  # type: ignore[type-arg]
        return signal_base.TrivialSignalTypeIndex

    @classmethod
    def validate_signal_str(cls, signal_str: str) -> str:
        normalized = signal_str.strip().lower()
        if not re.fullmatch(f"[0-9a-f]{{{cls.HEX_DIGITS}}}", normalized):
            raise ValueError(f"not a {cls.get_name()} value ({cls.HEX_DIGITS} hex digits)")
        return normalized


class PhotoMD5Signal(_PhotoDigestSignal):
    """MD5 of a photo file."""

    HEX_DIGITS = 32

    @classmethod
    def hash_from_bytes(cls, bytes_: bytes) -> str:
        return hashlib.md5(bytes_, usedforsecurity=False).hexdigest()

    @staticmethod
    def get_examples() -> list[str]:
        return ["d41d8cd98f00b204e9800998ecf8427e"]


class PhotoSHA256Signal(_PhotoDigestSignal):
    """SHA-256 of a photo file."""

    HEX_DIGITS = 64

    @classmethod
    def hash_from_bytes(cls, bytes_: bytes) -> str:
        return hashlib.sha256(bytes_).hexdigest()

    @staticmethod
    def get_examples() -> list[str]:
        return ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]
