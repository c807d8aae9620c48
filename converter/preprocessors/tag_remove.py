"""Leave cells, inputs or outputs out of the result by their tags.

The tags ``remove_cell``, ``remove_input`` and ``remove_output`` always work; the fields
add the user's own tags. A removed input is marked in ``cell.transient.remove_source``
(the name nbconvert's templates use) so every format's template can skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbformat import NotebookNode

from converter.pipeline import Preprocessor, Resources


@dataclass
class TagRemovePreprocessor(Preprocessor):
    """Drop tagged cells, hide tagged inputs, empty tagged outputs."""

    remove_cell_tags: frozenset[str] = field(default_factory=frozenset)
    remove_input_tags: frozenset[str] = field(default_factory=frozenset)
    remove_output_tags: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        drop = {"remove_cell", *self.remove_cell_tags}
        nb.cells = [cell for cell in nb.cells if not drop & _tags(cell)]
        return super().__call__(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        tags = _tags(cell)
        if {"remove_input", *self.remove_input_tags} & tags:
            cell.transient = NotebookNode(remove_source=True)
        if cell.cell_type == "code" and {"remove_output", *self.remove_output_tags} & tags:
            cell.outputs = []


def _tags(cell: NotebookNode) -> set[str]:
    tags = cell.get("metadata", {}).get("tags")
    return {tag for tag in tags if isinstance(tag, str)} if isinstance(tags, list) else set()
