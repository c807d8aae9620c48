"""Exporters by format name: ``get_exporter("html")`` and ``export("html", nb)``.

Built-in exporters are imported only when asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

from converter.notebook import NotebookNode

from converter.errors import ExportError
from converter.pipeline import Resources

# format name -> (module, class)
BUILTIN = {
    "html": ("converter.exporters.html", "HTMLExporter"),
}


def get_exporter(name: str) -> type:
    """The exporter class for a format name."""
    try:
        module, cls = BUILTIN[name.lower()]
    except KeyError:
        raise ExportError(f"unknown format {name!r} (choose from {', '.join(sorted(BUILTIN))})") from None
    return getattr(importlib.import_module(module), cls)


def export(exporter: str | type, nb: NotebookNode, resources: Resources | None = None, **options: Any) -> tuple[Any, Resources]:
    """Convert ``nb`` with an exporter given by name or class; options go to the exporter."""
    cls = get_exporter(exporter) if isinstance(exporter, str) else exporter
    return cls(**options).from_notebook_node(nb, resources)
