"""The pure hashing core shared by the victim CLI, the API and the workers.

It imports only the standard library, numpy, Pillow, imagehash and pdqhash, and never opens a
file or a socket: callers hand it bytes and get fingerprints back.
"""

from hashing.algorithms import (
    PDQ_QUALITY_MIN,
    HashedFile,
    Refusal,
    degeneracy,
    hash_file,
    hash_query_image,
)
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint
from hashing.images import MAX_IMAGE_PIXELS, ImageRejected, decode_frames, decode_image
from hashing.index import HammingIndex

__all__ = [
    "MAX_IMAGE_PIXELS",
    "PDQ_QUALITY_MIN",
    "Algorithm",
    "Fingerprint",
    "HammingIndex",
    "HashedFile",
    "ImageRejected",
    "InvalidFingerprint",
    "Refusal",
    "decode_frames",
    "decode_image",
    "degeneracy",
    "hash_file",
    "hash_query_image",
]
