"""Markdown to HTML: mistune's renderer plus anchors, highlighting, math and image URLs."""

from __future__ import annotations

import html
import re
from typing import Any, Optional

from mistune import HTMLRenderer
from mistune.util import striptags

from converter.filters.highlight import highlight_code
from converter.markdown import resolve_html_images, resolve_image_token

_WHITESPACE = re.compile(r"\s")  # each space a dash, as JupyterLab does: "A  B" -> "A--B"


def heading_id(text_html: str) -> str:
    """The anchor Jupyter gives a heading: its text with each space turned into a dash."""
    return _WHITESPACE.sub("-", html.unescape(striptags(text_html)).strip())


class NotebookHTMLRenderer(HTMLRenderer):
    """Raw HTML passes (notebooks are HTML documents; sanitizing happens after)."""

    GOOD_DATA_PROTOCOLS = HTMLRenderer.GOOD_DATA_PROTOCOLS + ("data:image/svg+xml;",)

    def __init__(self) -> None:
        super().__init__(escape=False)

    def render_token(self, token: dict[str, Any], state: Any) -> str:
        return super().render_token(resolve_html_images(resolve_image_token(token, state), state), state)

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        anchor = html.escape(heading_id(text))
        return (
            f'<h{level} id="{anchor}">{text}'
            f'<a class="anchor-link" href="#{anchor}">\u00b6</a></h{level}>\n'
        )

    def block_code(self, code: str, info: Optional[str] = None) -> str:
        language = info.split(None, 1)[0] if info and info.strip() else None
        return str(highlight_code(code, language)) + "\n"

    def block_math(self, text: str) -> str:
        return '<div class="math-display">' + html.escape(text, quote=False) + "</div>\n"

    def escaped_dollar(self, text: str) -> str:
        """A literal ``$`` that MathJax skips, so two of them never pair into math."""
        return '<span class="tex2jax_ignore">$</span>'

    def inline_math(self, text: str) -> str:
        return '<span class="math-inline">' + html.escape(text, quote=False) + "</span>"
