"""TeX in a rendered notebook body becomes MathML on the server, so pages need no script.

The basic template leaves math as escaped TeX in elements it names itself: markdown
math in ``<span class="math-inline">`` / ``<div class="math-display">`` (delimiters
kept), LaTeX outputs in ``<div class="jp-RenderedLatex ...">``. Their text is replaced
by MathML from latex2mathml, re-serialised through an allow-list: latex2mathml copies
``\\text{...}`` verbatim (``\\text{<script>}`` would come out as a script element) and
turns ``\\href`` into an attribute. TeX it cannot convert stays visible as source.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from functools import lru_cache

from converter.markdown.math import INLINE_MATH_PATTERN, is_display, strip_delimiters

MATH_ELEMENT = re.compile(
    r'<span class="math-inline">(?P<inline>[^<]*)</span>'
    r'|<div class="math-display">(?P<display>[^<]*)</div>'
    r'|(?P<open><div class="jp-RenderedLatex[^"<>]*" data-mime-type="text/latex">)(?P<latex>[^<]*)(?P<close></div>)'
)
MATH_IN_TEXT = re.compile(INLINE_MATH_PATTERN)

MATHML_TAGS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
    "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "munder", "mover",
    "munderover", "mtable", "mtr", "mtd", "mlabeledtr", "mmultiscripts", "mprescripts",
    "none", "menclose", "semantics", "annotation",
})
MATHML_ATTRIBUTES = frozenset({
    "display", "mathvariant", "displaystyle", "scriptlevel", "rowspacing", "columnspacing",
    "columnalign", "rowalign", "columnlines", "rowlines", "columnspan", "rowspan", "frame",
    "framespacing", "stretchy", "fence", "separator", "lspace", "rspace", "width", "height",
    "depth", "voffset", "accent", "accentunder", "linethickness", "notation", "mathcolor",
    "mathbackground", "minsize", "maxsize", "movablelimits", "symmetric", "form", "largeop",
    "encoding",
})


def render_math(body: str) -> str:
    """``body`` (HTML from the basic template) with its TeX replaced by MathML."""
    return MATH_ELEMENT.sub(_replace, body)


def _replace(match: re.Match[str]) -> str:
    if match["latex"] is not None:
        converted = MATH_IN_TEXT.sub(lambda m: tex_to_mathml(html.unescape(m.group(0))), match["latex"])
        return match["open"] + converted + match["close"]
    escaped = match["inline"] if match["inline"] is not None else match["display"]
    return tex_to_mathml(html.unescape(escaped))


@lru_cache(maxsize=4096)
def tex_to_mathml(raw: str) -> str:
    """One formula, with its delimiters, as MathML; unconvertible TeX as escaped source."""
    from latex2mathml.converter import convert

    tex = strip_delimiters(raw)
    display = is_display(raw) or tex.startswith("\\begin")
    try:
        return safe_mathml(convert(tex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many types on TeX it does not understand
        return f'<code class="nbconv-math-source">{html.escape(raw)}</code>'


def safe_mathml(markup: str) -> str:
    """MathML re-serialised with only allow-listed elements and attributes, all text escaped.

    Raises ``ElementTree.ParseError`` when ``markup`` is not well-formed XML.
    """
    out: list[str] = []
    _serialise(ElementTree.fromstring(markup), out)
    return "".join(out)


def _serialise(element: ElementTree.Element, out: list[str]) -> None:
    tag = element.tag.rpartition("}")[2]
    if tag in MATHML_TAGS:
        attributes = "".join(
            f' {name}="{html.escape(value)}"' for name, value in element.attrib.items() if name in MATHML_ATTRIBUTES
        )
        out.append(f"<{tag}{attributes}>{html.escape(element.text or '')}")
        for child in element:
            _serialise(child, out)
        out.append(f"</{tag}>")
    else:  # markup copied from the TeX source: only its text is kept
        out.append(html.escape("".join(element.itertext())))
    out.append(html.escape(element.tail or ""))
