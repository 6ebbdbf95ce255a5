"""Dutch texts of the console, keyed by the English text (see service/console/i18n.py)."""

from __future__ import annotations

DUTCH: dict[str, str] = {}
