"""Math that MathJax accepts, rewritten into TeX that xelatex accepts.

Most MathJax-only commands get a TeX meaning in the LaTeX preamble (``\\style``,
``\\class``, ``\\bbox``, ``\\LaTeX`` in math, ...). The two that need their arguments
read are rewritten here:

- ``\\unicode{x263A}`` (or a decimal number, with an optional ``[font]``) becomes
  ``\\text{\\symbol{9786}}``;
- ``\\newcommand``, ``\\renewcommand`` and ``\\def`` inside a formula define the macro
  for the whole document, as in MathJax, instead of for that formula only: each becomes
  ``\\gdef`` with the same parameters (``\\newcommand{\\f}[2]{...}`` -> ``\\gdef\\f#1#2{...}``).

One left-to-right pass; argument reading skips balanced braces, so the work is linear
in the formula's length. Anything that does not parse is left as written: the PDF
exporter shows a formula that still fails as its source.
"""

from __future__ import annotations

import re

_UNICODE = re.compile(r"\\unicode\s*(?:\[[^\]\n]{0,200}\]\s*)?\{\s*(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})\s*\}")
_DEFINE = re.compile(r"\\(?:re)?newcommand\b|\\def(?=\\)")
_SPACE = re.compile(r"\s*")
_NAME = re.compile(r"\\[A-Za-z]+|\\.")
_COUNT = re.compile(r"\[\s*[0-9]\s*\]")
_BRACE_TOKENS = re.compile(r"\\.|[{}]", re.S)


def tex_compatible(math: str) -> str:
    """``math`` with MathJax-only constructs made TeX; unchanged when it has none."""
    if "\\unicode" in math:
        math = _UNICODE.sub(_unicode_symbol, math)
    if "\\newcommand" in math or "\\renewcommand" in math or "\\def" in math:
        math = _global_definitions(math)
    return math


def balanced_braces(tex: str) -> bool:
    """Whether every unescaped ``{`` in ``tex`` is closed, and no ``}`` closes nothing."""
    if "{" not in tex and "}" not in tex:
        return True
    depth = 0
    for token in _BRACE_TOKENS.findall(tex):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _unicode_symbol(match: re.Match) -> str:
    code = match.group(1)
    number = int(code[1:], 16) if code[0] == "x" else int(code)
    if not 0 < number <= 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return match.group()
    return f"\\text{{\\symbol{{{number}}}}}"


def _group_end(text: str, start: int) -> int:
    """The index after the brace group opening at ``start``, or -1 when it never closes."""
    depth = 0
    index = start
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return -1


def _definition(text: str, start: int, is_def: bool) -> tuple[int, str] | None:
    """``\\newcommand{\\name}[n]{body}`` or ``\\def\\name#1{body}`` read from ``start`` (just
    after the command) as its end and a global ``\\gdef`` of the same macro; None when
    it does not parse or has an optional argument's default (left as written)."""
    index = _SPACE.match(text, start).end()
    if is_def:
        name = _NAME.match(text, index)
        if not name:
            return None
        brace = text.find("{", name.end())
        if brace < 0 or "}" in text[name.end():brace]:
            return None
        end = _group_end(text, brace)
        return (end, "\\gdef" + text[index:end]) if end > 0 else None
    if text.startswith("{", index):
        close = _group_end(text, index)
        name_text = text[index + 1:close - 1].strip() if close > 0 else ""
        index = close
    else:
        name = _NAME.match(text, index)
        name_text, index = (name.group(), name.end()) if name else ("", -1)
    if index < 0 or not _NAME.fullmatch(name_text):
        return None
    index = _SPACE.match(text, index).end()
    count = _COUNT.match(text, index)
    arguments = 0
    if count:
        arguments = int(count.group()[1:-1])
        index = _SPACE.match(text, count.end()).end()
        if text.startswith("[", index):
            return None
    if not text.startswith("{", index):
        return None
    end = _group_end(text, index)
    if end < 0:
        return None
    parameters = "".join(f"#{number}" for number in range(1, arguments + 1))
    return end, f"\\gdef{name_text}{parameters}{text[index:end]}"


def _global_definitions(math: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _DEFINE.finditer(math):
        if match.start() < position:
            continue  # inside a definition already rewritten
        found = _definition(math, match.end(), match.group().startswith("\\def"))
        if found is None:
            break  # unreadable: what follows could not be read reliably either
        end, definition = found
        parts.append(math[position:match.start()])
        parts.append(definition)
        position = end
    parts.append(math[position:])
    return "".join(parts)


# Preamble lines giving MathJax-only commands a TeX meaning.
PREAMBLE = r"""
\makeatletter
\NewCommandCopy\nb@LaTeX\LaTeX
\NewCommandCopy\nb@TeX\TeX
\DeclareRobustCommand{\LaTeX}{\ifmmode\text{\nb@LaTeX}\else\nb@LaTeX\fi}
\DeclareRobustCommand{\TeX}{\ifmmode\text{\nb@TeX}\else\nb@TeX\fi}
\providecommand{\style}[2]{#2}
\providecommand{\class}[2]{#2}
\providecommand{\cssId}[2]{#2}
\providecommand{\enclose}[1]{\nb@enclose}
\newcommand{\nb@enclose}[2][]{\boxed{#2}}
\makeatother
""".strip()
