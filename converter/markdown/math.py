"""A mistune plugin that keeps TeX math verbatim, so no markdown rule touches it.

Without it, ``$a_1 + b_1$`` turns into emphasis and ``\\\\`` loses a backslash before
MathJax (or LaTeX) ever sees the formula. Tokens keep their delimiters in ``raw``;
renderers only escape for their output format.

Notebook text is untrusted, so finding math is linear-time: the rules' regular
expressions match only an opening delimiter, and the closing one is looked up in an
index of every closer's positions, built once per source text (see ``Closers``). A
lazy ``\\([\\s\\S]+?\\)`` pattern instead rescans the rest of the text from every
unclosed opener: ``"\\(" * 200_000`` took minutes.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING, Any, Iterator, Match

if TYPE_CHECKING:
    from mistune import Markdown
    from mistune.block_parser import BlockParser
    from mistune.core import BlockState, InlineState
    from mistune.inline_parser import InlineParser


def _environment(group: str) -> str:
    """A ``\\begin{env}...\\end{env}`` pattern whose environment name is ``group``."""
    return r"\\begin\{(?P<" + group + r">[A-Za-z]+\*?)\}[\s\S]*?\\end\{(?P=" + group + r")\}"


# What the scanner below recognises, as one regular expression: the reference for its
# behaviour (tests compare the two), not for scanning untrusted text.
INLINE_MATH_PATTERN = (
    r"\$\$(?!\$)[\s\S]+?\$\$|"
    r"\$(?![\s$])(?:[^$\\]|\\[\s\S])+?(?<!\s)\$(?!\d)|"
    r"\\\([\s\S]+?\\\)|"
    r"\\\[[\s\S]+?\\\]|" + _environment("inline_math_env")
)

# Openers only: constant work per position. The closer is found by ``Closers``.
_INLINE_OPENING = (
    r"\$\$(?!\$)|\$(?![\s$])|\\\(|\\\[|\\begin\{(?P<inline_math_env>[A-Za-z]+\*?)\}"
)
_BLOCK_OPENING = r"^ {0,3}(?P<block_math_open>\$\$|\\\[|\\begin\{(?P<block_math_env>[A-Za-z]+\*?)\})"

# ``\$`` is a literal dollar sign that must not open or close math on the page either.
ESCAPED_DOLLAR_PATTERN = r"\\\$"

_SPACE = re.compile(r"\s")
_DIGIT = re.compile(r"\d")
_LINE_END = re.compile(r"[ \t]*(?:\n|\Z)")
_END_ENVIRONMENT = re.compile(r"\\end\{([A-Za-z]+\*?)\}")
_CLOSING = {"$$": "$$", "\\(": "\\)", "\\[": "\\]"}


class Closers:
    """Where each closing delimiter occurs in one text, found in one pass per kind.

    ``next(kind, start)`` is the first occurrence at or after ``start`` (a binary
    search), so every opener costs O(log n) however many are left unclosed. Kinds:
    ``"$$"``, ``"\\)"``, ``"\\]"``, ``"$"`` (not escaped by an odd run of backslashes),
    ``"end:NAME"`` for ``\\end{NAME}``; ``"line:"`` + a kind keeps only closers followed
    by the end of their line (block math).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._positions: dict[str, list[int]] = {}

    def next(self, kind: str, start: int) -> int | None:
        positions = self._positions.get(kind)
        if positions is None:
            positions = self._positions[kind] = self._find(kind)
        index = bisect_left(positions, start)
        return positions[index] if index < len(positions) else None

    def _find(self, kind: str) -> list[int]:
        text = self.text
        if kind.startswith("line:"):
            inner = kind[len("line:"):]
            width = len(_closing_text(inner))
            self.next(inner, 0)
            return [p for p in self._positions[inner] if _LINE_END.match(text, p + width)]
        if kind.startswith("end:"):
            if "end:" not in self._positions:  # every environment's closers in one pass
                self._positions["end:"] = []
                for match in _END_ENVIRONMENT.finditer(text):
                    self._positions.setdefault("end:" + match.group(1), []).append(match.start())
            return self._positions.get(kind, [])
        if kind == "$":
            return [p for p in _occurrences(text, "$") if not _escaped(text, p)]
        return list(_occurrences(text, kind))


def _closing_text(kind: str) -> str:
    return "\\end{" + kind[len("end:"):] + "}" if kind.startswith("end:") else kind


def _occurrences(text: str, needle: str) -> Iterator[int]:
    """Every start of ``needle`` in ``text``, overlapping ones included (``$$$``)."""
    position = text.find(needle)
    while position >= 0:
        yield position
        position = text.find(needle, position + 1)


