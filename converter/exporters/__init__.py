"""Exporters by format name: ``get_exporter("html")`` and ``export("html", nb)``.

A format is a built-in name, an installed plugin (entry-point group
``nbconv.exporters``), or ``module:Class``. Nothing is imported until it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from converter.notebook import NotebookNode

from converter.errors import ExportError
from converter.pipeline import Resources

# format name -> (module, class, one-line description)
BUILTIN = {
    "html": ("converter.exporters.html", "HTMLExporter", "HTML page (lab template) or fragment (basic)"),
    "slides": ("converter.exporters.slides", "SlidesExporter", "reveal.js slides from the cells' slideshow metadata"),
    "rst": ("converter.exporters.rst", "RSTExporter", "reStructuredText for Sphinx and docutils"),
    "markdown": ("converter.exporters.markdown", "MarkdownExporter", "Markdown with fenced code and extracted images"),
    "script": ("converter.exporters.script", "ScriptExporter", "the code as a script in the notebook's language"),
    "python": ("converter.exporters.script", "PythonExporter", "the code as a Python script (IPython syntax converted)"),
    "notebook": ("converter.exporters.notebook", "NotebookExporter", "a notebook (nbformat v4 JSON), after preprocessors"),

    "latex": ("converter.exporters.latex", "LatexExporter", "LaTeX document for xelatex (article, or report)"),
    "pdf": ("converter.exporters.pdf", "PDFExporter", "PDF document, typeset with xelatex"),
    "webpdf": ("converter.exporters.webpdf", "WebPDFExporter", "PDF printed from the HTML page by headless Chromium (no TeX)"),
    "asciidoc": ("converter.exporters.asciidoc", "ASCIIDocExporter", "AsciiDoc for Asciidoctor, images as side files"),
}


def get_exporter(name: str) -> type:
    """The exporter class for a format name, plugin name or ``module:Class``."""
    from converter.plugins import exporter_entry_points, load_object

    if ":" in name:
        return load_object(name, "exporter")
    key = name.lower()
    if key in BUILTIN:
        module, cls, _ = BUILTIN[key]
        return getattr(importlib.import_module(module), cls)
    plugins = exporter_entry_points()
    if key in plugins:
        try:
            return plugins[key].load()
        except Exception as error:
            raise ExportError(f"exporter plugin {name!r} ({plugins[key].value}) failed to load: {error}") from None
    known = ", ".join(sorted({*BUILTIN, *plugins}))
    raise ExportError(f"unknown format {name!r} (choose from {known}, or give module:Class)")


def list_formats() -> list[tuple[str, str]]:
    """(name, description) of built-in and installed formats, without importing plugins."""
    from converter.plugins import entry_point_summary, exporter_entry_points

    formats = {name: description for name, (_, _, description) in BUILTIN.items()}
    for name, entry in exporter_entry_points().items():
        formats.setdefault(name, entry_point_summary(entry))
    return sorted(formats.items())


def export(exporter: str | type, nb: NotebookNode, resources: Resources | None = None, **options: Any) -> tuple[Any, Resources]:
    """Convert ``nb`` with an exporter given by name or class; options go to the exporter."""
    cls = get_exporter(exporter) if isinstance(exporter, str) else exporter
    return cls(**options).from_notebook_node(nb, resources)


def __getattr__(name: str) -> Any:
    """The exporter classes by name (``from converter.exporters import HTMLExporter``), as in nbconvert."""
    for module, cls, _ in BUILTIN.values():
        if cls == name:
            return getattr(importlib.import_module(module), cls)
    if name in ("Exporter", "TemplateExporter"):
        return getattr(importlib.import_module("converter.exporters.base"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

