"""The ordered list of steps a notebook passes through before an exporter renders it.

A step is anything callable as ``step(nb, resources) -> (nb, resources)``: a
``Preprocessor`` subclass or a user's own function. Steps mutate the notebook they are
given; nothing is copied or re-validated between steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Tuple

from converter.notebook import NotebookNode

Step = Callable[[NotebookNode, "Resources"], Tuple[NotebookNode, "Resources"]]


@dataclass
class Resources:
    """What travels beside the notebook: its name and directory, and files made on the way.

    ``outputs`` maps a relative file name to its bytes (extracted images, ...); the
    writer puts them next to the converted file. Item access (``resources["outputs"]``)
    works as in Jupyter's nbconvert.
    """

    name: str = "notebook"
    dir: Path | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)
    output_extension: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # one line each; the CLI prints them

    def __getitem__(self, key: str) -> Any:
        if key in self.__dataclass_fields__:
            return getattr(self, key)
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


class Preprocessor:
    """A step that visits each cell; subclasses override ``preprocess_cell`` or ``__call__``."""

    def __call__(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        for index, cell in enumerate(nb.cells):
            self.preprocess_cell(cell, resources, index)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        """Change one cell in place."""


class Pipeline:
    """Runs its steps in order; ``steps`` is a plain list, so insert anywhere."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.steps: list[Step] = list(steps)

    def __call__(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        for step in self.steps:
            nb, resources = step(nb, resources)
        return nb, resources

    def __len__(self) -> int:
        return len(self.steps)
