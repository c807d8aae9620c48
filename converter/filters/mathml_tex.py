"""One TeX formula to a MathML element tree: latex2mathml, plus what it lacks for Chromium.

latex2mathml converts the formula; before it sees the TeX, the parts it gets wrong are
taken out and replaced by placeholder commands (``\\nbconvslotab``) that come back as
``<mi>`` elements, which are then swapped for MathML built here:

- tables (``align``, ``aligned``, ``eqnarray``, ``gather``, ``split``, matrices, ``cases``,
  ``array``): cells aligned by CSS, since MathML Core ignores ``columnalign``, so the
  ``=`` after ``&`` lines up; matrix and cases delimiters stretch around the table;
  a trailing ``\\\\`` makes no empty row;
- ``\\text{... $x$ ...}`` (math inside text), ``\\operatorname``, ``\\mathrm``;
- ``|`` in an array's columns and ``\\hline`` as rules (``converter.filters.mathml_rules``);
- ``\\tag``, ``\\label``, ``\\eqref`` / ``\\ref`` (a label resolves to its tag on the page).

Afterwards ``mathvariant`` (bold, double-struck, ...) becomes Unicode mathematical
letters, which Chromium draws where it ignores the attribute. A command latex2mathml
does not know (it would print ``\\foo``) makes the formula fail, so it is shown as TeX.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from typing import Optional

from converter.filters.tex import (ROW_ENDS, Environment, Group, Node, next_argument, parse, plain_text,
                                  split_table)
from converter.filters.mathml_rules import mark_rules, parse_spec, take_row_rules
from converter.filters.unicode_math import styled_text
from converter.markdown.math import is_display, strip_delimiters

MAX_FORMULA = 20_000  # characters of TeX in one formula; longer ones are shown as source
MAX_CELLS = 2_000  # table cells in one formula
# Table cells carry a layout name; the serializer turns it into CSS (MathML Core, which
# Chromium implements, ignores columnalign). Only these fixed strings are ever written.
CELL_STYLE = {
    "right": "text-align:right",
    "left": "text-align:left",
    "center": "text-align:center",
    "align-right": "text-align:right;padding-left:1em;padding-right:0",
    "align-left": "text-align:left;padding-left:0;padding-right:1em",
    "tag": "text-align:right;padding-left:2em",
}
CELL_ATTRIBUTE = "nbconv-cell"

Element = ElementTree.Element
SLOT = "\\nbconvslot"
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z\s]")

SIGNS = {"\u2212", "+", "\u00b1", "\u2213"}
LARGE_OPERATORS = set("\u2211\u220f\u2210\u22c0\u22c1\u22c2\u22c3\u2a00\u2a01\u2a02\u2a04\u2a06") | {
    "lim", "max", "min", "sup", "inf", "det", "gcd", "Pr", "liminf", "limsup", "argmax", "argmin"}
LIMITS_BELOW = {"msub": "munder", "msup": "mover", "msubsup": "munderover"}
ALIGNED = {"align", "align*", "aligned", "split", "flalign", "flalign*", "alignat", "alignat*", "alignedat"}
GATHERED = {"gather", "gather*", "gathered", "multline", "multline*"}
MATRICES = {"matrix": ("", ""), "pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "Bmatrix": ("{", "}"),
            "vmatrix": ("|", "|"), "Vmatrix": ("\u2016", "\u2016"), "smallmatrix": ("", ""),
            "cases": ("{", ""), "dcases": ("{", ""), "rcases": ("", "}")}
DISPLAY_STYLE = ALIGNED | GATHERED | {"eqnarray", "eqnarray*", "dcases"}
EQUATIONS = {"equation", "equation*", "displaymath", "math"}
TEXT_COMMANDS = {"\\text", "\\textrm", "\\textit", "\\textbf", "\\textsf", "\\texttt", "\\mbox", "\\hbox",
                 "\\textnormal", "\\textup"}
DROPPED = {"\\label", "\\nonumber", "\\notag"}


def convert_formula(raw: str, refs: dict[str, str]) -> tuple[Element, dict[str, str]]:
    """``raw`` (with its delimiters) as a ``<math>`` element, and its labels -> tags."""
    tex = strip_delimiters(raw)
    display = is_display(raw) or tex.startswith("\\begin")
    builder = _Builder(refs, "block" if display else "inline")
    math = Element("math", display="block" if display else "inline")
    math.append(builder.formula(parse(tex)))
    return math, builder.labels


def _element(tag: str, text: str = "", **attributes: str) -> Element:
    element = Element(tag, attributes)
    element.text = text
    return element


def _mrow(*children: Element) -> Element:
    row = Element("mrow")
    row.extend(children)
    return row


class _Builder:
    def __init__(self, refs: dict[str, str], display: str) -> None:
        self.refs = refs
        self.display = display
        self.slots: list[Element] = []
        self.labels: dict[str, str] = {}
        self.row_labels: list[str] = []
        self.row_tags: list[tuple[str, bool]] = []  # (text, starred: shown without parentheses)
        self.cells = 0

    # -- a formula, a cell: TeX with placeholders, through latex2mathml, placeholders filled

    def formula(self, nodes: list[Node]) -> Element:
        if any(node in ROW_ENDS for node in nodes):  # lines outside any environment: centred rows, as MathJax
            return self.table(Environment("gathered", nodes))
        self.row_labels, self.row_tags = [], []
        result = self.math(nodes)
        tags = self.end_row()
        if tags:
            return _mrow(result, _element("mspace", width="2em"), _element("mtext", tags))
        return result

    def math(self, nodes: list[Node]) -> Element:
        tex = self.rewrite(nodes)
        if not tex.strip():
            return Element("mrow")
        from latex2mathml.converter import convert_to_element

        root = convert_to_element(tex, display=self.display)
        row = root[0] if len(root) == 1 else _mrow(*root)
        return self.finish(row)

    def end_row(self) -> str:
        """The row's tags as shown (``\\tag*`` without parentheses); its labels now refer to them."""
        shown = " ".join(text if starred else f"({text})" for text, starred in self.row_tags)
        if shown:
            referred = " ".join(text for text, _ in self.row_tags)  # \eqref adds its own parentheses
            self.labels.update((label, referred) for label in self.row_labels)
        self.row_labels, self.row_tags = [], []
        return shown

    def slot(self, element: Element) -> str:
        index = len(self.slots)
        self.slots.append(element)
        name = ""
        while True:
            name = chr(ord("a") + index % 26) + name
            index //= 26
            if not index:
                break
        return f"{SLOT}{name} "

    def finish(self, element: Element, variant: str = "") -> Element:
        """Placeholders filled, unknown commands refused, styled letters made Unicode."""
        variant = element.attrib.get("mathvariant", variant)
        tag = element.tag.rpartition("}")[2]
        # latex2mathml writes characters as references (&#x0003D;) and unescapes its whole
        # XML string; here only text is unescaped, so TeX never turns into markup.
        text = element.text = html.unescape(element.text) if element.text else ""
        if element.tail:
            element.tail = html.unescape(element.tail)
        if tag in ("mi", "mo", "mn") and text.startswith(SLOT):
            index = 0
            for letter in text[len(SLOT):]:
                index = index * 26 + ord(letter) - ord("a")
            filled = self.slots[index]
            filled.tail = element.tail
            return filled
        if tag in ("mi", "mo", "mn") and _UNKNOWN_COMMAND.match(text):
            raise ValueError(f"unknown command {text}")
        if tag in ("mi", "mn", "mtext") and variant not in ("", "normal"):
            element.text = styled_text(text, variant)
            if element.text != text:
                element.attrib.pop("mathvariant", None)
        for index, child in enumerate(list(element)):
            element[index] = self.finish(child, variant)
        operators = [child for child in element if child.tag.rpartition("}")[2] == "mo"]
        bars = [child for child in operators if child.text in ("|", "\u2016")]
        if bars and len(bars) % 2 == 0 and tag in ("mrow", "mtd", "mstyle"):  # |x| pairs act as fences
            for index, bar in enumerate(bars):
                bar.set("form", "postfix" if index % 2 else "prefix")
        previous = None
        for child in element:
            if child.tag.rpartition("}")[2] == "mo" and child.text in SIGNS and _opens_operand(previous):
                child.set("form", "prefix")  # a sign, not a binary operator: -x, = -x, (-x)
            previous = child
        if tag in LIMITS_BELOW and len(element) and element[0].tag.rpartition("}")[2] == "mo" \
                and element[0].text in LARGE_OPERATORS:
            element.tag = LIMITS_BELOW[tag]  # under and over in display style, beside otherwise
            element[0].set("movablelimits", "true")
        return element

    # -- the TeX latex2mathml sees

    def rewrite(self, nodes: list[Node]) -> str:
        out: list[str] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if isinstance(node, Group):
                out.append("{" + self.rewrite(node.children) + "}")
            elif isinstance(node, Environment):
                if node.name in EQUATIONS:
                    out.append("{" + self.rewrite(node.children) + "}")
                else:
                    out.append(self.slot(self.table(node)))
            elif node in TEXT_COMMANDS or node in ("\\operatorname", "\\mathrm", "\\tag", "\\eqref", "\\ref") \
                    or node in DROPPED:
                argument, starred, after = next_argument(nodes, i)
                replaced = self.command(node, argument, starred)
                if replaced is not None:
                    out.append(replaced)
                    i = after
                    continue
                out.append(node)
            elif node.startswith(SLOT):  # only placeholders made here may use the name
                raise ValueError(f"unknown command {node}")
            elif node[:1] == "\\" and node[1:].isspace():  # a control space, \\ + newline included
                out.append("\\ ")
            else:
                out.append(node)
            i += 1
        return "".join(out)

    def command(self, name: str, argument: Optional[Group], starred: bool) -> Optional[str]:
        """TeX (usually a placeholder) for ``name`` with its argument; None leaves it as it is."""
        if name in ("\\nonumber", "\\notag"):
            return ""
        if argument is None:
            return None
        text = plain_text(argument.children)
        if name == "\\label":
            self.row_labels.append(text)
            return ""
        if name == "\\tag":
            self.row_tags.append((text, starred))
            return ""
        if name in ("\\eqref", "\\ref"):
            shown = self.refs.get(text, text)
            return self.slot(_element("mtext", f"({shown})" if name == "\\eqref" else shown))
        if name in TEXT_COMMANDS:
            return self.slot(self.text(argument.children))
        if name == "\\operatorname" and not starred:
            return self.slot(_mrow(_element("mi", text.strip(), mathvariant="normal"),
                                   _element("mspace", width="0.1667em")))
        if name == "\\mathrm" and all(isinstance(n, str) and not n.startswith("\\") for n in argument.children):
            return self.slot(_element("mi", text.strip(), mathvariant="normal"))
        return None

    def text(self, nodes: list[Node]) -> Element:
        """``\\text{...}``: words as ``<mtext>``, ``$...$`` inside as math."""
        parts: list[Element] = []
        run: list[Node] = []
        in_math = False
        for node in [*nodes, "$"] if "$" in nodes else nodes:
            if node == "$":
                if in_math:
                    parts.append(self.math(run))
                elif run:
                    parts.append(_element("mtext", _keep_spaces(plain_text(run))))
                run, in_math = [], not in_math
            else:
                run.append(node)
        if run:
            parts.append(_element("mtext", _keep_spaces(plain_text(run))))
        return parts[0] if len(parts) == 1 else _mrow(*parts)

    # -- tables

    def table(self, env: Environment) -> Element:
        name = env.name
        body = env.children
        spec = ""
        if name in ("array", "alignat", "alignat*", "alignedat", "subarray"):
            argument, _, after = next_argument(body, -1)
            if argument is not None:
                spec = plain_text(argument.children)
                body = body[after:]
        if name not in ALIGNED | GATHERED | set(MATRICES) | {"eqnarray", "eqnarray*", "array", "subarray"}:
            raise ValueError(f"unsupported environment {name}")
        rows = split_table(body)
        row_rules = take_row_rules(rows)
        layouts, column_rules = parse_spec(spec)
        width = max([len(row) for row in rows] + [len(layouts) if any(column_rules) else 0])
        self.cells += len(rows) * width if any(column_rules) else sum(len(row) for row in rows)
        if self.cells > MAX_CELLS:  # counted before padding: a wide spec must not cost memory first
            raise ValueError("too many table cells")
        if any(column_rules):  # every row has every column, so a rule runs the table's height
            rows = [row + [[] for _ in range(len(layouts) - len(row))] for row in rows]
        outer = self.row_labels, self.row_tags  # a table inside a formula keeps the formula's tags
        built = []
        for cells in rows:
            self.row_labels, self.row_tags = [], []
            row = Element("mtr")
            for column, cell in enumerate(cells):
                layout = _layout(name, column, layouts)
                if layout == "align-left" and cell:
                    cell = [Group(), *cell]  # {}= keeps the relation's spacing, as TeX does
                row.append(self.cell(cell, layout))
            built.append((row, self.end_row()))
        self.row_labels, self.row_tags = outer
        table = Element("mtable")
        if name in DISPLAY_STYLE:  # MathML Core sets table cells in text style, like matrices
            table.set("displaystyle", "true")
        mark_rules(table, [row for row, _ in built], column_rules, row_rules)
        tagged = any(tags for _, tags in built)
        for row, tags in built:
            if tagged:
                row.append(self.cell_element(_element("mtext", tags), "tag"))
            table.append(row)
        opening, closing = MATRICES.get(name, ("", ""))
        if not (opening or closing):
            return table
        parts = []
        if opening:
            parts.append(_element("mo", opening, fence="true", form="prefix", stretchy="true", symmetric="true"))
        parts.append(table)
        if closing:
            parts.append(_element("mo", closing, fence="true", form="postfix", stretchy="true", symmetric="true"))
        return _mrow(*parts)

    def cell(self, nodes: list[Node], layout: str) -> Element:
        return self.cell_element(self.math(nodes), layout)

    @staticmethod
    def cell_element(content: Element, layout: str) -> Element:
        cell = Element("mtd", {CELL_ATTRIBUTE: layout})
        if layout in ("left", "right", "center"):
            cell.set("columnalign", layout)
        elif layout.startswith("align-"):
            cell.set("columnalign", layout[6:])
        cell.append(content)
        return cell


