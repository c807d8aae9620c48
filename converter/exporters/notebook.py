"""The notebook itself as nbformat v4 JSON, e.g. after ``--execute`` (``--to notebook``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nbformat import NotebookNode

from converter.exporters.base import Exporter
from converter.pipeline import Resources


@dataclass
class NotebookExporter(Exporter):
    """Writes JSON the way Jupyter does (``nbformat.write``), so diffs stay small."""

    output_extension: ClassVar[str] = ".ipynb"
    description: ClassVar[str] = "Jupyter notebook (nbformat v4 JSON)"

    def render(self, nb: NotebookNode, resources: Resources) -> str:
        from nbformat.v4.nbjson import writes

        # ``transient`` marks (e.g. a removed input) are for templates, not the file.
        cells = [NotebookNode({k: v for k, v in cell.items() if k != "transient"}) for cell in nb.cells]
        return writes(NotebookNode({**nb, "cells": cells})) + "\n"
