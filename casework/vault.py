"""Fingerprint values at rest: sealed with AES-GCM, looked up by a keyed MAC."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hashing.fingerprint import Algorithm, Fingerprint

_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class Vault:
    """Seals and opens fingerprint values with keys derived from the service secret.

    A database dump alone reveals no hash: values are encrypted, and the uniqueness column holds
    an HMAC that cannot be inverted or compared with hashes computed elsewhere.
    """

    def __init__(self, secret: str) -> None:
        raw = secret.encode("utf-8")
        self._aead = AESGCM(_derive(raw, b"takedown fingerprint seal v1"))
        self._mac_key = _derive(raw, b"takedown fingerprint mac v1")

    def seal(self, fingerprint: Fingerprint) -> bytes:
        """Encrypt a fingerprint; the algorithm is bound as associated data."""
        nonce = os.urandom(_NONCE_BYTES)
        aad = fingerprint.algorithm.value.encode()
        return _FORMAT_V1 + nonce + self._aead.encrypt(nonce, fingerprint.to_bytes(), aad)

    def open(self, algorithm: Algorithm, sealed: bytes) -> Fingerprint:
        """Decrypt a sealed value, failing loudly if it was tampered with or sealed elsewhere."""
        if sealed[:1] != _FORMAT_V1:
            raise ValueError("unknown sealed-fingerprint format")
        nonce = sealed[1 : 1 + _NONCE_BYTES]
        body = sealed[1 + _NONCE_BYTES :]
        raw = self._aead.decrypt(nonce, body, algorithm.value.encode())
        return Fingerprint.from_bytes(algorithm, raw)

    def mac(self, fingerprint: Fingerprint) -> bytes:
        """A keyed digest of algorithm and value, for uniqueness without revealing the value."""
        message = fingerprint.algorithm.value.encode() + b":" + fingerprint.to_bytes()
        return hmac.new(self._mac_key, message, hashlib.sha256).digest()
