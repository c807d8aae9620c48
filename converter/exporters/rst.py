"""reStructuredText for Sphinx and docutils, with images as side files; no pandoc."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from converter.notebook import NotebookNode

from converter.exporters.base import TemplateExporter
from converter.filters.highlight import lexer_name, notebook_language
from converter.filters.mime import is_latex_math
from converter.markdown.rst import RSTDocument
from converter.pipeline import Resources

# reST outputs pass through; then what Sphinx renders in both HTML and LaTeX builds.
RST_PRIORITY = (
    "text/x-rst",
    "text/restructuredtext",
    "text/latex",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/html",
    "application/pdf",
    "text/plain",
)


@dataclass
class RSTExporter(TemplateExporter):
    """Code cells become ``code-block`` directives, outputs literal blocks, math ``.. math::``."""

    output_extension: ClassVar[str] = ".rst"
    extract_priority: ClassVar[tuple[str, ...]] = RST_PRIORITY
    one_final_newline: ClassVar[bool] = True
    template_entry: ClassVar[str] = "index.rst.j2"

    template: str = "rst"
    no_input: bool = False

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        return {
            "language": lexer_name(notebook_language(nb.metadata)) or "text",
            "mime_priority": RST_PRIORITY,
            "mime_usable": {"text/latex": is_latex_math},  # a tabular is no math: its HTML is shown
            "no_input": self.no_input,
            "rst_document": RSTDocument(),
        }
