"""A dependency-free progress bar for stderr."""

from __future__ import annotations

import sys
from typing import TextIO

_WIDTH = 30


class ProgressBar:
    """Redraws one line on a terminal; prints a line per tenth when stderr is a file or pipe."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.done = 0
        self._tty = self.stream.isatty()
        self._last_tenth = -1

    def advance(self, count: int = 1) -> None:
        """Count items done and redraw if needed."""
        self.done += count
        if self._tty:
            filled = _WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            end = "\n" if self.done >= self.total else ""
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}{end}")
        else:
            tenth = 10 * self.done // max(self.total, 1)
            if tenth != self._last_tenth or self.done == self.total:
                self._last_tenth = tenth
                self.stream.write(f"{self.label}: {self.done}/{self.total}\n")
        self.stream.flush()
