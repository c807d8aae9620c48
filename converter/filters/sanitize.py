"""Clean notebook-supplied HTML with bleach: keep document markup, drop anything active.

Used for markdown (with its raw HTML), text/html outputs and raw HTML cells when the
user asks for ``--sanitize-html``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

ALLOWED_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt",
    "u", "ul", "var",
})

_COMMON_ATTRIBUTES = frozenset({"class", "id", "title", "style", "align", "dir", "lang"})
_TAG_ATTRIBUTES = {
    "a": {"href", "name", "target", "rel"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span", "width"},
    "ol": {"start", "type"},
    "input": {"type", "checked", "disabled"},
    "details": {"open"},
}


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _COMMON_ATTRIBUTES or name in _TAG_ATTRIBUTES.get(tag, ()):
        if tag == "input" and name == "type":
            return value == "checkbox"  # task lists; no forms
        if name in ("href", "src") and value.strip().lower().startswith("data:"):
            return tag == "img" and value.strip().lower().startswith("data:image/")
        return True
    return False


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    from bleach.css_sanitizer import CSSSanitizer
    from bleach.sanitizer import Cleaner

    return Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols={"http", "https", "mailto", "data"},
        strip=True,
        strip_comments=True,
        css_sanitizer=CSSSanitizer(),
    )


def sanitize_html(html: str) -> str:
    """HTML with scripts, event handlers, frames, forms and unsafe URLs removed."""
    return _cleaner().clean(html)
