"""Markdown for static site tools: cells as written, code fenced, images beside the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from converter.notebook import NotebookNode

from converter.exporters.base import TemplateExporter
from converter.pipeline import Resources

# What Markdown can carry: HTML passes through, LaTeX as $$, images as files.
MARKDOWN_PRIORITY = (
    "text/html",
    "text/markdown",
    "text/latex",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "application/pdf",
    "text/plain",
)


@dataclass
class MarkdownExporter(TemplateExporter):
    """Code cells become fences tagged with the notebook's language."""

    output_extension: ClassVar[str] = ".md"
    extract_priority: ClassVar[tuple[str, ...]] = MARKDOWN_PRIORITY
    one_final_newline: ClassVar[bool] = True
    template_entry: ClassVar[str] = "index.md.j2"

    template: str = "markdown"
    no_input: bool = False

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        info = nb.metadata.get("language_info") or {}
        kernelspec = nb.metadata.get("kernelspec") or {}
        language = info.get("name") or kernelspec.get("language") or ""
        return {
            "language": "".join(c for c in str(language) if not c.isspace() and c != "`"),
            "mime_priority": MARKDOWN_PRIORITY,
            "no_input": self.no_input,
        }
