"""Clean notebook-supplied HTML with bleach: keep document markup, drop anything active.

Used for markdown (with its raw HTML), text/html outputs and raw HTML cells when the
user asks for ``--sanitize-html``. Elements whose content is code or hidden markup
(``script``, ``style``, ``noscript``, ``template``, ...) go with their content: bleach
alone keeps it as text, so a pandas DataFrame would show its CSS above the table.

What a sanitized page can still make the browser fetch is images (``img src``); with
``block_remote_content`` only images inside the page (``data:image/...``) and beside it
(relative URLs) stay, so opening the page contacts no other host.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Iterator

ALLOWED_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt",
    "u", "ul", "var",
})
# Removed together with everything inside them.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "noscript", "template", "noembed", "noframes"})

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
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# What browsers ignore in a URL: surrounding spaces and controls, tabs and newlines anywhere.
_URL_IGNORED = re.compile(r"[\t\n\r]")


def is_local_url(url: str) -> bool:
    """Whether fetching ``url`` from a page stays in the page or beside it: a data: image
    or a relative path (not ``//host/...``, which browsers also spell ``\\\\host``)."""
    url = _URL_IGNORED.sub("", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
                                          "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    if _SCHEME.match(url):
        return url.lower().startswith("data:image/")
    return not (len(url) >= 2 and url[0] in "/\\" and url[1] in "/\\")


def _attribute_filter(block_remote: bool):
    def allowed(tag: str, name: str, value: str) -> bool:
        if name in _COMMON_ATTRIBUTES or name in _TAG_ATTRIBUTES.get(tag, ()):
            if tag == "input" and name == "type":
                return value == "checkbox"  # task lists; no forms
            if name in ("href", "src") and value.strip().lower().startswith("data:"):
                return tag == "img" and value.strip().lower().startswith("data:image/")
            if block_remote and tag == "img" and name == "src":
                return is_local_url(value)
            return True
        return False

    return allowed


def _without_dropped(tokens: Iterable[dict]) -> Iterator[dict]:
    """html5lib tree-walker tokens minus the DROPPED_WITH_CONTENT elements and their insides."""
    depth = 0
    for token in tokens:
        kind, name = token["type"], token.get("name")
        if name in DROPPED_WITH_CONTENT and kind in ("StartTag", "EndTag", "EmptyTag"):
            depth += 1 if kind == "StartTag" else -1 if kind == "EndTag" else 0
            depth = max(depth, 0)
            continue
        if depth == 0:
            yield token


@lru_cache(maxsize=2)
def _cleaner(block_remote: bool) -> Any:
    from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer
    from bleach.sanitizer import Cleaner

    cleaner = Cleaner(
        # the dropped elements are "allowed" so the parser keeps them as elements, to be
        # removed whole by _without_dropped before bleach's filter sees them
        tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT,
        attributes=_attribute_filter(block_remote),
        protocols={"http", "https", "mailto", "data"},
        strip=True,
        strip_comments=True,
        # cursor: url(...) is the one allowed property that fetches
        css_sanitizer=CSSSanitizer(allowed_css_properties=ALLOWED_CSS_PROPERTIES - {"cursor"}),
    )
    walk = cleaner.walker
    cleaner.walker = lambda dom: _without_dropped(walk(dom))
    return cleaner


def sanitize_html(html: str, block_remote_content: bool = False) -> str:
    """HTML with scripts, styles, event handlers, frames, forms and unsafe URLs removed;
    with ``block_remote_content`` also images from other hosts."""
    return _cleaner(block_remote_content).clean(html)
