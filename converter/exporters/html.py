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
MATH_MODES = ("mathjax", "mathml")


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
    embed_images: bool = False
    math: str = "mathjax"
    mathjax_url: str = MATHJAX_URL
    widget_renderer_url: str = WIDGET_RENDERER_URL

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ExportError(f"unknown theme {self.theme!r} (choose from {', '.join(THEMES)})")
        if self.math not in MATH_MODES:
            raise ExportError(f"unknown math mode {self.math!r} (choose from {', '.join(MATH_MODES)})")

    def render(self, nb: NotebookNode, resources: Resources) -> str:
        """The page; with ``math="mathml"`` its formulas are MathML and it holds no script."""
        body = super().render(nb, resources)
        if self.math != "mathml":
            return body
        from converter.filters.mathml import MathRenderer

        renderer = MathRenderer()
        body = renderer.render(body)
        if renderer.failures:
            count = renderer.failures
            resources.extra.setdefault("warnings", []).append(
                f"{count} formula{'s' if count > 1 else ''} could not be converted to MathML (shown as TeX)")
        return body

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        title = nb.metadata.get("title")
        widgets = nb.metadata.get("widgets")
        widget_state = widgets.get(WIDGET_STATE) if isinstance(widgets, dict) else None
        priority = HTML_PRIORITY
        if self.sanitize_html or self.math == "mathml":  # a MathML page runs no script at all
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
            "embed_images": self.embed_images,
            "mathjax_url": self.mathjax_url if self.math == "mathjax" else "",
            "widget_renderer_url": self.widget_renderer_url,
        }