def _opens_operand(previous: Optional[Element]) -> bool:
    """Whether a sign after ``previous`` (None: first in its row) applies to what follows it."""
    if previous is None:
        return True
    if previous.tag.rpartition("}")[2] != "mo":
        return False
    if previous.get("form") in ("prefix", "postfix"):
        return previous.get("form") == "prefix"
    return (previous.text or "") not in (")", "]", "}", "|", "\u2016", "!", "\u2032")


def _layout(env: str, column: int, spec: list[str]) -> str:
    """A cell's alignment name (see ``CELL_STYLE``) by environment and column."""
    if env in ALIGNED:
        return "align-right" if column % 2 == 0 else "align-left"
    if env in ("eqnarray", "eqnarray*"):
        return ("right", "center", "left")[column] if column < 3 else "left"
    if env in ("cases", "dcases", "rcases"):
        return "left"
    if spec:
        return {"l": "left", "r": "right"}.get(spec[column] if column < len(spec) else spec[-1], "center")
    return "center"


def _keep_spaces(text: str) -> str:
    """Text for ``<mtext>`` whose spaces at either end survive HTML's whitespace rules."""
    stripped = text.strip(" ")
    if not stripped:
        return "\u00a0" if text else ""
    lead = "\u00a0" if text.startswith(" ") else ""
    trail = "\u00a0" if text.endswith(" ") else ""
    return lead + stripped + trail

