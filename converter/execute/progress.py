"""Progress of long executions on stderr: which notebook, which cell, how long so far."""

from __future__ import annotations

import threading
from typing import TextIO

from converter.pipeline import Resources

_CLEAR_LINE = "\r\x1b[K"


class ProgressReport:
    """An ``ExecutePreprocessor.on_cell`` hook printing ``name: cell i/n, 1.2 s``.

    On a terminal it rewrites one line (``clear()`` it before printing anything else);
    elsewhere it prints a line per cell, for logs.
    """

    def __init__(self, stream: TextIO, terminal: bool) -> None:
        self.stream = stream
        self.terminal = terminal
        self._lock = threading.Lock()
        self._line = ""  # the progress line on the terminal now

    def __call__(self, resources: Resources, index: int, count: int, elapsed: float) -> None:
        text = f"{resources.name}: cell {index + 1} of {count}, {elapsed:.1f} s"
        with self._lock:
            self._line = text
            self.stream.write(_CLEAR_LINE + text if self.terminal else text + "\n")
            self.stream.flush()

    def clear(self) -> None:
        if self.terminal:
            with self._lock:
                self._line = ""
                self.stream.write(_CLEAR_LINE)
                self.stream.flush()

    def write_above(self, lines: str) -> None:
        """Print whole lines (``--log-output``) with the progress line kept below them."""
        with self._lock:
            if self.terminal and self._line:
                lines = _CLEAR_LINE + lines + self._line
            self.stream.write(lines)
            self.stream.flush()
