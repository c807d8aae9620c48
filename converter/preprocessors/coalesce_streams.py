"""Merge consecutive stream outputs and apply the carriage returns and backspaces in them.

A kernel sends stdout in many small messages; a progress bar rewrites its line with
``\\r``. A reader wants what a terminal would finally show: one block per stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from converter.notebook import NotebookNode

from converter.pipeline import Preprocessor, Resources

_BACKSPACE = re.compile(r"[^\n]\x08")
_OVERWRITTEN = re.compile(r"^.*\r(?=[^\n])", re.MULTILINE)


def terminal_text(text: str) -> str:
    """``text`` as a terminal leaves it: a backspace erases, a carriage return restarts the line."""
    while True:
        erased = _BACKSPACE.sub("", text)
        if erased == text:
            break
        text = erased
    return _OVERWRITTEN.sub("", text)


def coalesce_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """Join neighbouring outputs of the same stream; other outputs keep their place."""
    merged: list[NotebookNode] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    for output in merged:
        if output.get("output_type") == "stream":
            output["text"] = terminal_text(output["text"])
    return merged


@dataclass
class CoalesceStreamsPreprocessor(Preprocessor):
    """One stdout and one stderr block where the kernel sent many pieces in a row."""

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        if cell.cell_type == "code" and cell.outputs:
            cell.outputs = coalesce_streams(cell.outputs)
