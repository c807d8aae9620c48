"""Where markdown source holds code (fences, indented lines, backtick spans), in linear time.

Used to leave ``attachment:`` URLs that are examples in code alone. A regular
expression with a back-reference (```(`+)[\\s\\S]*?\\1```) rescans the rest of the text
from every unclosed run of backticks; these scanners look at each character a bounded
number of times and pair backtick runs through an index of run lengths.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_BACKTICKS = re.compile(r"`+")


def _fence(line: str) -> tuple[str, int] | None:
    """(character, length) when ``line`` opens or may close a fence: up to three spaces,
    then three or more backticks or tildes."""
    stripped = line[: 3].lstrip(" ") + line[3:] if line.startswith(" ") else line
    if len(line) - len(stripped) > 3 or not stripped or stripped[0] not in "`~":
        return None
    char = stripped[0]
    run = len(stripped) - len(stripped.lstrip(char))
    return (char, run) if run >= 3 else None


def _block_ranges(source: str) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    offset, fence, fence_start = 0, None, 0
    for line in source.splitlines(keepends=True):
        end = offset + len(line)
        opened = _fence(line)
        if fence is not None:
            if opened and opened[0] == fence[0] and opened[1] >= fence[1]:
                ranges.append((fence_start, end))
                fence = None
        elif opened:
            fence, fence_start = opened, offset
        elif line.startswith(("    ", "\t")):
            ranges.append((offset, end))
        offset = end
    if fence is not None:
        ranges.append((fence_start, len(source)))
    return ranges


def code_ranges(source: str) -> list[tuple[int, int]]:
    """The (start, end) of every code block and code span, sorted by start."""
    blocks = _block_ranges(source)
    starts = [start for start, _ in blocks]
    runs = []
    for match in _BACKTICKS.finditer(source):
        index = bisect_right(starts, match.start()) - 1
        if index < 0 or match.start() >= blocks[index][1]:
            runs.append(match.span())
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    spans, index = [], 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        following = bisect_right(same, index)
        if following < len(same) and end < len(source):
            closing = same[following]
            spans.append((start, runs[closing][1]))
            index = closing + 1
        else:
            index += 1
    return sorted(blocks + spans)


class CodeRanges:
    """``position in ranges``: whether a position of the source lies in code."""

    def __init__(self, source: str) -> None:
        ranges = code_ranges(source)
        self._starts = [start for start, _ in ranges]
        self._reach: list[int] = []  # the furthest end of the ranges up to each index
        furthest = 0
        for _, end in ranges:
            furthest = max(furthest, end)
            self._reach.append(furthest)

    def __contains__(self, position: int) -> bool:
        index = bisect_right(self._starts, position) - 1
        return index >= 0 and self._reach[index] > position


__all__ = ["CodeRanges", "code_ranges"]
