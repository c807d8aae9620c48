"""Leave cells, inputs or outputs out of the result by their tags.

By default the conventional tags ``remove_cell``, ``remove_input`` and ``remove_output``
are honoured; the fields replace them with the user's own. A removed input is marked in ``cell.transient.remove_source``
(the name nbconvert's templates use) so every format's template can skip it.
"""

from __future__ import annotations

from dataclasses import dataclass

from converter.notebook import NotebookNode

from converter.pipeline import Preprocessor, Resources


@dataclass
class TagRemovePreprocessor(Preprocessor):
    """Drop tagged cells, hide tagged inputs, empty tagged outputs."""

    remove_cell_tags: frozenset[str] = frozenset({"remove_cell"})
    remove_input_tags: frozenset[str] = frozenset({"remove_input"})
    remove_output_tags: frozenset[str] = frozenset({"remove_output"})

    def __call__(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        nb.cells = [cell for cell in nb.cells if not self.remove_cell_tags & _tags(cell)]
        return super().__call__(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        tags = _tags(cell)
        if self.remove_input_tags & tags:
            cell.transient = NotebookNode(remove_source=True)
        if cell.cell_type == "code" and self.remove_output_tags & tags:
            cell.outputs = []


def _tags(cell: NotebookNode) -> set[str]:
    tags = cell.get("metadata", {}).get("tags")
    return {tag for tag in tags if isinstance(tag, str)} if isinstance(tags, list) else set()
