"""Markdown to LaTeX: a mistune renderer, sibling of the HTML one, so no pandoc is needed.

Every piece of text is escaped with filters.latex; math keeps its delimiters and its
body unchanged. Images are included only when the ``resolve_image`` callback turns
their URL into a local file name (anything else becomes a short placeholder), so the
output always compiles. Raw HTML keeps its text and loses its tags.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from mistune.core import BaseRenderer, BlockState

from converter.filters.highlight import highlight_latex
from converter.filters.latex import escape_latex, latex_url
from converter.markdown import resolve_image_token
from converter.filters.tex_compat import balanced_braces, tex_compatible
from converter.markdown.math import strip_delimiters

Token = dict[str, Any]

HEADING_COMMANDS = ("section", "subsection", "subsubsection", "paragraph", "subparagraph", "subparagraph")
_HTML_DROPPED_START = re.compile(r"<(script|style)\b|<!--", re.I)
_HTML_DROPPED_END = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I),
                     None: re.compile(r"-->")}
_HTML_TAG = re.compile(r"<[^>]*>")
_WHITESPACE = re.compile(r"\s")  # each space a dash, like the HTML heading ids
# amsmath environments that make their own display and are errors inside $...$ or \[...\].
_DISPLAY_ENVIRONMENT = re.compile(
    r"\\begin\{(equation|align|alignat|flalign|gather|multline|eqnarray)(\*?)\}[\s\S]*\\end\{\1\2\}"
)
_URL_BREAK = re.compile(r"[/.?=-]")
# Inline code breaks where an identifier or path has a separator (after ``.``, ``_``, ``/``).
_CODE_BREAK = re.compile(r"\\_|[./]")
_TARGET_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")
_MATH_MARKUP = re.compile(r"\\(?=[A-Za-z])|\\[,;:! ]|[{}]")  # a command's backslash, TeX spaces, braces
_INLINE_CLOSINGS = ("$$", "$", "\\)", "\\]")
# Tables whose widest cells add up to more characters than this get wrapping columns.
_WRAP_TABLE_WIDTH = 70


@dataclass
class LatexDocument:
    """State shared by the markdown cells rendered into one LaTeX document."""

    footnotes: int = 0  # numbered so far: each cell's footnotes continue the count
    markers: bool = False  # mark formulas and raw LaTeX (for the PDF exporter's fallback)
    warnings: list[str] = field(default_factory=list)

    def fragment(self, tex: str, kind: str = "block") -> str:
        """``tex`` between comment lines naming it a fragment the PDF exporter may replace
        by its source when it does not compile (``kind``: inline or block)."""
        if not self.markers:
            return tex
        if kind == "inline":  # the closing delimiter stays on the text's line: no space is lost
            closing = next((end for end in _INLINE_CLOSINGS if tex.endswith(end) and len(tex) > len(end)), "")
            return f"%nbconv-inline{{\n{tex[:len(tex) - len(closing)]}%nbconv-inline}}\n{closing}"
        return f"%nbconv-{kind}{{\n{tex}%nbconv-{kind}}}\n"


def _math(raw: str, state: BlockState, kind: str) -> str:
    tex = tex_compatible(latex_math(raw))
    document = state.env.get("latex_document")
    if not balanced_braces(tex):  # it would swallow the rest of the document
        if document:
            document.warnings.append(f"a formula with unbalanced braces is shown as its source: {raw[:60]}")
        return "\\nbtexsource{\\texttt{" + escape_latex(" ".join(raw.split())) + "}}"
    return document.fragment(tex, kind) if document else tex


def _footnote_number(token: Token, state: BlockState) -> int:
    document = state.env.get("latex_document")
    return token["attrs"]["index"] + (document.footnotes if document else 0)


def plain_text(tokens: list[Token], math_as_text: bool = False) -> str:
    """The characters a reader sees in inline tokens (for anchors and column widths).

    ``math_as_text``: a formula without its delimiters, backslashes and braces, as a
    PDF bookmark can show it (``$\\alpha_k$`` reads ``alpha_k``).
    """
    out = []
    for token in tokens:
        if token["type"] == "footnote_ref":
            continue
        if "children" in token:
            out.append(plain_text(token["children"], math_as_text))
        elif math_as_text and token["type"] == "inline_math":
            out.append(_MATH_MARKUP.sub("", strip_delimiters(token["raw"])))
        elif isinstance(token.get("raw"), str):
            out.append(token["raw"])
    return "".join(out)


def anchor_name(text: str) -> str:
    """A PDF destination name for a heading or a ``#fragment`` link; both map alike."""
    return "nb:" + _TARGET_UNSAFE.sub("-", _WHITESPACE.sub("-", text.strip()))


def latex_math(raw: str) -> str:
    """Math as written, except that an amsmath display environment loses the ``$``/``$$``
    MathJax tolerates around it; the formula itself is never changed."""
    body = strip_delimiters(raw)
    whole = _DISPLAY_ENVIRONMENT.fullmatch(body) if body != raw else None
    if whole and body.count("\\begin{" + whole.group(1)) == 1:
        return body
    return raw


