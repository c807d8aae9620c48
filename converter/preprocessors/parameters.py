"""Papermill-style parameters: a cell of assignments after the cell tagged ``parameters``.

The injected cell is tagged ``injected-parameters``; one left by an earlier run is
replaced, so a notebook can be parameterised again. Values are written as Python
literals, for Python kernels.
"""

from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass, field
from typing import Any

from converter.notebook import NotebookNode

from converter.pipeline import Preprocessor, Resources

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def parse_value(text: str) -> Any:
    """A command-line value: a Python literal when it is one (5, 0.5, True, None, [1, 2],
    'quoted'), otherwise the text itself as a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def check_name(name: str) -> str:
    """The name, if it can be assigned to in Python; ValueError otherwise."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{name!r} is not a valid Python variable name")
    return name


def python_literal(value: Any) -> str:
    """``repr(value)`` when Python reads it back as the same value; ValueError otherwise."""
    text = repr(value)
    try:
        if ast.literal_eval(text) == value:
            return text
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    raise ValueError(f"{text} cannot be written as a Python literal")


@dataclass
class InjectParametersPreprocessor(Preprocessor):
    """Insert ``name = value`` lines for each parameter (nothing when there are none)."""

    parameters: dict[str, Any] = field(default_factory=dict)

    def preprocess(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        if not self.parameters:
            return nb, resources
        lines = ["# Parameters"] + [f"{check_name(name)} = {python_literal(value)}"
                                    for name, value in self.parameters.items()]
        from nbformat.v4 import new_code_cell  # nbformat costs ~75 ms to import: only when used

        cell = new_code_cell("\n".join(lines), id=INJECTED_TAG, metadata={"tags": [INJECTED_TAG]})
        cells = [c for c in nb.cells if INJECTED_TAG not in _tags(c)]
        anchor = next((i for i, c in enumerate(cells) if PARAMETERS_TAG in _tags(c)), -1)
        cells.insert(anchor + 1, cell)
        nb.cells = cells
        return nb, resources


def _tags(cell: NotebookNode) -> list:
    tags = cell.get("metadata", {}).get("tags")
    return tags if isinstance(tags, list) else []
