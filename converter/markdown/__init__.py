"""Markdown: one mistune 3 parser configuration, a renderer per output format.

``render_markdown(text, "html", ...)`` parses with the shared plugin set and renders
with that format's renderer. Parsers are built once per format and reused.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from html import escape as escape_html, unescape as unescape_html  # (the html submodule shadows 'html')
from typing import Any, Callable, Optional

import mistune

from converter.markdown.autolink import autolink
from converter.markdown.footnotes import footnotes
from converter.markdown.math import math

PLUGINS = ("table", "strikethrough", footnotes, "task_lists", autolink, math)

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


# An <img> tag written as HTML, bounded so that scanning stays linear, and its src value.
_IMG_TAG = re.compile(r"<img\s[^<>]{0,4096}>", re.IGNORECASE)
_SRC = re.compile(r"""(\ssrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


def resolve_html_images(token: dict[str, Any], state: Any) -> dict[str, Any]:
    """The raw-HTML token with each ``<img src>`` replaced by ``resolve_image``'s URL.

    ``<img src="plot.png">`` written as HTML is embedded like ``![](plot.png)``, under
    the same rules (attachments, files inside the notebook's folder only).
    """
    resolve = state.env.get("resolve_image")
    if resolve is None or token["type"] not in ("inline_html", "block_html") or "<img" not in token["raw"].lower():
        return token

    def replace_src(match: re.Match) -> str:
        url = unescape_html(next(group for group in match.groups()[1:] if group is not None))
        replaced = resolve(url)
        return match.group(0) if replaced is None else f'{match.group(1)}"{escape_html(replaced)}"'

    def replace_tag(match: re.Match) -> str:
        return _SRC.sub(replace_src, match.group(0), count=1)

    return {**token, "raw": _IMG_TAG.sub(replace_tag, token["raw"])}


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
