"""``--log-output``: each cell's stdout and stderr on our stderr while the notebook runs.

An ``ExecutePreprocessor.on_output`` hook. Every line is prefixed with the notebook and
the cell it came from (``report cell 3: text``; ``report cell 3 stderr: text``), so the
lines of notebooks run side by side (``-j``) stay apart. Text from a notebook is
untrusted: terminal control sequences are dropped before it reaches the terminal.
"""

from __future__ import annotations

import re
import threading
from typing import TextIO

from converter.notebook import NotebookNode
from converter.pipeline import Resources

# ANSI CSI sequences (colours, cursor moves) and the other control characters but tab.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")


class LiveOutput:
    """Writes stream outputs line by line as they arrive.

    ``progress`` (a ``ProgressReport``) keeps its terminal line below the text.
    """

    def __init__(self, stream: TextIO, progress=None) -> None:
        self.stream = stream
        self.progress = progress
        self._lock = threading.Lock()

    def __call__(self, resources: Resources, index: int, output: NotebookNode) -> None:
        if output.get("output_type") != "stream":
            return
        text = output.get("text", "")
        if isinstance(text, list):
            text = "".join(text)
        prefix = f"{resources.name} cell {index + 1}" + ("" if output.get("name") == "stdout" else " stderr")
        lines = "".join(f"{prefix}: {_CONTROL.sub('', line)}\n" for line in text.splitlines())
        if not lines:
            return
        if self.progress is not None:
            self.progress.write_above(lines)
            return
        with self._lock:
            self.stream.write(lines)
            self.stream.flush()
