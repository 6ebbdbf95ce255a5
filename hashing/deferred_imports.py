"""Modules imported at their first use: what a process may never need does not delay its start.

An API process serves its first check seconds sooner without PyAV (videos), imagehash and
SciPy (hashing images) or fpdf and fontTools (PDF letters) loaded: each is imported by the first
request or job that touches it. A module binds one this way, typed as the real module:

    if TYPE_CHECKING:
        import av
    else:
        av = deferred("av")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class DeferredModule(ModuleType):
    """Stands for a module, importing it at the first attribute read (import's own locks)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


def deferred(name: str) -> ModuleType:
    """The module ``name``, imported when an attribute of it is first read."""
    return DeferredModule(name)
