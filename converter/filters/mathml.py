"""TeX in a rendered notebook body becomes MathML on our side, so pages need no script.

One renderer for ``--math mathml`` pages, slides and the viewer. The basic template
leaves math as escaped TeX in elements it names itself: markdown math in
``<span class="math-inline">`` / ``<div class="math-display">`` (delimiters kept),
LaTeX outputs in ``<div class="jp-RenderedLatex ...">``. Their text is replaced by
MathML built by ``converter.filters.mathml_tex`` (latex2mathml plus our own tables,
text and references), re-serialised through an allow-list: latex2mathml copies some
TeX verbatim into its XML and turns ``\\href`` into an attribute. TeX that cannot be
converted stays visible as source in ``<code>``, and is counted.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from functools import lru_cache

from converter.filters.mathml_rules import RULE_ATTRIBUTE, RULE_STYLE
from converter.filters.mathml_tex import CELL_ATTRIBUTE, CELL_STYLE, MAX_FORMULA, convert_formula
from converter.filters.tex import find_math

MATH_ELEMENT = re.compile(
    r'<span class="math-inline">(?P<inline>[^<]*)</span>'
    r'|<div class="math-display">(?P<display>[^<]*)</div>'
    r'|(?P<open><div class="jp-RenderedLatex[^"<>]*" data-mime-type="text/latex">)(?P<latex>[^<]*)(?P<close></div>)'
)
FALLBACK_CLASS = "nbconv-math-source"
_REFERENCE = re.compile(r"\\(?:eq)?ref\s*\{([^{}]{1,200})\}")

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


class MathRenderer:
    """Replaces the math of one page; counts formulas shown as TeX (``failures``)."""

    def __init__(self) -> None:
        self.failures = 0
        self.labels: dict[str, str] = {}

    def render(self, body: str) -> str:
        """``body`` (HTML from the basic template) with its TeX replaced by MathML."""
        pieces: list[str] = []  # HTML text, with the formulas' TeX (unescaped) at ``formulas``
        formulas: list[int] = []
        position = 0
        for match in MATH_ELEMENT.finditer(body):
            pieces.append(body[position:match.start()])
            if match["latex"] is not None:  # a LaTeX output: text with formulas in it
                pieces.append(match["open"])
                text, start = match["latex"], 0
                for begin, end in find_math(text):
                    pieces.append(text[start:begin])
                    formulas.append(len(pieces))
                    pieces.append(html.unescape(text[begin:end]))
                    start = end
                pieces.append(text[start:] + match["close"])
            else:
                formulas.append(len(pieces))
                pieces.append(html.unescape(match["inline"] if match["inline"] is not None else match["display"]))
            position = match.end()
        pieces.append(body[position:])
        converted = {}
        for index in formulas:  # labels first, so a reference may come before its equation
            converted[index], labels = _convert(pieces[index], ())
            self.labels.update(labels)
        for index in formulas:
            tex = pieces[index]
            refs = tuple(sorted({(label, self.labels[label]) for label in _REFERENCE.findall(tex)
                                 if label in self.labels})) if "ref" in tex and self.labels else ()
            pieces[index] = _convert(tex, refs)[0] if refs else converted[index]
            self.failures += pieces[index].startswith("<code")
        return "".join(pieces)


def render_math(body: str) -> str:
    """``body`` (HTML from the basic template) with its TeX replaced by MathML."""
    return MathRenderer().render(body)


def tex_to_mathml(raw: str) -> str:
    """One formula, with its delimiters, as MathML; unconvertible TeX as escaped source."""
    return _convert(raw, ())[0]


# Short formulas repeat (x, $n$, ...): up to 1024 of them are remembered, which bounds the
# memory a long-running viewer process spends on them to about 10 MB.
CACHED_FORMULA = 500  # characters


def _convert(raw: str, refs: tuple[tuple[str, str], ...]) -> tuple[str, dict[str, str]]:
    return (_convert_remembered if len(raw) <= CACHED_FORMULA else _convert_once)(raw, refs)


def _convert_once(raw: str, refs: tuple[tuple[str, str], ...]) -> tuple[str, dict[str, str]]:
    if len(raw) <= MAX_FORMULA:
        try:
            element, labels = convert_formula(raw, dict(refs))
            return safe_mathml(element), labels
        except Exception:  # latex2mathml raises many types on TeX it does not understand
            pass
    return f'<code class="{FALLBACK_CLASS}">{html.escape(raw)}</code>', {}


_convert_remembered = lru_cache(maxsize=1024)(_convert_once)


def safe_mathml(markup: str | ElementTree.Element) -> str:
    """MathML re-serialised with only allow-listed elements and attributes, all text escaped.

    Raises ``ElementTree.ParseError`` when ``markup`` is a string that is not well-formed XML.
    """
    out: list[str] = []
    _serialise(ElementTree.fromstring(markup) if isinstance(markup, str) else markup, out)
    return "".join(out)


def _serialise(element: ElementTree.Element, out: list[str]) -> None:
    tag = element.tag.rpartition("}")[2]
    if tag in MATHML_TAGS:
        attributes = "".join(
            f' {name}="{html.escape(value)}"' for name, value in element.attrib.items() if name in MATHML_ATTRIBUTES
        )
        style = ";".join(filter(None, [CELL_STYLE.get(element.get(CELL_ATTRIBUTE, "")),
                                       *(RULE_STYLE.get(side) for side in element.get(RULE_ATTRIBUTE, ""))]))
        if style:
            attributes += f' style="{style}"'
        out.append(f"<{tag}{attributes}>{html.escape(element.text or '')}")
        for child in element:
            _serialise(child, out)
        out.append(f"</{tag}>")
    else:  # markup copied from the TeX source: only its text is kept
        out.append(html.escape("".join(element.itertext())))
    out.append(html.escape(element.tail or ""))
