"""The notebook itself, after its preprocessors: nbformat v4 JSON as Jupyter writes it.

Jupyter's own writer (one-space indent, sorted keys, multi-line strings as lists of
lines, a final newline) is used, so an untouched v4.5 notebook saved by Jupyter comes
back byte for byte. Older minors are read as 4.5 (cells get ids); asking for the
input's minor with ``nbformat_minor`` writes them back as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from converter.notebook import NotebookNode

from converter.errors import ExportError
from converter.exporters.base import Exporter
from converter.notebook import CURRENT_MINOR
from converter.pipeline import Resources

FIRST_MINOR_WITH_IDS = 5


@dataclass
class NotebookExporter(Exporter):
    """``nbformat_minor`` picks the v4 minor version written (default: the current one)."""

    output_extension: ClassVar[str] = ".ipynb"

    nbformat_minor: int | None = None

    def __post_init__(self) -> None:
        if self.nbformat_minor is not None and not 0 <= self.nbformat_minor <= CURRENT_MINOR:
            raise ExportError(f"nbformat minor version must be 0 to {CURRENT_MINOR}, got {self.nbformat_minor}")

    def render(self, nb: NotebookNode, resources: Resources) -> str:
        from nbformat.v4.nbjson import writes

        return writes(self._as_minor(nb)) + "\n"

    def _as_minor(self, nb: NotebookNode) -> NotebookNode:
        """A shallow view of ``nb`` in the chosen minor; minors before 4.5 have no cell ids.

        ``transient`` cell marks (e.g. an input removed by a tag) are for templates, not files.
        """
        minor = self.nbformat_minor if self.nbformat_minor is not None else nb.get("nbformat_minor")
        dropped = {"transient"} if minor >= FIRST_MINOR_WITH_IDS else {"transient", "id"}
        if minor == nb.get("nbformat_minor") and not any(dropped & cell.keys() for cell in nb.cells):
            return nb
        cells = [NotebookNode({k: v for k, v in cell.items() if k not in dropped}) for cell in nb.cells]
        return NotebookNode({**nb, "nbformat_minor": minor, "cells": cells})