def _drop_scripts_styles_comments(raw: str) -> str:
    """``raw`` without ``<script>``/``<style>`` elements and comments, in linear time.

    Each kind's closer is searched for once per stretch of text: when none is left, no
    later opener of that kind is looked at again (a lazy ``.*?`` would rescan the rest
    of the text from every unclosed ``<script``)."""
    kept, position, unclosed = [], 0, set()
    found: dict = {}  # kind -> (searched from, match or None)
    for opening in _HTML_DROPPED_START.finditer(raw):
        if opening.start() < position:
            continue
        kind = opening.group(1).lower() if opening.group(1) else None
        if kind in unclosed:
            continue
        start = opening.end()
        previous = found.get(kind)
        if previous is None or previous[1].start() < start:
            previous = found[kind] = (start, _HTML_DROPPED_END[kind].search(raw, start))
        closing = previous[1]
        if closing is None:
            unclosed.add(kind)
            continue
        kept.append(raw[position:opening.start()])
        position = closing.end()
    kept.append(raw[position:])
    return "".join(kept)


def _strip_tags(text: str) -> str:
    """Text without ``<...>`` tags; after the last ``>`` no tag can end, so the pattern
    is never tried there (each unclosed ``<`` would scan to the end)."""
    end = text.rfind(">") + 1
    return _HTML_TAG.sub("", text[:end]) + text[end:]


def html_to_text(raw: str) -> str:
    """The text inside raw HTML: scripts, styles and comments dropped, tags removed."""
    return html.unescape(_strip_tags(_drop_scripts_styles_comments(raw)))


