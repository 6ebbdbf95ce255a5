"""The address-space limit of a process that decodes untrusted images."""

from __future__ import annotations

import logging
import resource
from pathlib import Path

logger = logging.getLogger(__name__)


def limit_address_space(extra_bytes: int) -> None:
    """Cap this process's address space at its present size plus extra_bytes (0: no cap).

    An image that needs more then raises MemoryError in this process, instead of the OOM
    killer choosing a process on the machine.
    """
    if not extra_bytes:
        return
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except OSError:
        # No procfs (macOS laptops): the decoder's pixel caps are the only bound there.
        logger.warning("no /proc/self/statm: images are hashed without a memory limit")
        return
    limit = pages * resource.getpagesize() + extra_bytes
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
