"""Sensitive values at rest: sealed with AES-GCM; looked up by keyed MACs."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.errors import SealedDataUnreadable
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint

_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12
_TEXT_CONTEXT = b"text"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class Vault:
    """Seals and opens fingerprints and notes with keys derived from the service secret.

    A database dump alone reveals no hash: values are encrypted, and uniqueness columns hold
    HMACs that cannot be inverted or compared with hashes computed elsewhere.
    """

    def __init__(self, secret: str, source: str = "the configured secret key") -> None:
        raw = secret.encode("utf-8")
        #: Where the secret came from, in words, for the error when sealed data will not open.
        self.source = source
        self._aead = AESGCM(_derive(raw, b"takedown fingerprint seal v1"))
        self._mac_key = _derive(raw, b"takedown fingerprint mac v1")
        self._pepper = _derive(raw, b"takedown api key pepper v1")
        #: Names the key in error messages without revealing anything about it.
        self.key_id = _derive(raw, b"takedown key id v1").hex()[:12]

    def _seal(self, raw: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT_V1 + nonce + self._aead.encrypt(nonce, raw, context)

    def _open(self, sealed: bytes, context: bytes) -> bytes:
        if sealed[:1] != _FORMAT_V1:
            raise ValueError("unknown sealed-value format")
        nonce = sealed[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[1 + _NONCE_BYTES :], context)
        except InvalidTag:
            raise SealedDataUnreadable(self.key_id, self.source) from None

    def seal(self, fingerprint: Fingerprint) -> bytes:
        """Encrypt a fingerprint; the algorithm is bound as associated data."""
        return self._seal(fingerprint.to_bytes(), fingerprint.algorithm.value.encode())

    def open(self, algorithm: Algorithm, sealed: bytes) -> Fingerprint:
        """Decrypt a sealed fingerprint; SealedDataUnreadable if tampered with or another key's."""
        return Fingerprint.from_bytes(algorithm, self._open(sealed, algorithm.value.encode()))

    def open_many(self, algorithm: Algorithm, sealed: Iterable[bytes | memoryview]) -> bytes:
        """open() for many values of one algorithm: their big-endian bytes, concatenated.

        The bank's first load opens millions of values; this skips a Fingerprint and a Python
        int per value (the index takes the bytes as they are), and every value is checked as
        open() checks it.
        """
        size = algorithm.bits // 8
        context = algorithm.value.encode()
        decrypt = self._aead.decrypt
        out = bytearray()
        try:
            for value in sealed:
                if value[:1] != _FORMAT_V1:
                    raise ValueError("unknown sealed-value format")
                raw = decrypt(value[1 : 1 + _NONCE_BYTES], value[1 + _NONCE_BYTES :], context)
                if len(raw) != size:
                    raise InvalidFingerprint(f"{algorithm} fingerprints have {size} bytes")
                out += raw
        except InvalidTag:
            raise SealedDataUnreadable(self.key_id, self.source) from None
        return bytes(out)

    def seal_text(self, text: str) -> bytes:
        """Encrypt free text a person wrote (report notes may name people)."""
        return self._seal(text.encode("utf-8"), _TEXT_CONTEXT)

    def open_text(self, sealed: bytes) -> str:
        """Decrypt text sealed by seal_text."""
        return self._open(sealed, _TEXT_CONTEXT).decode("utf-8")

    def mac(self, fingerprint: Fingerprint) -> bytes:
        """A keyed digest of algorithm and value, for uniqueness without revealing the value."""
        message = fingerprint.algorithm.value.encode() + b":" + fingerprint.to_bytes()
        return hmac.new(self._mac_key, message, hashlib.sha256).digest()

    def key_digest(self, secret: str) -> bytes:
        """HMAC-SHA256 of an API key's secret part under a derived pepper."""
        return hmac.new(self._pepper, secret.encode("utf-8"), hashlib.sha256).digest()
