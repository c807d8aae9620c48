"""reveal.js slides: the HTML exporter's cells, grouped by ``slideshow.slide_type``.

Jupyter's slide types: ``slide`` starts a horizontal slide, ``subslide`` a vertical one
below it, ``fragment`` a part shown on the next key press (following ``-`` cells belong
to it), ``skip`` is left out, ``notes`` become speaker notes, ``-`` (or none) continues.
The first cell shown always starts a slide. The structure is computed here, as a list
of events per cell (``slide_events``); templates/reveal/ turns events into sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from converter.errors import ExportError
from converter.exporters.html import HTMLExporter
from converter.notebook import NotebookNode
from converter.pipeline import Resources

REVEAL_VERSION = "5.2.1"
REVEAL_PREFIX = f"https://cdn.jsdelivr.net/npm/reveal.js@{REVEAL_VERSION}"
TRANSITIONS = ("none", "fade", "slide", "convex", "concave", "zoom")
NUMBER_FORMATS = ("", "h.v", "h/v", "c", "c/t")
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
_THEME_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")


def slide_type(cell: NotebookNode) -> str:
    """The cell's ``slideshow.slide_type``; anything unknown counts as ``-``."""
    slideshow = cell.get("metadata", {}).get("slideshow")
    kind = slideshow.get("slide_type") if isinstance(slideshow, dict) else None
    return kind if kind in SLIDE_TYPES else "-"


def slide_events(cells: list[NotebookNode]) -> tuple[list[list[str]], list[str]]:
    """Per cell, the sections to close and open before it; and those to close at the end.

    Events: ``end_fragment``, ``end_subslide``, ``end_slide``, ``slide``, ``subslide``,
    ``fragment``. Cells before the first shown one are skipped unless they are notes,
    which then belong to the first slide.
    """
    kinds = [slide_type(cell) for cell in cells]
    events: list[list[str]] = [[] for _ in cells]
    start = next((i for i, kind in enumerate(kinds) if kind != "skip"), None)
    if start is None or all(kind in ("skip", "notes") for kind in kinds):
        raise ExportError("every cell is skip or notes: there is no slide to show")
    first_shown = next(i for i, kind in enumerate(kinds) if kind not in ("skip", "notes"))
    events[start] = ["slide", "subslide"]
    in_fragment = False
    for index in range(start + 1, len(cells)):
        kind = "-" if index == first_shown else kinds[index]
        if kind in ("slide", "subslide"):
            events[index] = (["end_fragment"] if in_fragment else []) + ["end_subslide"]
            events[index] += ["end_slide", "slide", "subslide"] if kind == "slide" else ["subslide"]
            in_fragment = False
        elif kind == "fragment":
            events[index] = (["end_fragment"] if in_fragment else []) + ["fragment"]
            in_fragment = True
    closing = (["end_fragment"] if in_fragment else []) + ["end_subslide", "end_slide"]
    return events, closing


@dataclass
class SlidesExporter(HTMLExporter):
    """reveal.js slides; options mirror ``--reveal-prefix``, ``--reveal-theme``, ..."""

    output_extension: ClassVar[str] = ".slides.html"

    template: str = "reveal"
    reveal_url_prefix: str = REVEAL_PREFIX
    reveal_theme: str = "simple"
    reveal_transition: str = "slide"
    reveal_scroll: bool = False
    reveal_number: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not _THEME_NAME.fullmatch(self.reveal_theme):
            raise ExportError(f"reveal theme {self.reveal_theme!r} is not a theme name (letters, digits, - and _)")
        if self.reveal_transition not in TRANSITIONS:
            raise ExportError(f"unknown reveal transition {self.reveal_transition!r} "
                              f"(choose from {', '.join(TRANSITIONS)})")
        if self.reveal_number not in NUMBER_FORMATS:
            raise ExportError(f"unknown slide number format {self.reveal_number!r} "
                              f"(choose from {', '.join(f for f in NUMBER_FORMATS if f)})")

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        events, closing = slide_events(nb.cells)
        return {
            **super().template_context(nb, resources),
            "slide_types": [slide_type(cell) for cell in nb.cells],
            "slide_events": events,
            "slide_closing": closing,
            "reveal_prefix": self.reveal_url_prefix.rstrip("/"),
            "reveal_config": {
                "transition": self.reveal_transition,
                "slideNumber": self.reveal_number or False,
                "hash": True,
                "controls": True,
                "progress": True,
            },
            "reveal_theme": self.reveal_theme,
            "reveal_scroll": self.reveal_scroll,
        }
