"""A mistune plugin that keeps TeX math verbatim, so no markdown rule touches it.

Without it, ``$a_1 + b_1$`` turns into emphasis and ``\\\\`` loses a backslash before
MathJax (or LaTeX) ever sees the formula. Tokens keep their delimiters in ``raw``;
renderers only escape for their output format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Match

if TYPE_CHECKING:
    from mistune import Markdown
    from mistune.block_parser import BlockParser
    from mistune.core import BlockState, InlineState
    from mistune.inline_parser import InlineParser

def _environment(group: str) -> str:
    """A ``\\begin{env}...\\end{env}`` pattern whose environment name is ``group``."""
    return r"\\begin\{(?P<" + group + r">[A-Za-z]+\*?)\}[\s\S]*?\\end\{(?P=" + group + r")\}"


BLOCK_MATH_PATTERN = (
    r"^ {0,3}(?P<block_math_text>\$\$[\s\S]+?\$\$|\\\[[\s\S]+?\\\]|"
    + _environment("block_math_env")
    + r")[ \t]*(?:\n|$)"
)

INLINE_MATH_PATTERN = (
    r"\$\$(?!\$)[\s\S]+?\$\$|"
    r"\$(?![\s$])(?:[^$\\]|\\[\s\S])+?(?<!\s)\$(?!\d)|"
    r"\\\([\s\S]+?\\\)|"
    r"\\\[[\s\S]+?\\\]|" + _environment("inline_math_env")
)


# ``\$`` is a literal dollar sign that must not open or close math on the page either.
ESCAPED_DOLLAR_PATTERN = r"\\\$"


def is_display(text: str) -> bool:
    """Whether math written with these delimiters is display (not inline) math."""
    return not (text.startswith("\\(") or (text.startswith("$") and not text.startswith("$$")))


def parse_block_math(block: "BlockParser", m: Match[str], state: "BlockState") -> int:
    state.append_token({"type": "block_math", "raw": m.group("block_math_text")})
    return m.end()


def parse_inline_math(inline: "InlineParser", m: Match[str], state: "InlineState") -> int:
    state.append_token({"type": "inline_math", "raw": m.group(0)})
    return m.end()


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
    md.block.register("block_math", BLOCK_MATH_PATTERN, parse_block_math, before="list")
    for rules in (md.block.block_quote_rules, md.block.list_rules):
        md.block.insert_rule(rules, "block_math", before="list")
    # start_chars lets mistune skip plain text up to the next character that can open a rule
    md.inline.register("inline_math", INLINE_MATH_PATTERN, parse_inline_math, before="escape",
                       start_chars=("$", "\\"))
    md.inline.register("escaped_dollar", ESCAPED_DOLLAR_PATTERN, parse_escaped_dollar, before="escape",
                       start_chars="\\")
