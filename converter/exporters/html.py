"""HTML pages (``lab``) and HTML fragments for embedding (``basic``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from converter.notebook import NotebookNode

from converter.errors import ExportError
from converter.exporters.base import TemplateExporter
from converter.filters.highlight import notebook_language
from converter.filters.mime import HTML_PRIORITY, SCRIPT_MIMETYPES, WIDGET_STATE
from converter.pipeline import Resources

MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js"
WIDGET_RENDERER_URL = "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1/dist/embed.js"
THEMES = ("light", "dark")


@dataclass
class HTMLExporter(TemplateExporter):
    """Options mirror the CLI flags: ``--template``, ``--no-input``, ``--sanitize-html``, ..."""

    output_extension: ClassVar[str] = ".html"
    template_entry: ClassVar[str] = "index.html.j2"

    template: str = "lab"
    theme: str = "light"
    no_input: bool = False
    no_prompt: bool = False
    sanitize_html: bool = False
    block_remote_content: bool = False  # implies sanitize_html: no images from other hosts
    embed_images: bool = False
    mathjax_url: str = MATHJAX_URL
    widget_renderer_url: str = WIDGET_RENDERER_URL

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ExportError(f"unknown theme {self.theme!r} (choose from {', '.join(THEMES)})")
        if self.block_remote_content:
            self.sanitize_html = True  # unsanitized HTML could fetch anything by script

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        title = nb.metadata.get("title")
        widgets = nb.metadata.get("widgets")
        widget_state = widgets.get(WIDGET_STATE) if isinstance(widgets, dict) else None
        priority = HTML_PRIORITY
        if self.sanitize_html:
            priority = tuple(m for m in HTML_PRIORITY if m not in SCRIPT_MIMETYPES)
            widget_state = None
        return {
            "title": title if isinstance(title, str) and title else resources.name,
            "language": notebook_language(nb.metadata),
            "mime_priority": priority,
            "widget_state": widget_state,
            "theme": self.theme,
            "no_input": self.no_input,
            "no_prompt": self.no_prompt,
            "sanitize_html": self.sanitize_html,
            "block_remote_content": self.block_remote_content,
            "embed_images": self.embed_images,
            "mathjax_url": self.mathjax_url,
            "widget_renderer_url": self.widget_renderer_url,
        }
