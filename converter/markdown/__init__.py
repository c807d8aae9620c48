"""Markdown: one mistune 3 parser configuration, a renderer per output format.

``render_markdown(text, "html", ...)`` parses with the shared plugin set and renders
with that format's renderer. Parsers are built once per format and reused.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any, Callable, Optional

import mistune

from converter.markdown.math import math

PLUGINS = ("table", "strikethrough", "footnotes", "task_lists", "url", math)

# output format -> (module, renderer class); each renderer is a mistune BaseRenderer
RENDERERS = {
    "html": ("converter.markdown.html", "NotebookHTMLRenderer"),
    "rst": ("converter.markdown.rst", "RSTRenderer"),
    "asciidoc": ("converter.markdown.asciidoc", "AsciiDocRenderer"),

    "latex": ("converter.markdown.latex", "LatexRenderer"),
}

ImageResolver = Callable[[str], Optional[str]]


@lru_cache(maxsize=None)
def _parser(fmt: str) -> mistune.Markdown:
    try:
        module, name = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"no markdown renderer for {fmt!r}") from None
    renderer: Any = getattr(importlib.import_module(module), name)()
    return mistune.create_markdown(renderer=renderer, plugins=list(PLUGINS))


def resolve_image_token(token: dict[str, Any], state: Any) -> dict[str, Any]:
    """The image token with its URL replaced by the state's ``resolve_image``, if it gives one.

    Renderers call this from ``render_token`` so every format resolves attachments and
    embedded files the same way.
    """
    if token["type"] != "image":
        return token
    resolve = state.env.get("resolve_image")
    replaced = resolve(token["attrs"]["url"]) if resolve else None
    if replaced is None:
        return token
    return {**token, "attrs": {**token["attrs"], "url": replaced}}


def render_markdown(text: str, fmt: str = "html", resolve_image: ImageResolver | None = None,
                    env: dict[str, Any] | None = None) -> str:
    """Render markdown ``text`` to ``fmt``.

    ``resolve_image(url)`` may replace an image URL (attachments, embedded files);
    returning None keeps the URL as written. ``env`` adds entries to the parser state's
    env, for renderers that share a per-document context between snippets.
    """
    md = _parser(fmt)
    state = md.block.state_cls()
    state.env.update(env or {})
    state.env["resolve_image"] = resolve_image
    result, _ = md.parse(text, state)
    return result
