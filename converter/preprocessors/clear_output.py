"""Clear outputs, execution counts and run-time metadata, as a fresh notebook has none."""

from __future__ import annotations

from dataclasses import dataclass, field

from converter.notebook import NotebookNode

from converter.pipeline import Preprocessor, Resources

RUNTIME_METADATA = frozenset({"collapsed", "scrolled", "execution", "ExecuteTime"})


@dataclass
class ClearOutputPreprocessor(Preprocessor):
    """Empty every code cell's outputs and prompt; drop the chosen cell metadata keys."""

    remove_metadata_fields: frozenset[str] = field(default=RUNTIME_METADATA)

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in self.remove_metadata_fields & cell.metadata.keys():
            del cell.metadata[key]
