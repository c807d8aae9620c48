"""Clear cell and notebook metadata that editors and extensions leave behind."""

from __future__ import annotations

from dataclasses import dataclass

from converter.notebook import NotebookNode

from converter.pipeline import Preprocessor, Resources

# Kept by default: tags drive templates and tag-based removal; the kernel and language
# decide how code is highlighted.
KEEP_CELL_METADATA = frozenset({"tags"})
KEEP_NOTEBOOK_METADATA = frozenset({"kernelspec", "language_info"})


@dataclass
class ClearMetadataPreprocessor(Preprocessor):
    """Remove every metadata key except the ones listed to keep (output metadata stays:
    it holds image sizes)."""

    clear_cell_metadata: bool = True
    clear_notebook_metadata: bool = True
    keep_cell_metadata: frozenset[str] = KEEP_CELL_METADATA
    keep_notebook_metadata: frozenset[str] = KEEP_NOTEBOOK_METADATA

    def preprocess(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        if self.clear_notebook_metadata:
            _keep_only(nb.metadata, self.keep_notebook_metadata)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        if self.clear_cell_metadata:
            _keep_only(cell.metadata, self.keep_cell_metadata)


def _keep_only(metadata: dict, keep: frozenset[str]) -> None:
    for key in set(metadata) - keep:
        del metadata[key]