def _escaped(text: str, position: int) -> bool:
    """Whether an odd run of backslashes stands right before ``position``."""
    run = 0
    while position - run > 0 and text[position - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _closers(state: Any) -> Closers:
    """The index of the text ``state`` parses; shared through the document's env."""
    cache = state.env.setdefault("_math_closers", {})
    found = cache.get(id(state.src))
    if found is None or found.text is not state.src:
        found = cache[id(state.src)] = Closers(state.src)
    return found


def inline_math_end(closers: Closers, opening: str, start: int, end: int) -> int | None:
    """The end of the inline math whose opener ``opening`` spans ``start:end``, or None."""
    text = closers.text
    if opening.startswith("\\begin"):
        kind = "end:" + opening[len("\\begin{"):-1]
        close = closers.next(kind, end)
    elif opening == "$":
        close = closers.next("$", end)
        if close is None or _SPACE.match(text, close - 1) or _DIGIT.match(text, close + 1):
            return None
        return close + 1
    else:
        kind = _CLOSING[opening]
        close = closers.next(kind, end + 1)  # at least one character of formula
    return None if close is None else close + len(_closing_text(kind))


def iter_math(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each inline-math span of ``text``, in linear time."""
    closers = Closers(text)
    opening = re.compile(_INLINE_OPENING)
    position = 0
    while True:
        match = opening.search(text, position)
        if match is None:
            return
        end = inline_math_end(closers, match.group(0), match.start(), match.end())
        if end is None:
            position = match.start() + 1
        else:
            yield match.start(), end
            position = end


def is_display(text: str) -> bool:
    """Whether math written with these delimiters is display (not inline) math."""
    return not (text.startswith("\\(") or (text.startswith("$") and not text.startswith("$$")))


def _fall_back(parser: Any, name: str, m: Match[str], state: Any) -> int | None:
    """What the rules after ``name`` make of the text at ``m`` (math did not close there)."""
    rules = parser.rules[parser.rules.index(name) + 1:]
    if not rules:
        return None
    other = parser.compile_sc(rules).match(state.src, m.start())
    return parser.parse_method(other, state) if other else None


def parse_block_math(block: "BlockParser", m: Match[str], state: "BlockState") -> int | None:
    opening = m.group("block_math_open")
    if opening.startswith("\\begin"):
        kind, start = "end:" + m.group("block_math_env"), m.end()
    else:
        kind, start = _CLOSING[opening], m.end() + 1
    closers = _closers(state)
    close = closers.next("line:" + kind, start)
    if close is None:
        return _fall_back(block, "block_math", m, state)
    close_end = close + len(_closing_text(kind))
    state.append_token({"type": "block_math", "raw": state.src[m.start("block_math_open"):close_end]})
    return _LINE_END.match(state.src, close_end).end()


def parse_inline_math(inline: "InlineParser", m: Match[str], state: "InlineState") -> int | None:
    end = inline_math_end(_closers(state), m.group(0), m.start(), m.end())
    if end is None:
        return _fall_back(inline, "inline_math", m, state)
    state.append_token({"type": "inline_math", "raw": state.src[m.start():end]})
    return end


def parse_escaped_dollar(inline: "InlineParser", m: Match[str], state: "InlineState") -> int:
    state.append_token({"type": "escaped_dollar", "raw": "$"})
    return m.end()


def strip_delimiters(text: str) -> str:
    """The formula without ``$``, ``$$``, ``\\(``, ``\\[``; environments stay whole."""
    for opening, closing in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if text.startswith(opening) and text.endswith(closing) and len(text) >= len(opening) + len(closing):
            return text[len(opening): len(text) - len(closing)].strip()
    return text


def math(md: "Markdown") -> None:
    """Register the math rules ahead of escapes and code spans, in blocks, quotes and lists;
    ``\\$`` becomes an ``escaped_dollar`` token that renderers keep out of math."""
    md.block.register("block_math", _BLOCK_OPENING, parse_block_math, before="list")
    for rules in (md.block.block_quote_rules, md.block.list_rules):
        md.block.insert_rule(rules, "block_math", before="list")
    # start_chars lets mistune skip plain text up to the next character that can open a rule
    md.inline.register("inline_math", _INLINE_OPENING, parse_inline_math, before="escape",
                       start_chars=("$", "\\"))
    md.inline.register("escaped_dollar", ESCAPED_DOLLAR_PATTERN, parse_escaped_dollar, before="escape",
                       start_chars="\\")
