"""Rules in TeX tables: ``|`` in an array's column spec, ``\\hline`` at the start of a row.

MathML says where they go with ``columnlines``, ``rowlines`` and ``frame`` on ``<mtable>``;
MathML Core (Chromium) ignores those attributes, so each cell also carries the sides it
draws (``nbconv-rules``: letters of ``RULE_STYLE``) and the serializer writes CSS borders.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from converter.filters.tex import Node

RULE_ATTRIBUTE = "nbconv-rules"
# Only these fixed strings are ever written into a style attribute.
RULE_STYLE = {"l": "border-left:1px solid", "r": "border-right:1px solid",
              "t": "border-top:1px solid", "b": "border-bottom:1px solid"}
HLINE = "\\hline"
# A column letter of an array spec and the alignment it stands for (p, m, b: a left-set paragraph).
COLUMN_LETTERS = {"l": "l", "c": "c", "r": "r", "p": "l", "m": "l", "b": "l"}


def parse_spec(spec: str) -> tuple[list[str], list[bool]]:
    """An array's column spec (``c|c``, ``|l|p{3cm}|``) as alignment letters, one per column,
    and per column boundary (before the first ... after the last) whether ``|`` draws a rule.
    Braced arguments (``p{3cm}``, ``@{}``) are skipped."""
    letters: list[str] = []
    lines = [False]
    depth = 0
    for char in spec:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth:
            continue
        elif char in COLUMN_LETTERS:
            letters.append(COLUMN_LETTERS[char])
            lines.append(False)
        elif char == "|":
            lines[-1] = True
    return letters, lines


def take_row_rules(rows: list[list[list[Node]]]) -> list[bool]:
    """Removes each row's leading ``\\hline`` (and a last row holding only one); returns, per row
    boundary (above the first row ... below the last), whether a rule is drawn there."""
    lines = []
    for row in rows:
        cell = row[0]
        start = 0
        while start < len(cell) and (cell[start] == HLINE or (isinstance(cell[start], str) and not cell[start].strip())):
            start += 1
        lines.append(HLINE in cell[:start])
        row[0] = cell[start:]
    if len(rows) > 1 and lines[-1] and rows[-1] == [[]]:
        rows.pop()  # "... \\ \hline" at the end: a rule under the table, not an empty row
    else:
        lines.append(False)
    return lines


def mark_rules(table: ElementTree.Element, rows: list[ElementTree.Element], columns: list[bool],
               lines: list[bool]) -> None:
    """Sets the MathML attributes on ``table`` and the sides each cell of ``rows`` draws."""
    def values(flags: list[bool]) -> str:
        return " ".join("solid" if flag else "none" for flag in flags)

    if any(columns[1:-1]):
        table.set("columnlines", values(columns[1:-1]))
    if any(lines[1:-1]):
        table.set("rowlines", values(lines[1:-1]))
    if columns[0] and columns[-1] and lines[0] and lines[-1]:
        table.set("frame", "solid")
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            sides = ("l" if c == 0 and columns[0] else "") + ("r" if c + 1 < len(columns) and columns[c + 1] else "")
            sides += ("t" if r == 0 and lines[0] else "") + ("b" if lines[r + 1] else "")
            if sides:
                cell.set(RULE_ATTRIBUTE, sides)
