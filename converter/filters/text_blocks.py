"""Plain-text building blocks for Markdown and scripts: code fences and comment lines."""

from __future__ import annotations

import re

_BACKTICK_RUNS = re.compile(r"`{3,}")


def fenced(code: str, language: str = "") -> str:
    """A Markdown fenced block whose fence is longer than any backtick run in ``code``."""
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(code)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{code.rstrip(chr(10))}\n{fence}"


def comment_lines(text: str, prefix: str = "#") -> str:
    """Every line of ``text`` as a comment; empty lines keep just the prefix."""
    return "\n".join(f"{prefix} {line}".rstrip() for line in text.strip("\n").split("\n"))
