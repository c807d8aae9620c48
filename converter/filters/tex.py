"""TeX read as far as the MathML renderer needs: formulas found in text, and a formula's groups.

Both scanners are linear in the input, whatever it holds (``"\\(" * 24000`` included):
math in text is found with ``str.find`` whose answers are remembered per closing
delimiter, and a formula is split into tokens by one regular expression without
backtracking, then nested by a loop with an explicit stack (no recursion, depth capped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Union

MAX_DEPTH = 60  # nested groups and environments in one formula
# Environments that are math on their own (outside $...$), as MathJax finds them.
MATH_ENVIRONMENTS = frozenset(
    name + star for star in ("", "*") for name in (
        "equation", "align", "alignat", "flalign", "eqnarray", "gather", "multline", "displaymath", "math",
    )
)

# An environment's name as the math finder and the tokenizer accept it.
_ENV_NAME = r"[A-Za-z]{1,20}\*?"
_BEGIN = re.compile(r"\\begin\s*\{(" + _ENV_NAME + r")\}")
_OPENER = re.compile(r"\$\$|\$|\\\(|\\\[|\\begin\s*\{(" + _ENV_NAME + r")\}|\\[\s\S]")

TOKEN = re.compile(
    r"(?P<begin>\\begin\s*\{(?P<bname>" + _ENV_NAME + r")\})"
    r"|(?P<end>\\end\s*\{(?P<ename>" + _ENV_NAME + r")\})"
    r"|(?P<cs>\\[A-Za-z]+|\\[\s\S])"
    r"|(?P<char>[{}&*$])"
    r"|(?P<text>[^\\{}&*$]+)"
)


ROW_ENDS = ("\\\\", "\\cr")
_ROW_SPACING = re.compile(r"\s*\[[^\]]{0,30}\]")


class TexError(ValueError):
    """TeX whose braces or environments do not pair up, or nest too deeply."""


def find_math(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each formula with its delimiters in ``text``, left to right.

    Delimiters: ``$$``, ``$``, ``\\(``, ``\\[`` and ``\\begin{env}``; ``\\$`` is a dollar.
    """
    next_closer: dict[str, int] = {}  # closing delimiter -> its first position at or after the last ask

    def closer(delimiter: str, start: int) -> int:
        known = next_closer.get(delimiter)
        if known is None or (known != -1 and known < start):
            known = text.find(delimiter, start)
            while delimiter == "$" and known > 0 and text[known - 1] == "\\":
                known = text.find(delimiter, known + 1)
            next_closer[delimiter] = known
        return known

    position = 0
    while True:
        match = _OPENER.search(text, position)
        if match is None:
            return
        opening = match.group(0)
        if match.group(1) in MATH_ENVIRONMENTS:
            closing = "\\end{" + match.group(1) + "}"
        else:
            closing = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}.get(opening)
        if closing is None:  # an escaped character such as \$, or a text environment
            position = match.end()
            continue
        end = closer(closing, match.end())
        if end == -1 or (opening == "$" and end == match.end()):
            position = match.end()
            continue
        yield match.start(), end + len(closing)
        position = end + len(closing)


Node = Union[str, "Group", "Environment"]


@dataclass
class Group:
    """``{...}``: its tokens and nested nodes."""

    children: list[Node] = field(default_factory=list)


@dataclass
class Environment:
    """``\\begin{name}...\\end{name}``."""

    name: str
    children: list[Node] = field(default_factory=list)


def parse(tex: str) -> list[Node]:
    """The formula's top-level nodes: strings (one token each), groups and environments."""
    root: list[Node] = []
    stack: list[Group | Environment] = []
    current = root
    for match in TOKEN.finditer(tex):
        if match["begin"]:
            node: Group | Environment = Environment(match["bname"])
        elif match["char"] == "{":
            node = Group()
        elif match["char"] == "}" or match["end"]:
            closing_env = match["ename"]
            if not stack or (closing_env is None) != isinstance(stack[-1], Group) or (
                    closing_env is not None and stack[-1].name != closing_env):
                raise TexError(f"unbalanced {match.group(0)!r}")
            stack.pop()
            current = stack[-1].children if stack else root
            continue
        else:
            current.append(match.group(0))
            continue
        if len(stack) >= MAX_DEPTH:
            raise TexError("nested too deeply")
        current.append(node)
        stack.append(node)
        current = node.children
    if stack:
        raise TexError("unclosed group or environment")
    return root


def unparse(nodes: list[Node]) -> str:
    """The TeX of ``nodes`` again (whitespace inside begin/end normalised)."""
    out: list[str] = []
    _unparse(nodes, out)
    return "".join(out)


def _unparse(nodes: list[Node], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Group):
            out.append("{")
            _unparse(node.children, out)
            out.append("}")
        else:
            out.append("\\begin{" + node.name + "}")
            _unparse(node.children, out)
            out.append("\\end{" + node.name + "}")


def plain_text(nodes: list[Node]) -> str:
    """The characters of ``nodes`` without braces or commands (spacing commands as spaces)."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            if node.startswith("\\"):
                out.append(" " if node in ("\\,", "\\;", "\\:", "\\ ", "\\quad", "\\qquad") else
                           node[1:] if len(node) == 2 and not node[1].isalpha() else "")
            else:
                out.append(node)
        else:
            out.append(plain_text(node.children))
    return "".join(out)


def split_table(nodes: list[Node]) -> list[list[list[Node]]]:
    """An environment body as rows of cells: ``\\\\`` (or ``\\cr``) ends a row, ``&`` a cell.

    A row end's spacing argument (``\\\\[2pt]``) is dropped, and so is a last row with
    nothing in it (a trailing ``\\\\``).
    """
    rows: list[list[list[Node]]] = [[[]]]
    after_row_end = False
    for node in nodes:
        if node in ROW_ENDS:
            rows.append([[]])
            after_row_end = True
            continue
        if after_row_end and isinstance(node, str):
            spacing = _ROW_SPACING.match(node)
            if spacing:
                node = node[spacing.end():]
            after_row_end = not node
            if not node:
                continue
        after_row_end = False
        if node == "&":
            rows[-1].append([])
        else:
            rows[-1][-1].append(node)
    last = rows[-1]
    if len(rows) > 1 and len(last) == 1 and not unparse(last[0]).strip():
        rows.pop()
    return rows


def next_argument(nodes: list[Node], index: int) -> tuple[Group | None, bool, int]:
    """The group argument after ``nodes[index]``: (group or None, starred, index after it)."""
    i = index + 1
    starred = False
    while i < len(nodes) and isinstance(nodes[i], str) and (nodes[i].isspace() or nodes[i] == "*"):
        starred = starred or nodes[i] == "*"
        i += 1
    if i < len(nodes) and isinstance(nodes[i], Group):
        return nodes[i], starred, i + 1  # type: ignore[return-value]
    return None, starred, index + 1
