"""Tracing an xelatex error back to the formula, raw LaTeX and cell it came from.

With ``LatexDocument.markers`` on, each formula and raw LaTeX output sits between
``%nbconv-inline{`` / ``%nbconv-inline}`` (or ``block``) comment lines, and each cell
starts with ``%nbconv-cell N TOTAL``: comments, so TeX never sees them. Given the line
of the .tex file an error names, ``locate`` finds the innermost fragment around it and
the cell it belongs to; ``replace`` swaps that fragment for its source, shown verbatim
with a note, so the rest of the document can still be typeset.

Markers are paired with one linear scan (a stack), so a notebook that forges marker
comments in its own raw LaTeX can only confuse the mapping, never slow it down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from converter.filters.latex import escape_latex, escape_verbatim

_INLINE_CLOSING = re.compile(r"\$\$|\$|\\\)|\\\]")
_CELL = re.compile(r"^%nbconv-cell (\d+) (\d+)$", re.M)
# Fragment markers may follow text on their line; an escaped ``\%`` is no marker.
_MARKER = re.compile(r"(?<!\\)%nbconv-(?:(inline|block)([{}])|cell (\d+) (\d+))$", re.M)


@dataclass
class Fragment:
    kind: str          # inline or block
    start: int         # offset of the first character after the opening marker line
    end: int           # offset after the closing marker (and an inline formula's delimiter)
    first_line: int    # 1-based lines of the .tex file the fragment spans
    last_line: int


@dataclass
class Located:
    fragment: Fragment | None
    cell: tuple[int, int] | None  # (1-based index, number of cells)


def fragments(tex: str) -> list[Fragment]:
    """Every marked fragment of ``tex``, in order (nested ones too), with its lines."""
    counted = [0, 1]  # offset counted up to, and the line there

    def line_of(offset: int) -> int:
        counted[1] += tex.count("\n", counted[0], offset)
        counted[0] = offset
        return counted[1]

    open_markers: list[tuple[str, int, int]] = []
    found: list[Fragment] = []
    for match in _MARKER.finditer(tex):
        if match.group(3):
            continue
        marker_line = line_of(match.start())
        kind, brace = match.group(1), match.group(2)
        if brace == "{":
            open_markers.append((kind, match.end() + 1, marker_line + 1))
        elif open_markers and open_markers[-1][0] == kind:
            _, start, first_line = open_markers.pop()
            # An inline formula's closing delimiter is on the line after its marker.
            last_line = marker_line + (kind == "inline")
            found.append(Fragment(kind, start, _closing_end(tex, match.end(), kind), first_line, last_line))
    return found


def locate(tex: str, line: int) -> Located:
    """The innermost fragment spanning ``line`` (1-based) and the cell that holds it."""
    best: Fragment | None = None
    for fragment in fragments(tex):
        if fragment.first_line <= line <= fragment.last_line and (
                best is None or fragment.first_line >= best.first_line):
            best = fragment
    cell: tuple[int, int] | None = None
    for match in _CELL.finditer(tex, 0, _offset_of_line(tex, line)):
        cell = (int(match.group(1)), int(match.group(2)))
    return Located(best, cell)


def _offset_of_line(tex: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = tex.find("\n", offset) + 1
        if offset == 0:
            return len(tex)
    return offset


def without_markers(text: str) -> str:
    """``text`` (a fragment's source) without the marker comments."""
    return _MARKER.sub("", text)


def _closing_end(tex: str, marker_end: int, kind: str) -> int:
    """Where a fragment ends: after its closing marker's line, and for inline math after
    the delimiter that follows it there."""
    end = marker_end + 1
    if kind == "inline":
        delimiter = _INLINE_CLOSING.match(tex, end)
        end = delimiter.end() if delimiter else end
    return end


def replace(tex: str, chosen: list[Fragment]) -> str:
    """``tex`` with each of the ``chosen`` fragments (not nested in one another) shown as
    its source instead of typeset."""
    pieces, position = [], 0
    for fragment in sorted(chosen, key=lambda fragment: fragment.start):
        if fragment.start < position:
            continue  # inside one already replaced
        pieces += [tex[position:fragment.start], _shown(tex, fragment)]
        position = fragment.end
    pieces.append(tex[position:])
    return "".join(pieces)


def _shown(tex: str, fragment: Fragment) -> str:
    source = _MARKER.sub("", tex[fragment.start:fragment.end]).strip("\n")
    if fragment.kind == "inline":
        return "\\nbtexsource{\\texttt{" + escape_latex(" ".join(source.split())) + "}}"
    return "\\par\\nbtexsource{}\n\\begin{NBOutput}\n" + escape_verbatim(source) + "\n\\end{NBOutput}\n"


def cell_label(cell: tuple[int, int] | None) -> str:
    """``cell 3 of 12: `` for messages, or nothing outside any cell (the preamble)."""
    return f"cell {cell[0]} of {cell[1]}: " if cell else ""
