"""Drop cells whose source matches one of the given regular expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from converter.notebook import NotebookNode

from converter.pipeline import Preprocessor, Resources


@dataclass
class RegexRemovePreprocessor(Preprocessor):
    """A cell goes when any pattern is found in its source (``re.search``).

    Anchor a pattern to match the whole source: ``^\\s*$`` drops empty cells.
    """

    patterns: list[str] = field(default_factory=list)

    def preprocess(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        compiled = [re.compile(pattern) for pattern in self.patterns]
        if compiled:
            nb.cells = [cell for cell in nb.cells
                        if not any(regex.search(cell.get("source", "")) for regex in compiled)]
        return nb, resources
