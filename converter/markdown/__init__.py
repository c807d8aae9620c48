"""Markdown: one mistune 3 parser configuration, a renderer per output format.

``render_markdown(text, "html", ...)`` parses with the shared plugin set and renders
with that format's renderer. Parsers are built once per format and reused.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Optional

import mistune

from converter.markdown.math import math

PLUGINS = ("table", "strikethrough", "footnotes", "task_lists", "url", math)

ImageResolver = Callable[[str], Optional[str]]


@lru_cache(maxsize=None)
def _parser(fmt: str) -> mistune.Markdown:
    if fmt == "html":
        from converter.markdown.html import NotebookHTMLRenderer

        renderer: Any = NotebookHTMLRenderer()
    else:
        raise ValueError(f"no markdown renderer for {fmt!r}")
    return mistune.create_markdown(renderer=renderer, plugins=list(PLUGINS))


def render_markdown(text: str, fmt: str = "html", resolve_image: ImageResolver | None = None) -> str:
    """Render markdown ``text`` to ``fmt``.

    ``resolve_image(url)`` may replace an image URL (attachments, embedded files);
    returning None keeps the URL as written.
    """
    md = _parser(fmt)
    state = md.block.state_cls()
    state.env["resolve_image"] = resolve_image
    result, _ = md.parse(text, state)
    return result
