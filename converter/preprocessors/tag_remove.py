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
    """Drop tagged cells, hide tagged inputs, empty tagged outputs; drop single outputs
    whose own ``output.metadata.tags`` hold one of ``remove_single_output_tags``."""

    remove_cell_tags: frozenset[str] = frozenset({"remove_cell"})
    remove_input_tags: frozenset[str] = frozenset({"remove_input"})
    remove_output_tags: frozenset[str] = frozenset({"remove_output"})
    remove_single_output_tags: frozenset[str] = frozenset()

    def preprocess(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        nb.cells = [cell for cell in nb.cells if not self.remove_cell_tags & _tags(cell)]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        tags = _tags(cell)
        if self.remove_input_tags & tags:
            cell.transient = NotebookNode(remove_source=True)
        if cell.cell_type == "code" and self.remove_output_tags & tags:
            cell.outputs = []
        if self.remove_single_output_tags and cell.get("outputs"):
            cell.outputs = [output for output in cell.outputs
                            if not self.remove_single_output_tags & _tags(output)]


def _tags(item: NotebookNode) -> set[str]:
    """The tags of a cell, or of an output (both keep them in ``metadata.tags``)."""
    metadata = item.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return {tag for tag in tags if isinstance(tag, str)} if isinstance(tags, list) else set()
