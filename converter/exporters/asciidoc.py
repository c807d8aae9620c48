"""AsciiDoc for Asciidoctor: code as ``[source,LANG]`` blocks, math as ``stem``, images as side files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from converter.exporters.base import TemplateExporter
from converter.markdown.asciidoc import AsciiDocDocument
from converter.markdown.asciidoc_text import delimited, url_target
from converter.notebook import NotebookNode
from converter.pipeline import Resources

# AsciiDoc outputs pass through; then what the HTML and PDF backends both show.
ASCIIDOC_PRIORITY = (
    "text/asciidoc",
    "text/x-asciidoc",
    "text/latex",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/html",
    "application/pdf",
    "text/plain",
)


class AsciiDocTools:
    """What the asciidoc templates call: markdown cells rendered, blocks fenced, targets made safe.

    One per document: it carries the section hierarchy from cell to cell and puts
    attachments into the document's side files.
    """

    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.document = AsciiDocDocument()

    def markdown(self, source: Any, attachments: dict | None = None, cell_index: int = 0) -> str:
        from converter.markdown import render_markdown
        from converter.preprocessors.extract_outputs import extract_attachment

        text = "".join(source) if isinstance(source, list) else str(source)
        return render_markdown(
            text, "asciidoc",
            lambda url: extract_attachment(url, attachments, self.resources, cell_index),
            {"adoc_document": self.document},
        )

    @staticmethod
    def block(char: str, body: Any, attributes: str = "") -> str:
        """A delimited block (``-`` listing, ``.`` literal, ``+`` passthrough), or "" when empty."""
        text = ("".join(body) if isinstance(body, list) else str(body)).strip("\n")
        return delimited(char, text.rstrip(), attributes) if text.strip() else ""

    @staticmethod
    def target(path: str) -> str:
        """A side file's name as a macro target."""
        return url_target(path)


@dataclass
class ASCIIDocExporter(TemplateExporter):
    """``--to asciidoc``; the class name is nbconvert's, so scripts can switch with an import change."""

    output_extension: ClassVar[str] = ".asciidoc"
    extract_priority: ClassVar[tuple[str, ...]] = ASCIIDOC_PRIORITY
    one_final_newline: ClassVar[bool] = True
    template_entry: ClassVar[str] = "index.asciidoc.j2"

    template: str = "asciidoc"
    no_input: bool = False

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        info = nb.metadata.get("language_info") or {}
        kernelspec = nb.metadata.get("kernelspec") or {}
        language = info.get("name") or kernelspec.get("language") or "python"
        return {
            "language": re.sub(r"[^\w+#.-]", "", str(language)),
            "mime_priority": ASCIIDOC_PRIORITY,
            "no_input": self.no_input,
            "adoc": AsciiDocTools(resources),
        }