class LatexRenderer(BaseRenderer):
    """Renders mistune tokens to LaTeX for the article and report templates."""

    NAME = "latex"

    def render_token(self, token: Token, state: BlockState) -> str:
        resolved = resolve_image_token(token, state)
        if token["type"] == "image" and resolved is token:
            return self.image_placeholder(token, state)
        return self._get_method(token["type"])(resolved, state)

    def children(self, token: Token, state: BlockState) -> str:
        return self.render_tokens(token.get("children", ()), state)

    # inline

    def text(self, token: Token, state: BlockState) -> str:
        return escape_latex(html.unescape(token["raw"]))

    escaped_dollar = text  # a literal $; only HTML pages need it kept away from MathJax

    def emphasis(self, token: Token, state: BlockState) -> str:
        return "\\emph{" + self.children(token, state) + "}"

    def strong(self, token: Token, state: BlockState) -> str:
        return "\\textbf{" + self.children(token, state) + "}"

    def strikethrough(self, token: Token, state: BlockState) -> str:
        return "\\nbstrike{" + self.children(token, state) + "}"

    def codespan(self, token: Token, state: BlockState) -> str:
        code = _CODE_BREAK.sub(lambda m: m.group() + "\\allowbreak{}", escape_latex(token["raw"]))
        return "\\texttt{" + code + "}"

    def linebreak(self, token: Token, state: BlockState) -> str:
        return "\\newline\n"

    def softbreak(self, token: Token, state: BlockState) -> str:
        return "\n"

    def inline_html(self, token: Token, state: BlockState) -> str:
        return ""

    def inline_math(self, token: Token, state: BlockState) -> str:
        return _math(token["raw"], state, "inline")

    def link(self, token: Token, state: BlockState) -> str:
        text = self.children(token, state)
        url = token["attrs"]["url"]
        if plain_text(token.get("children", [])) == url:  # a bare URL: let it break across lines
            text = _URL_BREAK.sub(lambda m: m.group() + "\\allowbreak{}", text)
        if url.startswith("#"):
            return f"\\hyperlink{{{anchor_name(html.unescape(url[1:]))}}}{{{text}}}"
        target = latex_url(url)
        if target is None:
            return text
        return f"\\href{{{target}}}{{{text}}}"

    def image(self, token: Token, state: BlockState) -> str:
        """An image the resolver turned into a local file (its name is LaTeX-safe)."""
        return "\\nbimage{" + token["attrs"]["url"] + "}"

    def image_placeholder(self, token: Token, state: BlockState) -> str:
        alt = escape_latex(plain_text(token.get("children", [])).strip() or token["attrs"]["url"])
        return "\\nbmissingimage{" + alt + "}"

    def footnote_ref(self, token: Token, state: BlockState) -> str:
        return f"\\protect\\footnotemark[{_footnote_number(token, state)}]"

    # blocks

    def paragraph(self, token: Token, state: BlockState) -> str:
        return self.children(token, state) + "\n\n"

    def block_text(self, token: Token, state: BlockState) -> str:
        return self.children(token, state) + "\n"

    def blank_line(self, token: Token, state: BlockState) -> str:
        return ""

    def heading(self, token: Token, state: BlockState) -> str:
        command = HEADING_COMMANDS[token["attrs"]["level"] - 1]
        target = anchor_name(html.unescape(plain_text(token["children"])))
        text = self.children(token, state)
        # The anchor sits in the title (a separate one would start an empty paragraph).
        # Bookmarks and the table of contents get the heading's plain text (the optional
        # argument), so a formula is typeset once, in the title, where the PDF exporter
        # can trace an error to it.
        plain = escape_latex(" ".join(plain_text(token["children"], math_as_text=True).split()))
        return f"\\{command}[{{{plain}}}]{{\\hypertarget{{{target}}}{{}}{text}}}\n\n"

    def thematic_break(self, token: Token, state: BlockState) -> str:
        return "\\nbrule\n\n"

    def block_code(self, token: Token, state: BlockState) -> str:
        info = (token.get("attrs") or {}).get("info") or ""
        language = info.split(None, 1)[0] if info.strip() else None
        return highlight_latex(token["raw"], language) + "\n"

    def block_math(self, token: Token, state: BlockState) -> str:
        return _math(token["raw"], state, "block") + "\n\n"

    def block_quote(self, token: Token, state: BlockState) -> str:
        return "\\begin{quote}\n" + self.children(token, state) + "\\end{quote}\n\n"

    def block_html(self, token: Token, state: BlockState) -> str:
        text = html_to_text(token["raw"]).strip()
        return escape_latex(text) + "\n\n" if text else ""

    def block_error(self, token: Token, state: BlockState) -> str:
        return escape_latex(token.get("raw", "")) + "\n\n"

    def list(self, token: Token, state: BlockState) -> str:
        attrs = token["attrs"]
        environment = "enumerate" if attrs["ordered"] else "itemize"
        options = ["noitemsep"] if token.get("tight") else []
        start = attrs.get("start")
        if attrs["ordered"] and start not in (None, 1):
            options.append(f"start={int(start)}")
        opening = f"\\begin{{{environment}}}" + (f"[{', '.join(options)}]" if options else "")
        return f"{opening}\n{self.children(token, state)}\\end{{{environment}}}\n\n"

    def list_item(self, token: Token, state: BlockState) -> str:
        return "\\item{} " + self.children(token, state).strip("\n") + "\n"

    def task_list_item(self, token: Token, state: BlockState) -> str:
        box = "\\nbchecked" if token["attrs"].get("checked") else "\\nbunchecked"
        return f"\\item[{box}] " + self.children(token, state).strip("\n") + "\n"

    def table(self, token: Token, state: BlockState) -> str:
        head = token["children"][0]
        columns = table_columns(token, [cell["attrs"].get("align") for cell in head["children"]])
        return (
            f"\\begin{{longtable}}[l]{{@{{}}{columns}@{{}}}}\n\\toprule\n"
            + self.children(token, state)
            + "\\bottomrule\n\\end{longtable}\n\n"
        )

    def table_head(self, token: Token, state: BlockState) -> str:
        return self.table_row(token, state) + "\\midrule\n\\endhead\n"

    def table_body(self, token: Token, state: BlockState) -> str:
        return self.children(token, state)

    def table_row(self, token: Token, state: BlockState) -> str:
        cells = [self.render_token(cell, state) for cell in token["children"]]
        return " & ".join(cells) + " \\tabularnewline\n"

    def table_cell(self, token: Token, state: BlockState) -> str:
        text = self.children(token, state).replace("\\newline\n", " ")
        return "\\textbf{" + text + "}" if token["attrs"].get("head") else text

    def footnotes(self, token: Token, state: BlockState) -> str:
        text = self.children(token, state)
        document = state.env.get("latex_document")
        if document:
            document.footnotes += len(token["children"])
        return text

    def footnote_item(self, token: Token, state: BlockState) -> str:
        text = self.children(token, state).strip()
        return f"\\footnotetext[{_footnote_number(token, state)}]{{{text}}}\n"


def table_columns(token: Token, aligns: list[str | None]) -> str:
    """Column specs: l/c/r for short cells; wrapping p-columns sized by content when wide."""
    widths = [1] * len(aligns)
    for part in token["children"]:
        rows = [part] if part["type"] == "table_head" else part["children"]
        for row in rows:
            for index, cell in enumerate(row["children"][: len(widths)]):
                widths[index] = max(widths[index], len(plain_text(cell["children"])))
    if sum(widths) <= _WRAP_TABLE_WIDTH:
        return "".join({"center": "c", "right": "r"}.get(align or "", "l") for align in aligns)
    usable = 1.0 - 0.03 * len(aligns)
    specs = []
    for align, width in zip(aligns, widths):
        ragged = {"center": "\\centering", "right": "\\raggedleft"}.get(align or "", "\\raggedright")
        share = usable * width / sum(widths)
        specs.append(f">{{{ragged}\\arraybackslash}}p{{{share:.3f}\\linewidth}}")
    return "".join(specs)
